"""Malformed or unexpected API data: a correct result or a RawDataError naming the field and where
it came from; what the API sent is kept, and nothing is half-committed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from spotify_assets.emulator import EmulatorConfig, SpotifyEmulator
from spotify_assets.landing.land import land_album_tracks, land_new_releases, layout, snapshot_keys
from spotify_assets.landing.layout import RawDataError
from spotify_assets.landing.releases import album_refs_from_release_pages
from spotify_assets.resources.object_store import LocalObjectStore
from spotify_assets.resources.storage import RAW
from spotify_assets.spotify_api import AlbumRef, RawPage
from spotify_assets.tables.day import local_snapshot_files
from spotify_assets.tables.flatten import load_snapshot
from spotify_assets_tests.platform.conftest import DAY, materialize_day, platform_resources, table_fingerprints

URL = "https://api.example/v1/browse/new-releases?offset={}"


def release_page(*items: Any) -> bytes:
    return json.dumps({"albums": {"items": list(items)}}).encode()


def album(album_id: Any, total_tracks: Any = 10) -> dict[str, Any]:
    return {"id": album_id, "total_tracks": total_tracks, "name": f"album {album_id}"}


class FakeClient:
    """Yields the given pages as the API would; fails after them if ``then_fail`` is set."""

    def __init__(self, pages: list[RawPage], then_fail: Exception | None = None) -> None:
        self.pages, self.then_fail = pages, then_fail

    def _pages(self) -> Iterator[RawPage]:
        yield from self.pages
        if self.then_fail is not None:
            raise self.then_fail

    def iter_new_release_pages(self) -> Iterator[RawPage]:
        return self._pages()

    def iter_album_track_pages(self, albums: Iterable[AlbumRef]) -> Iterator[RawPage]:
        return self._pages()


def release_pages(*bodies: bytes) -> list[RawPage]:
    return [RawPage("new_releases", URL.format(i * 50), body, offset=i * 50) for i, body in enumerate(bodies)]


# ----- pure: the listing -> album refs ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (release_page(album("a"), {"total_tracks": 3}), r"page-x: albums\.items\[1\]\.id is missing"),
        (release_page(album("a"), album(7)), r"page-x: albums\.items\[1\]\.id is missing or not a string"),
        (release_page(album("a", "12")), r"page-x: albums\.items\[0\]\.total_tracks is '12'"),
        (release_page(album("a", True)), r"page-x: albums\.items\[0\]\.total_tracks is True"),
        (release_page(album("a", -1)), r"page-x: albums\.items\[0\]\.total_tracks is -1"),
        (release_page("a"), r"page-x: albums\.items\[0\] is str"),
        (b'{"albums": {"items": [', r"page-x: body is not valid JSON"),
        (b'{"albums": {"items": {}}}', r"page-x: expected albums\.items to be a list"),
        (b"[]", r"page-x: expected albums\.items to be a list"),
    ],
)
def test_bad_listing_items_raise_naming_field_and_page(body: bytes, message: str) -> None:
    with pytest.raises(RawDataError, match=message):
        album_refs_from_release_pages([("page-x", body)])


def test_null_items_are_skipped_and_duplicates_across_pages_kept_once_in_first_position() -> None:
    pages = [
        ("p0", release_page(album("a", 1), None, album("b", 2))),
        ("p1", release_page(album("b", 2), None, album("c", 3))),
    ]
    assert album_refs_from_release_pages(pages) == [AlbumRef("a", 1), AlbumRef("b", 2), AlbumRef("c", 3)]


# ----- landing: pages kept, manifest only when everything was right --------------------------


def test_landing_a_bad_page_keeps_every_page_received_and_writes_no_manifest(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path, RAW)
    good, bad = release_page(album("a"), album("b")), release_page(album("c"), album(None))
    with pytest.raises(RawDataError, match=r"new_releases/date=2026-11-20/page-0001\.json: albums\.items\[1\]\.id"):
        land_new_releases(FakeClient(release_pages(good, bad)), store, DAY, "emulator")
    assert store.read(layout.release_page_key(DAY, 0)) == good
    assert store.read(layout.release_page_key(DAY, 1)) == bad
    assert store.read(layout.manifest_key(layout.NEW_RELEASES, DAY)) is None


def test_landing_non_json_body_keeps_it_byte_for_byte_and_writes_no_manifest(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path, RAW)
    body = b"<html>502 Bad Gateway</html>"
    with pytest.raises(RawDataError, match=r"page-0000\.json: body is not valid JSON"):
        land_new_releases(FakeClient(release_pages(body)), store, DAY, "emulator")
    assert store.read(layout.release_page_key(DAY, 0)) == body
    assert store.read(layout.manifest_key(layout.NEW_RELEASES, DAY)) is None


def test_landing_dedupes_albums_repeated_across_pages(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path, RAW)
    pages = release_pages(release_page(album("a"), album("b")), release_page(album("b"), album("c")))
    manifest = land_new_releases(FakeClient(pages), store, DAY, "emulator")
    assert manifest.album_count == 3 and len(manifest.pages) == 2


def test_an_api_failure_mid_listing_keeps_pages_received_and_writes_no_manifest(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path, RAW)
    good = release_page(album("a"))
    with pytest.raises(ConnectionError):
        land_new_releases(FakeClient(release_pages(good), then_fail=ConnectionError("reset")), store, DAY, "emulator")
    assert store.read(layout.release_page_key(DAY, 0)) == good
    assert store.read(layout.manifest_key(layout.NEW_RELEASES, DAY)) is None


def test_album_batch_of_the_wrong_shape_keeps_the_page_and_writes_no_manifest(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path, RAW)
    body = json.dumps({"albums": {"a": {}}}).encode()
    page = RawPage("albums_batch", "https://api.example/v1/albums?ids=a", body, batch_index=0)
    with pytest.raises(RawDataError, match=r"albums\?ids=a: expected 'albums' to be a list"):
        land_album_tracks(FakeClient([page]), store, DAY, "emulator", [AlbumRef("a", 1)], {})
    assert store.read(layout.albums_batch_key(DAY, 0)) == body
    assert store.read(layout.manifest_key(layout.ALBUM_TRACKS, DAY)) is None


def test_albums_missing_from_the_answers_fail_naming_them_and_write_no_manifest(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path, RAW)
    body = json.dumps({"albums": [{"id": "a", "tracks": {"items": []}}, None]}).encode()
    page = RawPage("albums_batch", "https://api.example/v1/albums?ids=a,b", body, batch_index=0)
    with pytest.raises(RawDataError, match=r"no tracks for 1 of 2 albums .*first: b"):
        land_album_tracks(FakeClient([page]), store, DAY, "emulator", [AlbumRef("a", 0), AlbumRef("b", 3)], {})
    assert store.read(layout.albums_batch_key(DAY, 0)) == body
    assert store.read(layout.manifest_key(layout.ALBUM_TRACKS, DAY)) is None


# ----- DuckDB: a wrong-typed field fails the load instead of dropping or nulling rows ---------


def _first_track(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["albums"][0]["tracks"]["items"][0]


def _set(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda doc: _first_track(doc).__setitem__(field, value)


def _replace_first_track(value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda doc: doc["albums"][0]["tracks"]["items"].__setitem__(0, value)


def _set_artist_id(doc: dict[str, Any]) -> None:
    _first_track(doc)["artists"][0]["id"] = 7


def _tracks_not_a_list(doc: dict[str, Any]) -> None:
    doc["albums"][0]["tracks"]["items"] = {"0": _first_track(doc)}


CORRUPTIONS = {
    "duration_ms as text": (_set("duration_ms", "long"), r"duration_ms is VARCHAR, expected BIGINT"),
    "id as number": (_set("id", 5), r"id is missing or not a string"),
    "explicit as text": (_set("explicit", "yes"), r"explicit is VARCHAR, expected BOOLEAN"),
    "track as string": (_replace_first_track("oops"), r"is VARCHAR, not an object"),
    "artist id as number": (_set_artist_id, r"artists\[\*\].*id is UBIGINT, expected VARCHAR"),
    "items as object": (_tracks_not_a_list, r"tracks\.items is OBJECT, expected ARRAY"),
}


@pytest.fixture(scope="module")
def clean_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A day materialized once, cleanly (raw folder + DuckDB file); tests work on copies."""
    folder = tmp_path_factory.mktemp("clean-day")
    with SpotifyEmulator(EmulatorConfig()) as emulator:
        assert materialize_day(platform_resources(emulator, folder), DAY).success
    return folder


@pytest.fixture
def landed_day(clean_day: Path, tmp_path: Path) -> tuple[LocalObjectStore, str]:
    """A private copy of the clean day: its raw store and DuckDB file."""
    folder = Path(shutil.copytree(clean_day, tmp_path / "day"))
    return LocalObjectStore(folder / "raw", RAW), str(folder / "spotify.duckdb")


def _reload(store: LocalObjectStore, database: str, day: date) -> dict[str, int]:
    keys = snapshot_keys(store, day)
    all_keys = [*keys.release_pages, *keys.track_keys()]
    with store.local_paths(all_keys) as paths, duckdb.connect(database) as conn:
        return load_snapshot(conn, day, local_snapshot_files(keys, dict(zip(all_keys, paths, strict=False))))


@pytest.mark.parametrize("corruption", list(CORRUPTIONS), ids=list(CORRUPTIONS))
def test_wrong_typed_track_fields_fail_the_load_naming_file_and_field(
    landed_day: tuple[LocalObjectStore, str], corruption: str
) -> None:
    store, database = landed_day
    before = table_fingerprints(database, DAY)
    mutate, message = CORRUPTIONS[corruption]
    key = layout.albums_batch_key(DAY, 0)
    doc = json.loads(store.read(key) or b"")
    mutate(doc)
    store.write(key, json.dumps(doc).encode())
    with pytest.raises(RawDataError, match=rf"albums-batch-00000\.json: .*{message}"):
        _reload(store, database, DAY)
    assert table_fingerprints(database, DAY) == before, "a failed load must leave the day's rows as they were"


def test_reloading_an_unchanged_snapshot_is_a_no_op(landed_day: tuple[LocalObjectStore, str]) -> None:
    """The control for the test above: the shape checks accept what the API really sends."""
    store, database = landed_day
    before = table_fingerprints(database, DAY)
    _reload(store, database, DAY)
    assert table_fingerprints(database, DAY) == before
