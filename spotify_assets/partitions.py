"""Daily partitions keyed by run date (UTC): one new-releases snapshot per day."""

from __future__ import annotations

import os
from datetime import date

import dagster as dg

from spotify_assets.configuration import env_date

DEFAULT_START_DATE = "2026-01-01"

# end_offset=1 makes today's partition exist during the day (the snapshot is taken today).
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=env_date(os.environ, "SPOTIFY_ASSETS_START_DATE", DEFAULT_START_DATE),
    end_offset=1,
    timezone="UTC",
)


def partition_date(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> date:
    return date.fromisoformat(context.partition_key)
