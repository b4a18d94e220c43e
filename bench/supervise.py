"""Run one benchmark contender in its own interpreter under a wall-time timeout and an RSS cap.

Shared by every section, so each contender is measured and stopped the same way: its peak RSS is
polled (with descendants: dlt spawns workers) every 10 ms, not taken from ``ru_maxrss``, because
Linux carries the parent's RSS high-water mark into a forked/exec'd child and the orchestrator
holds the emulator and its catalog, which grow with N.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

POLL_S = 0.01
RELIST_S = 0.5  # listing the process tree reads all of /proc: not on every poll


@dataclass(frozen=True)
class Outcome:
    stdout: str
    stderr: str
    returncode: int | None
    peak_rss_bytes: int
    wall_s: float
    killed: str | None  # why the contender was stopped, or None when it ended by itself

    @property
    def rss_mib(self) -> float:
        return self.peak_rss_bytes / 2**20

    def last_json(self) -> dict | None:
        """The contender's last JSON line on stdout: its result, or (killed) the last progress it reported."""
        lines = self.stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else None

    def failure(self) -> str | None:
        """One line saying why there is no result (killed, or the last line of a failed run's stderr)."""
        if self.killed:
            return self.killed
        if self.returncode != 0:
            return (self.stderr.strip().splitlines() or [f"exit {self.returncode}"])[-1]
        return None


def run_supervised(cmd: list[str], *, cwd: Path, timeout_s: float, mem_cap_gib: float) -> Outcome:
    """Run ``cmd`` to its end, or kill its whole process group once it exceeds ``timeout_s`` of
    wall time or ``mem_cap_gib`` of RSS (the outcome then says which, under ``killed``)."""
    import psutil

    cap = int(mem_cap_gib * 2**30)
    killed = None
    with tempfile.TemporaryFile("w+") as out_f, tempfile.TemporaryFile("w+") as err_f:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, cwd=cwd, text=True, start_new_session=True)
        ps, peak, tree, listed_at = psutil.Process(proc.pid), 0, [], 0.0
        try:
            while proc.poll() is None:
                try:
                    if time.perf_counter() - listed_at > RELIST_S:
                        tree, listed_at = [ps, *ps.children(recursive=True)], time.perf_counter()
                    rss = sum(p.memory_info().rss for p in tree)
                    peak = max(peak, rss)
                except psutil.Error:
                    rss, listed_at = 0, 0.0
                elapsed = time.perf_counter() - t0
                if rss > cap:
                    killed = f"killed: exceeded {mem_cap_gib:g} GiB RSS after {elapsed:.0f} s"
                elif elapsed > timeout_s:
                    killed = f"killed: exceeded the {timeout_s:.0f} s timeout (RSS {rss / 2**20:,.0f} MiB)"
                if killed:
                    break
                time.sleep(POLL_S)
        finally:
            # Also on Ctrl-C / SIGTERM of the orchestrator: the contender has its own session, so
            # nothing else would stop it (or the workers it spawned).
            _kill_group(proc)
        wall = time.perf_counter() - t0
        out_f.seek(0), err_f.seek(0)
        return Outcome(out_f.read(), err_f.read(), proc.returncode, peak, wall, killed)


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGTERM the contender's process group, SIGKILL it if any member lingers (stuck in C code, or
    ignoring SIGTERM). Done when the leader has exited and no other member of the group is alive:
    the leader's exit alone says nothing of the workers it spawned."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if proc.poll() is not None and not _live_members(proc.pid):
                return
            time.sleep(0.05)


def _live_members(pgid: int) -> list[int]:
    """Pids of the group's processes that still run (zombies are dead: nobody here may reap them)."""
    import psutil

    live = []
    for p in psutil.process_iter(["status"]):
        try:
            if p.info["status"] != psutil.STATUS_ZOMBIE and os.getpgid(p.pid) == pgid:
                live.append(p.pid)
        except (psutil.Error, ProcessLookupError):
            continue
    return live
