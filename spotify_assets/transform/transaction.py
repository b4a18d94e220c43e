"""One DuckDB transaction around a block of statements: readers see all of it or none of it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Commit when the block completes; roll back when anything escapes it (KeyboardInterrupt and a
    failed commit included), then let it propagate."""
    conn.begin()
    try:
        yield conn
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
