"""Raw layer: the day's new-releases listing and every listed album's tracks, landed unchanged.

Both assets ask the API which day it serves (``spotify.select_snapshot_day``). When it serves the
requested day they fetch and land it; otherwise (the real API serves only today) the day can only
be rebuilt from its raw snapshot, and ``landed_or_rebuilt`` is that one decision for both.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

import dagster as dg

from spotify_assets.landing import (
    counts_since,
    land_album_tracks,
    land_new_releases,
    latest_tracks_manifest_before,
    read_release_manifest,
    read_tracks_manifest,
    release_albums,
)
from spotify_assets.partitions import daily_partitions, partition_date
from spotify_assets.raw_layout import ALBUM_TRACKS, NEW_RELEASES, TracksManifest, partition_prefix
from spotify_assets.resources.spotify import SpotifyResource
from spotify_assets.resources.storage import RawStorageResource, RawStore
from spotify_assets.resources.warehouse import WarehouseResource
from spotify_assets.spotify_api import SpotifyClient

M = TypeVar("M")


class SnapshotUnavailableError(dg.Failure):
    """The API cannot serve the requested day and no raw snapshot of it exists."""


def snapshot_unavailable(what: str, day: date, served: date, source: str, location: str) -> SnapshotUnavailableError:
    """``served`` is the day the API serves now (``spotify.select_snapshot_day``): the real API, only today."""
    return SnapshotUnavailableError(
        description=(
            f"No raw {what} snapshot for {day} under {location}, and the {source} API serves "
            f"only {served}'s new releases now. Landing {served}'s data as {day} would mislabel it, "
            f"so {day} can only be rebuilt from its raw snapshot."
        )
    )


@dataclass(frozen=True)
class Landed(Generic[M]):
    manifest: M
    rebuilt_from_raw: bool
    requests: dict[str, int]  # API requests made for it, by kind (none when rebuilt)


def landed_or_rebuilt(
    spotify: SpotifyResource,
    store: RawStore,
    day: date,
    *,
    what: str,
    dataset: str,
    land: Callable[[SpotifyClient], M],
    read: Callable[[], M | None],
) -> Landed[M]:
    """Land ``day`` from the API if it serves that day, else read its raw snapshot (or fail clearly)."""
    served = spotify.select_snapshot_day(day)
    if served == day:
        client = spotify.get_client()
        before = client.stats()
        manifest = land(client)
        return Landed(manifest, False, counts_since(before, client.stats()))
    stored = read()
    if stored is None:
        location = store.uri(partition_prefix(dataset, day))
        raise snapshot_unavailable(what, day, served, spotify.source, location)
    return Landed(stored, True, {})


def _api_counts(requests: dict[str, int]) -> dict[str, int]:
    return {f"api_{name}": count for name, count in requests.items()}


@dg.asset(
    partitions_def=daily_partitions,
    group_name="raw",
    kinds={"json", "spotify"},
    description="The day's new-release listing, each API page landed unchanged under raw/new_releases/date=YYYY-MM-DD/.",
)
def raw_new_releases(
    context: dg.AssetExecutionContext,
    spotify: SpotifyResource,
    raw_storage: RawStorageResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult[Any]:
    store = raw_storage.get_store()
    # Where the days will be written is checked before the API is called: a bad raw folder, bucket
    # or DuckDB path fails in seconds with its name, not after the whole day has been fetched.
    store.check_writable()
    warehouse.check_usable()
    return dg.MaterializeResult(metadata=_land_releases(context, spotify, store, partition_date(context)))


def _land_releases(
    context: dg.AssetExecutionContext, spotify: SpotifyResource, store: RawStore, day: date
) -> dict[str, Any]:
    landed = landed_or_rebuilt(
        spotify,
        store,
        day,
        what="new-releases",
        dataset=NEW_RELEASES,
        land=lambda client: land_new_releases(client, store, day, spotify.source),
        read=lambda: read_release_manifest(store, day),
    )
    manifest = landed.manifest
    context.log.info(
        "new releases for %s: %d albums in %d pages (%s)",
        day,
        manifest.album_count,
        len(manifest.pages),
        manifest.endpoint,
    )
    return {
        "album_count": manifest.album_count,
        "pages": len(manifest.pages),
        "endpoint": manifest.endpoint,
        "source": manifest.source,
        "rebuilt_from_raw": landed.rebuilt_from_raw,
        "location": dg.MetadataValue.url(store.uri(partition_prefix(NEW_RELEASES, day))),
        **_api_counts(landed.requests),
    }


@dg.asset(
    deps=[raw_new_releases],
    partitions_def=daily_partitions,
    group_name="raw",
    kinds={"json", "spotify"},
    description=(
        "Tracks of every album in the day's new releases: albums?ids= batches of 20 plus extra track pages, "
        "landed unchanged under raw/album_tracks/date=YYYY-MM-DD/. Albums landed on an earlier day with the "
        "same total_tracks are reused, not fetched again."
    ),
)
def raw_album_tracks(
    context: dg.AssetExecutionContext, spotify: SpotifyResource, raw_storage: RawStorageResource
) -> dg.MaterializeResult[Any]:
    store = raw_storage.get_store()
    return dg.MaterializeResult(metadata=_land_tracks(context, spotify, store, partition_date(context)))


def _land_tracks(
    context: dg.AssetExecutionContext, spotify: SpotifyResource, store: RawStore, day: date
) -> dict[str, Any]:
    releases = read_release_manifest(store, day)
    if releases is None:
        raise dg.Failure(f"raw_new_releases has no committed snapshot for {day}; materialize it first")

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

    landed = landed_or_rebuilt(
        spotify,
        store,
        day,
        what="album-tracks",
        dataset=ALBUM_TRACKS,
        land=land,
        read=lambda: read_tracks_manifest(store, day),
    )
    manifest = landed.manifest
    fetched = manifest.fetched_here()
    context.log.info(
        "tracks for %s: %d albums fetched, %d reused, %d unavailable",
        day,
        fetched,
        len(manifest.albums) - fetched,
        len(manifest.unavailable),
    )
    return {
        "album_count": len(manifest.albums),
        "albums_fetched": fetched,
        "albums_reused": len(manifest.albums) - fetched,
        "albums_unavailable": len(manifest.unavailable),
        "raw_objects": len(manifest.all_keys()),
        "source": manifest.source,
        "rebuilt_from_raw": landed.rebuilt_from_raw,
        "location": dg.MetadataValue.url(store.uri(partition_prefix(ALBUM_TRACKS, day))),
        **_api_counts(landed.requests),
    }
