"""Daily partitions keyed by run date (UTC): one new-releases snapshot per day.

Every daily asset and check works on one day, ``context.partition_key``: a run is one day (the
schedule, the UI's Materialize, ``spotify-assets run``), and a backfill is one run per day, queued
and run two at a time (dagster_home/dagster.yaml). No backfill policy, no per-day loops: a day
that fails is its own failed run, and Dagster's own retry ("re-execute from failure") applies.
docs/performance.md has the measurement behind the choice against running a backfill's days in
batches.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date

import dagster as dg

from spotify_assets.resources.env import env_date

DEFAULT_START_DATE = "2026-01-01"

# end_offset=1 makes today's partition exist during the day (the snapshot is taken today).
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=env_date(os.environ, "SPOTIFY_ASSETS_START_DATE", DEFAULT_START_DATE),
    end_offset=1,
    timezone="UTC",
)


def partition_date(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> date:
    """The day this run materializes or checks."""
    return date.fromisoformat(context.partition_key)


def daily_check_specs(
    check_name: str, asset_keys: Iterable[dg.AssetKey], description: str, *, blocking: bool = False
) -> list[dg.AssetCheckSpec]:
    """One check per asset, partitioned like the assets, so every day carries its own result in
    the UI (an unpartitioned check on a daily asset shows as SKIPPED on each partition)."""
    return [
        dg.AssetCheckSpec(
            check_name, asset=key, blocking=blocking, partitions_def=daily_partitions, description=description
        )
        for key in asset_keys
    ]
