"""The daily job over the partitioned assets and the schedule that runs it."""

from __future__ import annotations

import dagster as dg

from spotify_assets.checks.table_checks import freshness_checks
from spotify_assets.partitions import daily_partitions

daily_snapshot_job = dg.define_asset_job(
    "daily_snapshot_job",
    # Freshness checks judge the asset over time and are run by their sensor, not by the run they
    # judge (inside it, a fresh instance just past midnight would fail them for yesterday's gap).
    # Analytics and the lake export read only the day's tables, so they belong to the same run: they
    # start after the tables' blocking checks passed and never see a half-built or failed day.
    # The trends (history-wide tables and the dashboard) refresh what the day changed, same run.
    selection=dg.AssetSelection.groups("raw", "warehouse", "analytics", "lake", "trends")
    - dg.AssetSelection.checks(*freshness_checks),
    partitions_def=daily_partitions,
    description=(
        "Land today's new releases and tracks, rebuild that day's tables and run their checks, "
        "then the day's analytics (tables + charts), its Parquet lake export, the history-wide trend "
        "tables and the dashboard."
    ),
)

# With end_offset=1 the tick at 06:00 UTC materializes that same day's partition.
daily_snapshot_schedule = dg.build_schedule_from_partitioned_job(daily_snapshot_job, hour_of_day=6, minute_of_hour=0)
