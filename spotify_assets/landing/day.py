"""A day's landing, top to bottom: ask the API which day it serves, then land that day's listing
and its albums' tracks, or rebuild them from their raw snapshot.

The raw assets call ``land_releases_day`` and ``land_tracks_day``; from here the work reads down
the package: ``land`` writes each page as it arrives and the manifest last, ``releases`` turns
listing pages into albums and plans which need fetching, ``unavailable`` is the rule for albums
the API would not serve, ``layout`` is where every object goes. No Dagster here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, Protocol, TypeVar

from spotify_assets.landing.land import (
    counts_since,
    land_album_tracks,
    land_new_releases,
    latest_tracks_manifest_before,
    read_release_manifest,
    read_tracks_manifest,
    release_albums,
)
from spotify_assets.landing.layout import (
    ALBUM_TRACKS,
    NEW_RELEASES,
    RawDataError,
    ReleaseManifest,
    TracksManifest,
    partition_prefix,
)
from spotify_assets.resources.object_store import ObjectStore
from spotify_assets.spotify_api import SpotifyClient

M = TypeVar("M")


class SnapshotSource(Protocol):
    """What landing needs of the Spotify side (``SpotifyResource`` is one)."""

    @property
    def source(self) -> str: ...

    @property
    def market(self) -> str: ...

    @property
    def max_unavailable_share(self) -> float: ...

    def select_snapshot_day(self, requested: date) -> date: ...

    def get_client(self) -> SpotifyClient: ...


class SnapshotUnavailableError(RuntimeError):
    """The API cannot serve the requested day and no raw snapshot of it exists."""


@dataclass(frozen=True)
class Landed(Generic[M]):
    manifest: M
    rebuilt_from_raw: bool
    requests: dict[str, int]  # API requests made for it, by kind (none when rebuilt)


def landed_or_rebuilt(
    spotify: SnapshotSource,
    store: ObjectStore,
    day: date,
    *,
    what: str,
    dataset: str,
    land: Callable[[SpotifyClient], M],
    read: Callable[[], M | None],
) -> Landed[M]:
    """Land ``day`` from the API if it serves that day, else read its raw snapshot (or fail clearly:
    the real API serves only today, and landing today's data as another day would mislabel it)."""
    served = spotify.select_snapshot_day(day)
    if served == day:
        client = spotify.get_client()
        before = client.stats()
        manifest = land(client)
        return Landed(manifest, False, counts_since(before, client.stats()))
    stored = read()
    if stored is None:
        raise SnapshotUnavailableError(
            f"No raw {what} snapshot for {day} under {store.uri(partition_prefix(dataset, day))}, and the "
            f"{spotify.source} API serves only {served}'s new releases now. Landing {served}'s data as {day} "
            f"would mislabel it, so {day} can only be rebuilt from its raw snapshot."
        )
    return Landed(stored, True, {})


def land_releases_day(spotify: SnapshotSource, store: ObjectStore, day: date) -> Landed[ReleaseManifest]:
    """The day's new-releases listing, each page landed unchanged, committed by its manifest."""
    return landed_or_rebuilt(
        spotify,
        store,
        day,
        what="new-releases",
        dataset=NEW_RELEASES,
        land=lambda client: land_new_releases(client, store, day, spotify.source),
        read=lambda: read_release_manifest(store, day),
    )


def land_tracks_day(spotify: SnapshotSource, store: ObjectStore, day: date) -> Landed[TracksManifest]:
    """The tracks of every album the day lists: albums landed on an earlier day with the same
    ``total_tracks`` are reused, the others fetched (``albums?ids=`` batches and track pages)."""
    releases = read_release_manifest(store, day)
    if releases is None:
        raise RawDataError(f"raw_new_releases has no committed snapshot for {day}; materialize it first")

    def land(client: SpotifyClient) -> TracksManifest:
        previous = latest_tracks_manifest_before(store, day)
        return land_album_tracks(
            client,
            store,
            day,
            spotify.source,
            release_albums(store, releases),
            previous.albums if previous else {},
            max_unavailable_share=spotify.max_unavailable_share,
            market=spotify.market,
        )

    return landed_or_rebuilt(
        spotify,
        store,
        day,
        what="album-tracks",
        dataset=ALBUM_TRACKS,
        land=land,
        read=lambda: read_tracks_manifest(store, day),
    )
