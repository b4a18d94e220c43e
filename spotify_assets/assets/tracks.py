"""Raw layer: every album's tracks for the day, landed unchanged; albums landed before are reused."""

from datetime import date
from typing import Any

import dagster as dg

from spotify_assets.assets.raw import raw_new_releases, snapshot_unavailable
from spotify_assets.landing import (
    counts_since,
    land_album_tracks,
    latest_tracks_manifest_before,
    read_release_manifest,
    read_tracks_manifest,
    release_albums,
)
from spotify_assets.partitions import daily_backfill_policy, daily_partitions, partition_dates
from spotify_assets.raw_layout import ALBUM_TRACKS, partition_prefix
from spotify_assets.resources.spotify import SpotifyResource
from spotify_assets.resources.storage import RawStorageResource, RawStore


@dg.asset(
    deps=[raw_new_releases],
    partitions_def=daily_partitions,
    backfill_policy=daily_backfill_policy,
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
    for day in partition_dates(context):
        context.add_asset_metadata(_land_day(context, spotify, store, day), partition_key=day.isoformat())
    return dg.MaterializeResult()


def _land_day(context: dg.AssetExecutionContext, spotify: SpotifyResource, store: RawStore, day: date) -> dict[str, Any]:
    releases = read_release_manifest(store, day)
    if releases is None:
        raise dg.Failure(f"raw_new_releases has no committed snapshot for {day}; materialize it first")
    served = spotify.select_snapshot_day(day)
    if served == day:
        client = spotify.get_client()
        before = client.stats()
        # Within a batch, the previous day was landed just before: its albums are reused here too.
        previous = latest_tracks_manifest_before(store, day)
        known = previous.albums if previous else {}
        albums = release_albums(store, releases)
        manifest = land_album_tracks(
            client, store, day, spotify.source, albums, known,
            max_unavailable_share=spotify.max_unavailable_share, market=spotify.market,
        )
        requests = counts_since(before, client.stats())
    else:
        stored = read_tracks_manifest(store, day)
        if stored is None:
            location = store.uri(partition_prefix(ALBUM_TRACKS, day))
            raise snapshot_unavailable("album-tracks", day, served, spotify.source, location)
        manifest, requests = stored, {}
    fetched = manifest.fetched_here()
    context.log.info(
        "tracks for %s: %d albums fetched, %d reused, %d unavailable",
        day, fetched, len(manifest.albums) - fetched, len(manifest.unavailable),
    )
    return {
        "album_count": len(manifest.albums),
        "albums_fetched": fetched,
        "albums_reused": len(manifest.albums) - fetched,
        "albums_unavailable": len(manifest.unavailable),
        "raw_objects": len(manifest.all_keys()),
        "source": manifest.source,
        "location": dg.MetadataValue.url(store.uri(partition_prefix(ALBUM_TRACKS, day))),
        **{f"api_{name}": count for name, count in requests.items()},
    }
