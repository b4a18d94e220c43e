"""The ``unavailable_albums`` table: a day's listed albums the API would not serve, from its manifest."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from spotify_assets.landing.layout import UnavailableEntry
from spotify_assets.tables.schema import UNAVAILABLE_ALBUMS

if TYPE_CHECKING:
    import duckdb


def ensure_unavailable_table(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(UNAVAILABLE_ALBUMS.create_sql())


def replace_unavailable_albums(
    conn: duckdb.DuckDBPyConnection, day: date, unavailable: Mapping[str, UnavailableEntry]
) -> None:
    """Replace the day's rows (call inside the transaction that replaces the day's other tables)."""
    conn.execute(f"DELETE FROM {UNAVAILABLE_ALBUMS.name} WHERE snapshot_date = ?", [day])
    if not unavailable:
        return
    ids = sorted(unavailable)
    entries = [unavailable[album_id] for album_id in ids]
    conn.execute(
        f"INSERT INTO {UNAVAILABLE_ALBUMS.name} ({', '.join(UNAVAILABLE_ALBUMS.column_names)}) "
        "SELECT ?, unnest(?), unnest(?), unnest(?), unnest(?), unnest(?)",
        [
            day,
            ids,
            [e.endpoint for e in entries],
            [e.status for e in entries],
            [e.message for e in entries],
            [e.url for e in entries],
        ],
    )
