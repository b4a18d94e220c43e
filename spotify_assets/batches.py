"""A failed backfill batch is rerun one day per run, so only the day that failed ends failed.

A backfill runs up to ``BACKFILL_DAYS_PER_RUN`` days in one run (``daily_backfill_policy``). A run
is Dagster's unit of success: when one day of a batch fails (its API calls, its raw data, a
blocking check), the step fails and every later step of the batch is skipped, so the batch's other
days would show as failed too. This sensor watches for such a run and requests one run per day of
its range, with the same assets and checks: the good days then materialize (their materialization
replaces the batch's failure in each partition's status), the bad day fails again on its own, and
its blocking checks gate its analytics and lake export as in any single-day run. Landing and
loading are idempotent per day, so repeating the batch's finished work is safe.
"""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg

from spotify_assets.partitions import daily_partitions
from spotify_assets.schedules import daily_snapshot_job

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"
SPLIT_FROM = "spotify/split_from"


def batch_days(tags: dict[str, str]) -> list[str]:
    """The days of a run over a range of more than one day (from its tags), else []."""
    start, end = tags.get(RANGE_START), tags.get(RANGE_END)
    if not start or not end or start == end:
        return []
    return list(daily_partitions.get_partition_keys_in_range(dg.PartitionKeyRange(start, end)))


@dg.run_failure_sensor(
    name="split_failed_batches",
    request_job=daily_snapshot_job,
    minimum_interval_seconds=5,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Reruns each day of a failed multi-day (backfill) run as its own run, so only a bad day stays failed.",
)
def split_failed_batches(context: dg.RunFailureSensorContext) -> Iterator[dg.RunRequest | dg.SkipReason]:
    run = context.dagster_run
    days = batch_days(dict(run.tags))
    if not days:
        yield dg.SkipReason(f"run {run.run_id} covered one day: nothing to split")
        return
    job = context.repository_def.get_job(daily_snapshot_job.name) if context.repository_def else None
    # The batch's own selection, within what the daily job can run (None: the whole job).
    assets = checks = None
    if job is not None and run.asset_selection:
        assets = sorted(run.asset_selection & set(job.asset_layer.executable_asset_keys), key=str)
    if job is not None and run.asset_check_selection is not None:
        checks = sorted(run.asset_check_selection & set(job.asset_layer.asset_graph.asset_check_keys), key=str)
    context.log.info(f"run {run.run_id} failed over {days[0]}..{days[-1]}: rerunning its {len(days)} days one run each")
    for day in days:
        yield dg.RunRequest(
            run_key=f"{run.run_id}:{day}",
            partition_key=day,
            asset_selection=assets,
            asset_check_keys=checks,
            tags={SPLIT_FROM: run.run_id},
        )
