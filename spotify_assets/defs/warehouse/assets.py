"""The warehouse group: the five DuckDB tables and ``unavailable_albums``, rebuilt for a day from
its raw snapshot alone (``spotify_assets.tables.day``)."""

from collections.abc import Iterator
from typing import Any

import dagster as dg

from spotify_assets.defs.warehouse.freshness import FRESHNESS_POLICY
from spotify_assets.orchestration.catalog import OWNERS, asset_tags
from spotify_assets.orchestration.metadata import column_lineage, markdown_table, table_metadata, table_schema
from spotify_assets.orchestration.partitions import daily_partitions, partition_date
from spotify_assets.resources.storage import RawStorageResource
from spotify_assets.resources.warehouse import WarehouseResource
from spotify_assets.snapshot.building import mark_building
from spotify_assets.tables.day import load_day, preview_rows, table_row_counts
from spotify_assets.tables.schema import TABLES, UNAVAILABLE_ALBUMS

WAREHOUSE_TABLES = (*TABLES, UNAVAILABLE_ALBUMS)

# A tuple, not a list: the defs loader would take a list of specs for assets of their own.
TABLE_SPECS = tuple(
    dg.AssetSpec(
        table.name,
        deps=["raw_new_releases", "raw_album_tracks"],
        group_name="warehouse",
        kinds={"duckdb"},
        owners=OWNERS,
        tags=asset_tags(source="raw_json", storage="warehouse", scope="day"),
        description=table.description,
        metadata=table_metadata(table),
        freshness_policy=FRESHNESS_POLICY,
    )
    for table in WAREHOUSE_TABLES
)


# can_subset=True only to get past a Dagster 1.13.27 bug: launching a backfill (UI or GraphQL) that
# includes a non-subsettable multi-asset fails at random with "Targeted subset must match between
# every key in a non-subsettable multi-asset" (its check compares two equal TimeWindowPartitionsSubset
# with `!=`, which the class leaves to tuple.__ne__, so a lazily computed field decides; the order
# of a set of asset keys decides which one is computed). The step still builds all the tables in
# one transaction whatever is selected, and records a materialization for the selected ones.
@dg.multi_asset(specs=TABLE_SPECS, partitions_def=daily_partitions, pool="duckdb", can_subset=True)
def spotify_tables(
    context: dg.AssetExecutionContext, raw_storage: RawStorageResource, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult[Any]]:
    """One step builds all the tables in one DuckDB transaction, so they always agree on a day."""
    day = partition_date(context)
    selected = [table for table in WAREHOUSE_TABLES if dg.AssetKey(table.name) in context.selected_asset_keys]
    with warehouse.get_connection() as conn:
        counts = load_day(conn, raw_storage.get_store(), day)
        # In the same hold of the file as the load: the snapshot waits for this run to finish the day.
        mark_building(conn, day, context.run.run_id)
        totals = table_row_counts(conn, selected)
        previews = {table.name: preview_rows(conn, table, day) for table in selected}
    context.log.info("tables for %s: %s", day, counts)
    for table in selected:
        yield dg.MaterializeResult(
            asset_key=table.name,
            metadata={
                # The day's rows (this partition) and the whole table's, as Dagster defines them.
                "dagster/partition_row_count": counts[table.name],
                "dagster/row_count": totals[table.name],
                "dagster/column_schema": table_schema(table),
                "dagster/column_lineage": column_lineage(table),
                "dagster/table_name": table.name,
                "preview": dg.MetadataValue.md(markdown_table(table.column_names, previews[table.name])),
                "database": warehouse.database,
            },
        )
