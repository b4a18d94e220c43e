"""Read DuckDB result rows by column name, never by position (``transform.sql.records``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spotify_assets.tables.sql import records

if TYPE_CHECKING:
    import duckdb


def query_dicts(conn: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    """Run ``sql`` and return its rows as ``{column: value}``."""
    return records(conn.execute(sql, params) if params is not None else conn.execute(sql))
