"""The synthetic catalog on its own: deterministic, realistic in shape, cheap at 10 000 albums a day."""

from __future__ import annotations

import random
import re
import time
from datetime import date, timedelta

import pytest

from spotify_assets.emulator import Catalog, CatalogConfig
from spotify_assets.emulator.ids import ALPHABET, ID_LENGTH
from spotify_assets_tests.emulator.conftest import DAY, NEXT_DAY, Schemas

WEEK = [DAY + timedelta(days=n) for n in range(7)]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(CatalogConfig())


def day_albums(catalog: Catalog, day: date) -> list[dict]:
    return [catalog.album(album_id, day) for album_id in catalog.new_release_ids(day)]


def test_same_seed_same_catalog_other_seed_another(catalog: Catalog) -> None:
    again = Catalog(CatalogConfig(seed=42))
    other = Catalog(CatalogConfig(seed=7))
    ids = catalog.new_release_ids(DAY)
    assert again.new_release_ids(DAY) == ids
    assert [again.album(a, DAY) for a in ids] == day_albums(catalog, DAY)
    assert [again.tracks(a, DAY) for a in ids[:5]] == [catalog.tracks(a, DAY) for a in ids[:5]]
    assert not set(other.new_release_ids(DAY)) & set(ids)


def test_day_list_has_the_configured_length_and_distinct_ids(catalog: Catalog) -> None:
    ids = catalog.new_release_ids(DAY)
    assert len(ids) == len(set(ids)) == 100
    assert all(len(a) == ID_LENGTH and set(a) <= set(ALPHABET) for a in ids)


@pytest.mark.parametrize("turnover", [0.1, 0.3, 1.0])
def test_consecutive_days_overlap_by_one_minus_turnover(turnover: float) -> None:
    catalog = Catalog(CatalogConfig(albums_per_day=200, daily_turnover=turnover))
    shared = set(catalog.new_release_ids(DAY)) & set(catalog.new_release_ids(NEXT_DAY))
    assert len(shared) == round(200 * (1 - turnover))


def test_unknown_and_foreign_ids_are_not_albums(catalog: Catalog) -> None:
    rng = random.Random(1)
    random_ids = ["".join(rng.choices(ALPHABET, k=ID_LENGTH)) for _ in range(200)]
    foreign = Catalog(CatalogConfig(seed=7)).new_release_ids(DAY)[:20]
    track_id = catalog.tracks(catalog.new_release_ids(DAY)[0], DAY)[0]["id"]
    artist_id = catalog.album(catalog.new_release_ids(DAY)[0], DAY)["artists"][0]["id"]
    for unknown in [*random_ids, *foreign, "4aawyAB9vmqN3uQ7FjRGTy", track_id, artist_id, "short", ""]:
        assert catalog.album(unknown, DAY) is None
        assert catalog.simplified_album(unknown, DAY) is None
        assert catalog.tracks(unknown, DAY) == []


def test_albums_look_like_spotify_releases(catalog: Catalog) -> None:
    albums = [album for day in WEEK for album in day_albums(catalog, day)]
    assert {a["album_type"] for a in albums} == {"single", "album", "compilation"}
    assert {a["release_date_precision"] for a in albums} == {"day", "month", "year"}
    assert {1, 2, 3} <= {len(a["artists"]) for a in albums}
    long_share = sum(a["total_tracks"] > 50 for a in albums) / len(albums)
    assert 0.03 <= long_share <= 0.12
    assert max(a["total_tracks"] for a in albums) <= 152
    assert sum(not a["name"].isascii() for a in albums) / len(albums) > 0.2
    artist_names = {artist["name"] for a in albums for artist in a["artists"]}
    assert sum(not name.isascii() for name in artist_names) / len(artist_names) > 0.3


def test_release_dates_match_precision_and_are_not_in_the_future(catalog: Catalog) -> None:
    formats = {"day": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-\d{2}", "year": r"\d{4}"}
    for day in WEEK:
        for album in day_albums(catalog, day):
            assert re.fullmatch(formats[album["release_date_precision"]], album["release_date"])
            assert album["release_date"] <= day.isoformat()


def test_ids_links_and_uris_agree(catalog: Catalog) -> None:
    album_id = catalog.new_release_ids(DAY)[0]
    album = catalog.album(album_id, DAY)
    assert album["id"] == album_id
    assert album["uri"] == f"spotify:album:{album_id}"
    assert album["href"].endswith(f"/v1/albums/{album_id}")
    assert album["external_urls"]["spotify"] == f"https://open.spotify.com/album/{album_id}"
    for item in [*album["artists"], *catalog.tracks(album_id, DAY)]:
        assert item["uri"] == f"spotify:{item['type']}:{item['id']}"
        assert item["href"].endswith(f"/{item['type']}s/{item['id']}")
    assert [image["width"] for image in album["images"]] == [640, 300, 64]
    assert re.fullmatch(r"\d{12}", album["external_ids"]["upc"])


def test_tracks_are_numbered_per_disc_and_credit_album_artists(catalog: Catalog) -> None:
    for album_id in catalog.new_release_ids(DAY):
        album = catalog.album(album_id, DAY)
        tracks = catalog.tracks(album_id, DAY)
        assert len(tracks) == album["total_tracks"]
        assert len({t["id"] for t in tracks}) == len(tracks)
        positions = [(t["disc_number"], t["track_number"]) for t in tracks]
        assert positions == sorted(positions) and len(set(positions)) == len(positions)
        for track in tracks:
            credited = [a["id"] for a in track["artists"]]
            assert 1 <= len(credited) <= 2 and len(set(credited)) == len(credited)
            assert credited[0] == album["artists"][0]["id"]
            assert re.fullmatch(r"[A-Z]{2}[A-Z0-9]{3}\d{7}", track["external_ids"]["isrc"])


def test_long_releases_span_discs(catalog: Catalog) -> None:
    long_ids = [a for a in catalog.new_release_ids(DAY) if catalog.total_tracks(a, DAY) > 50]
    assert long_ids
    assert all(catalog.tracks(a, DAY)[-1]["disc_number"] > 1 for a in long_ids)


def test_some_albums_gain_bonus_tracks_on_a_later_day(catalog: Catalog) -> None:
    changes = []
    for day in WEEK:
        for album_id in set(catalog.new_release_ids(day)) & set(catalog.new_release_ids(day + timedelta(days=1))):
            before, after = catalog.total_tracks(album_id, day), catalog.total_tracks(album_id, day + timedelta(days=1))
            if before != after:
                changes.append((album_id, day, before, after))
    assert changes
    album_id, day, before, after = changes[0]
    assert after - before in (1, 2)
    later = catalog.tracks(album_id, day + timedelta(days=1))
    assert later[:before] == catalog.tracks(album_id, day)  # existing tracks unchanged, bonus appended
    assert len(later) == catalog.album(album_id, day + timedelta(days=1))["total_tracks"] == after


def test_artists_recur_across_albums(catalog: Catalog) -> None:
    credits = [artist["id"] for album in day_albums(catalog, DAY) for artist in album["artists"]]
    assert len(set(credits)) < len(credits)


def test_expected_counts_match_the_catalog_objects(catalog: Catalog) -> None:
    albums = day_albums(catalog, DAY)
    tracks = [t for a in albums for t in catalog.tracks(a["id"], DAY)]
    album_artists = {(a["id"], artist["id"]) for a in albums for artist in a["artists"]}
    track_artists = {(t["id"], artist["id"]) for t in tracks for artist in t["artists"]}
    artists = {artist for _, artist in album_artists} | {artist for _, artist in track_artists}
    assert catalog.expected_counts(DAY) == {
        "albums": len(albums),
        "tracks": len({t["id"] for t in tracks}),
        "artists": len(artists),
        "album_artists": len(album_artists),
        "track_artists": len(track_artists),
    }


def test_objects_validate_against_the_openapi_components(catalog: Catalog, schemas: Schemas) -> None:
    album_id = next(a for a in catalog.new_release_ids(DAY) if catalog.total_tracks(a, DAY) > 1)
    schemas.full.assert_valid(catalog.simplified_album(album_id, DAY), "schemas/SimplifiedAlbumObject")
    for track in catalog.tracks(album_id, DAY, market="SE"):
        schemas.full.assert_valid(track, "schemas/SimplifiedTrackObject")
    album = catalog.album(album_id, DAY)
    assert "tracks" not in album
    assert schemas.full.errors(album, "schemas/AlbumObject") == ["'tracks' is a required property"]


def test_development_mode_objects_lack_the_removed_fields(catalog: Catalog) -> None:
    album_id = catalog.new_release_ids(DAY)[0]
    album = catalog.album(album_id, DAY, dev_mode=True)
    assert not {"available_markets", "label", "popularity", "album_group"} & album.keys()
    assert album["external_ids"]["upc"]
    assert "available_markets" not in catalog.simplified_album(album_id, DAY, dev_mode=True)
    for track in catalog.tracks(album_id, DAY, dev_mode=True):
        assert not {"available_markets", "linked_from", "popularity"} & track.keys()
        assert track["external_ids"]["isrc"]


def test_ten_thousand_album_days_stay_cheap() -> None:
    catalog = Catalog(CatalogConfig(albums_per_day=10_000))
    started = time.perf_counter()
    ids = catalog.new_release_ids(DAY)
    listed = time.perf_counter()
    page = [catalog.simplified_album(a, DAY) for a in ids[5000:5050]]
    built = time.perf_counter()
    assert len(ids) == len(set(ids)) == 10_000 and all(page)
    assert listed - started < 1.5  # generous for slow CI machines; ~0.1 s on a laptop
    assert built - listed < 0.5
