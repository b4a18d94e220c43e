"""The batch pattern of ``spotify_assets.partitions`` on real Dagster execution (in-process, a ranged
run as a backfill batch is): per-day materializations and check results, and the blocking gate."""

from collections.abc import Iterator

import dagster as dg

from spotify_assets.partitions import check_evaluation, daily_backfill_policy, daily_partitions, partition_dates

BAD_DAY = "2026-01-03"
DAYS = ("2026-01-01", "2026-01-04")


@dg.asset(partitions_def=daily_partitions, backfill_policy=daily_backfill_policy)
def upstream(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    for day in partition_dates(context):
        context.add_asset_metadata({"day": day.isoformat()}, partition_key=day.isoformat())
    return dg.MaterializeResult()


# can_subset=True makes the check outputs optional: in a batch they are not yielded (see check_evaluation).
@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec("ok", asset=upstream, blocking=True, partitions_def=daily_partitions)], can_subset=True
)
def upstream_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult | dg.AssetCheckEvaluation]:
    for day in partition_dates(context):
        yield check_evaluation(
            context, asset_key=dg.AssetKey("upstream"), check_name="ok", day=day, passed=day.isoformat() != BAD_DAY
        )


@dg.asset(deps=[upstream], partitions_def=daily_partitions, backfill_policy=daily_backfill_policy)
def downstream(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult()


def run_range(first: str, last: str, instance: dg.DagsterInstance | None = None) -> dg.ExecuteInProcessResult:
    job = dg.Definitions(
        assets=[upstream, downstream], asset_checks=[upstream_checks]
    ).resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
    )


def test_a_batch_records_each_days_materialization_metadata_and_check_result() -> None:
    instance = dg.DagsterInstance.ephemeral()
    run_range("2026-01-05", "2026-01-06", instance)  # earlier materializations the results must not link to
    result = run_range("2026-01-05", "2026-01-07", instance)
    assert result.success
    mats = {
        (m.asset_key.to_user_string(), m.partition): m.metadata
        for m in result.asset_materializations_for_node("upstream")
    }
    assert {k: v["day"].value for k, v in mats.items()} == {
        ("upstream", d): d for d in ("2026-01-05", "2026-01-06", "2026-01-07")
    }
    evaluations = result.get_asset_check_evaluations()
    checks = {(c.partition, c.passed) for c in evaluations}
    assert checks == {("2026-01-05", True), ("2026-01-06", True), ("2026-01-07", True)}
    # Each day's result is linked to that day's latest materialization, as a single-day run links it.
    latest: dict[str | None, int] = {}
    for record in instance.fetch_materializations(dg.AssetKey("upstream"), limit=10).records:  # newest first
        latest.setdefault(record.partition_key, record.storage_id)
    assert len(latest) == 3
    assert {c.partition: c.target_materialization_data.storage_id for c in evaluations} == latest
    assert {c.target_materialization_data.run_id for c in evaluations} == {result.run_id}
    assert {m.partition for m in result.asset_materializations_for_node("downstream")} == {
        "2026-01-05",
        "2026-01-06",
        "2026-01-07",
    }


def test_a_failed_blocking_check_in_a_batch_records_every_day_and_stops_what_is_downstream() -> None:
    result = run_range(*DAYS)
    assert not result.success
    checks = sorted((c.partition, c.passed) for c in result.get_asset_check_evaluations())
    assert checks == [("2026-01-01", True), ("2026-01-02", True), (BAD_DAY, False), ("2026-01-04", True)]
    assert result.asset_materializations_for_node("downstream") == []  # the gate: nothing downstream ran
