"""Semantic contract checks: every emulator body passes them, real Spotify bodies pass them, and
bodies broken on purpose fail them (naming the field).

The OpenAPI schemas alone accept a track without id, name or duration; these checks do not.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from spotify_assets.spotify_api import contract
from spotify_assets_tests.emulator import seeds
from spotify_assets_tests.emulator.conftest import CLIENT_ID, CLIENT_SECRET, DAY, ApiClient, EmulatorFactory


def all_pages(api: ApiClient, first: dict[str, Any], envelope: str | None) -> list[dict[str, Any]]:
    pages, page = [first], first
    while (page[envelope] if envelope else page)["next"]:
        page = api.get_url((page[envelope] if envelope else page)["next"]).json()
        pages.append(page)
    return pages


def emulator_bodies(api: ApiClient, *, dev_mode: bool = False) -> list[tuple[str, Any]]:
    """(kind, body) of every kind of answer the platform uses: all listing pages (with and without a
    market), albums?ids= batches, single albums, every track page of a long album, search pages, a token."""
    catalog = api.emulator.catalog
    bodies: list[tuple[str, Any]] = [
        (
            "token",
            api.session.post(
                api.emulator.token_url, data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET)
            ).json(),
        )
    ]
    if not dev_mode:
        for market in ({}, {"market": "US"}):
            first = api.ok("/browse/new-releases", limit=30, **market)
            bodies += [("new_releases", page) for page in all_pages(api, first, "albums")]
        ids = catalog.new_release_ids(DAY, "US")
        for start in range(0, len(ids), 20):
            bodies.append(("albums_batch", api.ok("/albums", ids=",".join(ids[start : start + 20]), market="US")))
    ids = catalog.new_release_ids(DAY, "US")
    long_album = next(a for a in ids if catalog.total_tracks(a, DAY) > 100)
    for album_id in (ids[0], long_album):
        bodies.append(("album", api.ok(f"/albums/{album_id}", market="US")))
        first = api.ok(f"/albums/{album_id}/tracks", limit=50, market="US")
        bodies += [("album_tracks", page) for page in all_pages(api, first, None)]
    first = api.ok("/search", q="tag:new", type="album", limit=10, market="US")
    bodies += [("search_albums", page) for page in all_pages(api, first, "albums")[:3]]
    last_offset = first["albums"]["total"] - 3
    bodies.append(("search_albums", api.ok("/search", q="tag:new", type="album", limit=10, offset=last_offset)))
    return bodies


@pytest.mark.parametrize("dev_mode", [False, True], ids=["full", "development-mode"])
def test_every_emulator_body_passes_the_contract(start_emulator: EmulatorFactory, dev_mode: bool) -> None:
    api = ApiClient(start_emulator(dev_mode=dev_mode))
    bodies = emulator_bodies(api, dev_mode=dev_mode)
    assert len(bodies) > (10 if dev_mode else 20)
    assert [(kind, contract.problems(body, kind)) for kind, body in bodies if contract.problems(body, kind)] == []


@pytest.fixture(scope="module")
def notebook() -> str:
    text = seeds.notebook_text()
    if text is None:
        pytest.skip(f"real Spotify bodies not found: {seeds.SEEDS_DIR / seeds.NOTEBOOK_GLOB}")
    return text


def test_real_spotify_bodies_pass_the_contract(notebook: str) -> None:
    blocks = seeds.literal_blocks(notebook)
    albums = [(album, block.complete) for block in blocks for album in seeds.objects_with(block.value, "album_type")]
    artists = [a for block in blocks for a in seeds.objects_with(block.value, "uri") if a.get("type") == "artist"]
    paging = [(b.value, b.complete) for b in blocks if isinstance(b.value, dict) and {"next", "href"} & b.value.keys()]
    tokens = [b.value for b in blocks if b.complete and isinstance(b.value, dict) and "expires_in" in b.value]
    urls = seeds.printed_urls(notebook)
    # What was recovered from the print-outs: enough to be worth checking.
    assert (len(albums), len(paging), len(tokens)) >= (5, 2, 1) and len(artists) >= 5 and len(urls) >= 20
    assert {a["id"] for a in artists} >= {"06HL4z0CvFAxyc27GXpf02", "7q7IUe2AqtifSZ2q52kHFc"}

    found = [contract.problems(album, "simplified_album", partial=not complete) for album, complete in albums]
    found += [contract.problems(artist, "artist") for artist in artists]  # complete objects: checked in full
    found += [contract.problems(page, "album_paging", partial=not complete) for page, complete in paging]
    found += [contract.problems(token, "token") for token in tokens]
    found += [contract.link_problems(url) for url in urls]
    assert [problem for problems in found for problem in problems] == []


def test_emulator_objects_carry_every_field_real_ones_have(notebook: str, api: ApiClient) -> None:
    """The notebook printed which fields a real listed album and a real listing page have."""
    page, album = seeds.printed_field_lists(notebook)[:2]
    real = api.ok("/browse/new-releases", market="US")
    assert set(page) <= real["albums"].keys()
    assert all(set(album) <= item.keys() for item in real["albums"]["items"])


def _real_album(notebook: str) -> dict[str, Any]:
    return next(a for b in seeds.literal_blocks(notebook) for a in seeds.objects_with(b.value, "album_type"))


# (what is broken, how, the field the problem must name) on a real album recovered from the notebook
REAL_BREAKAGES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("short id", lambda a: a["artists"][0].update(id=a["artists"][0]["id"][:21]), "artists[0].id"),
    (
        "uri of another id",
        lambda a: a["artists"][0].update(uri="spotify:artist:0000000000000000000000"),
        "artists[0].uri",
    ),
    ("relative href", lambda a: a["artists"][0].update(href="/v1/artists/x"), "artists[0].href"),
    ("empty name", lambda a: a["artists"][0].update(name=" "), "artists[0].name"),
    ("artist typed album", lambda a: a["artists"][0].update(type="album"), "artists[0].type"),
    ("unknown album type", lambda a: a.update(album_type="mixtape"), "album_type"),
    ("market code", lambda a: a["available_markets"].append("usa"), "available_markets"),
    ("no artists", lambda a: a.update(artists=[]), "artists"),
]


@pytest.mark.parametrize(("what", "breakage", "field"), REAL_BREAKAGES, ids=[b[0] for b in REAL_BREAKAGES])
def test_a_real_body_broken_on_purpose_fails(notebook: str, what: str, breakage: Callable, field: str) -> None:
    album = copy.deepcopy(_real_album(notebook))
    assert contract.problems(album, "simplified_album", partial=True) == []
    breakage(album)
    assert any(
        f"simplified_album.{field}" in problem for problem in contract.problems(album, "simplified_album", partial=True)
    )


def _first(api: ApiClient) -> dict[str, Any]:
    ids = api.emulator.catalog.new_release_ids(DAY, "US")
    return api.ok("/albums", ids=",".join(ids[:20]), market="US")


EMULATOR_BREAKAGES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("track without id", lambda b: b["albums"][0]["tracks"]["items"][0].pop("id"), "tracks.items[0].id"),
    ("track without duration", lambda b: b["albums"][0]["tracks"]["items"][0].pop("duration_ms"), "duration_ms"),
    ("duration as text", lambda b: b["albums"][0]["tracks"]["items"][0].update(duration_ms="200000"), "duration_ms"),
    ("explicit as 0", lambda b: b["albums"][0]["tracks"]["items"][0].update(explicit=0), "explicit"),
    (
        "total differs",
        lambda b: b["albums"][0]["tracks"].update(total=b["albums"][0]["total_tracks"] + 1),
        "tracks.total",
    ),
    (
        "day date of month shape",
        lambda b: b["albums"][0].update(release_date="2026-11", release_date_precision="day"),
        "release_date",
    ),
    (
        "no such day",
        lambda b: b["albums"][0].update(release_date="2026-02-30", release_date_precision="day"),
        "release_date",
    ),
    (
        "year precision, full date",
        lambda b: b["albums"][0].update(release_date="2026-11-20", release_date_precision="year"),
        "release_date",
    ),
    ("relative next", lambda b: b["albums"][0]["tracks"].update(next="/v1/albums/x/tracks?offset=50"), "tracks.next"),
    (
        "next skips a page",
        lambda b: _long_tracks(b).update(next=_long_tracks(b)["next"].replace("offset=50", "offset=100")),
        "tracks.next",
    ),
    (
        "href of another page",
        lambda b: b["albums"][0]["tracks"].update(
            href=b["albums"][0]["tracks"]["href"].replace("offset=0", "offset=5")
        ),
        "tracks.href",
    ),
    ("uri of the album", lambda b: b["albums"][0]["tracks"]["items"][0].update(uri=b["albums"][0]["uri"]), "uri"),
    ("popularity 101", lambda b: b["albums"][0].update(popularity=101), "popularity"),
]


def _long_tracks(body: dict[str, Any]) -> dict[str, Any]:
    return next(a["tracks"] for a in body["albums"] if a["tracks"]["next"])


@pytest.mark.parametrize(("what", "breakage", "field"), EMULATOR_BREAKAGES, ids=[b[0] for b in EMULATOR_BREAKAGES])
def test_an_emulator_body_broken_on_purpose_fails(api: ApiClient, what: str, breakage: Callable, field: str) -> None:
    body = _first(api)
    if what == "next skips a page" and not any(a["tracks"]["next"] for a in body["albums"]):
        pytest.fail("the first batch has no album over 50 tracks: pick another batch")
    assert contract.problems(body, "albums_batch") == []
    breakage(body)
    problems = contract.problems(body, "albums_batch")
    assert any(field in problem for problem in problems), problems


def test_a_token_reply_and_a_listing_broken_on_purpose_fail(api: ApiClient) -> None:
    token = {"access_token": "", "token_type": "bearer", "expires_in": "3600"}
    assert len(contract.problems(token, "token")) == 3
    page = api.ok("/browse/new-releases", limit=20, market="US")
    page["albums"]["items"].pop()
    page["albums"]["previous"] = page["albums"]["href"]
    problems = contract.problems(page, "new_releases")
    assert any("albums.items: holds 19 items" in p for p in problems) and any("albums.previous" in p for p in problems)
    assert len(contract.link_problems("/v1/browse/new-releases?offset=x&limit=20")) == 2  # relative, bad offset
