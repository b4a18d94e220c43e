"""Lake layer: each table's rows of the day as Parquet under ``<table>/date=YYYY-MM-DD/``.

DuckDB writes the files (``COPY ... (FORMAT parquet)``) into a staging folder while it holds the
warehouse lock; publishing (a rename locally, uploads to S3) happens after the lock is released.
Rerunning a day overwrites the same keys with byte-identical files: nothing is duplicated.
"""

from datetime import date
from typing import Any

import dagster as dg

from spotify_assets.lake.export import LakeFile, write_day
from spotify_assets.orchestration.catalog import OWNERS, asset_tags
from spotify_assets.orchestration.metadata import markdown_table
from spotify_assets.orchestration.partitions import daily_partitions, partition_date
from spotify_assets.resources.lake import LakeResource
from spotify_assets.resources.object_store import ObjectStore
from spotify_assets.resources.warehouse import WarehouseResource
from spotify_assets.tables.schema import TABLES


@dg.asset(
    deps=[dg.AssetKey(table.name) for table in TABLES],
    partitions_def=daily_partitions,
    group_name="lake",
    kinds={"parquet"},
    owners=OWNERS,
    tags=asset_tags(source="warehouse", storage="lake", scope="day"),
    pool="duckdb",
    description=(
        "The day's rows of the five tables as Parquet, one file per table under "
        "<lake>/<table>/date=YYYY-MM-DD/part-0.parquet (local folder or S3); Athena DDL in docs/athena.md."
    ),
)
def lake_export(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, lake: LakeResource
) -> dg.MaterializeResult[Any]:
    store = lake.get_store()
    store.check_writable()
    day = partition_date(context)
    with store.staging() as staging:
        # Staged while the warehouse is open, published once it is released.
        with warehouse.get_connection() as conn:
            files = write_day(conn, day, staging)
        return dg.MaterializeResult(metadata=_publish_day(context, store, day, files))


def _publish_day(
    context: dg.AssetExecutionContext, store: ObjectStore, day: date, files: list[LakeFile]
) -> dict[str, Any]:
    uris = store.publish({f.key: f.path for f in files})
    total = sum(f.bytes for f in files)
    summary = f"{len(files)} Parquet files, {total / 1024:.1f} KB for date={day}"
    context.log.info("lake for %s: %s at %s", day, summary, store.uri())
    return {
        "summary": summary,
        "location": dg.MetadataValue.url(store.uri()),
        "files": dg.MetadataValue.md(
            markdown_table(["table", "rows", "bytes", "uri"], [(f.table, f.rows, f.bytes, uris[f.key]) for f in files])
        ),
        "bytes": total,
        **{f"rows_{f.table}": f.rows for f in files},
    }
