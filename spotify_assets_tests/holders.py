"""Other programs that open the DuckDB files, as people's do: a separate Python process with duckdb.

``holding(path)`` is a notebook's ``duckdb.connect(path)`` kept open; ``reading_snapshot(...)``
is a reader that keeps one connection to the snapshot and queries it again and again, writing
what it saw. Both are real processes (DuckDB's file lock is per process), stopped on exit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

HOLD = """
import sys, time, duckdb
path, mode, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
conn = duckdb.connect(path, read_only=(mode == "read_only"))
conn.execute("SELECT 1").fetchall()
print("holding", flush=True)
time.sleep(seconds)
conn.close()
"""


@contextmanager
def holding(path: Path, seconds: float = 600.0, *, read_only: bool = False) -> Iterator[subprocess.Popen[str]]:
    """A process that opens ``path`` (read-write unless ``read_only``) and keeps it open for
    ``seconds`` (or until the block ends, when it is killed). Yields once the file is held."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), "read_only" if read_only else "read_write", str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if line.strip() != "holding":
            raise RuntimeError(
                f"the holder did not open {path}: {line}{process.stderr.read() if process.stderr else ''}"
            )
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)


# Whole days, table by table: per day, the albums, the tracks, the day's analytics and trend
# rows, so a copy that caught a day half-built (tables without analytics) shows a difference.
DAYS_SQL = """
SELECT a.snapshot_date::VARCHAR AS day, a.albums, t.tracks,
       r.releases AS analytics_releases, e.tracks AS analytics_tracks, x.tracks AS trend_tracks
FROM (SELECT snapshot_date, count(*) AS albums FROM albums GROUP BY ALL) a
FULL JOIN (SELECT snapshot_date, count(*) AS tracks FROM tracks GROUP BY ALL) t USING (snapshot_date)
FULL JOIN (SELECT snapshot_date, sum(releases)::BIGINT AS releases FROM analytics_releases_per_day
           WHERE listing_date = snapshot_date GROUP BY ALL) r USING (snapshot_date)
FULL JOIN (SELECT snapshot_date, tracks FROM analytics_explicit_share WHERE album_type = 'all') e USING (snapshot_date)
FULL JOIN (SELECT snapshot_date, tracks FROM trend_explicit_share WHERE album_type = 'all') x USING (snapshot_date)
ORDER BY 1
"""

READ = """
import json, os, sys, time, duckdb
path, mode, stop, out, days_sql = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
seen = []
def query(conn):
    cursor = conn.execute(days_sql)
    names = [c[0] for c in cursor.description]
    days = [dict(zip(names, row)) for row in cursor.fetchall()]
    [info] = conn.execute("SELECT run_id, days_held FROM snapshot_info").fetchall()
    return {"days": days, "run_id": info[0], "days_held": info[1]}
if mode == "hold":  # one connection, read-write (duckdb.connect's default), for the whole time
    conn = duckdb.connect(path)
    print("holding", flush=True)
    while True:
        seen.append(query(conn))
        if os.path.exists(stop):
            break
        time.sleep(0.2)
else:  # a new read-only connection for each look: every snapshot published meanwhile
    print("polling", flush=True)
    conflicts = 0
    while True:
        try:
            with duckdb.connect(path, read_only=True) as conn:
                seen.append(query(conn))
        except duckdb.IOException:
            conflicts += 1  # the copy the holder above has open read-write: wait for the next one
        if os.path.exists(stop):
            break
        time.sleep(0.1)
json.dump(seen, open(out, "w"))
"""


@contextmanager
def reading_snapshot(snapshot: Path, folder: Path, *, hold: bool) -> Iterator[Path]:
    """A reader of ``snapshot`` in its own process until the block ends; then the file it wrote
    (every look: the days it saw, the publishing run) is at the yielded path. ``hold``: one
    read-write connection kept open throughout; else a new read-only connection per look."""
    stop, out = folder / f"stop-{'hold' if hold else 'poll'}", folder / f"seen-{'hold' if hold else 'poll'}.json"
    process = subprocess.Popen(
        [sys.executable, "-c", READ, str(snapshot), "hold" if hold else "poll", str(stop), str(out), DAYS_SQL],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() not in {"holding", "polling"}:
            raise RuntimeError(f"the reader did not start: {process.stderr.read() if process.stderr else ''}")
        yield out
    finally:
        stop.touch()
        try:
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    if process.returncode != 0:
        raise RuntimeError(f"the reader failed: {process.stderr.read() if process.stderr else ''}")


def seen(out: Path) -> list[dict[str, Any]]:
    return list(json.loads(out.read_text()))


def snapshot_days(snapshot: Path) -> list[dict[str, Any]]:
    """The snapshot's whole days, read as a reader would (read-only)."""
    import duckdb

    with duckdb.connect(str(snapshot), read_only=True) as conn:
        cursor = conn.execute(DAYS_SQL)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def half_built(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Days whose tables, analytics and trends do not agree (a day copied half-built)."""
    return [
        d
        for d in days
        if not (d["albums"] == d["analytics_releases"] and d["tracks"] == d["analytics_tracks"] == d["trend_tracks"])
    ]


def cli(
    data: Path, *args: str, env: Mapping[str, str] | None = None, input_text: str | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``spotify-assets ARGS`` in its own process over ``data``, with a throwaway instance."""
    home = data.parent / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "SPOTIFY_"))}
    clean.update(DAGSTER_HOME=str(home), SPOTIFY_ASSETS_DATA_DIR=str(data), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "spotify_assets.cli", *args],
        cwd=REPO,
        env=clean,
        input=input_text,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_until(condition: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout_s:.0f} s: {what}")
        time.sleep(0.1)
