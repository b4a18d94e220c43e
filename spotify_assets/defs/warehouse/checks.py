"""Asset checks on the DuckDB tables: the rules of ``checks.rules`` run for the materialized day.

All rules run in one step over one connection (one DuckDB lock, one process) and are blocking:
a day whose tables break a rule fails its run instead of feeding bad rows downstream. The
exception is a WARN-only rule (unavailable albums): reported, never blocking.
"""

from collections.abc import Iterator

import dagster as dg

from spotify_assets.orchestration.partitions import daily_partitions, partition_date
from spotify_assets.resources.warehouse import WarehouseResource
from spotify_assets.tables.rules import all_rules

RULES = all_rules()

CHECK_SPECS = [
    dg.AssetCheckSpec(
        rule.name,
        asset=rule.table,
        description=rule.description,
        blocking=not rule.warn_only,
        partitions_def=daily_partitions,
    )
    for rule in RULES
]


@dg.multi_asset_check(specs=CHECK_SPECS, can_subset=True, pool="duckdb")
def table_quality_checks(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    selected = context.selected_asset_check_keys
    rules = [r for r in RULES if dg.AssetCheckKey(dg.AssetKey(r.table), r.name) in selected]
    day = partition_date(context)
    # Every rule is judged and recorded before a failed blocking result fails the step.
    with warehouse.get_connection() as conn:
        outcomes = [(rule, rule.rule(conn, day)) for rule in rules]
    for rule, outcome in outcomes:
        yield dg.AssetCheckResult(
            asset_key=rule.table,
            check_name=rule.name,
            passed=outcome.passed,
            description=outcome.description,
            metadata=outcome.metadata,
            severity=dg.AssetCheckSeverity.WARN if rule.warn_only else dg.AssetCheckSeverity.ERROR,
        )
