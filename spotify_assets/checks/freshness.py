"""Freshness of the five tables: did the day's partition land by its 09:00 UTC deadline?

Two parts, because Dagster's ``FreshnessPolicy`` is not partition-aware: its evaluator (run by the
daemon, no sensor needed) looks at the newest materialization of *any* partition, so a backfill of
an old day between midnight and the deadline would make a table look fresh although today's
partition never landed.

- ``FRESHNESS_POLICY`` (attached to the table specs) gives the UI its freshness status, the
  standard way.
- ``partition_landed_by_deadline`` is a non-blocking partitioned check on each table that asks
  exactly the question the schedule owes an answer to: is *this day's* partition materialized?
  ``partition_freshness_sensor`` reports it for today once the deadline has passed (directly as a
  check evaluation: no run is launched), and it can be executed by hand for any day from the UI.
  It is left out of the daily job: inside the run it judges, just past midnight on a fresh instance
  it would judge a day that is not due yet.
"""

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta

import dagster as dg

from spotify_assets.partitions import warn_check_specs, warn_each_day
from spotify_assets.transform.schema import TABLES

DEADLINE = time(9, 0)
CHECK_NAME = "partition_landed_by_deadline"
TABLE_KEYS = [dg.AssetKey(table.name) for table in TABLES]

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
    if landed_at is not None:
        late = " (after the deadline)" if landed_at > deadline else ""
        return True, f"partition {day} landed at {landed_at:%Y-%m-%d %H:%M} UTC{late}"
    if now < deadline:
        return None
    return False, f"partition {day} has not landed; it was due by {deadline:%Y-%m-%d %H:%M} UTC"


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


CHECK_SPECS = warn_check_specs(
    CHECK_NAME,
    TABLE_KEYS,
    f"The day's partition was materialized by {DEADLINE:%H:%M} UTC that day (reported by partition_freshness_sensor)",
)


@dg.multi_asset_check(specs=CHECK_SPECS, can_subset=True)
def partition_freshness_checks(
    context: dg.AssetCheckExecutionContext,
) -> Iterator[dg.AssetCheckResult | dg.AssetCheckEvaluation]:
    """The same verdict, for each day it is executed for: one partition from the UI by hand, or a
    backfill batch (a backfill of the tables launched from the UI selects their checks too)."""
    now = datetime.now(UTC)

    def judge(key: dg.AssetKey, day: date, record: dg.EventLogRecord | None) -> tuple[bool, str]:
        landed = datetime.fromtimestamp(record.timestamp, tz=UTC) if record else None
        outcome = verdict(day, landed, now)
        return outcome or (True, f"partition {day} is not due until {deadline_of(day):%Y-%m-%d %H:%M} UTC")

    yield from warn_each_day(context, CHECK_NAME, judge)


@dg.sensor(minimum_interval_seconds=600, default_status=dg.DefaultSensorStatus.RUNNING)
def partition_freshness_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """Report today's verdict once per state: the cursor keeps the last reported (day, failed tables)."""
    now = datetime.now(UTC)
    found = list(evaluations(context.instance, TABLE_KEYS, now.date(), now))
    if not found:
        return dg.SkipReason(f"today's partition is not due until {deadline_of(now.date()):%H:%M} UTC")
    state = f"{now.date()}:" + ",".join(sorted(e.asset_key.to_user_string() for e in found if not e.passed))
    if state == context.cursor:
        return dg.SkipReason("no change since the last report")
    return dg.SensorResult(asset_events=found, cursor=state)
