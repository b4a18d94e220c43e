"""The batching plan and the streaming pool, without a server."""

from __future__ import annotations

import threading
import time

import pytest

from spotify_assets.spotify_api import AlbumRef, ClientSettings, SpotifyConfigError
from spotify_assets.spotify_api.batching import (
    AlbumsBatch,
    TrackPage,
    album_batches,
    extra_track_pages,
    per_album_first_pages,
)
from spotify_assets.spotify_api.concurrency import Outcome, run_streaming


def test_albums_go_in_numbered_batches_of_twenty() -> None:
    albums = [AlbumRef(f"a{i}", 10) for i in range(45)]
    batches = list(album_batches(albums))
    assert [b.index for b in batches] == [0, 1, 2]
    assert [len(b.albums) for b in batches] == [20, 20, 5]
    assert [a for b in batches for a in b.albums] == albums
    assert list(album_batches([])) == []


@pytest.mark.parametrize(
    ("total", "offsets"), [(0, []), (50, []), (51, [50]), (100, [50]), (101, [50, 100]), (250, [50, 100, 150, 200])]
)
def test_extra_pages_only_beyond_the_fifty_embedded_tracks(total: int, offsets: list[int]) -> None:
    assert [p.offset for p in extra_track_pages("a", total)] == offsets


def test_fallback_pages_every_album_from_the_start() -> None:
    batch = AlbumsBatch(0, (AlbumRef("a", 3), AlbumRef("b", 70)))
    assert per_album_first_pages(batch) == [TrackPage("a", 0), TrackPage("b", 0)]


def test_streaming_pool_runs_follow_ups_and_yields_each_result_once() -> None:
    def work(n: int) -> Outcome[int, int]:
        return Outcome(n, [n * 10] if n < 10 else [])

    results = [o.result for o in run_streaming([1, 2, 3], work, max_workers=2)]
    assert sorted(results) == [1, 2, 3, 10, 20, 30]


def test_streaming_pool_bounds_concurrency_and_pending_results() -> None:
    running, peak, submitted = 0, 0, 0
    lock = threading.Lock()

    def tasks():
        nonlocal submitted
        for n in range(40):
            submitted += 1
            yield n

    def work(n: int) -> Outcome[int, int]:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.005)
        with lock:
            running -= 1
        return Outcome(n)

    stream = run_streaming(tasks(), work, max_workers=3)
    next(stream)
    assert submitted <= 2 * 3 + 1  # the source is read lazily, a window at a time
    assert len(list(stream)) == 39 and peak <= 3


def test_streaming_pool_raises_the_first_failure() -> None:
    def work(n: int) -> Outcome[int, int]:
        if n == 5:
            raise ValueError("boom")
        return Outcome(n)

    with pytest.raises(ValueError, match="boom"):
        list(run_streaming(range(50), work, max_workers=4))


def test_settings_hide_the_secret_and_reject_unusable_values() -> None:
    settings = ClientSettings(client_id="id", client_secret="s3cr3t")
    assert "s3cr3t" not in repr(settings)
    with pytest.raises(SpotifyConfigError, match="page_limit"):
        ClientSettings(page_limit=51)
    with pytest.raises(SpotifyConfigError, match="api_base_url must be an absolute"):
        ClientSettings(api_base_url="api.spotify.com/v1")
