"""Real emulators on 127.0.0.1 (one per test, configured by the test) and clients pointed at them."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date
from typing import Any

import pytest

from spotify_assets.emulator import Catalog, CatalogConfig, EmulatorConfig, FaultConfig, SpotifyEmulator
from spotify_assets.spotify_api import AlbumRef, ClientSettings, RawPage, SpotifyClient

DAY = date(2026, 11, 20)
CREDENTIALS = EmulatorConfig()  # the emulator's default client id / secret

StartEmulator = Callable[..., SpotifyEmulator]
Connect = Callable[..., SpotifyClient]


@pytest.fixture
def start_emulator() -> Iterator[StartEmulator]:
    """Start an emulator serving DAY: ``start_emulator(albums_per_day=..., faults=..., **config)``."""
    with ExitStack() as stack:

        def start(albums_per_day: int = 100, faults: dict[str, Any] | None = None, **config: Any) -> SpotifyEmulator:
            emulator_config = EmulatorConfig(
                catalog=CatalogConfig(albums_per_day=albums_per_day), faults=FaultConfig(**(faults or {})), **config
            )
            emulator = stack.enter_context(SpotifyEmulator(emulator_config))
            emulator.set_today(DAY)
            return emulator

        yield start


@pytest.fixture
def connect() -> Iterator[Connect]:
    """A client for an emulator, with quick backoff so retry tests stay fast: ``connect(emu, **settings)``."""
    with ExitStack() as stack:

        def make(emulator: SpotifyEmulator, **settings: Any) -> SpotifyClient:
            defaults = {
                "api_base_url": emulator.api_base_url,
                "token_url": emulator.token_url,
                "client_id": CREDENTIALS.client_id,
                "client_secret": CREDENTIALS.client_secret,
                "backoff_base_s": 0.01,
                "backoff_max_s": 0.05,
            }
            return stack.enter_context(SpotifyClient(ClientSettings(**{**defaults, **settings})))

        yield make


def fetch_day(client: SpotifyClient) -> tuple[list[RawPage], list[RawPage]]:
    """What the raw assets do: the release listing, then every listed album's tracks."""
    releases = list(client.iter_new_release_pages())
    albums = [AlbumRef(item["id"], item["total_tracks"]) for item in release_items(releases)]
    return releases, list(client.iter_album_track_pages(albums))


def release_items(pages: list[RawPage]) -> list[dict[str, Any]]:
    return [item for page in pages for item in page.json()["albums"]["items"]]


def track_ids_by_album(pages: list[RawPage]) -> dict[str, list[str]]:
    """Each album's track ids in order, assembled from batches and extra pages in any order."""
    chunks: dict[str, dict[int, list[str]]] = defaultdict(dict)
    for page in pages:
        document = page.json()
        if page.kind == "albums_batch":
            for album in document["albums"]:
                chunks[album["id"]][0] = [track["id"] for track in album["tracks"]["items"]]
        else:
            chunks[page.album_id][page.offset] = [track["id"] for track in document["items"]]
    return {album: [t for offset in sorted(parts) for t in parts[offset]] for album, parts in chunks.items()}


def catalog_track_ids(catalog: Catalog, day: date = DAY) -> dict[str, list[str]]:
    return {album: [t["id"] for t in catalog.tracks(album, day)] for album in catalog.new_release_ids(day, "US")}


def minimal_request_count(catalog: Catalog, day: date = DAY, page_limit: int = 50) -> int:
    """The fewest requests that can fetch a day in full mode: 1 token, the listing pages, the
    albums?ids= batches of 20, and ceil((total - 50) / 50) extra track pages per long album."""
    ids = catalog.new_release_ids(day, "US")
    totals = [catalog.album(album, day)["total_tracks"] for album in ids]
    extra_pages = sum(math.ceil((total - 50) / 50) for total in totals if total > 50)
    return 1 + math.ceil(len(ids) / page_limit) + math.ceil(len(ids) / 20) + extra_pages
