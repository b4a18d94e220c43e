"""The daily job over the partitioned assets and the schedule that runs it."""

from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg

from spotify_assets.checks.table_checks import freshness_checks
from spotify_assets.partitions import daily_partitions
from spotify_assets.settings import daily_schedule_cron

daily_snapshot_job = dg.define_asset_job(
    "daily_snapshot_job",
    # Freshness checks judge the asset over time and are run by their sensor, not by the run they
    # judge (inside it, a fresh instance just past midnight would fail them for yesterday's gap).
    # Analytics and the lake export read only the day's tables, so they belong to the same run: they
    # start after the tables' blocking checks passed and never see a half-built or failed day.
    selection=dg.AssetSelection.groups("raw", "warehouse", "analytics", "lake") - dg.AssetSelection.checks(*freshness_checks),
    partitions_def=daily_partitions,
    description=(
        "Land today's new releases and tracks, rebuild that day's tables and run their checks, "
        "then the day's analytics (tables + charts) and its Parquet lake export."
    ),
)



# A plain schedule rather than build_schedule_from_partitioned_job, which refuses a cron for a
# time-partitioned job: the cron comes from SPOTIFY_DAILY_SCHEDULE_CRON (default 06:00 UTC).
@dg.schedule(
    name="daily_snapshot_job_schedule",
    cron_schedule=daily_schedule_cron(),
    job=daily_snapshot_job,
    execution_timezone="UTC",
    description="Materializes the tick's UTC date (the day's snapshot is taken that same day).",
)
def daily_snapshot_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(partition_key=tick_partition(context.scheduled_execution_time))


def tick_partition(scheduled: datetime) -> str:
    """The partition a tick materializes: its date in UTC (today's partition exists: end_offset=1)."""
    return scheduled.astimezone(timezone.utc).date().isoformat()
