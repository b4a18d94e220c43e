"""Fixtures for the emulator's own tests: started emulators, an API client and OpenAPI validators."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from spotify_assets.emulator import EmulatorConfig, SpotifyEmulator

DAY = date(2026, 11, 20)
NEXT_DAY = date(2026, 11, 21)
CLIENT_ID = EmulatorConfig.client_id
CLIENT_SECRET = EmulatorConfig.client_secret
SPEC_PATH = Path(
    os.environ.get(
        "SPOTIFY_OPENAPI_SPEC",
        Path(__file__).resolve().parents[3] / "shared" / "spotify-openapi" / "fixed-spotify-open-api.yml",
    )
)
SPEC_URI = "urn:spotify-web-api"
# Fields Spotify stopped sending to Development-Mode apps, though its spec still marks them required.
DEV_MODE_DROPPED_REQUIRED = {"AlbumBase": {"available_markets"}, "AlbumObject": {"label", "popularity"}}


class OpenApi:
    """Validates bodies against components of Spotify's OpenAPI spec, $refs resolved."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self._registry = Registry().with_resource(SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT4))

    def errors(self, body: Any, component: str) -> list[str]:
        """``component`` is e.g. ``"schemas/AlbumObject"`` or ``"responses/PagedAlbums"``."""
        kind, name = component.split("/")
        pointer = f"#/components/{kind}/{name}" + ("/content/application~1json/schema" if kind == "responses" else "")
        validator = OAS30Validator({"$ref": SPEC_URI + pointer}, registry=self._registry)
        return [_located(e.absolute_path, e.message) for e in validator.iter_errors(body)]

    def assert_valid(self, body: Any, component: str) -> None:
        assert self.errors(body, component) == []


def _located(path: Any, message: str) -> str:
    location = "/".join(map(str, path))
    return f"{location}: {message}" if location else message


@dataclass(frozen=True)
class Schemas:
    full: OpenApi
    dev_mode: OpenApi


@pytest.fixture(scope="session")
def schemas() -> Schemas:
    if not SPEC_PATH.is_file():
        pytest.skip(f"Spotify OpenAPI spec not found at {SPEC_PATH} (set SPOTIFY_OPENAPI_SPEC)")
    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    relaxed = copy.deepcopy(spec)
    for name, dropped in DEV_MODE_DROPPED_REQUIRED.items():
        schema = relaxed["components"]["schemas"][name]
        schema["required"] = [field for field in schema["required"] if field not in dropped]
    return Schemas(full=OpenApi(spec), dev_mode=OpenApi(relaxed))


class ApiClient:
    """A requests session that fetches a token and calls /v1 paths of one emulator."""

    def __init__(self, emulator: SpotifyEmulator) -> None:
        self.emulator = emulator
        self.session = requests.Session()
        self.token = self.new_token()

    def new_token(self) -> str:
        response = self.session.post(
            self.emulator.token_url, data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET)
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def get(self, path: str, token: str | None = None, **params: Any) -> requests.Response:
        """GET ``api_base_url + path``; ``token`` defaults to the client's own."""
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return self.session.get(self.emulator.api_base_url + path, headers=headers, params=params, timeout=10)

    def get_url(self, url: str) -> requests.Response:
        return self.session.get(url, headers={"Authorization": f"Bearer {self.token}"}, timeout=10)

    def ok(self, path: str, **params: Any) -> Any:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()


EmulatorFactory = Callable[..., SpotifyEmulator]


@pytest.fixture
def start_emulator() -> Iterator[EmulatorFactory]:
    """Starts emulators fixed on DAY (override with ``today=``); all are stopped afterwards."""
    started: list[SpotifyEmulator] = []

    def start(**config: Any) -> SpotifyEmulator:
        emulator = SpotifyEmulator(EmulatorConfig(**{"today": DAY, **config})).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def api(start_emulator: EmulatorFactory) -> ApiClient:
    """A client of a fault-free, full-mode emulator with the default catalog, fixed on DAY."""
    return ApiClient(start_emulator())
