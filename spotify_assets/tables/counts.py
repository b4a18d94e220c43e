"""How many rows each table holds for a day."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from spotify_assets.tables.schema import TABLES
from spotify_assets.tables.sql import records

if TYPE_CHECKING:
    import duckdb


def row_counts(conn: duckdb.DuckDBPyConnection, day: date) -> dict[str, int]:
    """Table name -> its rows for ``day``, for every table of the schema."""
    counts = " UNION ALL ".join(
        f"SELECT '{table.name}' AS table_name, count(*) AS row_count FROM {table.name} WHERE snapshot_date = $day"
        for table in TABLES
    )
    return {r["table_name"]: r["row_count"] for r in records(conn.execute(counts, {"day": day}))}
