"""The client against the real emulator over HTTP: data, request economy, faults, fallbacks."""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

import pytest
from requests.adapters import HTTPAdapter

from spotify_assets.spotify_api import SpotifyAuthError, SpotifyRateLimitError
from spotify_assets_tests.api.conftest import (
    DAY,
    Connect,
    StartEmulator,
    catalog_track_ids,
    fetch_day,
    minimal_request_count,
    release_items,
    track_ids_by_album,
)


def assert_complete_day(emulator: Any, track_pages: list, releases: list | None = None) -> None:
    """Every listed album with every one of its tracks, in order, as the catalog has them."""
    if releases is not None:
        assert [item["id"] for item in release_items(releases)] == emulator.catalog.new_release_ids(DAY, "US")
    assert track_ids_by_album(track_pages) == catalog_track_ids(emulator.catalog)


def test_offset_and_next_paging_yield_the_same_items(start_emulator: StartEmulator, connect: Connect) -> None:
    emulator = start_emulator(albums_per_day=23)
    client = connect(emulator, page_limit=5)
    by_offset = [
        i["id"] for p in client.iter_pages_by_offset("browse/new-releases", envelope="albums") for i in p["items"]
    ]
    by_next = [i["id"] for p in client.iter_pages_by_next("browse/new-releases", envelope="albums") for i in p["items"]]
    assert by_offset == by_next == emulator.catalog.new_release_ids(DAY, "US")

    long_album = next(
        a for a in emulator.catalog.new_release_ids(DAY, "US") if len(emulator.catalog.tracks(a, DAY)) > 10
    )
    path = f"albums/{long_album}/tracks"
    assert [t["id"] for p in client.iter_pages_by_offset(path) for t in p["items"]] == [
        t["id"] for p in client.iter_pages_by_next(path) for t in p["items"]
    ]


def test_a_day_is_fetched_in_full_with_the_minimal_number_of_requests(
    start_emulator: StartEmulator, connect: Connect
) -> None:
    emulator = start_emulator()
    client = connect(emulator)
    releases, track_pages = fetch_day(client)

    assert_complete_day(emulator, track_pages, releases)
    assert {p.kind for p in releases} == {"new_releases"}
    assert sorted(p.batch_index for p in track_pages if p.kind == "albums_batch") == [0, 1, 2, 3, 4]
    assert all(p.offset >= 50 for p in track_pages if p.kind == "album_tracks")
    minimal = minimal_request_count(emulator.catalog)
    assert emulator.stats()["total"] == minimal
    assert client.stats()["requests"] == minimal
    assert emulator.stats()["by_endpoint"]["albums_batch"] == 5
    assert emulator.stats()["by_endpoint"]["new_releases"] == 2


def test_development_mode_falls_back_to_search_and_per_album_pages(
    start_emulator: StartEmulator, connect: Connect
) -> None:
    full, dev = start_emulator(albums_per_day=30), start_emulator(albums_per_day=30, dev_mode=True)
    full_releases, full_tracks = fetch_day(connect(full))
    dev_releases, dev_tracks = fetch_day(connect(dev))

    assert {p.kind for p in dev_releases} == {"search_new"}
    found = dev.catalog.search_new_ids(DAY, "US")  # tag:new: released in the past two weeks
    assert len(dev_releases) == math.ceil(len(found) / 10)  # search answers at most 10 a page
    assert {p.kind for p in dev_tracks} == {"album_tracks"}
    assert [i["id"] for i in release_items(dev_releases)] == found
    assert [i["id"] for i in release_items(full_releases)] == full.catalog.new_release_ids(DAY, "US")
    assert track_ids_by_album(full_tracks) == catalog_track_ids(full.catalog)
    assert track_ids_by_album(dev_tracks) == {a: [t["id"] for t in dev.catalog.tracks(a, DAY)] for a in found}
    by_endpoint = dev.stats()["by_endpoint"]
    assert by_endpoint.get("new_releases") == 1  # one 403, then search only
    assert (
        by_endpoint.get("albums_batch", 0) <= 8
    )  # the first 403 stops further batches (in flight: at most max_workers)


def test_token_expiring_mid_run_is_refreshed_ahead_without_a_failed_page(
    start_emulator: StartEmulator, connect: Connect
) -> None:
    emulator = start_emulator(albums_per_day=60, token_ttl_s=1, faults={"latency_ms": 80})
    client = connect(emulator, max_workers=1, page_limit=5)
    started = time.monotonic()
    releases, track_pages = fetch_day(client)

    assert time.monotonic() - started > 1.0  # the run outlived the first token
    assert_complete_day(emulator, track_pages, releases)
    assert client.stats()["token_refreshes"] >= 2
    assert emulator.stats()["by_endpoint"]["token"] == client.stats()["token_refreshes"] + 1


def test_token_rejected_with_401_is_replaced_once_and_the_request_resent(
    start_emulator: StartEmulator, connect: Connect
) -> None:
    # Revoked after every 10th request: more than the 8 workers can have in flight, so a resend
    # never meets a token revoked again already (which only a broken server would do).
    emulator = start_emulator(faults={"expire_token_every": 10})
    client = connect(emulator, page_limit=10)
    releases, track_pages = fetch_day(client)

    assert_complete_day(emulator, track_pages, releases)
    rejected, refreshes = emulator.stats()["by_status"].get("401", 0), client.stats()["token_refreshes"]
    assert 2 <= refreshes <= rejected  # workers rejected together share one new token
    # each rejection costs its own resend, each refresh one token request; nothing else is wasted
    assert emulator.stats()["total"] == minimal_request_count(emulator.catalog, page_limit=10) + rejected + refreshes


def test_rate_limit_windows_are_waited_out_by_all_workers_together(
    start_emulator: StartEmulator, connect: Connect
) -> None:
    emulator = start_emulator(albums_per_day=40, faults={"rate_limit_requests": 4, "rate_limit_window_s": 1})
    client = connect(emulator)
    releases, track_pages = fetch_day(client)

    assert_complete_day(emulator, track_pages, releases)
    stats = client.stats()
    assert stats["rate_limited"] == emulator.stats()["by_status"]["429"] > 0
    assert stats["rate_limit_wait_ms"] >= 1000
    assert stats["requests"] == emulator.stats()["total"]


@pytest.mark.parametrize(
    "faults",
    [
        {"error_5xx_rate": 0.2, "seed": 1},
        {"truncated_body_rate": 0.2, "seed": 2},
        {"connection_reset_rate": 0.15, "seed": 3},
    ],
    ids=["5xx", "truncated-bodies", "connection-resets"],
)
def test_transient_failures_are_retried_until_all_data_is_in(
    start_emulator: StartEmulator, connect: Connect, faults: dict[str, Any]
) -> None:
    emulator = start_emulator(faults=faults)
    client = connect(emulator, max_attempts=8)
    releases, track_pages = fetch_day(client)

    assert_complete_day(emulator, track_pages, releases)
    assert client.stats()["retries"] > 0
    assert all(page.json() for page in track_pages)  # every page landed is complete JSON


def test_a_retry_after_beyond_the_ceiling_fails_fast_with_its_value(
    start_emulator: StartEmulator, connect: Connect
) -> None:
    emulator = start_emulator(faults={"rate_limit_requests": 1, "retry_after_s": 3600})
    client = connect(emulator, max_retry_after_s=5)
    started = time.monotonic()
    with pytest.raises(SpotifyRateLimitError) as caught:
        fetch_day(client)
    assert time.monotonic() - started < 3
    assert caught.value.retry_after_s == 3600 and not caught.value.quota_exceeded
    assert "Retry-After 3600 s" in str(caught.value) and "max_retry_after_s" in str(caught.value)


def test_an_exceeded_quota_is_reported_as_such(start_emulator: StartEmulator, connect: Connect) -> None:
    emulator = start_emulator(faults={"quota_exceeded": True})
    started = time.monotonic()
    with pytest.raises(SpotifyRateLimitError) as caught:
        fetch_day(connect(emulator))
    assert time.monotonic() - started < 3
    assert caught.value.quota_exceeded and "QUOTA_EXCEEDED" in str(caught.value)
    assert emulator.stats()["by_status"]["429"] == 1  # no point asking again


def test_invalid_credentials_give_a_clear_error_without_the_secret(
    start_emulator: StartEmulator, connect: Connect
) -> None:
    emulator = start_emulator()
    client = connect(emulator, client_secret="not-the-secret-42")
    with pytest.raises(SpotifyAuthError) as caught:
        client.get_json("browse/new-releases")
    assert str(caught.value) == (
        f"Spotify rejected the client credentials (invalid_client) at {emulator.token_url}; "
        "check SPOTIFY_CLIENT_ID / SPOTIFY_CLIENT_SECRET"
    )
    assert "not-the-secret-42" not in repr(caught.value) and "not-the-secret-42" not in repr(client.settings)


def test_secrets_stay_out_of_logs_urls_and_reprs(
    start_emulator: StartEmulator, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = start_emulator(albums_per_day=30, faults={"error_5xx_rate": 0.1, "expire_token_every": 10})
    client = connect(emulator, page_limit=20)
    with caplog.at_level(logging.DEBUG):
        releases, track_pages = fetch_day(client)
    token = client._tokens.get()  # white-box: the current token, to look for it everywhere
    exposed = [caplog.text, repr(client), repr(client.settings), str(client.stats())]
    exposed += [page.url + repr(page) for page in releases + track_pages]
    for secret in (token, client.settings.client_secret):
        assert not any(secret in text for text in exposed)
    assert all(
        page.url.startswith(emulator.api_base_url) and "market=US" in page.url for page in releases + track_pages
    )
    assert "new_releases: page 2/2" in caplog.text  # progress lines


def test_concurrency_stays_within_max_workers(
    start_emulator: StartEmulator, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = start_emulator(faults={"latency_ms": 40})
    in_flight, peak, lock = 0, 0, threading.Lock()
    send = HTTPAdapter.send

    def counting_send(adapter: HTTPAdapter, *args: Any, **kwargs: Any) -> Any:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            return send(adapter, *args, **kwargs)
        finally:
            with lock:
                in_flight -= 1

    monkeypatch.setattr(HTTPAdapter, "send", counting_send)
    releases, track_pages = fetch_day(connect(emulator, max_workers=3))
    assert_complete_day(emulator, track_pages, releases)
    assert peak == 3
