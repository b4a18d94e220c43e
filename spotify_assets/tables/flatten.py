"""Raw Spotify JSON -> the five DuckDB tables, as set-based SQL (no Python loop over rows).

The steps, each in its own module:

1. ``parse``/``raw_scans``: every raw file is read and parsed exactly once into staging tables,
   one row per listed album or track, typed and compact; fields that are absent (Development-Mode
   apps lost label, popularity, available_markets, ...) become NULL, extra fields are ignored;
2. ``shape_checks``: that same parse flags items that may have the wrong shape; the files holding
   any go through ``shape_validator``, the precise (slower) check, which fails naming the file, the
   item and the field, or finds the item fine and the load goes on;
3. ``staging``: the day's albums and tracks, each once;
4. ``inserts``: a day's rows of every table are replaced in one transaction, so readers see the old
   day or the new day, never half.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from spotify_assets.tables.counts import row_counts
from spotify_assets.tables.inserts import insert_sql
from spotify_assets.tables.parse import parse_raw_files
from spotify_assets.tables.raw_files import RawSnapshotFiles
from spotify_assets.tables.schema import TABLES
from spotify_assets.tables.shape_validator import reject_malformed_items
from spotify_assets.tables.sql import transaction
from spotify_assets.tables.staging import (
    Staging,
    attached_staging,
    stage_album_sources,
    stage_day,
    suspect_files,
)

if TYPE_CHECKING:
    import duckdb

__all__ = ["RawSnapshotFiles", "ensure_tables", "load_snapshot", "row_counts"]


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES:
        conn.execute(table.create_sql())


def load_snapshot(
    conn: duckdb.DuckDBPyConnection,
    day: date,
    files: RawSnapshotFiles,
    also_in_transaction: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> dict[str, int]:
    """Replace ``day``'s rows of every table with what the raw files say; returns row counts.
    ``also_in_transaction`` replaces other tables' rows in the same transaction."""
    ensure_tables(conn)
    with attached_staging(conn) as stg:
        stage_album_sources(conn, stg, files.album_sources)
        parse_raw_files(conn, stg, files)
        _reject_malformed_suspects(conn, stg, files)
        stage_day(conn, stg)
        with transaction(conn):
            for table in TABLES:
                conn.execute(f"DELETE FROM {table.name} WHERE snapshot_date = ?", [day])
                conn.execute(insert_sql(table, stg), [day])
            if also_in_transaction is not None:
                also_in_transaction(conn)
    return row_counts(conn, day)


def _reject_malformed_suspects(conn: duckdb.DuckDBPyConnection, stg: Staging, files: RawSnapshotFiles) -> None:
    """Run the precise validator on the files the one-parse checks found suspect (normally none)."""
    suspect = suspect_files(conn, stg)
    if any(suspect.values()):
        subset = replace(
            files,
            release_pages=suspect["release_pages"],
            albums_batches=suspect["albums_batches"],
            track_pages=suspect["track_pages"],
        )
        reject_malformed_items(conn, subset)
