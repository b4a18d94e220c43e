"""The benchmark's supervisor: a contender that outgrows its time or memory is stopped and said to
be, with its whole process tree, and its last progress line is kept (real subprocesses)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import psutil

# Spawns a grandchild that would outlive its parent (and ignores SIGTERM, as a worker stuck in C
# code would), then reports its pid and does `tail`.
GRANDCHILD = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
SPAWN_THEN = """
import json, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", {grandchild!r}])
print(json.dumps({{"phase": "started", "grandchild": child.pid}}), flush=True)
{tail}
"""


def _run(tail: str, tmp_path: Path, **limits: float):
    from supervise import run_supervised

    return run_supervised(
        [sys.executable, "-c", SPAWN_THEN.format(grandchild=GRANDCHILD, tail=tail)], cwd=tmp_path, **limits
    )


def _gone(pid: int, within_s: float = 5.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


def test_a_contender_past_its_timeout_is_killed_with_its_descendants(tmp_path: Path) -> None:
    run = _run("time.sleep(60)", tmp_path, timeout_s=1.0, mem_cap_gib=4.0)
    assert run.killed and "1 s timeout" in run.killed
    assert run.failure() == run.killed
    assert 1.0 <= run.wall_s < 20
    progress = run.last_json()
    assert progress["phase"] == "started"
    assert _gone(progress["grandchild"]), "the grandchild outlived the killed contender"


def test_a_contender_past_its_memory_cap_is_killed_and_its_peak_reported(tmp_path: Path) -> None:
    grow = "block = bytearray(300 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(60)"
    run = _run(grow, tmp_path, timeout_s=60.0, mem_cap_gib=0.2)
    assert run.killed and "0.2 GiB RSS" in run.killed
    assert run.rss_mib > 0.2 * 1024
    assert run.wall_s < 30


def test_a_finished_contender_gives_its_result_and_leaves_no_process_behind(tmp_path: Path) -> None:
    run = _run(
        f"print(json.dumps({{'phase': 'done', 'pid': {os.getpid()}}}))", tmp_path, timeout_s=30.0, mem_cap_gib=4.0
    )
    assert run.killed is None and run.failure() is None
    assert run.last_json() == {"phase": "done", "pid": os.getpid()}
    started = json.loads(run.stdout.splitlines()[0])
    assert _gone(started["grandchild"]), "the grandchild outlived its finished parent"


def test_a_failing_contender_reports_its_last_stderr_line(tmp_path: Path) -> None:
    run = _run("raise SystemExit('no emulator at that port')", tmp_path, timeout_s=30.0, mem_cap_gib=4.0)
    assert run.killed is None
    assert run.returncode == 1
    assert run.failure() == "no emulator at that port"
