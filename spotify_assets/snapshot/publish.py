"""Publishing the snapshot: the tables people read, copied into a new DuckDB file, swapped in whole.

Why a second DuckDB file and not a file of views over the Parquet lake (both measured in
``bench/snapshot_bench.py``): the lake holds only the five day tables (not unavailable_albums, the
analytics or the trends), it may be on S3 (DuckDB would need its httpfs extension, an internet
download), and a view reads the Parquet files when queried, so a query running while a day is
exported could see some tables of the day and not others. A copy is one consistent state of every
table, self-contained, and costs about a second for a year of history.

Why a rename: ``os.replace`` swaps the directory entry atomically. A reader that has the old file
open keeps reading it (the inode lives until its last reader closes it) and holds DuckDB's lock on
that inode only; the new file is a different inode that nobody holds. So no reader, read-only or
read-write, can block or fail a publish, and none sees a half-written file or a change mid-query.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from spotify_assets.analytics.queries import ANALYSES
from spotify_assets.analytics.rows import query_dicts
from spotify_assets.analytics.trends import TRENDS
from spotify_assets.tables.schema import TABLES, UNAVAILABLE_ALBUMS
from spotify_assets.tables.sql import transaction

if TYPE_CHECKING:
    import duckdb

# What people read: the day tables, the analytics and the trends. Not the pipeline's bookkeeping
# (``building.py``'s table) nor anything else a future step keeps in the live file.
READER_TABLES: tuple[str, ...] = (
    *(table.name for table in TABLES),
    UNAVAILABLE_ALBUMS.name,
    *(analysis.table.name for analysis in ANALYSES),
    *(trend.table.name for trend in TRENDS),
)
# One row saying what the snapshot is: when, by which run, for which day, which days it holds.
INFO_TABLE = "snapshot_info"
COPY_ALIAS = "snapshot_copy"


@dataclass(frozen=True)
class Published:
    path: Path
    rows: dict[str, int]  # table -> rows copied
    days: list[date]  # listing days held (albums.snapshot_date), oldest first
    bytes: int
    seconds: float


def publish_snapshot(conn: duckdb.DuckDBPyConnection, target: Path, *, run_id: str, partition: str) -> Published:
    """Copy the reader tables of ``conn`` (the live warehouse, held by this process) into a new file
    beside ``target`` and rename it over ``target``. The caller holds the warehouse's lock until
    this returns, so publishes happen one at a time and each later one holds a later state."""
    started = time.perf_counter()
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    _remove(staged, _wal(staged))  # left by a publish that died mid-copy
    conn.execute(f"ATTACH {_literal(str(staged))} AS {COPY_ALIAS}")
    try:
        present = {
            r["name"]
            for r in query_dicts(
                conn, "SELECT table_name AS name FROM duckdb_tables() WHERE database_name = current_database()"
            )
        }
        copied = [name for name in READER_TABLES if name in present]
        with transaction(conn):  # one state of every table
            for name in copied:
                conn.execute(f"CREATE TABLE {COPY_ALIAS}.{name} AS FROM main.{name}")
            days = _days(conn) if "albums" in copied else []
            conn.execute(
                f"CREATE TABLE {COPY_ALIAS}.{INFO_TABLE} AS SELECT now() AS published_at, ?::VARCHAR AS run_id, "
                "?::DATE AS published_for, ?::INTEGER AS days_held, ?::DATE AS first_day, ?::DATE AS last_day",
                [run_id, partition, len(days), days[0] if days else None, days[-1] if days else None],
            )
        rows = {name: _count(conn, f"{COPY_ALIAS}.{name}") for name in copied}
    finally:
        conn.execute(f"DETACH {COPY_ALIAS}")  # checkpoints the copy into its file: no WAL beside it
    _fsync(staged)
    # A reader that wrote into the snapshot it opened read-write left a WAL for that (old) file;
    # DuckDB would replay it onto the new one. What readers write into a snapshot is not kept.
    _remove(_wal(target))
    os.replace(staged, target)
    _fsync(target.parent)  # the rename itself survives a crash
    return Published(target, rows, days, target.stat().st_size, time.perf_counter() - started)


def _days(conn: duckdb.DuckDBPyConnection) -> list[date]:
    return [
        r["d"] for r in query_dicts(conn, f"SELECT DISTINCT snapshot_date AS d FROM {COPY_ALIAS}.albums ORDER BY 1")
    ]


def _count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    [row] = query_dicts(conn, f"SELECT count(*) AS n FROM {table}")
    return int(row["n"])


def _literal(text: str) -> str:
    """A SQL string literal (ATTACH takes no prepared parameter)."""
    return "'" + text.replace("'", "''") + "'"


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
