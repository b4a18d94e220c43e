"""Where raw pages live and what a partition's manifest says about them.

Layout (Hive-style, so Athena/Glue/DuckDB can partition-prune on ``date``)::

    new_releases/date=YYYY-MM-DD/page-0000.json            one page of new releases, unchanged
    new_releases/date=YYYY-MM-DD/_manifest.json            written last: the snapshot is complete
    album_tracks/date=YYYY-MM-DD/albums-batch-00000.json   one ``albums?ids=`` response, unchanged
    album_tracks/date=YYYY-MM-DD/tracks-<album>-00050.json one ``albums/{id}/tracks`` page, unchanged
    album_tracks/date=YYYY-MM-DD/_manifest.json            album -> the raw keys holding its tracks,
                                                           and the albums the API would not serve

Keys are deterministic, so a rerun overwrites instead of duplicating; the manifest is the commit
marker, so pages of a killed run stay on disk (nothing lost) but are never half-read.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


class RawDataError(ValueError):
    """A raw page does not have the shape the platform relies on; the message names where."""


NEW_RELEASES = "new_releases"
ALBUM_TRACKS = "album_tracks"
MANIFEST_NAME = "_manifest.json"


def partition_prefix(dataset: str, day: date) -> str:
    return f"{dataset}/date={day.isoformat()}/"


def manifest_key(dataset: str, day: date) -> str:
    return partition_prefix(dataset, day) + MANIFEST_NAME


def release_page_key(day: date, page_index: int) -> str:
    return partition_prefix(NEW_RELEASES, day) + f"page-{page_index:04d}.json"


ALBUMS_BATCH_STEM = "albums-batch-"


def albums_batch_key(day: date, batch_index: int) -> str:
    return partition_prefix(ALBUM_TRACKS, day) + f"{ALBUMS_BATCH_STEM}{batch_index:05d}.json"


def is_albums_batch_key(key: str) -> bool:
    return key.rsplit("/", 1)[-1].startswith(ALBUMS_BATCH_STEM)


def track_page_key(day: date, album_id: str, offset: int) -> str:
    return partition_prefix(ALBUM_TRACKS, day) + f"tracks-{album_id}-{offset:05d}.json"


def date_of_partition(name: str) -> date | None:
    """``date=2026-11-21`` -> that date; anything else in a dataset folder -> None."""
    if not name.startswith("date="):
        return None
    try:
        return date.fromisoformat(name.removeprefix("date="))
    except ValueError:
        return None


@dataclass
class ReleaseManifest:
    """The complete new-releases snapshot of one day: which pages, from where, how many albums."""

    snapshot_date: str
    source: str
    endpoint: str
    fetched_at: str
    pages: list[str]
    urls: list[str]
    album_count: int

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=1).encode()

    @classmethod
    def from_json(cls, body: bytes) -> ReleaseManifest:
        return cls(**json.loads(body))


@dataclass
class AlbumTracksEntry:
    """Where one album's tracks were landed and at which ``total_tracks`` they were fetched."""

    total_tracks: int
    fetched_on: str
    keys: list[str]


@dataclass
class UnavailableEntry:
    """A listed album the API would not serve that day (pulled, or not in the market): what it said."""

    endpoint: str  # "albums" (albums?ids= answered null) or "albums/{id}/tracks" (404)
    status: int
    message: str
    url: str  # the request, token-free


@dataclass
class TracksManifest:
    """Every available album of a day mapped to the raw keys holding its tracks (fetched that day
    or reused), and the listed albums the API would not serve (``unavailable``: no tracks)."""

    snapshot_date: str
    source: str
    fetched_at: str
    albums: dict[str, AlbumTracksEntry] = field(default_factory=dict)
    unavailable: dict[str, UnavailableEntry] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=1).encode()

    @classmethod
    def from_json(cls, body: bytes) -> TracksManifest:
        data: dict[str, Any] = json.loads(body)
        albums = {album_id: AlbumTracksEntry(**entry) for album_id, entry in data.pop("albums").items()}
        # Manifests written before unavailable albums were recorded have no such field.
        unavailable = {album_id: UnavailableEntry(**entry) for album_id, entry in data.pop("unavailable", {}).items()}
        return cls(albums=albums, unavailable=unavailable, **data)

    def fetched_here(self) -> int:
        return sum(entry.fetched_on == self.snapshot_date for entry in self.albums.values())

    def all_keys(self) -> list[str]:
        """Distinct raw keys (a batch file holds up to 20 albums), in a stable order."""
        return sorted({key for entry in self.albums.values() for key in entry.keys})
