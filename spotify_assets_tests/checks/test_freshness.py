"""Partition-aware freshness: each day judged against its own deadline, a backfilled old day
neither fails nor makes today look landed, and today is owed only while the schedule runs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg

from spotify_assets.defs.warehouse.freshness import (
    CHECK_NAME,
    DAILY_SCHEDULE,
    TABLE_KEYS,
    evaluations,
    partition_freshness_checks,
    partition_freshness_sensor,
    verdict,
)
from spotify_assets.orchestration.partitions import daily_partitions

TODAY = date(2026, 11, 21)
AFTER_DEADLINE = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
BEFORE_DEADLINE = datetime(2026, 11, 21, 8, 59, tzinfo=UTC)


def test_verdict_waits_for_the_deadline_then_fails_a_missing_day() -> None:
    assert verdict(TODAY, None, BEFORE_DEADLINE) is None
    passed, why = verdict(TODAY, None, AFTER_DEADLINE) or (None, "")
    assert passed is False and "2026-11-21 has not landed" in why and "09:00" in why


def test_verdict_judges_a_day_by_its_own_deadline() -> None:
    on_time = datetime(2026, 11, 21, 6, 4, tzinfo=UTC)
    assert verdict(TODAY, on_time, AFTER_DEADLINE) == (
        True,
        "partition 2026-11-21 landed at 2026-11-21 06:04 UTC, before its 09:00 UTC deadline",
    )
    late = datetime(2026, 11, 21, 10, 13, tzinfo=UTC)
    assert verdict(TODAY, late, late) == (
        False,
        "partition 2026-11-21 landed at 10:13 UTC, 1 h 13 min after its 09:00 UTC deadline",
    )
    backfilled = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    passed, why = verdict(TODAY, backfilled, backfilled) or (None, "")
    assert passed is True and why.startswith("partition 2026-11-21 was backfilled at 2026-12-04 15:00 UTC")


def test_a_backfilled_old_partition_does_not_count_for_today() -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        for key in TABLE_KEYS:
            instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=key, partition="2026-11-20"))
        found = list(evaluations(instance, TABLE_KEYS, TODAY, AFTER_DEADLINE))
        assert [(e.asset_key, e.check_name, e.partition, e.passed) for e in found] == [
            (key, CHECK_NAME, "2026-11-21", False) for key in TABLE_KEYS
        ]


def test_sensor_owes_nothing_while_the_daily_schedule_is_off() -> None:
    with dg.instance_for_test() as instance:
        skipped = partition_freshness_sensor(dg.build_sensor_context(instance=instance))
        assert isinstance(skipped, dg.SkipReason)
        assert f"{DAILY_SCHEDULE} is not running" in (skipped.skip_message or "")


def test_sensor_reports_today_once_while_the_schedule_runs() -> None:
    # The schedule's stored state as the UI's toggle leaves it (Dagster's internal types: a test only).
    from dagster._core.remote_origin import (
        ManagedGrpcPythonEnvCodeLocationOrigin,
        RemoteInstigatorOrigin,
        RemoteRepositoryOrigin,
    )
    from dagster._core.scheduler.instigation import (
        InstigatorState,
        InstigatorStatus,
        InstigatorType,
        ScheduleInstigatorData,
    )
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

    origin = RemoteInstigatorOrigin(
        RemoteRepositoryOrigin(
            ManagedGrpcPythonEnvCodeLocationOrigin(LoadableTargetOrigin(module_name="spotify_assets.definitions")),
            "__repository__",
        ),
        DAILY_SCHEDULE,
    )
    with dg.instance_for_test() as instance:
        instance.add_instigator_state(
            InstigatorState(
                origin, InstigatorType.SCHEDULE, InstigatorStatus.RUNNING, ScheduleInstigatorData("0 6 * * *")
            )
        )
        now = datetime.now(UTC)
        first = partition_freshness_sensor(dg.build_sensor_context(instance=instance))
        if isinstance(first, dg.SkipReason):  # before 09:00 UTC today nothing is due
            assert "not due" in (first.skip_message or "")
            return
        assert isinstance(first, dg.SensorResult) and first.cursor
        assert {e.partition for e in first.asset_events} == {now.date().isoformat()}
        assert not any(e.passed for e in first.asset_events)  # nothing landed today
        again = partition_freshness_sensor(dg.build_sensor_context(instance=instance, cursor=first.cursor))
        assert isinstance(again, dg.SkipReason)


def test_the_check_in_a_backfilled_days_run_passes_saying_so() -> None:
    """The daily job runs the check after the tables: a past day lands long after its deadline."""

    @dg.multi_asset(specs=[dg.AssetSpec(key) for key in TABLE_KEYS], partitions_def=daily_partitions)
    def tables():  # type: ignore[no-untyped-def]
        for key in TABLE_KEYS:
            yield dg.MaterializeResult(asset_key=key)

    job = dg.Definitions(
        assets=[tables], asset_checks=[partition_freshness_checks]
    ).resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, partition_key="2026-01-15")
        judged = {(e.asset_key, e.partition): (e.passed, e.description) for e in result.get_asset_check_evaluations()}
    assert set(judged) == {(key, "2026-01-15") for key in TABLE_KEYS}
    for passed, why in judged.values():
        assert passed is True and (why or "").startswith("partition 2026-01-15 was backfilled at "), why
