"""The daily schedule: each tick runs ``daily_snapshot_job`` for its own UTC date."""

from __future__ import annotations

from datetime import UTC

import dagster as dg

# The module, not the job: a job imported by name would be found here a second time by the loader.
from spotify_assets.defs.daily_snapshot import jobs
from spotify_assets.settings import daily_schedule_cron


# A job and a cron schedule rather than declarative automation (AutomationCondition.on_cron/eager):
# a day is one run, so its code location is imported once and the tables' blocking checks gate
# analytics, lake and trends inside that run. With conditions, the automation sensor requests each
# layer on a tick after its parents landed (raw, tables, analytics/lake/trends, dashboard: four runs
# a day), the failure alert would watch the implicit __ASSET_JOB, the CLI still needs this job to run a
# day in-process, backfills stay explicit (those conditions consider only the latest partition), and
# the freshness sensor and the prod smoke test rely on this schedule's state and tick.
#
# Written out rather than built with `build_schedule_from_partitioned_job`: that helper calls the
# deprecated `run_request_for_partition` on every tick (Dagster 1.13), a warning in each daemon tick,
# and refuses a cron of our choosing. The cron comes from SPOTIFY_DAILY_SCHEDULE_CRON (default
# "0 6 * * *", validated by name in settings.py), so a deployment (or the prod smoke test) moves it.
@dg.schedule(
    job=jobs.daily_snapshot_job,
    cron_schedule=daily_schedule_cron(),
    execution_timezone="UTC",
    name="daily_snapshot_job_schedule",
)
def daily_snapshot_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Each tick materializes its own UTC date's partition (it exists: end_offset=1)."""
    day = context.scheduled_execution_time.astimezone(UTC).date()
    return dg.RunRequest(partition_key=day.isoformat())
