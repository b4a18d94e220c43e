"""Raw layer: the day's new-releases snapshot, landed unchanged as JSON pages."""

from datetime import date
from typing import Any

import dagster as dg

from spotify_assets.landing import counts_since, land_new_releases, read_release_manifest
from spotify_assets.partitions import daily_backfill_policy, daily_partitions, partition_dates
from spotify_assets.raw_layout import NEW_RELEASES, partition_prefix
from spotify_assets.resources.spotify import SpotifyResource
from spotify_assets.resources.storage import RawStorageResource, RawStore
from spotify_assets.resources.warehouse import WarehouseResource


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


@dg.asset(
    partitions_def=daily_partitions,
    backfill_policy=daily_backfill_policy,
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
    for day in partition_dates(context):
        context.add_asset_metadata(_land_day(context, spotify, store, day), partition_key=day.isoformat())
    return dg.MaterializeResult()


def _land_day(context: dg.AssetExecutionContext, spotify: SpotifyResource, store: RawStore, day: date) -> dict[str, Any]:
    served = spotify.select_snapshot_day(day)
    if served == day:
        client = spotify.get_client()
        before = client.stats()
        manifest = land_new_releases(client, store, day, spotify.source)
        rebuilt = False
        requests = counts_since(before, client.stats())
    else:
        stored = read_release_manifest(store, day)
        if stored is None:
            location = store.uri(partition_prefix(NEW_RELEASES, day))
            raise snapshot_unavailable("new-releases", day, served, spotify.source, location)
        manifest, rebuilt, requests = stored, True, {}
    context.log.info("new releases for %s: %d albums in %d pages (%s)", day, manifest.album_count, len(manifest.pages), manifest.endpoint)
    return {
        "album_count": manifest.album_count,
        "pages": len(manifest.pages),
        "endpoint": manifest.endpoint,
        "source": manifest.source,
        "rebuilt_from_raw": rebuilt,
        "location": dg.MetadataValue.url(store.uri(partition_prefix(NEW_RELEASES, day))),
        **{f"api_{name}": count for name, count in requests.items()},
    }
