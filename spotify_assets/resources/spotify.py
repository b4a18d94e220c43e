"""The Dagster resources in front of the Spotify client: one per backend, one shared interface.

``SpotifyResource`` is what assets ask for: a ``SpotifyClient`` per run, which day's snapshot the
API serves, and where the data comes from. Two backends implement it (as Dagster's
project_fully_featured example does with its Hacker News client):

- ``EmulatorSpotifyResource`` (the default): the embedded emulator, started on 127.0.0.1 for the
  run — no credentials, no internet — or an emulator already running at ``api_base_url``. It is a
  time machine: it can serve any day's new releases, so backfills fetch that day's data.
- ``SpotifyApiResource``: the real Web API with an app's client credentials. It serves only
  today's (UTC) snapshot.

Outside Dagster (tests, benchmarks, a notebook) build the client directly::

    with EmulatorSpotifyResource(albums_per_day=20).build_client() as client:
        pages = list(client.iter_new_release_pages())
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime
from typing import ClassVar, Literal
from urllib.parse import urlsplit

import dagster as dg
import requests
from pydantic import PrivateAttr, field_validator

from spotify_assets.emulator import CatalogConfig, EmulatorConfig, FaultConfig, SpotifyEmulator
from spotify_assets.landing.unavailable import DEFAULT_MAX_UNAVAILABLE_SHARE
from spotify_assets.resources.env import env_field
from spotify_assets.spotify_api import ClientSettings, SpotifyClient, SpotifyConfigError, SpotifyError
from spotify_assets.spotify_api.models import MAX_PAGE_LIMIT

Backend = Literal["emulator", "spotify"]
# Defaults of the client's behaviour are the pure client's own (ClientSettings), not repeated here.
_CLIENT = ClientSettings()


def _absolute_http_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL such as http://127.0.0.1:8765/v1")
    return value


class SpotifyResource(dg.ConfigurableResource["SpotifyResource"], ABC):
    """Spotify Web API access for the raw assets; the settings every backend shares."""

    backend: ClassVar[Backend]

    market: str = env_field(
        _CLIENT.market,
        env="SPOTIFY_MARKET",
        description="Market (ISO 3166-1 alpha-2) sent with every request: client-credentials tokens have no country",
    )
    page_limit: int = env_field(
        _CLIENT.page_limit, env="SPOTIFY_PAGE_LIMIT", ge=1, le=MAX_PAGE_LIMIT, description="Page size of listings"
    )
    max_workers: int = env_field(
        _CLIENT.max_workers, env="SPOTIFY_MAX_WORKERS", ge=1, description="Requests in flight at once"
    )
    max_attempts: int = env_field(
        _CLIENT.max_attempts,
        env="SPOTIFY_MAX_ATTEMPTS",
        ge=1,
        description="Sends per request on 5xx, connection errors or truncated bodies",
    )
    backoff_base_s: float = env_field(
        _CLIENT.backoff_base_s,
        env="SPOTIFY_BACKOFF_BASE_S",
        ge=0,
        allow_inf_nan=False,
        description="Base of the full-jitter backoff between transient-failure retries",
    )
    backoff_max_s: float = env_field(
        _CLIENT.backoff_max_s,
        env="SPOTIFY_BACKOFF_MAX_S",
        ge=0,
        allow_inf_nan=False,
        description="Longest single backoff between transient-failure retries",
    )
    max_retry_after_s: float = env_field(
        _CLIENT.max_retry_after_s,
        env="SPOTIFY_MAX_RETRY_AFTER_S",
        ge=0,
        allow_inf_nan=False,
        description="Longest single 429 wait; a longer Retry-After fails fast with its value",
    )
    max_total_wait_s: float = env_field(
        _CLIENT.max_total_wait_s,
        env="SPOTIFY_MAX_TOTAL_WAIT_S",
        ge=0,
        allow_inf_nan=False,
        description="Total 429 waiting allowed per run step",
    )
    token_refresh_margin_s: float = env_field(
        _CLIENT.token_refresh_margin_s,
        env="SPOTIFY_TOKEN_REFRESH_MARGIN_S",
        ge=0,
        allow_inf_nan=False,
        description="Refresh the access token this long before it expires (and once more on a 401)",
    )
    rate_limit_requests: int | None = env_field(
        _CLIENT.rate_limit_requests,
        env="SPOTIFY_RATE_LIMIT_REQUESTS",
        ge=1,
        description="Pace to at most this many requests per rate_limit_window_s (off when unset: Spotify publishes no limit)",
    )
    rate_limit_window_s: float = env_field(
        _CLIENT.rate_limit_window_s,
        env="SPOTIFY_RATE_LIMIT_WINDOW_S",
        gt=0,
        allow_inf_nan=False,
        description="Rolling window of rate_limit_requests (Spotify's is 30 s)",
    )
    max_unavailable_share: float = env_field(
        DEFAULT_MAX_UNAVAILABLE_SHARE,
        env="SPOTIFY_MAX_UNAVAILABLE_SHARE",
        ge=0,
        le=1,
        allow_inf_nan=False,
        description=(
            "Share (0..1) of a day's listed albums that may be unavailable (pulled, not in the market) "
            "and the day still land; above it the day fails naming them"
        ),
    )

    _client: SpotifyClient | None = PrivateAttr(default=None)
    _resources: ExitStack | None = PrivateAttr(default=None)

    @field_validator("market")
    @classmethod
    def _check_market(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise ValueError("must be a two-letter country code in capitals (ISO 3166-1 alpha-2), e.g. US")
        return value

    @property
    def source(self) -> Backend:
        """Where the data comes from, as recorded in raw manifests."""
        return self.backend

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._resources = ExitStack()
        self._client = self._resources.enter_context(self.build_client())

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._resources is not None:
            self._resources.close()
        self._client = self._resources = None

    def get_client(self) -> SpotifyClient:
        """The run's client (shared by the assets of the run, so its stats add up)."""
        if self._client is None:
            raise SpotifyConfigError(
                "SpotifyResource.get_client() works during a Dagster run; "
                "elsewhere use `with resource.build_client() as client:`"
            )
        return self._client

    @contextmanager
    def build_client(self) -> Iterator[SpotifyClient]:
        """A client for this configuration, with whatever the backend needs started for its life
        (and stopped after). What ``setup_for_execution`` uses; usable without Dagster."""
        with ExitStack() as stack:
            connection = self._connect(stack)
            yield stack.enter_context(SpotifyClient(connection, log=dg.get_dagster_logger("spotify")))

    @abstractmethod
    def _connect(self, stack: ExitStack) -> ClientSettings:
        """Start what the backend needs (closed with ``stack``) and return the client's settings."""

    @abstractmethod
    def select_snapshot_day(self, requested: date) -> date:
        """Make the API serve ``requested``'s new releases where it can, and return the day it will serve."""

    def _client_settings(self, api_base_url: str, token_url: str, client_id: str, client_secret: str) -> ClientSettings:
        return ClientSettings(
            api_base_url=api_base_url,
            token_url=token_url,
            client_id=client_id,
            client_secret=client_secret,
            market=self.market,
            page_limit=self.page_limit,
            max_workers=self.max_workers,
            max_attempts=self.max_attempts,
            backoff_base_s=self.backoff_base_s,
            backoff_max_s=self.backoff_max_s,
            max_retry_after_s=self.max_retry_after_s,
            max_total_wait_s=self.max_total_wait_s,
            token_refresh_margin_s=self.token_refresh_margin_s,
            rate_limit_requests=self.rate_limit_requests,
            rate_limit_window_s=self.rate_limit_window_s,
        )


class SpotifyApiResource(SpotifyResource):
    """The real Spotify Web API, with an app's client credentials (read as ``dg.EnvVar``s)."""

    backend: ClassVar[Backend] = "spotify"

    client_id: str = env_field(env="SPOTIFY_CLIENT_ID", secret=True, description="App client id")
    client_secret: str = env_field(
        env="SPOTIFY_CLIENT_SECRET", secret=True, repr=False, description="App client secret"
    )
    api_base_url: str = env_field(_CLIENT.api_base_url, env="SPOTIFY_API_BASE_URL", description="Web API base URL")
    token_url: str = env_field(
        _CLIENT.token_url, env="SPOTIFY_TOKEN_URL", description="Accounts service token endpoint"
    )

    _check_urls = field_validator("api_base_url", "token_url")(_absolute_http_url)

    def _connect(self, stack: ExitStack) -> ClientSettings:
        given = {"SPOTIFY_CLIENT_ID": _resolved(self.client_id), "SPOTIFY_CLIENT_SECRET": _resolved(self.client_secret)}
        if missing := [name for name, value in given.items() if not value]:
            raise SpotifyConfigError(
                "backend 'spotify' needs app credentials: set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET "
                f"(missing: {', '.join(missing)})"
            )
        return self._client_settings(
            self.api_base_url, self.token_url, given["SPOTIFY_CLIENT_ID"] or "", given["SPOTIFY_CLIENT_SECRET"] or ""
        )

    def select_snapshot_day(self, requested: date) -> date:
        """Spotify serves only today's (UTC) new releases, whatever was requested."""
        return datetime.now(UTC).date()


class EmulatorSpotifyResource(SpotifyResource):
    """The Spotify emulator: embedded (started for the run) or, with ``api_base_url``, one already running."""

    backend: ClassVar[Backend] = "emulator"

    api_base_url: str | None = env_field(
        None,
        env="SPOTIFY_API_BASE_URL",
        description="An emulator already running (e.g. `spotify-emulator`); unset: start one",
    )
    token_url: str | None = env_field(
        None, env="SPOTIFY_TOKEN_URL", description="Its token endpoint; default <origin>/api/token"
    )
    client_id: str | None = env_field(
        None, env="SPOTIFY_CLIENT_ID", secret=True, description="Credentials the emulator accepts; default its own"
    )
    client_secret: str | None = env_field(
        None,
        env="SPOTIFY_CLIENT_SECRET",
        secret=True,
        repr=False,
        description="Credentials the emulator accepts; default its own",
    )
    seed: int = env_field(
        CatalogConfig.seed, env="SPOTIFY_EMULATOR_SEED", ge=0, description="Embedded emulator: catalog seed"
    )
    albums_per_day: int = env_field(
        CatalogConfig.albums_per_day,
        env="SPOTIFY_EMULATOR_ALBUMS_PER_DAY",
        ge=1,
        description="Embedded emulator: new releases per day",
    )
    dev_mode: bool = env_field(
        False, env="SPOTIFY_EMULATOR_DEV_MODE", description="Embedded emulator: answer like a Development-Mode app"
    )
    latency_ms: float = env_field(
        0.0,
        env="SPOTIFY_EMULATOR_LATENCY_MS",
        ge=0,
        allow_inf_nan=False,
        description="Embedded emulator: latency added to every request",
    )
    failing_days: list[str] = env_field(
        [],
        env="SPOTIFY_EMULATOR_FAILING_DAYS",
        description="Embedded emulator: days (comma-separated YYYY-MM-DD) it answers 503 to every API request",
    )

    _check_urls = field_validator("api_base_url", "token_url")(_absolute_http_url)

    @field_validator("failing_days", mode="before")
    @classmethod
    def _split_days(cls, value: object) -> object:
        """The variable holds 'YYYY-MM-DD,YYYY-MM-DD'; each part must be a date."""
        if not isinstance(value, str):
            return value
        days = [part.strip() for part in value.split(",") if part.strip()]
        for day in days:
            try:
                date.fromisoformat(day)
            except ValueError:
                raise ValueError("must be comma-separated dates (YYYY-MM-DD)") from None
        return days

    _emulator: SpotifyEmulator | None = PrivateAttr(default=None)

    @property
    def embedded(self) -> bool:
        return self.api_base_url is None

    def catalog_config(self) -> CatalogConfig:
        return CatalogConfig(seed=self.seed, albums_per_day=self.albums_per_day)

    def _connect(self, stack: ExitStack) -> ClientSettings:
        client_id, client_secret = _resolved(self.client_id), _resolved(self.client_secret)
        if self.api_base_url is not None:
            defaults = EmulatorConfig()
            return self._client_settings(
                self.api_base_url,
                self.token_url or f"{_origin(self.api_base_url)}/api/token",
                client_id or defaults.client_id,
                client_secret or defaults.client_secret,
            )
        defaults = EmulatorConfig()
        config = EmulatorConfig(
            catalog=self.catalog_config(),
            faults=FaultConfig(
                latency_ms=self.latency_ms, failing_days=tuple(date.fromisoformat(d) for d in self.failing_days)
            ),
            dev_mode=self.dev_mode,
            client_id=client_id or defaults.client_id,
            client_secret=client_secret or defaults.client_secret,
        )
        emulator = self._emulator = stack.enter_context(SpotifyEmulator(config))
        stack.callback(setattr, self, "_emulator", None)
        return self._client_settings(emulator.api_base_url, emulator.token_url, config.client_id, config.client_secret)

    def select_snapshot_day(self, requested: date) -> date:
        """Set the emulator's clock to ``requested`` (it serves any day), so backfills get that day."""
        if self.api_base_url is not None:
            self._set_external_clock(requested)
        elif self._emulator is not None:
            self._emulator.set_today(requested)
        else:
            raise SpotifyConfigError("the embedded emulator runs only during execution or inside build_client()")
        return requested

    def _set_external_clock(self, day: date) -> None:
        url = f"{_origin(self.api_base_url or '')}/_emulator/clock"
        try:
            response = requests.put(url, json={"today": day.isoformat()}, timeout=10)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise SpotifyError(f"could not set the emulator's clock to {day} at {url} ({exc})") from exc


def _resolved(value: str | None) -> str | None:
    return value.get_value() if isinstance(value, dg.EnvVar) else value


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
