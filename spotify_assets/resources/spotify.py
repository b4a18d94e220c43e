"""The Dagster resource in front of the Spotify client: picks the backend and owns its lifetime.

``backend="emulator"`` (the default) needs no credentials and no internet: without an
``api_base_url`` it starts the embedded emulator on 127.0.0.1 for the run. ``backend="spotify"``
talks to the real API and needs ``SPOTIFY_CLIENT_ID`` / ``SPOTIFY_CLIENT_SECRET``. Both base URLs
can be overridden to point at any compatible server.

Outside Dagster (tests, benchmarks, a notebook) build the client directly::

    with SpotifyResource(emulator_albums_per_day=20).build_client() as client:
        pages = list(client.iter_new_release_pages())
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, timezone
from urllib.parse import urlsplit

import dagster as dg
import requests
from pydantic import Field, PrivateAttr

from spotify_assets.emulator import CatalogConfig, EmulatorConfig, FaultConfig, SpotifyEmulator
from spotify_assets.resources.spotify_api import ClientSettings, SpotifyClient, SpotifyConfigError, SpotifyError

EMULATOR = "emulator"
SPOTIFY = "spotify"
BACKENDS = (EMULATOR, SPOTIFY)


class SpotifyResource(dg.ConfigurableResource):
    """Spotify Web API access for the raw assets: a ``SpotifyClient`` per run, plus the emulator's clock."""

    backend: str = Field(default=EMULATOR, description="'emulator' (embedded or external emulator) or 'spotify' (real API)")
    client_id: str | None = Field(default=None, description="App client id; required for 'spotify' (SPOTIFY_CLIENT_ID)")
    client_secret: str | None = Field(
        default=None, repr=False, description="App client secret; required for 'spotify' (SPOTIFY_CLIENT_SECRET)"
    )
    api_base_url: str | None = Field(
        default=None, description="API base URL; for 'emulator', setting it uses that server instead of starting one"
    )
    token_url: str | None = Field(default=None, description="Token endpoint; defaults to the backend's own")
    market: str = Field(default="US", description="Market sent with every request (tokens carry no country)")
    page_limit: int = Field(default=50, description="Page size for listings (1..50)")
    max_workers: int = Field(default=8, description="Requests in flight at once, across all threads")
    max_attempts: int = Field(default=5, description="Sends per request on 5xx, connection errors or truncated bodies")
    backoff_base_s: float = Field(default=0.25, description="Base of the full-jitter backoff between transient-failure retries")
    backoff_max_s: float = Field(default=8.0, description="Longest single backoff between transient-failure retries")
    max_retry_after_s: float = Field(default=60.0, description="Longest single 429 wait; a longer Retry-After fails fast")
    max_total_wait_s: float = Field(default=300.0, description="Total 429 waiting allowed per run")
    token_refresh_margin_s: float = Field(default=60.0, description="Refresh the access token this long before it expires")
    rate_limit_requests: int | None = Field(
        default=None,
        description="Pace requests to at most this many per rate_limit_window_s (off when unset: Spotify does not publish its limit)",
    )
    rate_limit_window_s: float = Field(default=30.0, description="Rolling window of rate_limit_requests (Spotify's is 30 s)")
    emulator_seed: int = Field(default=42, description="Embedded emulator: catalog seed")
    emulator_albums_per_day: int = Field(default=100, description="Embedded emulator: new releases per day")
    emulator_dev_mode: bool = Field(default=False, description="Embedded emulator: behave like a Development-Mode app")
    emulator_latency_ms: float = Field(default=0.0, description="Embedded emulator: added latency per request")
    emulator_failing_days: list[str] = Field(
        default_factory=list, description="Embedded emulator: days (YYYY-MM-DD) it answers 503 to every API request"
    )

    _client: SpotifyClient | None = PrivateAttr(default=None)
    _emulator: SpotifyEmulator | None = PrivateAttr(default=None)
    _resources: ExitStack | None = PrivateAttr(default=None)

    @property
    def source(self) -> str:
        """Where the data comes from: "emulator" or "spotify" (recorded in raw manifests)."""
        if self.backend not in BACKENDS:
            raise SpotifyConfigError(
                f"SpotifyResource.backend must be 'emulator' or 'spotify', got {self.backend!r} (SPOTIFY_BACKEND)"
            )
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
        """A client for this configuration, starting (and finally stopping) the embedded emulator if
        it is the backend. What ``setup_for_execution`` uses; usable without Dagster."""
        with ExitStack() as stack:
            if self.source == EMULATOR and not self.api_base_url:
                config = self._embedded_emulator_config()
                emulator = self._emulator = stack.enter_context(SpotifyEmulator(config))
                stack.callback(setattr, self, "_emulator", None)
                settings = self._settings(emulator.api_base_url, emulator.token_url, config.client_id, config.client_secret)
            else:
                settings = self._remote_settings()
            yield stack.enter_context(SpotifyClient(settings, log=dg.get_dagster_logger("spotify")))

    def snapshot_date(self, requested: date) -> date:
        """The date whose new-releases snapshot the API serves now.

        Spotify only ever serves today's (UTC), whatever was requested. The emulator is a time
        machine: its clock is set to ``requested`` so backfills get that day's releases.
        """
        if self.source == SPOTIFY:
            return datetime.now(timezone.utc).date()
        if self._emulator is not None:
            self._emulator.set_today(requested)
        elif self.api_base_url:
            self._set_external_emulator_clock(requested)
        else:
            raise SpotifyConfigError("the embedded emulator runs only during execution or inside build_client()")
        return requested

    def _remote_settings(self) -> ClientSettings:
        """Settings for a server we did not start: real Spotify, or an emulator running elsewhere."""
        client_id, client_secret = _resolved(self.client_id), _resolved(self.client_secret)
        if self.source == SPOTIFY:
            given = {"SPOTIFY_CLIENT_ID": client_id, "SPOTIFY_CLIENT_SECRET": client_secret}
            if missing := [name for name, value in given.items() if not value]:
                raise SpotifyConfigError(
                    "backend 'spotify' needs app credentials: set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET "
                    f"(missing: {', '.join(missing)})"
                )
            return self._settings(
                self.api_base_url or ClientSettings.api_base_url,
                self.token_url or ClientSettings.token_url,
                client_id or "",
                client_secret or "",
            )
        api_base_url = self.api_base_url or ""
        defaults = EmulatorConfig()
        return self._settings(
            api_base_url,
            self.token_url or f"{_origin(api_base_url)}/api/token",
            client_id or defaults.client_id,
            client_secret or defaults.client_secret,
        )

    def _settings(self, api_base_url: str, token_url: str, client_id: str, client_secret: str) -> ClientSettings:
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

    def _embedded_emulator_config(self) -> EmulatorConfig:
        """The embedded emulator accepts the configured credentials, or its own defaults."""
        credentials = {"client_id": _resolved(self.client_id), "client_secret": _resolved(self.client_secret)}
        return EmulatorConfig(
            catalog=CatalogConfig(seed=self.emulator_seed, albums_per_day=self.emulator_albums_per_day),
            faults=FaultConfig(
                latency_ms=self.emulator_latency_ms,
                failing_days=tuple(date.fromisoformat(day) for day in self.emulator_failing_days),
            ),
            dev_mode=self.emulator_dev_mode,
            **{name: value for name, value in credentials.items() if value},
        )

    def _set_external_emulator_clock(self, day: date) -> None:
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
