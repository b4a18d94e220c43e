"""Partition-aware freshness: a backfilled old day must not make today look landed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg

from spotify_assets.checks.freshness import CHECK_NAME, TABLE_KEYS, evaluations, partition_freshness_sensor, verdict

TODAY = date(2026, 11, 21)
AFTER_DEADLINE = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
BEFORE_DEADLINE = datetime(2026, 11, 21, 8, 59, tzinfo=UTC)


def test_verdict_waits_for_the_deadline_then_fails_a_missing_day() -> None:
    assert verdict(TODAY, None, BEFORE_DEADLINE) is None
    passed, why = verdict(TODAY, None, AFTER_DEADLINE) or (None, "")
    assert passed is False and "2026-11-21 has not landed" in why and "09:00" in why
    late = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
    assert verdict(TODAY, late, late) == (
        True,
        "partition 2026-11-21 landed at 2026-11-21 11:00 UTC (after the deadline)",
    )


def test_a_backfilled_old_partition_does_not_count_for_today() -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        for key in TABLE_KEYS:
            instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, partition="2026-11-20"))
        found = list(evaluations(instance, TABLE_KEYS, TODAY, AFTER_DEADLINE))
        assert [(e.asset_key, e.check_name, e.partition, e.passed) for e in found] == [
            (key, CHECK_NAME, "2026-11-21", False) for key in TABLE_KEYS
        ]
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=TABLE_KEYS[0], partition="2026-11-21"))
        passed = {e.asset_key: e.passed for e in evaluations(instance, TABLE_KEYS, TODAY, AFTER_DEADLINE)}
        assert passed == {key: key == TABLE_KEYS[0] for key in TABLE_KEYS}


def test_sensor_reports_a_state_once() -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        now = datetime.now(UTC)
        context = dg.build_sensor_context(instance=instance)
        first = partition_freshness_sensor(context)
        if isinstance(first, dg.SkipReason):  # before 09:00 UTC today nothing is due
            assert "not due" in (first.skip_message or "")
            return
        assert isinstance(first, dg.SensorResult) and first.cursor
        assert {e.partition for e in first.asset_events} == {now.date().isoformat()}
        again = partition_freshness_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
        assert isinstance(again, dg.SkipReason)


def test_the_check_judges_each_day_of_a_backfill_batch() -> None:
    """A backfill of the tables launched from the UI selects this check too: in the batch's run it
    must judge every day, not fail the run for having several days."""
    from spotify_assets.checks.freshness import partition_freshness_checks
    from spotify_assets.partitions import daily_backfill_policy, daily_partitions

    @dg.multi_asset(
        specs=[dg.AssetSpec(key) for key in TABLE_KEYS],
        partitions_def=daily_partitions,
        backfill_policy=daily_backfill_policy,
    )
    def tables():  # type: ignore[no-untyped-def]
        for key in TABLE_KEYS:
            yield dg.MaterializeResult(asset_key=key)  # one materialization per day of the run

    defs = dg.Definitions(
        assets=[tables],
        asset_checks=[partition_freshness_checks],
        jobs=[dg.define_asset_job("checks_only", selection=dg.AssetSelection.checks(partition_freshness_checks))],
    )

    def judged(job: dg.JobDefinition, first: str, last: str) -> dict[tuple[dg.AssetKey, str | None], bool]:
        range_tags = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
        result = job.execute_in_process(instance=instance, raise_on_error=False, tags=range_tags)
        assert result.success
        return {(e.asset_key, e.partition): e.passed for e in result.get_asset_check_evaluations()}

    with dg.DagsterInstance.ephemeral() as instance:
        # Days long past their deadline that never landed: each judged, each failed (a WARN).
        never = judged(defs.resolve_job_def("checks_only"), "2026-01-08", "2026-01-09")
        assert never == {(key, day): False for key in TABLE_KEYS for day in ("2026-01-08", "2026-01-09")}
        # The backfill's run lands its days, then judges each: landed (late), so passed.
        batch = judged(defs.resolve_implicit_global_asset_job_def(), "2026-01-05", "2026-01-07")
        assert batch == {(key, day): True for key in TABLE_KEYS for day in ("2026-01-05", "2026-01-06", "2026-01-07")}
