"""Documented behaviours of the 2026 API that the emulator must get right.

Markets (unavailable content left out of listings, ``null`` in ``albums?ids=``, 404 alone), albums
pulled after they were listed, the accounts service's error shape for every token error, and any
HTTP method answered in JSON.
"""

from __future__ import annotations

import pytest
import requests

from spotify_assets.emulator.catalog import Catalog
from spotify_assets_tests.emulator.conftest import CLIENT_ID, CLIENT_SECRET, DAY, ApiClient, Schemas


def restricted_album(catalog: Catalog) -> tuple[str, str, str]:
    """(album id, a market it is sold in, a market it is not) among the day's unfiltered listing."""
    for album_id in catalog.new_release_ids(DAY):
        markets = catalog.album(album_id, DAY)["available_markets"]
        if "US" not in markets:
            return album_id, markets[0], "US"
    raise AssertionError("the default catalog has market-restricted albums")


def test_listings_for_a_market_leave_out_what_is_not_sold_there(api: ApiClient) -> None:
    catalog = api.emulator.catalog
    album_id, _, _ = restricted_album(catalog)
    unfiltered = [a["id"] for a in api.ok("/browse/new-releases", limit=50)["albums"]["items"]]
    page = api.ok("/browse/new-releases", limit=50, market="US")["albums"]
    us_ids = [a["id"] for a in page["items"]]
    assert album_id in catalog.new_release_ids(DAY) and album_id not in catalog.new_release_ids(DAY, "US")
    assert unfiltered != us_ids and page["total"] == 100  # the list is as long, made of albums sold there
    assert all("US" in a["available_markets"] for a in page["items"])
    assert page["next"].endswith("offset=50&limit=50&market=US")  # following it keeps the market
    found = [a["id"] for a in api.ok("/search", q="tag:new", type="album", limit=10, market="us")["albums"]["items"]]
    assert found and all(catalog.available_in(a, "US") for a in found)


def test_an_album_not_sold_in_the_market_is_null_in_batches_and_404_alone(api: ApiClient) -> None:
    album_id, sold_in, not_sold_in = restricted_album(api.emulator.catalog)
    neighbour = api.emulator.catalog.new_release_ids(DAY, not_sold_in)[0]
    batch = api.ok("/albums", ids=f"{neighbour},{album_id}", market=not_sold_in)["albums"]
    assert batch[0]["id"] == neighbour and batch[1] is None
    for path in (f"/albums/{album_id}", f"/albums/{album_id}/tracks"):
        response = api.get(path, market=not_sold_in)
        assert (response.status_code, response.json()) == (
            404,
            {"error": {"status": 404, "message": "Resource not found"}},
        )
        assert api.get(path, market=sold_in).status_code == 200
        assert api.get(path).status_code == 200  # no market: nothing is left out


def test_an_album_pulled_after_listing_stays_listed_but_is_gone_for_lookups(api: ApiClient) -> None:
    listed = api.emulator.catalog.new_release_ids(DAY, "US")
    pulled, kept = listed[3], listed[4]
    admin = requests.put(f"{api.emulator.base_url}/_emulator/pulled", json={"album_ids": [pulled]}, timeout=10)
    assert admin.json() == {"album_ids": [pulled]} and api.emulator.pulled_albums == {pulled}

    page = api.ok("/browse/new-releases", limit=50, market="US")["albums"]["items"]
    assert pulled in [a["id"] for a in page]  # listings are cached: they lag behind the catalog
    assert [a and a["id"] for a in api.ok("/albums", ids=f"{pulled},{kept}", market="US")["albums"]] == [None, kept]
    assert api.get(f"/albums/{pulled}", market="US").status_code == 404
    assert api.get(f"/albums/{pulled}/tracks", market="US").status_code == 404

    api.emulator.pull_albums([])
    assert api.get(f"/albums/{pulled}/tracks", market="US").status_code == 200


def test_pulling_over_http_checks_the_body(api: ApiClient) -> None:
    response = requests.put(f"{api.emulator.base_url}/_emulator/pulled", json={"album_ids": "x"}, timeout=10)
    assert (response.status_code, response.json()["error"]["message"]) == (400, "album_ids must be a list of album ids")


@pytest.mark.parametrize(
    ("method", "form", "auth", "status", "error"),
    [
        ("POST", {}, (CLIENT_ID, CLIENT_SECRET), 400, "unsupported_grant_type"),
        ("POST", {"grant_type": "password"}, (CLIENT_ID, CLIENT_SECRET), 400, "unsupported_grant_type"),
        ("POST", {"grant_type": "client_credentials"}, (CLIENT_ID, "wrong"), 400, "invalid_client"),
        ("POST", {"grant_type": "client_credentials"}, None, 400, "invalid_client"),
        ("GET", None, (CLIENT_ID, CLIENT_SECRET), 405, "invalid_request"),
        ("PUT", {"grant_type": "client_credentials"}, (CLIENT_ID, CLIENT_SECRET), 405, "invalid_request"),
        ("DELETE", None, None, 405, "invalid_request"),
    ],
)
def test_every_token_endpoint_error_has_the_accounts_shape(
    api: ApiClient, method: str, form: dict | None, auth: tuple | None, status: int, error: str
) -> None:
    response = requests.request(method, api.emulator.token_url, data=form, auth=auth, timeout=10)
    body = response.json()
    assert (response.status_code, body.keys(), body["error"]) == (status, {"error", "error_description"}, error)
    assert isinstance(body["error_description"], str) and body["error_description"]


def test_head_is_answered_like_get_without_a_body(api: ApiClient) -> None:
    headers = {"Authorization": f"Bearer {api.token}"}
    url = f"{api.emulator.api_base_url}/browse/new-releases"
    got, head = requests.get(url, headers=headers, timeout=10), requests.head(url, headers=headers, timeout=10)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["Content-Type"] == got.headers["Content-Type"] == "application/json; charset=utf-8"
    assert int(head.headers["Content-Length"]) == len(got.content)


@pytest.mark.parametrize("method", ["OPTIONS", "BREW", "PATCH"])
def test_other_methods_are_answered_in_json_not_html(api: ApiClient, schemas: Schemas, method: str) -> None:
    headers = {"Authorization": f"Bearer {api.token}"}
    known = requests.request(method, f"{api.emulator.api_base_url}/browse/new-releases", headers=headers, timeout=10)
    assert (known.status_code, known.json()) == (405, {"error": {"status": 405, "message": "Method not allowed"}})
    unknown = requests.request(method, f"{api.emulator.api_base_url}/no/such/thing", headers=headers, timeout=10)
    assert (unknown.status_code, unknown.json()["error"]["status"]) == (404, 404)
    for response in (known, unknown):
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("path", ["/browse/new-releases", "/search", "/albums/{album}/tracks"])
def test_a_negative_offset_is_a_400(api: ApiClient, path: str) -> None:
    album = api.emulator.catalog.new_release_ids(DAY)[0]
    response = api.get(path.format(album=album), offset=-1, q="tag:new", type="album")
    assert (response.status_code, response.json()) == (400, {"error": {"status": 400, "message": "Invalid offset"}})
