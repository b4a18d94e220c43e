"""Daily partitions keyed by run date (UTC): one new-releases snapshot per day.

A run materializes one day (the schedule, the UI's Materialize, ``spotify-assets run``) or, in a
backfill, a batch of consecutive days in one process (``daily_backfill_policy``): the fixed cost
of a run (process start, imports, instance, resources) is then paid once per batch, not per day.
Every daily asset and check therefore works the same way for one day or many:

    for day in partition_dates(context):
        metadata = <the day's work>
        context.add_asset_metadata(metadata, partition_key=day.isoformat())
    return dg.MaterializeResult()        # Dagster records one materialization per day

(``materialize_each_day(context, day_metadata)`` is that loop for a single asset; a multi-asset
passes ``asset_key=`` too), and checks, written as ``@dg.multi_asset_check(..., can_subset=True)``, yield
``check_evaluation(context, ..., day=day)`` per day (an ``AssetCheckResult`` in a batch would be
recorded without its partition; ``can_subset=True`` makes the check outputs optional, which they
must be since a batch yields evaluations instead: a plain ``@asset_check`` fails a batch with
"did not return an output for non-optional output"; ``warn_each_day`` is that loop for a per-table
WARN check, and ``materialization_targets`` looks the batch's days up once for a check that judges
many). Every check on a daily asset must work this way, including checks the daily job leaves out: a
backfill launched from the UI selects every check on its assets. A day that fails raises, failing its batch; the
``split_failed_batches`` sensor then reruns the batch's days one run each, so only the bad day
ends failed (see ``spotify_assets.batches``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import Any

import dagster as dg

# Not exported by dagster, but the type AssetCheckEvaluation's target field takes: it links a
# day's check result to the day's materialization, as AssetCheckResult does in a single-day run.
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluationTargetMaterializationData

from spotify_assets.configuration import env_date

DEFAULT_START_DATE = "2026-01-01"

# end_offset=1 makes today's partition exist during the day (the snapshot is taken today).
daily_partitions = dg.DailyPartitionsDefinition(
    start_date=env_date(os.environ, "SPOTIFY_ASSETS_START_DATE", DEFAULT_START_DATE),
    end_offset=1,
    timezone="UTC",
)

# Up to 30 days per run: a month's backfill is one process that pays its start-up once. Measured on
# 2 cores (bench section 5), one 30-day run beat two 15-day runs in parallel (74 s vs ~120 s of
# work, 974 vs 1 233 MiB peak for the whole dagster dev tree): the days' DuckDB steps share one file
# lock and their events one SQLite index, so a second run mostly waited. A failed batch is rerun
# day by day (spotify_assets.batches), so a bigger batch only costs more when a day fails.
BACKFILL_DAYS_PER_RUN = 30
daily_backfill_policy = dg.BackfillPolicy.multi_run(max_partitions_per_run=BACKFILL_DAYS_PER_RUN)


def partition_dates(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> list[date]:
    """The days this run materializes, oldest first: one, or a backfill batch's range."""
    return [date.fromisoformat(key) for key in context.partition_keys]


def materialize_each_day(
    context: dg.AssetExecutionContext, day_metadata: Callable[[date], Mapping[str, Any]]
) -> dg.MaterializeResult[Any]:
    """The batch pattern for a single asset: do each day of the run (``day_metadata`` raises on a bad
    day), record what it returns on that day's partition; Dagster records one materialization per day."""
    for day in partition_dates(context):
        context.add_asset_metadata(dict(day_metadata(day)), partition_key=day.isoformat())
    return dg.MaterializeResult()


MaterializationTargets = Mapping[tuple[dg.AssetKey, str], AssetCheckEvaluationTargetMaterializationData]


def latest_materializations(
    context: dg.AssetCheckExecutionContext, asset_keys: Iterable[dg.AssetKey]
) -> dict[tuple[dg.AssetKey, str], dg.EventLogRecord]:
    """The latest materialization record of each (asset, day) of the run's days: one paged query per
    asset for the whole batch, instead of one per check and day (a 30-day batch of the table checks
    made 780 lookups). Days never materialized are left out."""
    latest: dict[tuple[dg.AssetKey, str], dg.EventLogRecord] = {}
    for asset_key in asset_keys:
        missing, cursor = set(context.partition_keys), None
        while missing:
            # Newest first: the first record seen for a day is its latest materialization.
            page = context.instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=asset_key, asset_partitions=sorted(missing)),
                limit=len(missing),
                cursor=cursor,
            )
            for record in page.records:
                if record.partition_key in missing:
                    missing.discard(record.partition_key)
                    latest[(asset_key, record.partition_key)] = record
            if not page.has_more:
                break
            cursor = page.cursor
    return latest


def targets_of(records: Mapping[tuple[dg.AssetKey, str], dg.EventLogRecord]) -> MaterializationTargets:
    """What a day's check result links to: its (asset, day)'s latest materialization record."""
    return {
        key: AssetCheckEvaluationTargetMaterializationData(
            storage_id=record.storage_id, run_id=record.run_id, timestamp=record.timestamp
        )
        for key, record in records.items()
    }


def materialization_targets(
    context: dg.AssetCheckExecutionContext, asset_keys: Iterable[dg.AssetKey]
) -> MaterializationTargets:
    return targets_of(latest_materializations(context, asset_keys))


def warn_check_specs(check_name: str, asset_keys: Iterable[dg.AssetKey], description: str) -> list[dg.AssetCheckSpec]:
    """The specs of a ``warn_each_day`` check: one per asset, daily-partitioned, never blocking (as
    its evaluations say)."""
    return [
        dg.AssetCheckSpec(
            check_name, asset=key, blocking=False, partitions_def=daily_partitions, description=description
        )
        for key in asset_keys
    ]


def warn_each_day(
    context: dg.AssetCheckExecutionContext,
    check_name: str,
    judge: Callable[[dg.AssetKey, date, dg.EventLogRecord | None], tuple[bool, str]],
) -> Iterator[dg.AssetCheckResult | dg.AssetCheckEvaluation]:
    """A non-blocking (WARN) check on each selected asset, for each day of the run: ``judge`` gets the
    asset, the day and the day's latest materialization record (None if never materialized) and
    returns (passed, why)."""
    keys = sorted({check_key.asset_key for check_key in context.selected_asset_check_keys}, key=str)
    records = latest_materializations(context, keys)
    targets = targets_of(records)
    for day in partition_dates(context):
        for key in keys:
            passed, why = judge(key, day, records.get((key, day.isoformat())))
            yield check_evaluation(
                context,
                asset_key=key,
                check_name=check_name,
                day=day,
                passed=passed,
                description=why,
                severity=dg.AssetCheckSeverity.WARN,
                blocking=False,
                targets=targets,
            )


def check_evaluation(
    context: dg.AssetCheckExecutionContext,
    *,
    asset_key: dg.AssetKey,
    check_name: str,
    day: date,
    passed: bool,
    description: str | None = None,
    metadata: dict[str, Any] | None = None,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    blocking: bool = True,
    targets: MaterializationTargets | None = None,
) -> dg.AssetCheckResult | dg.AssetCheckEvaluation:
    """A check's result for one day, recorded against that day's partition.

    In a single-day run this is a plain ``AssetCheckResult``. In a batch, ``AssetCheckResult``
    would be recorded without a partition (it takes it from the run), so the day's evaluation is
    built here as Dagster builds it in a single-day run, with the day given explicitly. Dagster
    then logs "blocking asset check ... emitted no result" for the batch's check outputs (it
    counts only ``AssetCheckResult``); the gate still holds: a failed blocking evaluation fails
    the check step once every day's results are recorded, and what is downstream does not run.
    ``targets`` (``materialization_targets``) saves a lookup per call when a step judges many days."""
    if context.has_partition_key:
        return dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=check_name,
            passed=passed,
            description=description,
            metadata=metadata,
            severity=severity,
        )
    if targets is None:
        targets = materialization_targets(context, [asset_key]) if context.partition_keys else {}
    target = targets.get((asset_key, day.isoformat()))
    return dg.AssetCheckEvaluation(
        asset_key=asset_key,
        check_name=check_name,
        passed=passed,
        metadata=metadata or {},
        target_materialization_data=target,
        severity=severity,
        description=description,
        blocking=blocking,
        partition=day.isoformat(),
    )
