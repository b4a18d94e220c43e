"""Read DuckDB result rows by column name, never by position."""

from __future__ import annotations

from typing import Any

import duckdb


def rows_as_dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The executed statement's rows as ``{column: value}`` (names from the cursor's description)."""
    names = [column[0] for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def query_dicts(conn: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    return rows_as_dicts(conn.execute(sql, params) if params is not None else conn.execute(sql))
