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
from typing import TYPE_CHECKING

import dagster as dg

from spotify_assets.resources.env import env_field

if TYPE_CHECKING:
    import duckdb


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


class WarehouseError(RuntimeError):
    """The DuckDB file cannot be created or opened where it is configured."""


class WarehouseResource(dg.ConfigurableResource["WarehouseResource"]):
    """The DuckDB file; each connection holds an exclusive lock next to it.

    Not dagster-duckdb's ``DuckDBResource``: importing it imports duckdb (~36 MiB of RSS), in every
    process that loads the definitions, the code server included, which never opens the file. Here
    duckdb is imported by the connection, in the run's process only. The lock makes its
    connect-retry loop unnecessary: two of our processes never open the file at once.
    """

    database: str = env_field(
        "data/spotify.duckdb",
        env="SPOTIFY_DUCKDB_PATH",
        description="DuckDB file (default <SPOTIFY_ASSETS_DATA_DIR>/spotify.duckdb)",
    )

    @property
    def lock_path(self) -> Path:
        return Path(self.database).resolve().with_suffix(".lock")

    def check_usable(self) -> None:
        """Fail with the path and the setting to fix, before any API work, when the database's
        folder cannot exist (e.g. it is below a regular file): otherwise the run would land the
        whole day's raw data first and then stop on a bare ``FileExistsError``."""
        if self.database == ":memory:":
            return
        folder = Path(self.database).resolve().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(self.lock_path, "a+b"):
                pass
        except OSError as exc:
            raise WarehouseError(
                f"DuckDB file {self.database} cannot be created in {folder} ({exc.strerror or exc}); "
                "set SPOTIFY_DUCKDB_PATH or SPOTIFY_ASSETS_DATA_DIR to a writable location"
            ) from exc

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        import duckdb

        if self.database == ":memory:":
            with duckdb.connect(":memory:") as conn:
                yield conn
            return
        self.check_usable()
        with (
            exclusive_file_lock(self.lock_path),
            duckdb.connect(self.database, config={"custom_user_agent": "dagster"}) as conn,
        ):
            yield conn
