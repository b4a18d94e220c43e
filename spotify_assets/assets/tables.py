"""Warehouse layer: the DuckDB tables, rebuilt for a day from its raw snapshot alone."""

from collections.abc import Iterator, Sequence
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

import dagster as dg

from spotify_assets.assets.raw import raw_album_tracks, raw_new_releases
from spotify_assets.checks.freshness import FRESHNESS_POLICY
from spotify_assets.landing import SnapshotKeys, snapshot_keys
from spotify_assets.metadata import markdown_table, table_schema
from spotify_assets.partitions import daily_partitions, partition_date
from spotify_assets.raw_layout import is_albums_batch_key
from spotify_assets.resources.storage import RawStorageResource
from spotify_assets.resources.warehouse import WarehouseResource
from spotify_assets.transform.flatten import RawSnapshotFiles, load_snapshot
from spotify_assets.transform.schema import TABLES, UNAVAILABLE_ALBUMS, Table
from spotify_assets.transform.unavailable import ensure_unavailable_table, replace_unavailable_albums

if TYPE_CHECKING:
    import duckdb

PREVIEW_ROWS = 5

TABLE_SPECS = [
    dg.AssetSpec(
        table.name,
        deps=[raw_new_releases, raw_album_tracks],
        group_name="warehouse",
        kinds={"duckdb"},
        description=table.description,
        metadata={"dagster/column_schema": table_schema(table), "primary_key": ", ".join(table.primary_key)},
        freshness_policy=FRESHNESS_POLICY,
    )
    for table in (*TABLES, UNAVAILABLE_ALBUMS)
]


# can_subset=True only to get past a Dagster 1.13.27 bug: launching a backfill (UI or GraphQL) that
# includes a non-subsettable multi-asset fails at random with "Targeted subset must match between
# every key in a non-subsettable multi-asset" (its check compares two equal TimeWindowPartitionsSubset
# with `!=`, which the class leaves to tuple.__ne__, so a lazily computed field decides; the order
# of a set of asset keys decides which one is computed). The step still builds all five tables in
# one transaction whatever is selected, and records a materialization for the selected ones.
@dg.multi_asset(
    specs=TABLE_SPECS,
    partitions_def=daily_partitions,
    pool="duckdb",
    can_subset=True,
)
def spotify_tables(
    context: dg.AssetExecutionContext, raw_storage: RawStorageResource, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult[Any]]:
    """One step builds all the tables in one DuckDB transaction per day, so they always agree on a day."""
    store = raw_storage.get_store()
    day = partition_date(context)
    tables = (*TABLES, UNAVAILABLE_ALBUMS)
    selected = [table for table in tables if dg.AssetKey(table.name) in context.selected_asset_keys]
    keys = snapshot_keys(store, day)
    all_keys = [*keys.release_pages, *keys.track_keys()]
    with store.local_paths(all_keys) as paths, warehouse.get_connection() as conn:
        ensure_unavailable_table(conn)
        files = local_snapshot_files(keys, dict(zip(all_keys, paths, strict=True)))
        counts = load_snapshot(
            conn, day, files, partial(replace_unavailable_albums, day=day, unavailable=keys.unavailable)
        )
        counts[UNAVAILABLE_ALBUMS.name] = len(keys.unavailable)
        totals = table_row_counts(conn, selected)
        previews = {table.name: preview(conn, table, day) for table in selected}
    context.log.info("tables for %s: %s", day, counts)
    for table in selected:
        yield dg.MaterializeResult(
            asset_key=table.name,
            metadata={
                # The day's rows (this partition) and the whole table's, as Dagster defines them.
                "dagster/partition_row_count": counts[table.name],
                "dagster/row_count": totals[table.name],
                "dagster/column_schema": table_schema(table),
                "dagster/table_name": table.name,
                "preview": dg.MetadataValue.md(previews[table.name]),
                "database": warehouse.database,
            },
        )


def local_snapshot_files(keys: SnapshotKeys, local: dict[str, str]) -> RawSnapshotFiles:
    """Translate raw keys to the local paths DuckDB scans, keeping which album each file serves."""
    track_keys = keys.track_keys()
    return RawSnapshotFiles(
        release_pages=[local[k] for k in keys.release_pages],
        albums_batches=[local[k] for k in track_keys if is_albums_batch_key(k)],
        track_pages=[local[k] for k in track_keys if not is_albums_batch_key(k)],
        album_sources=[(local[k], album) for album, album_keys in keys.album_keys.items() for k in album_keys],
    )


def preview(conn: "duckdb.DuckDBPyConnection", table: Table, day: date) -> str:
    """The day's first rows by primary key, as Markdown for the UI."""
    order = ", ".join(table.primary_key)
    rows = conn.execute(
        f"SELECT * FROM {table.name} WHERE snapshot_date = ? ORDER BY {order} LIMIT {PREVIEW_ROWS}", [day]
    ).fetchall()
    return markdown_table(table.column_names, rows)


def table_row_counts(conn: "duckdb.DuckDBPyConnection", tables: Sequence[Table]) -> dict[str, int]:
    """Every row of each table, all days (``dagster/row_count``)."""
    union = " UNION ALL ".join(f"SELECT '{t.name}' AS name, count(*) AS n FROM {t.name}" for t in tables)
    return dict(conn.execute(union).fetchall()) if tables else {}
