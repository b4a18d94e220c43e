"""Waiting for a DuckDB file another process holds open, and saying so in plain words.

DuckDB lets one process write a file, and a process that has it open (a notebook's
``duckdb.connect(...)``, the duckdb CLI, DBeaver, ``duckdb -ui``; even read-only) keeps every
writer out: ``duckdb.connect`` fails at once with ``IO Error: Could not set lock on file "...":
Conflicting lock is held in <program> (PID <n>)``. ``LockWait`` turns that into a bounded wait:
it logs when it starts waiting and every ``LOG_EVERY_S`` after (file, holder, seconds left), and
when the time is up raises ``WarehouseLockedError``, one sentence saying who held which file, how
long the step waited and what to do.

Our own processes never meet here: they queue on ``exclusive_file_lock`` before connecting.
"""

from __future__ import annotations

import fcntl
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LOG_EVERY_S = 30.0
# How often a waiting step tries the file again: a failed connect costs well under a millisecond,
# and a run should go on within a second of the holder letting go.
RETRY_EVERY_S = 0.5

# DuckDB 1.x: 'IO Error: Could not set lock on file "<path>": Conflicting lock is held in
# <program> (PID <n>)' (then, for a read-only holder, a hint about read-only mode).
_CONFLICT = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


@dataclass(frozen=True)
class Holder:
    """The process DuckDB names as holding the file."""

    program: str
    pid: int

    def __str__(self) -> str:
        return f"{self.program} (PID {self.pid})"


def lock_holder(message: str) -> Holder | None:
    """The holder named in DuckDB's lock-conflict message; None for any other error."""
    found = _CONFLICT.search(message)
    return Holder(found["program"], int(found["pid"])) if found else None


class WarehouseLockedError(RuntimeError):
    """Another process held the DuckDB file for longer than the step may wait. Its message is one
    sentence for people: the CLI's summary and the failure alert show it as it is."""


@dataclass
class LockWait:
    """One step's wait for ``path``: started by the first conflict, bounded by ``limit_s``."""

    path: str
    limit_s: float
    log: Callable[[int, str], None]  # (logging level, message)
    # What the message suggests readers open instead (the published snapshot), if there is one.
    read_instead: str | None = None
    clock: Callable[[], float] = time.monotonic
    _started: float | None = None
    _next_log: float = 0.0

    @property
    def waited_s(self) -> float:
        return 0.0 if self._started is None else self.clock() - self._started

    def still_held(self, holder: Holder) -> None:
        """Note one more failed try; log when due; raise ``WarehouseLockedError`` once the time is up."""
        now = self.clock()
        if self._started is None:
            self._started, self._next_log = now, now
        waited = now - self._started
        left = self.limit_s - waited
        if left <= 0:
            raise WarehouseLockedError(self.gave_up(holder, waited))
        if now >= self._next_log:
            verb = "is held open" if waited == 0 else "is still held open"
            self.log(
                logging.WARNING,
                f"The warehouse {self.path} {verb} by {holder}: waiting for it to be released, "
                f"{left:.0f} s left (SPOTIFY_DUCKDB_LOCK_WAIT={self.limit_s:g})",
            )
            self._next_log = now + LOG_EVERY_S

    def released(self) -> None:
        if self._started is not None:
            self.log(logging.INFO, f"The warehouse {self.path} was released after {self.waited_s:.0f} s; going on")

    def gave_up(self, holder: Holder, waited: float) -> str:
        instead = f", or have it read the snapshot {self.read_instead} instead" if self.read_instead else ""
        return (
            f"The warehouse {self.path} was held open by {holder} for the {waited:.0f} s this step may wait "
            f"(SPOTIFY_DUCKDB_LOCK_WAIT): close that connection{instead}, then rerun the day."
        )


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
