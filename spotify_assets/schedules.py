"""The daily job over the partitioned assets and the schedule that runs it."""

from __future__ import annotations

from datetime import UTC

import dagster as dg

from spotify_assets.settings import daily_schedule_cron

daily_snapshot_job = dg.define_asset_job(
    "daily_snapshot_job",
    # Analytics and the lake export read only the day's tables, so they belong to the same run: they
    # start after the tables' blocking checks passed and never see a half-built or failed day.
    # The trends (history-wide tables and the dashboard) refresh what the day changed, same run.
    selection=dg.AssetSelection.groups("raw", "warehouse", "analytics", "lake", "trends"),
    # No partitions_def: Dagster infers the daily partitions from the selected assets.
    description=(
        "Land today's new releases and tracks, rebuild that day's tables and run their checks, "
        "then the day's analytics (tables + charts), its Parquet lake export, the history-wide trend "
        "tables and the dashboard."
    ),
)


# Written out rather than built with `build_schedule_from_partitioned_job`: that helper calls the
# deprecated `run_request_for_partition` on every tick (Dagster 1.13), a warning in each daemon tick,
# and refuses a cron of our choosing. The cron comes from SPOTIFY_DAILY_SCHEDULE_CRON (default
# "0 6 * * *", validated by name in settings.py), so a deployment (or the prod smoke test) moves it.
@dg.schedule(
    job=daily_snapshot_job,
    cron_schedule=daily_schedule_cron(),
    execution_timezone="UTC",
    name="daily_snapshot_job_schedule",
)
def daily_snapshot_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Each tick materializes its own UTC date's partition (it exists: end_offset=1)."""
    day = context.scheduled_execution_time.astimezone(UTC).date()
    return dg.RunRequest(partition_key=day.isoformat())
