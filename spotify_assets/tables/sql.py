"""Small DuckDB helpers: one transaction around a block, rows read by column name."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Readers see all of the block's changes or none: commit when the block completes, roll back
    when anything escapes it (KeyboardInterrupt and a failed commit included), then let it propagate."""
    conn.begin()
    try:
        yield conn
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def records(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of the statement just executed on ``cursor``, each as {column name: value}, so that a
    column added or moved in the SELECT cannot shift what a caller reads."""
    names = [column[0] for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
