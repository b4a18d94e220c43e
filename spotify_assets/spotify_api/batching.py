"""How album tracks are fetched in as few requests as possible: a pure plan.

``GET /albums?ids=`` returns up to 20 albums, each embedding its first 50 tracks, so most albums
cost 1/20 of a request; only albums with more than 50 tracks need extra ``/albums/{id}/tracks``
pages. When an app may not call ``/albums?ids=`` (Development Mode), every album is paged on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from spotify_assets.spotify_api.models import AlbumRef

ALBUMS_PER_BATCH = 20  # maximum ids for GET /albums
EMBEDDED_TRACKS = 50  # tracks embedded in each album of GET /albums
TRACKS_PAGE_LIMIT = 50  # maximum limit for GET /albums/{id}/tracks


@dataclass(frozen=True)
class AlbumsBatch:
    """One ``GET /albums?ids=`` request."""

    index: int
    albums: tuple[AlbumRef, ...]


@dataclass(frozen=True)
class TrackPage:
    """One ``GET /albums/{id}/tracks`` request."""

    album_id: str
    offset: int


def album_batches(albums: Iterable[AlbumRef]) -> Iterator[AlbumsBatch]:
    """Consecutive groups of up to 20 albums, numbered from 0 (the number names the raw object)."""
    source = iter(albums)
    index = 0
    while group := tuple(islice(source, ALBUMS_PER_BATCH)):
        yield AlbumsBatch(index, group)
        index += 1


def extra_track_pages(album_id: str, total_tracks: int, first_offset: int = EMBEDDED_TRACKS) -> list[TrackPage]:
    """The track pages still needed once the tracks before ``first_offset`` are in hand."""
    return [TrackPage(album_id, offset) for offset in range(first_offset, total_tracks, TRACKS_PAGE_LIMIT)]


def per_album_first_pages(batch: AlbumsBatch) -> list[TrackPage]:
    """The fallback for a batch the API refuses: page each album's tracks from the start."""
    return [TrackPage(album.id, 0) for album in batch.albums]
