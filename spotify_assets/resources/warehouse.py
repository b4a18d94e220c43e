"""The DuckDB warehouse: dagster-duckdb's ``DuckDBResource``, plus what it lacks for a file that
people also open.

What it adds, and why:

- **Our processes queue, never collide.** Parallel backfill runs (one process each) would fail
  with DuckDB's "Could not set lock on file"; every connection first takes an exclusive lock on a
  ``.lock`` file beside the DuckDB file, so two of our processes never open it at once. The
  ``duckdb`` pool orders steps inside Dagster; this lock makes the guarantee hold for any caller.
- **A bounded, spoken wait for anyone else.** ``DuckDBResource`` retries a held file 10 times over
  ~100 s in silence, then fails with DuckDB's error. A notebook can keep the file open for hours,
  so here a step waits up to ``lock_wait`` seconds (``SPOTIFY_DUCKDB_LOCK_WAIT``), logging who
  holds the file, and gives up with one sentence naming file, holder, wait and remedy
  (``warehouse_lock.py``).
- **Where readers go instead.** ``snapshot_path``: the read-only copy published after each day
  (``spotify_assets.snapshot``); people open that file, never this one.

Importing it imports duckdb (dagster-duckdb's module does): ~30 ms in every process that loads
the definitions (bench/definitions_load.py measures the code location's load).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from spotify_assets.resources.env import env_field
from spotify_assets.resources.warehouse_lock import (
    RETRY_EVERY_S,
    LockWait,
    exclusive_file_lock,
    lock_holder,
)

DEFAULT_LOCK_WAIT_S = 600


class WarehouseError(RuntimeError):
    """The DuckDB file cannot be created or opened where it is configured."""


def snapshot_beside(database: str) -> str:
    """``data/spotify.duckdb`` -> ``data/spotify_snapshot.duckdb``: the readers' copy, in the same
    folder (so publishing it is one atomic rename on one file system)."""
    path = Path(database)
    return str(path.with_name(f"{path.stem}_snapshot{path.suffix or '.duckdb'}"))


class WarehouseResource(DuckDBResource):
    """The DuckDB file the pipeline writes; each connection holds an exclusive lock next to it and
    waits, bounded and logged, while another program holds the file open."""

    database: str = env_field(
        "data/spotify.duckdb",
        env="SPOTIFY_DUCKDB_PATH",
        description="DuckDB file the pipeline writes (default <SPOTIFY_ASSETS_DATA_DIR>/spotify.duckdb)",
    )
    lock_wait: float = env_field(
        DEFAULT_LOCK_WAIT_S,
        env="SPOTIFY_DUCKDB_LOCK_WAIT",
        ge=0,
        description=(
            "Seconds a step waits while another program (a notebook, the duckdb CLI, a BI tool) holds "
            "the DuckDB file open, before it fails saying who holds it"
        ),
    )
    snapshot: str = env_field(
        "",
        env="SPOTIFY_DUCKDB_SNAPSHOT_PATH",
        description=(
            "Read-only copy of the tables, published after each successful day: the file notebooks, "
            "BI tools and `spotify-assets sql` open (default <name>_snapshot.duckdb beside SPOTIFY_DUCKDB_PATH)"
        ),
    )

    @property
    def lock_path(self) -> Path:
        return Path(self.database).resolve().with_suffix(".lock")

    @property
    def snapshot_path(self) -> Path:
        return Path(self.snapshot or snapshot_beside(self.database))

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
        if self.database == ":memory:":
            with duckdb.connect(":memory:", config=self._config()) as conn:
                yield conn
            return
        self.check_usable()
        wait = LockWait(
            str(Path(self.database).resolve()), self.lock_wait, _log, read_instead=str(self.snapshot_path.resolve())
        )
        while True:
            # Our own processes queue here (a backfill's runs, the checks, the CLI), without limit:
            # each holds the file for one step. The wait for anyone else is bounded, below.
            with exclusive_file_lock(self.lock_path):
                try:
                    conn = duckdb.connect(self.database, config=self._config())
                except duckdb.IOException as exc:
                    holder = lock_holder(str(exc))
                    if holder is None:
                        raise
                    wait.still_held(holder)  # raises once the time is up
                else:
                    wait.released()
                    try:
                        yield conn
                    finally:
                        conn.close()
                    return
            # Waiting outside our lock: another run's step that finds the file held starts (and
            # logs) its own wait instead of queueing silently behind this one.
            time.sleep(RETRY_EVERY_S)

    def _config(self) -> dict[str, Any]:
        # As DuckDBResource.get_connection does: DuckDB reports who connected.
        return {"custom_user_agent": "dagster", **self.connection_config}


def _log(level: int, message: str) -> None:
    # Dagster's logger: inside a step it lands in the step's event log (the wait at WARNING, so the
    # CLI's console, which shows warnings and errors only, shows it too); elsewhere a Python logger.
    dg.get_dagster_logger("warehouse").log(level, message)
