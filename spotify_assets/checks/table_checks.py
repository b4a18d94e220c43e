"""Asset checks on the DuckDB tables: the rules of ``checks.rules`` run for the materialized day.

All rules run in one step over one connection (one DuckDB lock, one process) and are blocking:
a day whose tables break a rule fails its run instead of feeding bad rows downstream. The
exception is a WARN-only rule (unavailable albums): reported, never blocking.
"""

from collections.abc import Iterator

import dagster as dg

from spotify_assets.checks.rules import all_rules
from spotify_assets.partitions import check_evaluation, daily_partitions, materialization_targets, partition_dates
from spotify_assets.resources.warehouse import WarehouseResource

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
) -> Iterator[dg.AssetCheckResult | dg.AssetCheckEvaluation]:
    selected = context.selected_asset_check_keys
    rules = [r for r in RULES if dg.AssetCheckKey(dg.AssetKey(r.table), r.name) in selected]
    batch = not context.has_partition_key
    targets = materialization_targets(context, {dg.AssetKey(r.table) for r in rules}) if batch else None
    # Every day of a batch is judged and recorded before a failed blocking result fails the step;
    # all days are judged over one connection (opening the file costs more than a day's rules).
    with warehouse.get_connection() as conn:
        outcomes = [(day, rule, rule.rule(conn, day)) for day in partition_dates(context) for rule in rules]
    for day, rule, outcome in outcomes:
        yield check_evaluation(
            context,
            asset_key=dg.AssetKey(rule.table),
            check_name=rule.name,
            day=day,
            passed=outcome.passed,
            description=outcome.description,
            metadata=outcome.metadata,
            severity=dg.AssetCheckSeverity.WARN if rule.warn_only else dg.AssetCheckSeverity.ERROR,
            blocking=not rule.warn_only,
            targets=targets,
        )
