"""The DuckDB warehouse, with every connection serialized across processes.

DuckDB allows one writing process per file; parallel backfill runs (one process each) would
otherwise fail with "Could not set lock on file". The ``duckdb`` pool limits concurrent steps
inside Dagster; the file lock here makes the guarantee hold for any caller (checks, CLI, tests).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster_duckdb import DuckDBResource


@contextmanager
def exclusive_file_lock(path: Path) -> Iterator[None]:
    """Block until this process holds ``path``'s lock (released on exit, or if the process dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class WarehouseResource(DuckDBResource):
    """DuckDBResource whose connections hold an exclusive lock next to the database file."""

    @property
    def lock_path(self) -> Path:
        return Path(self.database).resolve().with_suffix(".lock")

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.database == ":memory:":
            with super().get_connection() as conn:
                yield conn
            return
        with exclusive_file_lock(self.lock_path), super().get_connection() as conn:
            yield conn
