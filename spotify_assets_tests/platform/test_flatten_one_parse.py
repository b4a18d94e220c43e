"""load_snapshot parses each raw file once and checks shapes in that same parse: what it must still
catch (naming file, item and field), what it must accept without the slow precise validator, and
the rules it keeps (first listing position, tracks kept once, first credit position)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from spotify_assets.landing.layout import RawDataError
from spotify_assets.tables import flatten
from spotify_assets.tables.flatten import RawSnapshotFiles, load_snapshot

DAY = date(2026, 11, 20)


def artist(n: int) -> dict[str, Any]:
    return {
        "id": f"ar{n}",
        "name": f"Artist {n}",
        "uri": f"spotify:artist:ar{n}",
        "type": "artist",
        "external_urls": {"spotify": f"https://open.spotify.com/artist/ar{n}"},
    }


def track(album: str, n: int, *artists: int) -> dict[str, Any]:
    return {
        "id": f"{album}t{n}",
        "name": f'Track {n} \u00e9 "q"',
        "disc_number": 1,
        "track_number": n,
        "duration_ms": 1000 * n,
        "explicit": n % 2 == 0,
        "is_local": False,
        "uri": f"spotify:track:{album}t{n}",
        "external_urls": {"spotify": f"https://open.spotify.com/track/{album}t{n}"},
        "artists": [artist(a) for a in artists or (1,)],
        "available_markets": ["US", "GB", "FR"],
        "external_ids": {"isrc": "X"},
        "type": "track",
    }


def listed(album: str, *artists: int) -> dict[str, Any]:
    return {
        "id": album,
        "name": f"Album {album}",
        "album_type": "album",
        "total_tracks": 3,
        "release_date": "2026-11",
        "release_date_precision": "month",
        "uri": f"spotify:album:{album}",
        "external_urls": {"spotify": f"https://open.spotify.com/album/{album}"},
        "images": [{"url": f"https://img/{album}", "width": 640, "height": 640}],
        "artists": [artist(a) for a in artists or (1,)],
        "available_markets": ["US"],
    }


def full(album: str, tracks: list[Any]) -> dict[str, Any]:
    return {
        **listed(album),
        "label": "Label",
        "popularity": 42,
        "external_ids": {"upc": "0123"},
        "copyrights": [{"text": "c", "type": "C"}],
        "genres": [],
        "tracks": {"items": tracks, "total": len(tracks), "limit": 50, "offset": 0, "next": None},
    }


def day(tmp_path: Path) -> dict[str, Any]:
    """A small day: two pages listing albA, albB (albA twice), a batch with both, one extra page of albA."""
    return {
        "page-0000.json": {"albums": {"items": [listed("albA", 1, 2), None, listed("albB", 3)]}},
        "page-0001.json": {"albums": {"items": [listed("albA", 1, 2)]}},
        "albums-batch-00000.json": {
            "albums": [
                full("albA", [track("albA", 1, 1, 2, 1), track("albA", 2), None]),
                full("albB", [track("albB", 1, 3)]),
            ]
        },
        "tracks-albA-00003.json": {"items": [track("albA", 3, 2), track("albA", 4)], "next": None},
    }


def write(tmp_path: Path, documents: dict[str, Any]) -> RawSnapshotFiles:
    for name, doc in documents.items():
        (tmp_path / name).write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False))
    paths = {name: str(tmp_path / name) for name in documents}
    batches = [p for n, p in paths.items() if n.startswith("albums-batch-")]
    return RawSnapshotFiles(
        release_pages=sorted(p for n, p in paths.items() if n.startswith("page-")),
        albums_batches=batches,
        track_pages=[p for n, p in paths.items() if n.startswith("tracks-")],
        album_sources=[(b, a) for b in batches for a in ("albA", "albB")]
        + [(p, n.split("-")[1]) for n, p in paths.items() if n.startswith("tracks-")],
    )


def load(tmp_path: Path, documents: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    load_snapshot(conn, DAY, write(tmp_path, documents))
    return conn


@pytest.fixture
def no_precise_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_: Any) -> None:
        raise AssertionError("the one-parse checks found a clean file suspect")

    monkeypatch.setattr(flatten, "reject_malformed_items", fail)


def test_clean_day_loads_with_the_rules_kept_and_no_precise_validation(
    tmp_path: Path, no_precise_validator: None
) -> None:
    conn = load(tmp_path, day(tmp_path))
    assert conn.execute(
        "SELECT album_id, position, release_date_start, label, popularity, upc, image_url, "
        "available_market_count FROM albums ORDER BY position"
    ).fetchall() == [
        ("albA", 0, date(2026, 11, 1), "Label", 42, "0123", "https://img/albA", 1),
        ("albB", 1, date(2026, 11, 1), "Label", 42, "0123", "https://img/albB", 1),
    ]
    assert conn.execute(
        "SELECT track_id, album_id, name, duration_ms, explicit, available_market_count FROM tracks ORDER BY track_id"
    ).fetchall() == [
        ("albAt1", "albA", 'Track 1 \u00e9 "q"', 1000, False, 3),
        ("albAt2", "albA", 'Track 2 \u00e9 "q"', 2000, True, 3),
        ("albAt3", "albA", 'Track 3 \u00e9 "q"', 3000, False, 3),
        ("albAt4", "albA", 'Track 4 \u00e9 "q"', 4000, True, 3),
        ("albBt1", "albB", 'Track 1 \u00e9 "q"', 1000, False, 3),
    ]
    # artist 1 credited twice on albAt1: first place only
    assert conn.execute(
        "SELECT artist_id, artist_position FROM track_artists WHERE track_id = 'albAt1' ORDER BY artist_position"
    ).fetchall() == [("ar1", 0), ("ar2", 1)]
    assert conn.execute("SELECT album_id, artist_id, artist_position FROM album_artists ORDER BY ALL").fetchall() == [
        ("albA", "ar1", 0),
        ("albA", "ar2", 1),
        ("albB", "ar3", 0),
    ]
    assert conn.execute("SELECT artist_id, name, uri FROM artists ORDER BY ALL").fetchall() == [
        ("ar1", "Artist 1", "spotify:artist:ar1"),
        ("ar2", "Artist 2", "spotify:artist:ar2"),
        ("ar3", "Artist 3", "spotify:artist:ar3"),
    ]


def test_development_mode_day_without_optional_fields_needs_no_precise_validation(
    tmp_path: Path, no_precise_validator: None
) -> None:
    documents = day(tmp_path)
    for doc in documents.values():
        for item in [*doc.get("albums", {}).get("items", [])] if isinstance(doc.get("albums"), dict) else []:
            if item:
                item.pop("available_markets")
        for album in doc["albums"] if isinstance(doc.get("albums"), list) else []:
            for key in ("available_markets", "label", "popularity"):
                album.pop(key)
            for t in album["tracks"]["items"]:
                if t:
                    t.pop("available_markets")
        for t in doc.get("items", []):
            t.pop("available_markets")
    conn = load(tmp_path, documents)
    assert conn.execute("SELECT count(*), count(label), count(available_market_count) FROM albums").fetchall() == [
        (2, 0, 0)
    ]
    assert conn.execute("SELECT count(*), count(available_market_count) FROM tracks").fetchall() == [(5, 0)]


def test_a_track_listed_in_two_albums_is_kept_once_under_the_smallest_album_id(tmp_path: Path) -> None:
    documents = day(tmp_path)
    documents["albums-batch-00000.json"]["albums"][1]["tracks"]["items"].append(track("albA", 2))
    conn = load(tmp_path, documents)
    assert conn.execute("SELECT album_id FROM tracks WHERE track_id = 'albAt2'").fetchall() == [("albA",)]
    assert conn.execute("SELECT count(*) FROM tracks").fetchall() == [(5,)]


def test_an_empty_external_urls_is_accepted_after_the_precise_check(tmp_path: Path) -> None:
    documents = day(tmp_path)
    documents["tracks-albA-00003.json"]["items"][0]["external_urls"] = {}
    conn = load(tmp_path, documents)
    assert conn.execute("SELECT spotify_url FROM tracks WHERE track_id = 'albAt3'").fetchall() == [(None,)]


def _set(path: list[Any], value: Any):
    def mutate(documents: dict[str, Any]) -> None:
        node = documents
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


BAD = {
    "listing total_tracks as text": (
        _set(["page-0001.json", "albums", "items", 0, "total_tracks"], "12"),
        r"page-0001\.json: item 0 of \$\.albums\.items\[\*\] \(id albA\): total_tracks is VARCHAR, expected BIGINT",
    ),
    "listing artist id as number": (
        _set(["page-0000.json", "albums", "items", 2, "artists", 0, "id"], 7),
        r"page-0000\.json: item 2 of \$\.albums\.items\[\*\]\.artists\[\*\] \(id 7\): id is UBIGINT, expected VARCHAR",
    ),
    "listing images as object": (
        _set(["page-0000.json", "albums", "items", 0, "images"], {"url": "x"}),
        r"page-0000\.json: .*images is OBJECT, expected ARRAY",
    ),
    "album popularity as real": (
        _set(["albums-batch-00000.json", "albums", 1, "popularity"], 4.5),
        r"albums-batch-00000\.json: item 1 of \$\.albums\[\*\] \(id albB\): popularity is DOUBLE, expected BIGINT",
    ),
    "album upc as number": (
        _set(["albums-batch-00000.json", "albums", 0, "external_ids", "upc"], 123),
        r"albums-batch-00000\.json: .*external_ids\.upc is UBIGINT, expected VARCHAR",
    ),
    "track markets as text": (
        _set(["albums-batch-00000.json", "albums", 1, "tracks", "items", 0, "available_markets"], "US"),
        r"albums-batch-00000\.json: .*available_markets is VARCHAR, expected ARRAY",
    ),
    "track explicit as number": (
        _set(["albums-batch-00000.json", "albums", 0, "tracks", "items", 1, "explicit"], 1),
        r"albums-batch-00000\.json: item 1 of .*explicit is UBIGINT, expected BOOLEAN",
    ),
    "track name as object": (
        _set(["tracks-albA-00003.json", "items", 1, "name"], {"en": "x"}),
        r"tracks-albA-00003\.json: item 1 of \$\.items\[\*\] \(id albAt4\): name is OBJECT, expected VARCHAR",
    ),
    "track external_urls as text": (
        _set(["tracks-albA-00003.json", "items", 0, "external_urls"], "https://x"),
        r"tracks-albA-00003\.json: .*external_urls is VARCHAR, expected OBJECT",
    ),
    "track item as number": (
        _set(["tracks-albA-00003.json", "items", 1], 5),
        r"tracks-albA-00003\.json: item 1 of \$\.items\[\*\]: is UBIGINT, not an object",
    ),
    "page items as object": (
        _set(["tracks-albA-00003.json", "items"], {"0": track("albA", 3)}),
        r"tracks-albA-00003\.json: item 0 of \$: items is OBJECT, expected ARRAY",
    ),
    "artist of a page track is text": (
        _set(["tracks-albA-00003.json", "items", 0, "artists", 0], "Artist 2"),
        r"tracks-albA-00003\.json: item 0 of \$\.items\[\*\]\.artists\[\*\]: is VARCHAR, not an object",
    ),
    "track disc_number as bool": (
        _set(["albums-batch-00000.json", "albums", 0, "tracks", "items", 0, "disc_number"], True),
        r"albums-batch-00000\.json: .*disc_number is BOOLEAN, expected BIGINT",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_a_wrong_typed_raw_value_fails_naming_file_item_and_field(tmp_path: Path, case: str) -> None:
    mutate, message = BAD[case]
    documents = day(tmp_path)
    mutate(documents)
    with pytest.raises(RawDataError, match=message):
        load(tmp_path, documents)


def test_a_raw_file_that_is_not_json_is_named(tmp_path: Path) -> None:
    documents = day(tmp_path)
    documents["tracks-albA-00003.json"] = "<html>502 Bad Gateway</html>"
    with pytest.raises(RawDataError, match=r"tracks-albA-00003\.json: body is not valid JSON"):
        load(tmp_path, documents)


def test_the_connection_is_left_as_found(tmp_path: Path) -> None:
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    conn.execute("SET threads = 2")
    conn.execute("CREATE TEMP TABLE mine AS SELECT 1 AS x")
    before = conn.execute("SELECT database_name FROM duckdb_databases() ORDER BY 1").fetchall()
    load_snapshot(conn, DAY, write(tmp_path, day(tmp_path)))
    assert conn.execute("SELECT current_setting('threads')").fetchall() == [(2,)]
    assert conn.execute("SELECT database_name FROM duckdb_databases() ORDER BY 1").fetchall() == before
    assert conn.execute("SELECT x FROM mine").fetchall() == [(1,)]
