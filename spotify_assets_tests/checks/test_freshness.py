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
