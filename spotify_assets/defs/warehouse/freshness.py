"""Freshness of the five tables: did each day's partition land by 09:00 UTC on its own date?

Two parts, because Dagster's ``FreshnessPolicy`` is not partition-aware: its evaluator (run by the
daemon, no sensor needed) looks at the newest materialization of *any* partition, so a backfill of
an old day between midnight and the deadline would make a table look fresh although today's
partition never landed.

- ``FRESHNESS_POLICY`` (attached to the table specs) gives the UI its freshness status, the
  standard way.
- ``partition_landed_by_deadline`` is a non-blocking (WARN) partitioned check on each table that
  asks of one day: did *this day's* partition land by *its own* deadline? The daily job runs it
  after the tables, so every materialized day carries its verdict. A day materialized after its
  date was over (a backfill, a rerun) is not judged against a deadline that passed before the run
  existed: it passes, saying when it was backfilled. ``partition_freshness_sensor`` reports today's
  verdict once the deadline has passed while the daily schedule is running, so a day that never
  landed (its run failed, or never started) shows as failed too.
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta

import dagster as dg

from spotify_assets.orchestration.partitions import daily_check_specs, partition_date
from spotify_assets.tables.schema import TABLES

DEADLINE = time(9, 0)
CHECK_NAME = "partition_landed_by_deadline"
TABLE_KEYS = [dg.AssetKey(table.name) for table in TABLES]
DAILY_SCHEDULE = "daily_snapshot_job_schedule"

# The 06:00 UTC schedule's run should have landed the day by 09:00: a materialization in the
# 9 hours before the deadline counts.
FRESHNESS_POLICY = dg.FreshnessPolicy.cron(
    deadline_cron=f"{DEADLINE.minute} {DEADLINE.hour} * * *", lower_bound_delta=timedelta(hours=9), timezone="UTC"
)


def deadline_of(day: date) -> datetime:
    return datetime.combine(day, DEADLINE, tzinfo=UTC)


def verdict(day: date, landed_at: datetime | None, now: datetime) -> tuple[bool, str] | None:
    """(passed, why) for ``day``'s partition, or None while it is not due yet and not landed."""
    deadline = deadline_of(day)
    if landed_at is None:
        if now < deadline:
            return None
        return False, f"partition {day} has not landed; it was due by {deadline:%Y-%m-%d %H:%M} UTC"
    if landed_at <= deadline:
        return (
            True,
            f"partition {day} landed at {landed_at:%Y-%m-%d %H:%M} UTC, before its {DEADLINE:%H:%M} UTC deadline",
        )
    if landed_at.date() > day:
        return True, (
            f"partition {day} was backfilled at {landed_at:%Y-%m-%d %H:%M} UTC, after its own date: "
            "a past day is judged by whether it landed, not against a deadline that passed before its run"
        )
    late = landed_at - deadline
    return False, (
        f"partition {day} landed at {landed_at:%H:%M} UTC, {_duration(late)} after its {DEADLINE:%H:%M} UTC deadline"
    )


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def landed_at(instance: dg.DagsterInstance, key: dg.AssetKey, day: date) -> datetime | None:
    """When ``day``'s partition of ``key`` was last materialized, if ever."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[day.isoformat()]), limit=1
    ).records
    return datetime.fromtimestamp(records[0].timestamp, tz=UTC) if records else None


def evaluations(
    instance: dg.DagsterInstance, keys: Sequence[dg.AssetKey], day: date, now: datetime
) -> Iterator[dg.AssetCheckEvaluation]:
    for key in keys:
        outcome = verdict(day, landed_at(instance, key, day), now)
        if outcome is None:
            continue
        passed, why = outcome
        yield dg.AssetCheckEvaluation(
            asset_key=key,
            check_name=CHECK_NAME,
            passed=passed,
            description=why,
            severity=dg.AssetCheckSeverity.WARN,
            partition=day.isoformat(),
        )


CHECK_SPECS = daily_check_specs(
    CHECK_NAME,
    TABLE_KEYS,
    f"The day's partition landed by {DEADLINE:%H:%M} UTC on its own date (a day backfilled later passes, saying so)",
)


@dg.multi_asset_check(specs=CHECK_SPECS, can_subset=True)
def partition_freshness_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
    """The verdict for the run's day: in the daily job, right after the tables landed it."""
    day, now = partition_date(context), datetime.now(UTC)
    for key in sorted({check.asset_key for check in context.selected_asset_check_keys}, key=str):
        passed, why = verdict(day, landed_at(context.instance, key, day), now) or (
            True,
            f"partition {day} is not due until {deadline_of(day):%Y-%m-%d %H:%M} UTC",
        )
        yield dg.AssetCheckResult(
            asset_key=key, check_name=CHECK_NAME, passed=passed, description=why, severity=dg.AssetCheckSeverity.WARN
        )


def daily_schedule_running(instance: dg.DagsterInstance) -> bool:
    """Whether the daily schedule was turned on in this instance: with it off (``dg dev`` on a
    laptop), no day is owed by its deadline and today's partition is not judged."""
    if instance.schedule_storage is None:  # an ephemeral instance (tests, in-process runs) holds no schedules
        return False
    return any(state.name == DAILY_SCHEDULE and state.is_running for state in instance.all_instigator_state())


@dg.sensor(minimum_interval_seconds=600, default_status=dg.DefaultSensorStatus.RUNNING)
def partition_freshness_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """Report today's verdict once per state: the cursor keeps the last reported (day, failed tables)."""
    if not daily_schedule_running(context.instance):
        return dg.SkipReason(f"{DAILY_SCHEDULE} is not running: no partition is owed by a deadline")
    now = datetime.now(UTC)
    found = list(evaluations(context.instance, TABLE_KEYS, now.date(), now))
    if not found:
        return dg.SkipReason(f"today's partition is not due until {deadline_of(now.date()):%H:%M} UTC")
    state = f"{now.date()}:" + ",".join(sorted(e.asset_key.to_user_string() for e in found if not e.passed))
    if state == context.cursor:
        return dg.SkipReason("no change since the last report")
    return dg.SensorResult(asset_events=found, cursor=state)
