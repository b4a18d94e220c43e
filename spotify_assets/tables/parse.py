"""Every raw file of a day parsed once into the staging tables, in parallel shards."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from spotify_assets.landing.layout import RawDataError
from spotify_assets.tables.raw_files import RawSnapshotFiles, read_texts
from spotify_assets.tables.raw_scans import SCANS, Scan
from spotify_assets.tables.sql import records
from spotify_assets.tables.staging import Staging

if TYPE_CHECKING:
    import duckdb

MIN_FILES_PER_SHARD = 64  # files per shard at least: a small day parses on one cursor per kind of file


def parse_raw_files(conn: duckdb.DuckDBPyConnection, stg: Staging, files: RawSnapshotFiles) -> None:
    """Parse every raw file once into the staging tables of ``raw_scans.SCANS``.

    A DuckDB scan of a list of files runs on one thread, so the files are cut into shards parsed
    concurrently on cursors of the connection (DuckDB releases the GIL), one table per shard; each
    staging table is then a view over its shards. Meanwhile DuckDB's own worker threads are turned
    down to one (restored after): with nothing to run they spin, which cost ~60% more CPU for the
    same parse on this 2-core machine.
    """
    threads = int(records(conn.execute("SELECT current_setting('threads') AS threads"))[0]["threads"])
    tasks: list[tuple[Scan, str, list[str]]] = []  # (scan, shard table, its files)
    shards: dict[str, list[str]] = {}
    for scan in SCANS:
        paths = list(files.of_kind(scan.kind))
        count = max(1, min(2 * threads, len(paths) // MIN_FILES_PER_SHARD))
        shards[scan.table] = [stg.table(f"{scan.table}_{i}") for i in range(count)]
        tasks += [(scan, shard, paths[i::count]) for i, shard in enumerate(shards[scan.table])]
    cursors = [conn.cursor() for _ in tasks]
    try:
        if threads <= 1 or len(tasks) == 1:
            for cursor, task in zip(cursors, tasks, strict=True):
                _scan(cursor, *task)
        else:
            conn.execute("SET threads = 1")
            try:
                with ThreadPoolExecutor(max_workers=threads) as pool:
                    futures = [pool.submit(_scan, cursor, *task) for cursor, task in zip(cursors, tasks, strict=True)]
                    for future in futures:
                        future.result()
            finally:
                conn.execute(f"SET threads = {threads}")
    finally:
        for cursor in cursors:
            cursor.close()
    for table, names in shards.items():
        conn.execute(f"CREATE VIEW {stg.table(table)} AS " + " UNION ALL ".join(f"SELECT * FROM {n}" for n in names))


def _scan(cursor: duckdb.DuckDBPyConnection, scan: Scan, shard: str, paths: Sequence[str]) -> None:
    import duckdb  # here, not at module level: the code location loads without duckdb (warehouse.py)

    try:
        cursor.execute(f"CREATE TABLE {shard} AS {scan.select(paths)}")
    except duckdb.InvalidInputException as exc:  # e.g. a file that is not JSON: name it
        bad = records(
            cursor.execute(
                f"SELECT filename FROM {read_texts(paths)} WHERE NOT json_valid(content) ORDER BY filename LIMIT 1"
            )
        )
        if bad:
            raise RawDataError(
                f"{bad[0]['filename']}: body is not valid JSON; the raw file is kept, fix the source or the schema"
            ) from exc
        raise
