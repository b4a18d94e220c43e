"""Analytics layer: four small tables over the warehouse, each with a chart in its metadata.

Partitioning: daily, like the tables they read. Each analysis is computed for the partition date
(the day's listing, tracks and credits) and stored with that ``snapshot_date``, replacing only
that date's rows, so reruns and backfills are idempotent and a day's analytics always match the
day's tables (they run after the tables' blocking checks in the same job). "Releases per day" is
a trend, so it covers a trailing window of listing days ending at the partition date; it reads
whichever of those days the warehouse holds rather than declaring a dependency on 13 earlier
partitions, so a day never waits on (or fails because of) older days being backfilled. An
unpartitioned asset over all days would instead recompute everything daily and could not be
backfilled or rerun per day.

The SQL and the charts live in ``spotify_assets.analytics`` (testable without Dagster).
"""

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import dagster as dg

from spotify_assets.analytics.charts import chart_markdown, chart_png
from spotify_assets.analytics.queries import (
    ANALYSES,
    TRACK_DURATIONS,
    Analysis,
    Row,
    duration_stats,
    refresh,
    summarize,
)
from spotify_assets.analytics.rows import query_dicts
from spotify_assets.orchestration.catalog import OWNERS, asset_tags
from spotify_assets.orchestration.metadata import column_lineage, markdown_table, table_metadata, table_schema
from spotify_assets.orchestration.partitions import daily_partitions, partition_date
from spotify_assets.resources.warehouse import WarehouseResource

if TYPE_CHECKING:
    import duckdb

GROUP = "analytics"


def _format(value: object) -> object:
    return f"{value:.4f}" if isinstance(value, float) else value


def build_analytics_asset(analysis: Analysis) -> dg.AssetsDefinition:
    table = analysis.table

    @dg.asset(
        name=table.name,
        deps=[dg.AssetKey(source) for source in analysis.sources],
        partitions_def=daily_partitions,
        group_name=GROUP,
        kinds={"duckdb"},
        owners=OWNERS,
        tags=asset_tags(source="warehouse", storage="warehouse", scope="day"),
        pool="duckdb",
        description=f"{analysis.title}. {table.description}.",
        metadata=table_metadata(table),
    )
    def _analytics(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult[Any]:
        day = partition_date(context)
        with warehouse.get_connection() as conn:
            rows, table_rows, extra = _refresh_day(conn, analysis, day)
        # Drawn after the warehouse is released: a chart takes longer than the day's SQL.
        png = chart_png(analysis, rows, day)
        summary = summarize(analysis, rows, day)
        context.log.info("%s for %s: %s (chart %d bytes)", table.name, day, summary, len(png))
        return dg.MaterializeResult(
            metadata={
                "summary": summary,
                "chart": dg.MetadataValue.md(chart_markdown(png, analysis.title)),
                "chart_bytes": len(png),
                "preview": dg.MetadataValue.md(_preview(table.column_names, rows)),
                # The day's rows (this partition) and the whole table's, as Dagster defines them.
                "dagster/partition_row_count": len(rows),
                "dagster/row_count": table_rows,
                "dagster/column_schema": table_schema(table),
                "dagster/column_lineage": column_lineage(table),
                "dagster/table_name": table.name,
                "database": warehouse.database,
                **extra,
            }
        )

    return _analytics


def _refresh_day(
    conn: "duckdb.DuckDBPyConnection", analysis: Analysis, day: date
) -> tuple[list[Row], int, dict[str, float | int]]:
    """Rewrite the day's rows; return them, the table's row count after it, and extra statistics."""
    rows = refresh(conn, analysis, day)
    [total] = query_dicts(conn, f"SELECT count(*) AS n FROM {analysis.table.name}")
    return rows, total["n"], _stats_metadata(conn, analysis, day)


def _preview(columns: Sequence[str], rows: Sequence[Row]) -> str:
    return markdown_table(columns, [[_format(row[column]) for column in columns] for row in rows])


def _stats_metadata(conn: "duckdb.DuckDBPyConnection", analysis: Analysis, day: date) -> dict[str, float | int]:
    if analysis is not TRACK_DURATIONS:
        return {}
    stats = duration_stats(conn, day)
    return {f"duration_{k}" if k != "tracks" else "tracks": round(v, 1) for k, v in stats.items() if v is not None}


analytics_assets = [build_analytics_asset(analysis) for analysis in ANALYSES]
