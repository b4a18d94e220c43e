"""Free ports, processes started in a process group of their own, and stopping that group whole."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import psutil

# The checkout the harness belongs to: commands start from here and read its yaml files.
REPO = Path(__file__).resolve().parents[2]
# The environment running the harness: its dagster, dg and python start the servers.
BIN = Path(sys.executable).parent


class HarnessError(RuntimeError):
    """A server did not start, or a run, backfill or stop did not get where it should."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def sigint_not_ignored() -> Iterator[None]:
    """A parent started in the background (``cmd &`` in a non-interactive shell) ignores SIGINT and
    its children inherit that; ``dg dev`` / ``dagster dev`` then ignore SIGTERM too (they map SIGTERM
    to SIGINT's handler). Handled while starting one, SIGINT reaches the child as default, so the
    graceful stop works."""
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def start_group(command: Sequence[str], cwd: Path, env: Mapping[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """``command`` as the leader of a new session and process group (so ``stop_group`` reaches
    everything it starts), output to ``log_path``, no stdin."""
    with log_path.open("wb") as log, sigint_not_ignored():
        return subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def _live(process: psutil.Process) -> bool:
    """Running and not a zombie (a zombie has exited; only its parent's wait is missing)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def group_members(pgid: int) -> list[psutil.Process]:
    """The live processes of process group ``pgid``."""
    members = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(process.pid) == pgid and _live(process):
                members.append(process)
    return members


def describe(processes: Sequence[psutil.Process]) -> str:
    parts = []
    for process in processes:
        try:
            parts.append(f"{process.pid} {' '.join(process.cmdline())[:160]}")
        except psutil.Error:
            parts.append(f"{process.pid} (gone)")
    return "; ".join(parts)


def _signal_group(pgid: int, sig: signal.Signals, wait_s: float) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + wait_s
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)


def stop_group(process: subprocess.Popen[bytes], grace_s: float = 20) -> None:
    """Stop what ``start_group`` started, all of it: SIGTERM to the leader (``dg dev`` stops its
    webserver, daemon and code server itself), SIGTERM then SIGKILL to what is left of its group
    (run workers, a code server that did not follow), then SIGKILL to any descendant that had left
    the group. Raises ``HarnessError`` naming any process still alive after that."""
    pgid = process.pid  # start_new_session: the leader's pid is the group id
    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_s)
    _signal_group(pgid, signal.SIGTERM, 5.0)
    _signal_group(pgid, signal.SIGKILL, 5.0)
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
    for child in descendants:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(descendants, timeout=5)
    stray = [p for p in descendants if _live(p)] + group_members(pgid)
    if stray:
        raise HarnessError(f"processes outlived the stop of {process.args!r}: {describe(stray)}")
