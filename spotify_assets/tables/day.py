"""A day's tables from its raw snapshot: which raw files, made local, loaded in one transaction.

``load_day`` is what the warehouse asset runs: the day's committed manifests name the raw objects
(``landing``), the store makes them local files for DuckDB's scans (downloads them from S3), and
``flatten.load_snapshot`` replaces the day's rows of the five tables and of ``unavailable_albums``
together. No Dagster here.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from spotify_assets.landing.land import SnapshotKeys, snapshot_keys
from spotify_assets.landing.layout import is_albums_batch_key
from spotify_assets.resources.object_store import ObjectStore
from spotify_assets.tables.flatten import load_snapshot
from spotify_assets.tables.raw_files import RawSnapshotFiles
from spotify_assets.tables.schema import UNAVAILABLE_ALBUMS, Table
from spotify_assets.tables.unavailable import ensure_unavailable_table, replace_unavailable_albums

if TYPE_CHECKING:
    import duckdb

PREVIEW_ROWS = 5


def load_day(conn: duckdb.DuckDBPyConnection, store: ObjectStore, day: date) -> dict[str, int]:
    """Replace ``day``'s rows of every table with what its raw snapshot says; rows per table."""
    keys = snapshot_keys(store, day)
    all_keys = [*keys.release_pages, *keys.track_keys()]
    with store.local_paths(all_keys) as paths:
        ensure_unavailable_table(conn)
        files = local_snapshot_files(keys, dict(zip(all_keys, paths, strict=True)))
        counts = load_snapshot(
            conn, day, files, partial(replace_unavailable_albums, day=day, unavailable=keys.unavailable)
        )
    counts[UNAVAILABLE_ALBUMS.name] = len(keys.unavailable)
    return counts


def local_snapshot_files(keys: SnapshotKeys, local: dict[str, str]) -> RawSnapshotFiles:
    """Translate raw keys to the local paths DuckDB scans, keeping which album each file serves."""
    track_keys = keys.track_keys()
    return RawSnapshotFiles(
        release_pages=[local[k] for k in keys.release_pages],
        albums_batches=[local[k] for k in track_keys if is_albums_batch_key(k)],
        track_pages=[local[k] for k in track_keys if not is_albums_batch_key(k)],
        album_sources=[(local[k], album) for album, album_keys in keys.album_keys.items() for k in album_keys],
    )


def preview_rows(conn: duckdb.DuckDBPyConnection, table: Table, day: date) -> list[tuple[object, ...]]:
    """The day's first rows by primary key."""
    order = ", ".join(table.primary_key)
    return conn.execute(
        f"SELECT * FROM {table.name} WHERE snapshot_date = ? ORDER BY {order} LIMIT {PREVIEW_ROWS}", [day]
    ).fetchall()


def table_row_counts(conn: duckdb.DuckDBPyConnection, tables: list[Table]) -> dict[str, int]:
    """Every row of each table, all days (``dagster/row_count``)."""
    union = " UNION ALL ".join(f"SELECT '{t.name}' AS name, count(*) AS n FROM {t.name}" for t in tables)
    return dict(conn.execute(union).fetchall()) if tables else {}
