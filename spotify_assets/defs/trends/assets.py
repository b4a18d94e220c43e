"""Trends layer: seven ``trend_*`` tables over the whole history, and the dashboard drawn from them.

Partitioning: the trend tables are daily, like the tables they read, so they are part of
``daily_snapshot_job``, its schedule and backfills. Partition D of a trend table means "the history's trends refreshed for
day D": the step replaces exactly the rows D affects (its week, its own and later days'
new-vs-returning counts, the 30-day windows containing it — see ``analytics/trends.py``), so a
rerun leaves identical tables and a late backfill of an older day fixes what depends on it.
The dependency on the day tables is declared for the same partition only: the trends read the
other days the warehouse holds as they are, rather than waiting for (or failing on) days that
were never built.

The dashboard is one page of the whole history: unpartitioned, drawn once days have landed
(``orchestration/automation.py``), not in each day's run.
"""

from collections.abc import Iterable, Iterator
from typing import Any

import dagster as dg

from spotify_assets.analytics.trends import SOURCES, TRENDS, Refreshed, refresh_trends
from spotify_assets.dashboard import DASHBOARD_KEY, make_dashboard
from spotify_assets.dashboard.data import load_dashboard_data
from spotify_assets.orchestration.automation import AFTER_DAYS_LAND
from spotify_assets.orchestration.catalog import OWNERS, asset_tags
from spotify_assets.orchestration.metadata import column_lineage, table_metadata
from spotify_assets.orchestration.partitions import daily_partitions, partition_date
from spotify_assets.resources.lake import LakeResource
from spotify_assets.resources.object_store import LocalObjectStore
from spotify_assets.resources.warehouse import WarehouseResource

GROUP = "trends"

# A tuple, not a list: the defs loader would take a list of specs for assets of their own.
TREND_SPECS = tuple(
    dg.AssetSpec(
        key=trend.table.name,
        deps=[dg.AssetKey(source) for source in SOURCES],
        group_name=GROUP,
        kinds={"duckdb"},
        owners=OWNERS,
        tags=asset_tags(source="warehouse", storage="warehouse", scope="history"),
        description=f"{trend.title}. {trend.table.description}.",
        metadata=table_metadata(trend.table),
    )
    for trend in TRENDS
)


# can_subset=True for the same Dagster 1.13.27 backfill bug as spotify_tables (see defs/warehouse/assets.py);
# the step still refreshes every trend table together, in one transaction.
@dg.multi_asset(
    specs=TREND_SPECS,
    partitions_def=daily_partitions,
    pool="duckdb",
    name="trend_tables",
    can_subset=True,
)
def trend_tables(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult[Any]]:
    day = partition_date(context)
    with warehouse.get_connection() as conn:
        refreshed = refresh_trends(conn, [day])
    context.log.info("trends refreshed for %s: %s", day, _summary_line(refreshed.values()))
    for result in refreshed.values():
        if dg.AssetKey(result.trend.table.name) not in context.selected_asset_keys:
            continue
        yield dg.MaterializeResult(
            asset_key=result.trend.table.name,
            metadata={
                "summary": f"{result.keys} {result.trend.key_column} values rewritten ({result.rows} rows)",
                "keys_rewritten": result.keys,
                "rows_rewritten": result.rows,
                "dagster/row_count": result.total_rows,
                "dagster/column_lineage": column_lineage(result.trend.table),
                "dagster/table_name": result.trend.table.name,
                "database": warehouse.database,
            },
        )


@dg.asset(
    deps=[spec.key for spec in TREND_SPECS],
    group_name=GROUP,
    kinds={"html", "plotly"},
    owners=OWNERS,
    tags=asset_tags(source="warehouse", storage="lake", scope="history"),
    pool="duckdb",
    # The whole history in one page: refreshed once days have landed, not in each day's run.
    automation_condition=AFTER_DAYS_LAND,
    description=(
        "Interactive dashboard of the trend tables: one self-contained HTML file (plotly.js inlined; "
        f"tooltips, zoom, album-type filter, date range) at <lake>/{DASHBOARD_KEY}, local folder or S3."
    ),
)
def trends_dashboard(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, lake: LakeResource
) -> dg.MaterializeResult[Any]:
    store = lake.get_store()
    store.check_writable()
    with warehouse.get_connection() as conn:
        data = load_dashboard_data(conn)
    dashboard = make_dashboard(data)  # drawn after the warehouse lock is released
    body = dashboard.html.encode("utf-8")
    with store.staging() as staging:
        staged = staging / DASHBOARD_KEY
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_bytes(body)
        uri = store.publish({DASHBOARD_KEY: staged})[DASHBOARD_KEY]
    location = str(store.root / DASHBOARD_KEY) if isinstance(store, LocalObjectStore) else uri
    days = dashboard.days
    history = f"{len(days)} day{'s' if len(days) != 1 else ''} ({days[0]} to {days[-1]})" if days else "no days yet"
    summary = f"{history}, {len(dashboard.charts)} charts, {len(body) / 1e6:.1f} MB"
    context.log.info("dashboard: %s at %s", summary, location)
    metadata: dict[str, dg.RawMetadataValue] = {
        "summary": summary,
        "location": location,
        "dashboard": dg.MetadataValue.url(uri),
        "days": len(days),
        "bytes": len(body),
        "charts": len(dashboard.charts),
    }
    if isinstance(store, LocalObjectStore):
        metadata["path"] = dg.MetadataValue.path(location)
    if dashboard.label_note:
        metadata["label_note"] = dashboard.label_note
    return dg.MaterializeResult(metadata=metadata)


def _summary_line(results: Iterable[Refreshed]) -> str:
    return ", ".join(f"{r.trend.table.name} {r.keys} keys/{r.rows} rows" for r in results)
