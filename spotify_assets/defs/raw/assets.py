"""The raw group: the day's new-releases listing and every listed album's tracks, landed unchanged.

What landing a day means (the API's served day, rebuilding from raw, reusing albums) lives in
``spotify_assets.landing``; these assets check where they write, call it, and record what it did.
"""

from typing import Any

import dagster as dg

from spotify_assets.landing.day import Landed, land_releases_day, land_tracks_day
from spotify_assets.landing.layout import ALBUM_TRACKS, NEW_RELEASES, partition_prefix
from spotify_assets.orchestration.catalog import OWNERS, asset_tags
from spotify_assets.orchestration.partitions import daily_partitions, partition_date
from spotify_assets.resources.spotify import SpotifyResource
from spotify_assets.resources.storage import RawStorageResource
from spotify_assets.resources.warehouse import WarehouseResource

TAGS = asset_tags(source="spotify_api", storage="raw_storage", scope="day")


def _api_counts(landed: Landed[Any]) -> dict[str, int]:
    return {f"api_{name}": count for name, count in landed.requests.items()}


@dg.asset(
    partitions_def=daily_partitions,
    group_name="raw",
    kinds={"json", "spotify"},
    owners=OWNERS,
    tags=TAGS,
    description="The day's new-release listing, each API page landed unchanged under raw/new_releases/date=YYYY-MM-DD/.",
)
def raw_new_releases(
    context: dg.AssetExecutionContext,
    spotify: SpotifyResource,
    raw_storage: RawStorageResource,
    warehouse: WarehouseResource,
) -> dg.MaterializeResult[Any]:
    day, store = partition_date(context), raw_storage.get_store()
    # Where the day will be written is checked before the API is called: a bad raw folder, bucket
    # or DuckDB path fails in seconds with its name, not after the whole day has been fetched.
    store.check_writable()
    warehouse.check_usable()
    landed = land_releases_day(spotify, store, day)
    manifest = landed.manifest
    context.log.info(
        "new releases for %s: %d albums in %d pages (%s)",
        day,
        manifest.album_count,
        len(manifest.pages),
        manifest.endpoint,
    )
    return dg.MaterializeResult(
        metadata={
            "album_count": manifest.album_count,
            "pages": len(manifest.pages),
            "endpoint": manifest.endpoint,
            "source": manifest.source,
            "rebuilt_from_raw": landed.rebuilt_from_raw,
            "location": dg.MetadataValue.url(store.uri(partition_prefix(NEW_RELEASES, day))),
            **_api_counts(landed),
        }
    )


@dg.asset(
    deps=[raw_new_releases],
    partitions_def=daily_partitions,
    group_name="raw",
    kinds={"json", "spotify"},
    owners=OWNERS,
    tags=TAGS,
    description=(
        "Tracks of every album in the day's new releases: albums?ids= batches of 20 plus extra track pages, "
        "landed unchanged under raw/album_tracks/date=YYYY-MM-DD/. Albums landed on an earlier day with the "
        "same total_tracks are reused, not fetched again."
    ),
)
def raw_album_tracks(
    context: dg.AssetExecutionContext, spotify: SpotifyResource, raw_storage: RawStorageResource
) -> dg.MaterializeResult[Any]:
    day, store = partition_date(context), raw_storage.get_store()
    landed = land_tracks_day(spotify, store, day)
    manifest = landed.manifest
    fetched = manifest.fetched_here()
    reused = len(manifest.albums) - fetched
    context.log.info(
        "tracks for %s: %d albums fetched, %d reused, %d unavailable", day, fetched, reused, len(manifest.unavailable)
    )
    return dg.MaterializeResult(
        metadata={
            "album_count": len(manifest.albums),
            "albums_fetched": fetched,
            "albums_reused": reused,
            "albums_unavailable": len(manifest.unavailable),
            "raw_objects": len(manifest.all_keys()),
            "source": manifest.source,
            "rebuilt_from_raw": landed.rebuilt_from_raw,
            "location": dg.MetadataValue.url(store.uri(partition_prefix(ALBUM_TRACKS, day))),
            **_api_counts(landed),
        }
    )
