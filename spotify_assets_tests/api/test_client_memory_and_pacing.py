"""Bounded memory and self-pacing, against the real emulator over HTTP.

- a slow caller slows the fetching down (at most ``2 * max_workers`` fetches ahead of it), so the
  pages waiting in memory stay bounded whatever the day's size;
- pages carry the album ids the client read, so landing need not parse a batch again;
- told the app's rolling-window limit, the client stays under it and meets (almost) no 429;
- the pacer never lets more than ``limit`` requests into a window, also across threads.
"""

from __future__ import annotations

import threading
import time

import pytest

from spotify_assets.spotify_api import AlbumRef, ClientSettings, SpotifyConfigError
from spotify_assets.spotify_api.throttle import RequestPacer
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


def test_a_slow_caller_holds_back_the_fetching(start_emulator: StartEmulator, connect: Connect) -> None:
    emulator = start_emulator(albums_per_day=400)  # 20 batches + extra pages: well over the window
    client = connect(emulator, max_workers=2)
    releases = list(client.iter_new_release_pages())
    albums = [AlbumRef(item["id"], item["total_tracks"]) for item in release_items(releases)]
    before = emulator.stats()["total"]

    ahead, pages = [], []
    for page in client.iter_album_track_pages(albums):
        pages.append(page)
        time.sleep(0.02)  # a caller slower than two workers on a local emulator
        ahead.append(emulator.stats()["total"] - before - len(pages))  # requests answered but not yet taken

    assert track_ids_by_album(pages) == catalog_track_ids(emulator.catalog)
    assert len(pages) > 40
    # window = 2 * max_workers fetches started ahead; one more may be in flight as the caller resumes
    assert max(ahead) <= 2 * 2 + 1


def test_pages_carry_the_album_ids_the_client_read(start_emulator: StartEmulator, connect: Connect) -> None:
    emulator = start_emulator(albums_per_day=60)
    _, track_pages = fetch_day(connect(emulator))
    for page in track_pages:
        document = page.json()
        if page.kind == "albums_batch":
            assert page.album_ids == tuple(album["id"] for album in document["albums"] if album is not None)
        else:
            assert page.album_ids == (page.album_id,)


def test_told_the_limit_the_client_paces_itself_instead_of_collecting_429s(
    start_emulator: StartEmulator, connect: Connect
) -> None:
    # 32 requests per 2 s rolling window; a 300-album day needs 1 token + 6 listing pages + 15
    # batches + the extra pages of long albums: more than one window.
    limit, window = 32, 2.0
    faults = {"rate_limit_requests": limit, "rate_limit_window_s": window, "latency_ms": 5}
    emulator = start_emulator(albums_per_day=300, faults=faults)
    client = connect(emulator, rate_limit_requests=limit, rate_limit_window_s=window)
    started = time.monotonic()
    releases, track_pages = fetch_day(client)
    elapsed = time.monotonic() - started

    assert [item["id"] for item in release_items(releases)] == emulator.catalog.new_release_ids(DAY, "US")
    assert track_ids_by_album(track_pages) == catalog_track_ids(emulator.catalog)
    minimal = minimal_request_count(emulator.catalog)
    assert minimal > limit
    assert emulator.stats()["by_status"].get("429", 0) == 0
    assert emulator.stats()["total"] == client.stats()["requests"] == minimal
    assert client.stats()["pacing_wait_ms"] > 0
    windows_needed = -(-minimal // limit) - 1
    assert windows_needed * window <= elapsed < (windows_needed + 1) * window + 3


def test_without_the_limit_429s_are_waited_out_together(start_emulator: StartEmulator, connect: Connect) -> None:
    """The default (Spotify publishes no number): each 429 pauses all workers for its Retry-After;
    what it costs is bounded by the workers in flight when the window fills."""
    faults = {"rate_limit_requests": 32, "rate_limit_window_s": 2.0, "latency_ms": 5}
    emulator = start_emulator(albums_per_day=300, faults=faults)
    client = connect(emulator)
    _releases, track_pages = fetch_day(client)

    assert track_ids_by_album(track_pages) == catalog_track_ids(emulator.catalog)
    rejected = emulator.stats()["by_status"].get("429", 0)
    assert 0 < rejected == client.stats()["rate_limited"]
    assert emulator.stats()["total"] == minimal_request_count(emulator.catalog) + rejected


def test_the_pacer_admits_at_most_limit_requests_per_rolling_window() -> None:
    limit, window = 5, 0.3
    pacer = RequestPacer(limit, window)
    sent: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            pacer.acquire()
            with lock:
                sent.append(time.monotonic())
            time.sleep(0.01)  # the "request"
            pacer.release()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sent.sort()
    assert len(sent) == 20
    # any `limit + 1` consecutive sends span more than a window (less 10 ms for the request itself)
    assert all(later - earlier >= window - 0.001 for earlier, later in zip(sent, sent[limit:], strict=False))
    assert sent[-1] - sent[0] >= 3 * window  # 20 requests at 5 per window need 4 windows


def test_pacing_settings_are_checked() -> None:
    with pytest.raises(SpotifyConfigError, match="rate_limit_requests"):
        ClientSettings(rate_limit_requests=0)
    with pytest.raises(SpotifyConfigError, match="rate_limit_window_s"):
        ClientSettings(rate_limit_requests=10, rate_limit_window_s=0)
