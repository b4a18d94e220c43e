"""Development Mode (Feb/Mar 2026): endpoints forbidden, fields removed, search capped at 10."""

from __future__ import annotations

import pytest

from spotify_assets_tests.emulator.conftest import DAY, ApiClient, EmulatorFactory, Schemas

REMOVED_ALBUM_FIELDS = {"available_markets", "label", "popularity", "album_group"}
REMOVED_TRACK_FIELDS = {"available_markets", "linked_from", "popularity"}


@pytest.fixture
def dev_api(start_emulator: EmulatorFactory) -> ApiClient:
    return ApiClient(start_emulator(dev_mode=True))


def test_new_releases_and_several_albums_are_forbidden(dev_api: ApiClient, schemas: Schemas) -> None:
    album_id = dev_api.emulator.catalog.new_release_ids(DAY)[0]
    for response in (dev_api.get("/browse/new-releases"), dev_api.get("/albums", ids=album_id)):
        assert (response.status_code, response.json()) == (403, {"error": {"status": 403, "message": "Forbidden"}})
        schemas.full.assert_valid(response.json(), "responses/Forbidden")


def test_single_album_and_tracks_lack_the_removed_fields(dev_api: ApiClient, schemas: Schemas) -> None:
    album_id = dev_api.emulator.catalog.new_release_ids(DAY)[0]
    album = dev_api.ok(f"/albums/{album_id}")
    schemas.dev_mode.assert_valid(album, "responses/OneAlbum")
    assert not REMOVED_ALBUM_FIELDS & album.keys()
    assert album["external_ids"]["upc"]  # restored in March 2026
    tracks = dev_api.ok(f"/albums/{album_id}/tracks", limit=50)
    schemas.dev_mode.assert_valid(tracks, "responses/PagingSimplifiedTrackObject")
    for track in [*tracks["items"], *album["tracks"]["items"]]:
        assert not REMOVED_TRACK_FIELDS & track.keys()
        assert track["external_ids"]["isrc"]


def test_search_returns_at_most_ten_per_request(dev_api: ApiClient, schemas: Schemas) -> None:
    body = dev_api.ok("/search", q="tag:new", type="album", limit=50)
    schemas.dev_mode.assert_valid(body, "responses/SearchItems")
    page = body["albums"]
    assert (page["limit"], len(page["items"]), page["total"]) == (
        10,
        10,
        len(dev_api.emulator.catalog.search_new_ids(DAY)),
    )
    assert page["next"].endswith("offset=10&limit=10")
    assert not REMOVED_ALBUM_FIELDS & page["items"][0].keys()
    ids = []
    while page:
        ids += [a["id"] for a in page["items"]]
        page = dev_api.get_url(page["next"]).json()["albums"] if page["next"] else None
    assert ids == dev_api.emulator.catalog.search_new_ids(DAY)


def test_limit_above_fifty_is_still_invalid(dev_api: ApiClient) -> None:
    response = dev_api.get("/search", q="tag:new", type="album", limit=51)
    assert (response.status_code, response.json()["error"]["message"]) == (400, "Invalid limit")
