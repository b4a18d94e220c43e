"""Column-schema-change checks: per day, against the materialization before it."""

from collections.abc import Iterator

import dagster as dg

from spotify_assets.defs.warehouse.schema_change import (
    CHECK_NAME,
    TABLE_KEYS,
    column_schema_change_checks,
    schema_change,
)
from spotify_assets.orchestration.partitions import daily_partitions, partition_date


def schema(**columns: str) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, type_) for name, type_ in columns.items()])


def test_schema_change_names_added_removed_and_retyped_columns() -> None:
    assert schema_change(schema(a="INTEGER"), schema(a="INTEGER")) == (
        True,
        "same 1 columns as the previous materialization",
    )
    assert schema_change(None, schema(a="INTEGER"))[0] is True
    assert schema_change(schema(a="INTEGER"), None) == (False, "the materialization records no column schema")
    unchanged, why = schema_change(schema(a="INTEGER", b="VARCHAR"), schema(a="BIGINT", c="DATE"))
    assert not unchanged
    assert (
        why
        == "column schema changed since the previous materialization: added c (DATE); removed b; a: INTEGER -> BIGINT"
    )


# The five tables' day columns, as spotify_tables records them; day 2026-01-07 gains a column.
def day_schema(day: str) -> dg.TableSchema:
    return schema(id="VARCHAR", snapshot_date="DATE", **({"label": "VARCHAR"} if day >= "2026-01-07" else {}))


@dg.multi_asset(specs=[dg.AssetSpec(key) for key in TABLE_KEYS], partitions_def=daily_partitions)
def tables(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
    day = partition_date(context).isoformat()
    for key in TABLE_KEYS:
        yield dg.MaterializeResult(asset_key=key, metadata={"dagster/column_schema": day_schema(day)})


def run(instance: dg.DagsterInstance, day: str) -> dict[tuple[str, str | None], tuple[bool, str]]:
    job = dg.Definitions(
        assets=[tables], asset_checks=[column_schema_change_checks]
    ).resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance, raise_on_error=False, partition_key=day)
    assert result.success  # WARN checks: a change is reported, never fails the run
    evaluations = result.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} == {CHECK_NAME}
    return {(e.asset_key.to_user_string(), e.partition): (e.passed, e.description or "") for e in evaluations}


def test_each_day_is_judged_against_the_materialization_before_it() -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        judged = {}
        for day in ("2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08"):
            judged |= run(instance, day)
        for key in TABLE_KEYS:
            name = key.to_user_string()
            assert judged[(name, "2026-01-05")] == (
                True,
                "no earlier materialization with a column schema to compare with",
            )
            assert judged[(name, "2026-01-06")] == (True, "same 2 columns as the previous materialization")
            assert judged[(name, "2026-01-07")] == (
                False,
                "column schema changed since the previous materialization: added label (VARCHAR)",
            )
            assert judged[(name, "2026-01-08")][0] is True
        assert len(judged) == 4 * len(TABLE_KEYS)  # every day has its result; none unpartitioned
        # Rerunning an older day compares with the newest earlier materialization, of any day.
        again = run(instance, "2026-01-06")
        assert again == {
            (key.to_user_string(), "2026-01-06"): (
                False,
                "column schema changed since the previous materialization: removed label",
            )
            for key in TABLE_KEYS
        }
