"""Column-schema-change checks on the five tables, judged per day.

Did the columns recorded with the day's materialization (``dagster/column_schema``) change from the
materialization before it (of any day)? That is what ``dg.build_column_schema_change_checks`` asks,
but its checks are unpartitioned: in a daily run Dagster plans them for the run's partition, they
answer without one, and every partition then shows five SKIPPED checks in the UI. These are
partitioned like the other table checks, so each day carries its answer. WARN, never blocking: a
schema change is news (a deploy changed a table), not bad data.
"""

from collections.abc import Iterator
from datetime import date

import dagster as dg

from spotify_assets.orchestration.partitions import daily_check_specs, partition_date
from spotify_assets.tables.schema import TABLES

CHECK_NAME = "column_schema_change"
TABLE_KEYS = [dg.AssetKey(table.name) for table in TABLES]


def schema_change(previous: dg.TableSchema | None, latest: dg.TableSchema | None) -> tuple[bool, str]:
    """(unchanged, what changed) between two recorded column schemas; None is "not recorded"."""
    if latest is None:
        return False, "the materialization records no column schema"
    if previous is None:
        return True, "no earlier materialization with a column schema to compare with"
    before = {column.name: column.type for column in previous.columns}
    after = {column.name: column.type for column in latest.columns}
    changes = [
        *(f"added {name} ({after[name]})" for name in after if name not in before),
        *(f"removed {name}" for name in before if name not in after),
        *(
            f"{name}: {before[name]} -> {after[name]}"
            for name in after
            if name in before and before[name] != after[name]
        ),
    ]
    if changes:
        return False, "column schema changed since the previous materialization: " + "; ".join(changes)
    return True, f"same {len(after)} columns as the previous materialization"


def recorded_schema(record: dg.EventLogRecord | None) -> dg.TableSchema | None:
    materialization = record.asset_materialization if record else None
    value = materialization.metadata.get("dagster/column_schema") if materialization else None
    return value.schema if isinstance(value, dg.TableSchemaMetadataValue) else None


CHECK_SPECS = daily_check_specs(
    CHECK_NAME, TABLE_KEYS, "The day's columns (dagster/column_schema) are those of the materialization before it"
)


def latest_materialization(instance: dg.DagsterInstance, key: dg.AssetKey, day: date) -> dg.EventLogRecord | None:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[day.isoformat()]), limit=1
    ).records
    return records[0] if records else None


def judge(instance: dg.DagsterInstance, key: dg.AssetKey, day: date) -> tuple[bool, str]:
    """The day's latest materialization against the one before it (of any day)."""
    record = latest_materialization(instance, key, day)
    if record is None:
        return False, f"partition {day} has no materialization to compare"
    before = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, before_storage_id=record.storage_id), limit=1
    ).records
    return schema_change(recorded_schema(before[0] if before else None), recorded_schema(record))


@dg.multi_asset_check(specs=CHECK_SPECS, can_subset=True)
def column_schema_change_checks(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
    day = partition_date(context)
    for key in sorted({check.asset_key for check in context.selected_asset_check_keys}, key=str):
        passed, why = judge(context.instance, key, day)
        yield dg.AssetCheckResult(
            asset_key=key, check_name=CHECK_NAME, passed=passed, description=why, severity=dg.AssetCheckSeverity.WARN
        )
