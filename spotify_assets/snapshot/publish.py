"""Publishing the snapshot: the live DuckDB file copied whole, trimmed to what people read, swapped in.

How (measured in ``bench/snapshot_bench.py``, a year of history, 338k tracks, 11 MB): the caller
holds the live file (our lock and DuckDB's), so after a ``CHECKPOINT`` the file holds every table
and nobody writes it; its bytes are copied to a new file beside the snapshot. That copy, which no
one else knows of yet, loses the pipeline's bookkeeping and gains ``snapshot_info``, and replaces
the snapshot by one rename: 0.06-0.12 s in all. Copying the tables into a fresh file with
``CREATE TABLE .. AS`` instead took 0.3-0.6 s (2.5 s on a loaded machine) for the same result,
all of it inside the run's hold of the warehouse.

Why not a DuckDB file of views over the Parquet lake (also measured): the lake holds only the five
day tables (no unavailable_albums, analytics or trends), it may be on S3 (DuckDB would need its
httpfs extension, an internet download), every query reads Parquet (a year's tracks joined to
their albums: 0.17-0.20 s instead of 0.03-0.05 s), and a query running while a day is exported could see some of the
day's files and not others.

Why a rename: ``os.replace`` swaps the directory entry atomically. A reader that has the old file
open keeps reading it (the inode lives until its last reader closes it) and holds DuckDB's lock on
that inode only; the new file is a different inode that nobody holds. So no reader, read-only or
read-write, can block or fail a publish, and none sees a half-written file or a change mid-query.
"""

from __future__ import annotations

import os
import shutil
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

# What people read: the day tables, the analytics and the trends. Anything else in the live file
# (``building.py``'s bookkeeping, whatever a later step keeps there) is dropped from the copy.
READER_TABLES: tuple[str, ...] = (
    *(table.name for table in TABLES),
    UNAVAILABLE_ALBUMS.name,
    *(analysis.table.name for analysis in ANALYSES),
    *(trend.table.name for trend in TRENDS),
)
# One row saying what the snapshot is: when, by which run, for which day, which days it holds.
INFO_TABLE = "snapshot_info"


@dataclass(frozen=True)
class Published:
    path: Path
    rows: dict[str, int]  # table -> rows
    days: list[date]  # listing days held (albums.snapshot_date), oldest first
    bytes: int
    seconds: float


def publish_snapshot(conn: duckdb.DuckDBPyConnection, live: Path, target: Path, *, run_id: str) -> Published:
    """Publish ``live`` (open in ``conn``, held by this process) as the snapshot ``target``. The
    caller holds the warehouse until this returns, so publishes happen one at a time, each later
    one from a later state, and the last rename is always the newest copy."""
    import duckdb

    started = time.perf_counter()
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    _remove(staged, _wal(staged))  # left by a publish that died mid-copy
    conn.execute("CHECKPOINT")  # every committed change into the file itself; nothing writes it now
    shutil.copyfile(live, staged)
    with duckdb.connect(str(staged)) as copy:
        rows, days = _trim(copy, run_id)
    _fsync(staged)
    # A reader that wrote into the snapshot it opened read-write left a WAL for that (old) file;
    # DuckDB would replay it onto the new one. What readers write into a snapshot is not kept.
    _remove(_wal(target))
    os.replace(staged, target)
    _fsync(target.parent)  # the rename itself survives a crash
    return Published(target, rows, days, target.stat().st_size, time.perf_counter() - started)


def _trim(copy: duckdb.DuckDBPyConnection, run_id: str) -> tuple[dict[str, int], list[date]]:
    """Keep the reader tables, add ``snapshot_info``; return the rows per table and the days held."""
    present = [r["name"] for r in query_dicts(copy, "SELECT table_name AS name FROM duckdb_tables()")]
    with transaction(copy):
        for name in present:
            if name not in READER_TABLES:
                copy.execute(f"DROP TABLE {name}")
        kept = [name for name in READER_TABLES if name in present]
        days = (
            [r["d"] for r in query_dicts(copy, "SELECT DISTINCT snapshot_date AS d FROM albums ORDER BY 1")]
            if "albums" in kept
            else []
        )
        copy.execute(
            f"CREATE TABLE {INFO_TABLE} AS SELECT now() AS published_at, ?::VARCHAR AS run_id, "
            "?::INTEGER AS days_held, ?::DATE AS first_day, ?::DATE AS last_day",
            [run_id, len(days), days[0] if days else None, days[-1] if days else None],
        )
    rows = {name: _count(copy, name) for name in kept}
    return rows, days


def _count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    [row] = query_dicts(conn, f"SELECT count(*) AS n FROM {table}")
    return int(row["n"])


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
