"""The client against the real emulator: albums that vanish mid-fetch, and what a 401 really means."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from spotify_assets.emulator import SpotifyEmulator
from spotify_assets.landing.land import land_album_tracks
from spotify_assets.resources.object_store import LocalObjectStore
from spotify_assets.resources.storage import RAW
from spotify_assets.spotify_api import AlbumRef, RawPage, SpotifyAuthError, SpotifyClient
from spotify_assets_tests.api.conftest import DAY, Connect, StartEmulator


class PullsAfterFirstBatch:
    """The real client, with the emulator pulling an album right after the first batch came back:
    its first 50 tracks are in, its later pages answer 404 (pulled between two requests)."""

    def __init__(self, client: SpotifyClient, emulator: SpotifyEmulator, album_id: str) -> None:
        self._client, self._emulator, self._album_id = client, emulator, album_id

    def iter_album_track_pages(self, albums: Iterable[AlbumRef]) -> Iterator[RawPage]:
        for page in self._client.iter_album_track_pages(albums):
            yield page
            if page.kind == "albums_batch" and page.batch_index == 0:
                self._emulator.pull_albums([self._album_id])


def test_an_album_pulled_mid_fetch_is_unavailable_not_half_landed(
    start_emulator: StartEmulator, connect: Connect, tmp_path: Path
) -> None:
    emulator = start_emulator()
    catalog = emulator.catalog
    listed = catalog.new_release_ids(DAY, "US")
    albums = [AlbumRef(a, catalog.total_tracks(a, DAY) or 0) for a in listed]
    long_album = next(a for a in listed[:20] if (catalog.total_tracks(a, DAY) or 0) > 50)
    client = connect(emulator, max_workers=1)  # batch 0's extra pages are sent after the pull
    manifest = land_album_tracks(
        PullsAfterFirstBatch(client, emulator, long_album), LocalObjectStore(tmp_path, RAW), DAY, "emulator", albums, {}
    )
    assert list(manifest.unavailable) == [long_album]
    entry = manifest.unavailable[long_album]
    assert (entry.endpoint, entry.status, entry.message) == ("albums/{id}/tracks", 404, "Resource not found")
    assert "offset=50" in entry.url
    assert long_album not in manifest.albums and len(manifest.albums) == len(listed) - 1


def test_a_token_lapsing_in_flight_is_not_called_a_rejected_fresh_token(
    start_emulator: StartEmulator, connect: Connect
) -> None:
    emulator = start_emulator(token_ttl_s=1, faults={"latency_ms": 1100})  # every token lapses on the way
    with pytest.raises(SpotifyAuthError) as raised:
        connect(emulator, max_workers=1).get_json("browse/new-releases")
    message = str(raised.value)
    assert "expired again before" in message and "Missing/invalid/expired access token" in message
    assert "freshly issued" not in message


def test_a_server_refusing_fresh_tokens_is_reported_as_such(start_emulator: StartEmulator, connect: Connect) -> None:
    issuer, api = start_emulator(), start_emulator()  # tokens from one, requests to the other
    with pytest.raises(SpotifyAuthError, match=r"rejected a freshly issued access token .*Invalid access token"):
        connect(api, token_url=issuer.token_url).get_json("browse/new-releases")
    assert api.stats()["by_status"] == {"401": 2}  # one resend with a new token, no more
