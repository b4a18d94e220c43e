"""The /v1 endpoints over real HTTP: shapes (validated against Spotify's OpenAPI spec), paging, errors."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from spotify_assets.emulator import CatalogConfig
from spotify_assets_tests.emulator.conftest import DAY, NEXT_DAY, ApiClient, EmulatorFactory, Schemas


def all_pages(api: ApiClient, first_page: dict) -> list[dict]:
    """Follows ``next`` links to the end; every page must be consistent with the first."""
    pages = [first_page]
    while pages[-1]["next"]:
        body = api.get_url(pages[-1]["next"]).json()
        pages.append(body.get("albums", body))
    return pages


def test_new_releases_page_shape(api: ApiClient, schemas: Schemas) -> None:
    body = api.ok("/browse/new-releases")
    schemas.full.assert_valid(body, "responses/PagedAlbums")
    page = body["albums"]
    base = api.emulator.api_base_url
    assert page["href"] == f"{base}/browse/new-releases?offset=0&limit=20"
    assert page["next"] == f"{base}/browse/new-releases?offset=20&limit=20"
    assert (page["limit"], page["offset"], page["previous"], page["total"]) == (20, 0, None, 100)
    assert [a["id"] for a in page["items"]] == api.emulator.catalog.new_release_ids(DAY)[:20]


def test_new_releases_paging_covers_the_day_exactly_once(api: ApiClient) -> None:
    pages = all_pages(api, api.ok("/browse/new-releases", limit=30)["albums"])
    assert [len(p["items"]) for p in pages] == [30, 30, 30, 10]
    assert [a["id"] for p in pages for a in p["items"]] == api.emulator.catalog.new_release_ids(DAY)
    last = pages[-1]
    assert last["next"] is None
    assert last["previous"] == f"{api.emulator.api_base_url}/browse/new-releases?offset=60&limit=30"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": 0}, "Invalid limit"),
        ({"limit": 51}, "Invalid limit"),
        ({"limit": "ten"}, "Invalid limit"),
        ({"offset": -1}, "Invalid offset"),
        ({"offset": "x"}, "Invalid offset"),
    ],
)
def test_paging_parameters_out_of_bounds(api: ApiClient, schemas: Schemas, params: dict, message: str) -> None:
    response = api.get("/browse/new-releases", **params)
    assert response.status_code == 400
    assert response.json() == {"error": {"status": 400, "message": message}}
    schemas.full.assert_valid(response.json(), "responses/BadRequest")


def test_paging_bounds_and_offset_past_the_end(api: ApiClient) -> None:
    assert len(api.ok("/browse/new-releases", limit=1)["albums"]["items"]) == 1
    assert len(api.ok("/browse/new-releases", limit=50)["albums"]["items"]) == 50
    beyond = api.ok("/browse/new-releases", offset=500)["albums"]
    assert (beyond["items"], beyond["next"], beyond["total"]) == ([], None, 100)


def test_trailing_slashes_and_market_are_accepted(api: ApiClient) -> None:
    album_id = api.emulator.catalog.new_release_ids(DAY)[0]
    assert api.get("/browse/new-releases/", market="US").status_code == 200
    assert api.get(f"/albums/{album_id}/", market="US").status_code == 200
    assert api.get(f"/albums/{album_id}/tracks/", market="US").status_code == 200
    assert api.get("/albums/", ids=album_id, market="US").status_code == 200


def test_album_embeds_its_first_fifty_tracks(api: ApiClient, schemas: Schemas) -> None:
    catalog = api.emulator.catalog
    album_id = next(a for a in catalog.new_release_ids(DAY) if catalog.total_tracks(a, DAY) > 50)
    album = api.ok(f"/albums/{album_id}", market="SE")
    schemas.full.assert_valid(album, "responses/OneAlbum")
    tracks = album.pop("tracks")
    assert album == catalog.album(album_id, DAY)
    base = f"{api.emulator.api_base_url}/albums/{album_id}/tracks"
    assert tracks["href"] == f"{base}?offset=0&limit=50&market=SE"
    assert tracks["next"] == f"{base}?offset=50&limit=50&market=SE"
    assert tracks["total"] == album["total_tracks"]
    assert tracks["items"] == catalog.tracks(album_id, DAY, market="SE", limit=50)
    assert all(t["is_playable"] in (True, False) for t in tracks["items"])


def test_album_tracks_paging_reaches_every_track(api: ApiClient, schemas: Schemas) -> None:
    catalog = api.emulator.catalog
    album_id = next(a for a in catalog.new_release_ids(DAY) if catalog.total_tracks(a, DAY) > 50)
    first = api.ok(f"/albums/{album_id}/tracks", limit=50)
    schemas.full.assert_valid(first, "responses/PagingSimplifiedTrackObject")
    pages = all_pages(api, first)
    assert [t["id"] for p in pages for t in p["items"]] == [t["id"] for t in catalog.tracks(album_id, DAY)]
    assert api.ok(f"/albums/{album_id}/tracks")["limit"] == 20


def test_several_albums_with_unknown_ids_as_null(api: ApiClient, schemas: Schemas) -> None:
    ids = [*api.emulator.catalog.new_release_ids(DAY)[:19], "4aawyAB9vmqN3uQ7FjRGTy"]
    albums = api.ok("/albums", ids=",".join(ids))["albums"]
    assert [a["id"] if a else None for a in albums] == [*ids[:19], None]
    schemas.full.assert_valid({"albums": albums[:19]}, "responses/ManyAlbums")


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ("", "Invalid request"),
        (",".join(["4aawyAB9vmqN3uQ7FjRGTy"] * 21), "Too many ids requested"),
        ("abc", "Invalid base62 id"),
    ],
)
def test_several_albums_rejects_bad_id_lists(api: ApiClient, ids: str, message: str) -> None:
    response = api.get("/albums", ids=ids)
    assert (response.status_code, response.json()) == (400, {"error": {"status": 400, "message": message}})


def test_unknown_album_and_unknown_paths(api: ApiClient, schemas: Schemas) -> None:
    for path in ("/albums/4aawyAB9vmqN3uQ7FjRGTy", "/albums/4aawyAB9vmqN3uQ7FjRGTy/tracks"):
        response = api.get(path)
        assert (response.status_code, response.json()) == (
            404,
            {"error": {"status": 404, "message": "Resource not found"}},
        )
        schemas.full.assert_valid(response.json(), "responses/NotFound")
    malformed = api.get("/albums/not-an-id!")
    assert (malformed.status_code, malformed.json()["error"]["message"]) == (400, "Invalid base62 id")
    for path in ("/artists/x/albums", "/browse/old-releases", ""):
        response = api.get(path)
        assert (response.status_code, response.json()["error"]["status"]) == (404, 404)
    assert api.session.get(api.emulator.base_url + "/elsewhere").status_code == 404
    wrong_method = api.session.post(
        api.emulator.api_base_url + "/browse/new-releases", headers={"Authorization": f"Bearer {api.token}"}
    )
    assert wrong_method.status_code == 405


def test_search_tag_new_finds_the_albums_released_in_the_past_two_weeks(api: ApiClient, schemas: Schemas) -> None:
    """Spotify's docs: ``tag:new`` "will return albums released in the past two weeks" — not the
    new-releases list (which also holds older releases and is per-market curated)."""
    body = api.ok("/search", q="tag:new", type="album", limit=50, market="US")
    schemas.full.assert_valid(body, "responses/SearchItems")
    assert body["albums"]["limit"] == 10  # the 2026 maximum: 11..50 is answered with 10 at most
    pages = all_pages(api, body["albums"])
    found = [a for p in pages for a in p["items"]]
    assert [a["id"] for a in found] == api.emulator.catalog.search_new_ids(DAY, "US")
    assert len(found) == body["albums"]["total"] > 100
    starts = [
        date.fromisoformat({"day": d, "month": d + "-01", "year": d + "-01-01"}[p])
        for d, p in ((a["release_date"], a["release_date_precision"]) for a in found)
    ]
    assert all(DAY - timedelta(days=13) <= start <= DAY for start in starts)
    assert starts == sorted(starts, reverse=True)  # newest release first
    listed = set(api.emulator.catalog.new_release_ids(DAY, "US"))
    assert {a["id"] for a in found} != listed and listed - {a["id"] for a in found}  # not a copy
    assert "query=tag%3Anew&type=album" in body["albums"]["next"]


def test_search_default_limit_is_five(api: ApiClient) -> None:
    page = api.ok("/search", q="tag:new", type="album")["albums"]
    assert (page["limit"], len(page["items"])) == (5, 5)
    assert page["next"].endswith("offset=5&limit=5")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "album"}, "No search query"),
        ({"q": "tag:new"}, "Missing parameter type"),
        ({"q": "tag:new", "type": "vinyl"}, "Bad search type field"),
        ({"q": "tag:new", "type": "album", "offset": 995, "limit": 10}, "Invalid offset"),
        ({"q": "tag:new", "type": "album", "offset": -1}, "Invalid offset"),
        ({"q": "tag:new", "type": "album", "limit": 0}, "Invalid limit"),
    ],
)
def test_search_rejects_bad_queries(api: ApiClient, params: dict, message: str) -> None:
    response = api.get("/search", **params)
    assert (response.status_code, response.json()["error"]["message"]) == (400, message)


def test_search_for_anything_else_finds_nothing(api: ApiClient, schemas: Schemas) -> None:
    body = api.ok("/search", q="Björk", type="album,track")
    schemas.full.assert_valid(body, "responses/SearchItems")
    assert body["albums"]["total"] == body["tracks"]["total"] == 0


def test_search_never_pages_past_one_thousand(start_emulator: EmulatorFactory) -> None:
    api = ApiClient(start_emulator(catalog=CatalogConfig(albums_per_day=1200)))
    page = api.ok("/search", q="tag:new", type="album", offset=990, limit=10)["albums"]
    total = len(api.emulator.catalog.search_new_ids(DAY))
    assert (page["total"], len(page["items"]), page["next"]) == (total, 10, None)
    assert total > 1000


def test_clock_moves_the_new_releases(api: ApiClient) -> None:
    first = api.ok("/browse/new-releases", limit=50)["albums"]["items"]
    api.emulator.set_today(NEXT_DAY)
    second = api.ok("/browse/new-releases", limit=50)["albums"]["items"]
    assert [a["id"] for a in second] == api.emulator.catalog.new_release_ids(NEXT_DAY)[:50]
    assert [a["id"] for a in first] != [a["id"] for a in second]


def crawl_day(api: ApiClient) -> dict[str, Any]:
    """What a pipeline would collect: new releases, batched albums, then remaining track pages."""
    ids = [a["id"] for p in all_pages(api, api.ok("/browse/new-releases", limit=50)["albums"]) for a in p["items"]]
    albums, tracks = [], []
    for start in range(0, len(ids), 20):
        for album in api.ok("/albums", ids=",".join(ids[start : start + 20]))["albums"]:
            albums.append(album)
            tracks += [t for page in all_pages(api, album["tracks"]) for t in page["items"]]
    return {"albums": albums, "tracks": tracks}


def test_expected_counts_agree_with_what_http_serves(start_emulator: EmulatorFactory) -> None:
    api = ApiClient(start_emulator(catalog=CatalogConfig(albums_per_day=60)))
    crawled = crawl_day(api)
    albums, tracks = crawled["albums"], crawled["tracks"]
    assert any(a["total_tracks"] > 50 for a in albums)
    assert sum(a["total_tracks"] for a in albums) == len(tracks)
    album_artists = {(a["id"], artist["id"]) for a in albums for artist in a["artists"]}
    track_artists = {(t["id"], artist["id"]) for t in tracks for artist in t["artists"]}
    assert api.emulator.catalog.expected_counts(DAY) == {
        "albums": len(albums),
        "tracks": len({t["id"] for t in tracks}),
        "artists": len({a for _, a in album_artists} | {a for _, a in track_artists}),
        "album_artists": len(album_artists),
        "track_artists": len(track_artists),
    }


def test_bodies_are_utf8_json_with_content_length(api: ApiClient) -> None:
    response = api.get("/browse/new-releases", limit=50)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert int(response.headers["Content-Length"]) == len(response.content)
    names = [a["name"] for a in response.json()["albums"]["items"]]
    assert any(not name.isascii() and name.encode() in response.content for name in names)
