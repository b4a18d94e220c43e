"""Write one day of the five tables as Parquet with DuckDB (no pyarrow, no httpfs).

Layout (Hive-style, what Athena/Glue/Spark/DuckDB read as a ``date`` partition)::

    <lake>/<table>/date=YYYY-MM-DD/part-0.parquet

Rows are written in primary-key order, so the same table rows give byte-identical files: a
rerun republishes the same objects (same S3 ETags), never duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from spotify_assets.tables.schema import TABLES, Table

if TYPE_CHECKING:
    import duckdb

PART_NAME = "part-0.parquet"


@dataclass(frozen=True)
class LakeFile:
    table: str
    key: str  # relative to the lake root / prefix
    path: Path  # staged local file
    rows: int
    bytes: int


def table_prefix(table: str) -> str:
    return f"{table}/"


def lake_key(table: str, day: date) -> str:
    return f"{table}/date={day.isoformat()}/{PART_NAME}"


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def write_table_day(conn: duckdb.DuckDBPyConnection, table: Table, day: date, path: Path) -> int:
    """``COPY`` the day's rows of ``table`` to ``path`` as Parquet; returns the row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = ", ".join(table.column_names)
    order = ", ".join(table.primary_key)
    (written,) = conn.execute(
        f"COPY (SELECT {columns} FROM {table.name} WHERE snapshot_date = ? ORDER BY {order}) "
        f"TO {_sql_string(str(path))} (FORMAT parquet)",
        [day],
    ).fetchall()[0]
    return int(written)


def write_day(conn: duckdb.DuckDBPyConnection, day: date, staging: Path) -> list[LakeFile]:
    """Stage every table's Parquet file for ``day`` below ``staging`` (same relative keys)."""
    files = []
    for table in TABLES:
        key = lake_key(table.name, day)
        path = staging / key
        rows = write_table_day(conn, table, day, path)
        files.append(LakeFile(table=table.name, key=key, path=path, rows=rows, bytes=path.stat().st_size))
    return files
