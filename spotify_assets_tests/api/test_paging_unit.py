"""Paging decisions without a server: offsets, next links, their guards."""

from __future__ import annotations

import pytest

from spotify_assets.spotify_api import SpotifyResponseError
from spotify_assets.spotify_api.paging import NextLinkGuard, next_offset, unwrap_paging

ORIGIN = "https://api.example.test"
URL = f"{ORIGIN}/v1/browse/new-releases"


def paging(offset: int, count: int, total: int, next_link: str | None = None) -> dict:
    return {
        "items": [{"n": offset + i} for i in range(count)],
        "offset": offset,
        "limit": 50,
        "total": total,
        "next": next_link,
    }


def test_next_offset_advances_by_items_received_and_stops_at_total() -> None:
    assert next_offset(paging(0, 50, 120), URL) == 50
    assert next_offset(paging(100, 20, 120), URL) is None
    # a server clamping the limit (dev-mode search: 10 a page) still gets walked to the end
    assert next_offset(paging(0, 10, 120), URL) == 10


def test_an_empty_page_ends_the_walk_even_if_total_promised_more() -> None:
    assert next_offset(paging(50, 0, 120), URL) is None


@pytest.mark.parametrize("body", [{"albums": {"items": None}}, {"albums": []}, {"other": {}}, []])
def test_a_body_without_a_paging_object_names_the_url(body: object) -> None:
    with pytest.raises(SpotifyResponseError, match=r"new-releases.*'albums'"):
        unwrap_paging(body, "albums", URL)


def test_missing_total_is_reported() -> None:
    with pytest.raises(SpotifyResponseError, match="total"):
        next_offset({"items": [1], "offset": 0}, URL)


def test_next_link_guard_follows_same_origin_links_once() -> None:
    guard = NextLinkGuard(ORIGIN)
    guard.fetched(URL)
    second = f"{URL}?offset=50&limit=50"
    assert guard.next_url(paging(0, 50, 120, second), URL) == second
    assert guard.next_url(paging(100, 20, 120, None), URL) is None
    guard.fetched(second)
    with pytest.raises(SpotifyResponseError, match=r"loops back.*offset=50"):
        guard.next_url(paging(50, 50, 120, second), second)


@pytest.mark.parametrize(
    "link",
    [
        "/v1/browse/new-releases?offset=50",
        "https://evil.example/v1/x",
        "http://api.example.test/v1/x",
        "https://user@api.example.test/v1",
    ],
)
def test_next_link_guard_refuses_relative_or_foreign_links(link: str) -> None:
    """The bearer token goes with the request: it must never leave the API's origin."""
    with pytest.raises(SpotifyResponseError, match="refusing to follow"):
        NextLinkGuard(ORIGIN).next_url(paging(0, 50, 120, link), URL)
