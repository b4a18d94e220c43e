"""Landing API responses in the raw store: plain Python over a client and a store (no Dagster).

Every page is written the moment it arrives, before it is validated, so whatever the API sent is
kept even when the run then fails on it; the manifest is written last and is what makes the day
visible to the table build.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

from spotify_assets.landing import layout
from spotify_assets.landing.layout import (
    AlbumTracksEntry,
    RawDataError,
    ReleaseManifest,
    TracksManifest,
    UnavailableEntry,
)
from spotify_assets.landing.releases import album_refs_from_release_pages, plan_track_fetch
from spotify_assets.landing.unavailable import DEFAULT_MAX_UNAVAILABLE_SHARE, check_unavailable_share
from spotify_assets.resources.object_store import ObjectStore
from spotify_assets.spotify_api import AlbumRef, RawPage
from spotify_assets.spotify_api.models import ALBUM_UNAVAILABLE

log = logging.getLogger(__name__)


class ReleasePagesSource(Protocol):
    def iter_new_release_pages(self) -> Iterator[RawPage]: ...


class TrackPagesSource(Protocol):
    def iter_album_track_pages(self, albums: Iterable[AlbumRef]) -> Iterator[RawPage]: ...


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def counts_since(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """Request counters accrued between two ``client.stats()`` readings (the client may be shared)."""
    return {name: after[name] - before.get(name, 0) for name in after}


def land_new_releases(client: ReleasePagesSource, store: ObjectStore, day: date, source: str) -> ReleaseManifest:
    """Fetch the day's new-release pages into the store and commit them with a manifest."""
    keys: list[str] = []
    urls: list[str] = []
    endpoints: set[str] = set()

    def written_pages() -> Iterator[tuple[str, bytes]]:
        for index, page in enumerate(client.iter_new_release_pages()):
            key = layout.release_page_key(day, index)
            store.write(key, page.body)
            keys.append(key)
            urls.append(page.url)
            endpoints.add(page.kind)
            yield key, page.body

    albums = album_refs_from_release_pages(written_pages())
    manifest = ReleaseManifest(
        snapshot_date=day.isoformat(),
        source=source,
        endpoint="+".join(sorted(endpoints)),
        fetched_at=utc_now(),
        pages=keys,
        urls=urls,
        album_count=len(albums),
    )
    store.write(layout.manifest_key(layout.NEW_RELEASES, day), manifest.to_json())
    return manifest


def read_release_manifest(store: ObjectStore, day: date) -> ReleaseManifest | None:
    body = store.read(layout.manifest_key(layout.NEW_RELEASES, day))
    return ReleaseManifest.from_json(body) if body is not None else None


def read_tracks_manifest(store: ObjectStore, day: date) -> TracksManifest | None:
    body = store.read(layout.manifest_key(layout.ALBUM_TRACKS, day))
    return TracksManifest.from_json(body) if body is not None else None


def release_albums(store: ObjectStore, manifest: ReleaseManifest) -> list[AlbumRef]:
    """The albums of a committed snapshot, read back from its raw pages."""

    def bodies() -> Iterator[tuple[str, bytes]]:
        for key in manifest.pages:
            body = store.read(key)
            if body is None:
                raise RawDataError(f"{store.uri(key)} is listed in the manifest but missing from the raw store")
            yield key, body

    return album_refs_from_release_pages(bodies())


def latest_tracks_manifest_before(store: ObjectStore, day: date) -> TracksManifest | None:
    """The most recent earlier day's tracks manifest: it maps every album landed so far that day,
    including those it reused, so one manifest tells which albums need no new fetch."""
    dates = (layout.date_of_partition(name) for name in store.list_partitions(layout.ALBUM_TRACKS))
    for candidate in sorted((d for d in dates if d is not None and d < day), reverse=True):
        manifest = read_tracks_manifest(store, candidate)
        if manifest is not None:
            return manifest
    return None


def land_album_tracks(
    client: TrackPagesSource,
    store: ObjectStore,
    day: date,
    source: str,
    albums: list[AlbumRef],
    known: Mapping[str, AlbumTracksEntry],
    *,
    max_unavailable_share: float = DEFAULT_MAX_UNAVAILABLE_SHARE,
    market: str = "US",
) -> TracksManifest:
    """Fetch tracks for albums not landed before (or whose track count changed), reuse the rest.

    Albums the API would not serve (null in ``albums?ids=``, 404) are recorded in the manifest's
    ``unavailable`` instead of failing the day, unless there are more than
    ``max_unavailable_share`` of the day's albums."""
    plan = plan_track_fetch(albums, known)
    log.info(
        "tracks for %s: %d albums to fetch, %d reused from earlier days", day, len(plan.to_fetch), len(plan.reused)
    )
    keys_by_album: dict[str, list[str]] = defaultdict(list)
    unavailable: dict[str, UnavailableEntry] = {}
    for page in client.iter_album_track_pages(plan.to_fetch):
        for gone in page.unavailable:
            unavailable.setdefault(gone.album_id, UnavailableEntry(gone.endpoint, gone.status, gone.message, gone.url))
        if page.kind == ALBUM_UNAVAILABLE:
            continue
        key = _page_key(day, page)
        store.write(key, page.body)
        for album_id in _albums_in_page(page):
            keys_by_album[album_id].append(key)
    for album_id in unavailable:  # pulled mid-fetch (a later page 404'd): what came is incomplete
        keys_by_album.pop(album_id, None)
    missing = [album.id for album in plan.to_fetch if album.id not in keys_by_album and album.id not in unavailable]
    if missing:
        raise RawDataError(
            f"the API returned no tracks for {len(missing)} of {len(plan.to_fetch)} albums of {day} "
            f"(first: {', '.join(missing[:5])}); pages received are kept under {store.uri(layout.partition_prefix(layout.ALBUM_TRACKS, day))}"
        )
    check_unavailable_share(day, unavailable, len(albums), max_unavailable_share, market)
    if unavailable:
        log.warning(
            "tracks for %s: %d listed albums unavailable: %s", day, len(unavailable), ", ".join(sorted(unavailable))
        )
    entries = dict(plan.reused)
    for album in plan.to_fetch:
        if album.id not in unavailable:
            entries[album.id] = AlbumTracksEntry(album.total_tracks, day.isoformat(), sorted(keys_by_album[album.id]))
    manifest = TracksManifest(
        snapshot_date=day.isoformat(),
        source=source,
        fetched_at=utc_now(),
        albums={album.id: entries[album.id] for album in albums if album.id in entries},
        unavailable={album.id: unavailable[album.id] for album in albums if album.id in unavailable},
    )
    store.write(layout.manifest_key(layout.ALBUM_TRACKS, day), manifest.to_json())
    return manifest


def _page_key(day: date, page: RawPage) -> str:
    if page.kind == "albums_batch":
        return layout.albums_batch_key(day, page.batch_index or 0)
    if page.kind == "album_tracks" and page.album_id:
        return layout.track_page_key(day, page.album_id, page.offset)
    raise RawDataError(f"{page.url}: unexpected page kind {page.kind!r} for album tracks")


def _albums_in_page(page: RawPage) -> Sequence[str]:
    """Which albums a page holds tracks for: every album of a batch, or the page's one album.

    The client reads them while it has the body parsed anyway (``RawPage.album_ids``); a ~0.5 MB
    batch is parsed again here only when a page comes without them."""
    if page.album_ids is not None:
        return page.album_ids
    if page.kind != "albums_batch":
        return [page.album_id] if page.album_id else []
    albums = page.json().get("albums")
    if not isinstance(albums, list):
        raise RawDataError(f"{page.url}: expected 'albums' to be a list in an albums batch")
    return [a["id"] for a in albums if isinstance(a, dict) and isinstance(a.get("id"), str)]


@dataclass(frozen=True)
class SnapshotKeys:
    """Raw keys of a committed day: its listing pages and, per album, the keys holding its tracks;
    and the listed albums the API would not serve (no keys: they have no tracks)."""

    release_pages: list[str]
    album_keys: dict[str, list[str]]
    unavailable: dict[str, UnavailableEntry] = field(default_factory=dict)

    def track_keys(self) -> list[str]:
        return sorted({key for keys in self.album_keys.values() for key in keys})


def snapshot_keys(store: ObjectStore, day: date) -> SnapshotKeys:
    releases = read_release_manifest(store, day)
    tracks = read_tracks_manifest(store, day)
    if releases is None or tracks is None:
        missing = layout.NEW_RELEASES if releases is None else layout.ALBUM_TRACKS
        raise RawDataError(
            f"no committed raw {missing} snapshot for {day} under "
            f"{store.uri(layout.partition_prefix(missing, day))}; materialize the raw assets for {day} first"
        )
    album_keys = {album: entry.keys for album, entry in tracks.albums.items()}
    return SnapshotKeys(releases.pages, album_keys, dict(tracks.unavailable))
