"""Section 6 of the benchmark: the path users take.

``dg dev`` (webserver, daemon and code server, as ``make dev``) over a scratch instance built from the
project's dagster_home/dagster.yaml and a scratch data folder, the embedded emulator with the same
20 ms latency as the other sections:

- one partition launched exactly as the UI does (GraphQL ``launchRun``, no run config), timed
  submit -> SUCCESS (twice: the first launch after start-up, then a warm one);
- a 30-day backfill launched as the UI does (``launchPartitionBackfill`` over the job's assets),
  timed submit -> every asset of the job MATERIALIZED for every day, with the daemon's pick-up
  wait (submit -> first run created) beside it;
- CPU seconds and peak RSS of dg dev's whole process tree (psutil, sampled every 0.2 s;
  a process's CPU is its last sample, so one that lives < 0.2 s is missed);
- beside them: ``spotify-assets run --date`` of one day (process start to exit, fresh instance)
  and the bare extraction of a day (our client alone, section 1's worker), and
  ``python -X importtime -c 'import spotify_assets.definitions'``.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

UI_DAYS = [date(2026, 3, 2), date(2026, 3, 3)]
BACKFILL_FIRST, BACKFILL_DAYS = date(2026, 4, 1), 30
CLI_DAY = date(2026, 3, 4)
TIMEOUT_S = 1200.0
ENV = {"SPOTIFY_EMULATOR_LATENCY_MS": "20"}


class TreeSampler:
    """Peak RSS (sum over the tree) and CPU seconds (per process, last sample) of a process tree."""

    def __init__(self, pid: int, every_s: float = 0.2) -> None:
        import psutil

        self._root = psutil.Process(pid)
        self._every_s = every_s
        self._cpu: dict[tuple[int, float], float] = {}  # (pid, create time) -> user + system s
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def cpu_s(self) -> float:
        return sum(self._cpu.values())

    def reset_peak(self) -> None:
        self.peak_rss = 0

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                tree = [self._root, *self._root.children(recursive=True)]
            except psutil.Error:
                return
            rss = 0
            for proc in tree:
                try:
                    with proc.oneshot():
                        times, mem = proc.cpu_times(), proc.memory_info()
                        self._cpu[(proc.pid, proc.create_time())] = times.user + times.system
                        rss += mem.rss
                except psutil.Error:
                    continue
            self.peak_rss = max(self.peak_rss, rss)
            self._stop.wait(self._every_s)


def job_assets() -> list[str]:
    from spotify_assets.orchestration.accepted_warnings import ignore_accepted_warnings

    ignore_accepted_warnings()  # the benchmark's log is read by people, as the CLI's output is
    from spotify_assets.definitions import defs as load_definitions

    defs = load_definitions()
    from spotify_assets.defs.daily_snapshot.jobs import daily_snapshot_job

    return sorted(k.to_user_string() for k in daily_snapshot_job.selection.resolve(defs.resolve_asset_graph()))


def wait_materialized(server: Any, assets: list[str], days: list[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    pending = list(assets)
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"not materialized after {timeout_s:.0f} s: {pending}")
        status = server.partition_status(pending[0])
        if all(status.get(d) == "MATERIALIZED" for d in days):
            pending.pop(0)  # an asset done stays done: ask about the next one
            continue
        time.sleep(0.5)


def import_time_s(runs: int = 3) -> list[float]:
    """Cumulative import time of spotify_assets.definitions (python -X importtime), fresh interpreters."""
    times = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import spotify_assets.definitions"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        line = [ln for ln in done.stderr.splitlines() if ln.rstrip().endswith("| spotify_assets.definitions")][-1]
        times.append(int(re.split(r"\s*\|\s*", line)[1]) / 1e6)
    return times


def fresh_process(scratch: Path, name: str, argv: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``argv`` from the repo root on a fresh instance and data folder below ``scratch/name_*``,
    with the benchmark's emulator settings; (seconds from process start to exit, the process)."""
    home, data = scratch / f"{name}_home", scratch / f"{name}_data"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "SPOTIFY_"))}
    env.update(DAGSTER_HOME=str(home), SPOTIFY_ASSETS_DATA_DIR=str(data), **ENV)
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    return time.perf_counter() - t0, done


def batch_in_process(scratch: Path) -> dict[str, Any]:
    """The backfill's days without dg dev: ``spotify-assets run --from --to`` over the same 30
    days (one run of the job per day, in one process) on a fresh instance, process start → exit."""
    last = BACKFILL_FIRST + timedelta(BACKFILL_DAYS - 1)
    argv = [
        sys.executable,
        "-m",
        "spotify_assets.cli",
        "run",
        "--from",
        BACKFILL_FIRST.isoformat(),
        "--to",
        last.isoformat(),
    ]
    wall_s, done = fresh_process(scratch, "batch", argv)
    return {"wall_s": wall_s, "success": done.returncode == 0, "tail": done.stderr[-500:]}


def cli_day(scratch: Path) -> dict[str, Any]:
    wall_s, done = fresh_process(
        scratch, "cli", [sys.executable, "-m", "spotify_assets.cli", "run", "--date", CLI_DAY.isoformat()]
    )
    return {
        "wall_s": wall_s,
        "success": done.returncode == 0,
        "tail": done.stdout.strip().splitlines()[:1] + done.stderr.strip().splitlines()[-3:],
    }


def restore_s(events: list[Any], home: Path) -> float:
    """Seconds to store ``events`` one by one, as a run writes them, into the instance at ``home``."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home)) as instance:
        storage = instance.event_log_storage
        t0 = time.perf_counter()
        for event in events:
            storage.store_event(event)
        return time.perf_counter() - t0


def bookkeeping_floor(home: Path, run_ids: list[str], scratch: Path) -> dict[str, Any]:
    """What Dagster's own records of the backfill cost, with no work at all: every event its runs
    wrote (ASSET_MATERIALIZATION_PLANNED at run creation, then a materialization per asset and
    day, a check evaluation per check and day, step and log events) re-stored into a fresh instance
    built from the same dagster.yaml (SQLite, as ``dg dev``) and, where a PostgreSQL server is
    installed, into a throwaway cluster with deploy/dagster.yaml's Postgres storage (fsync off)."""
    import dagster as dg

    from spotify_assets.harness.instance import deploy_instance_yaml, dev_instance_yaml
    from spotify_assets.harness.postgres import PostgresCluster, server_bin_dir
    from spotify_assets.harness.processes import free_port

    with dg.DagsterInstance.from_config(str(home)) as source:
        events = [event for run_id in run_ids for event in source.all_logs(run_id)]
    kinds: dict[str, int] = {}
    for event in events:
        kind = event.dagster_event_type.value if event.dagster_event_type else "LOG"
        kinds[kind] = kinds.get(kind, 0) + 1
    floor: dict[str, Any] = {"events": len(events), "kinds": kinds}
    sqlite_home = scratch / "floor_sqlite"
    sqlite_home.mkdir()
    dev_instance_yaml(sqlite_home)
    floor["store_s"] = restore_s(events, sqlite_home)
    bin_dir, why = server_bin_dir()
    if bin_dir is None:
        floor["postgres"] = why
        return floor
    scratch.chmod(0o755)  # the postgres user (as root) must reach its folder
    cluster = PostgresCluster(bin_dir=bin_dir, root=scratch / "floor_pg", port=free_port())
    previous = {k: os.environ.get(k) for k in cluster.env()}
    try:
        cluster.start()
        os.environ.update(cluster.env())  # deploy/dagster.yaml reads the server from these
        pg_home = scratch / "floor_pg_home"
        pg_home.mkdir()
        deploy_instance_yaml(pg_home, {})
        floor["postgres_store_s"] = restore_s(events, pg_home)
    finally:
        cluster.stop()
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return floor


def measure(log: Callable[[str], None], bare: Callable[[], dict]) -> dict[str, Any]:
    from spotify_assets.harness.dagster_dev import dg_dev

    # Other work on the machine changes every figure here: the load average is kept beside them.
    r: dict[str, Any] = {"loadavg_start": os.getloadavg(), "import_s": import_time_s()}
    log(f"ui path: import spotify_assets.definitions {min(r['import_s']):.2f} s")
    r["bare"] = bare()
    log(f"ui path: bare extraction {r['bare'].get('wall_s', 0):.2f} s")
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        scratch = Path(tmp)
        r["cli"] = cli_day(scratch)
        log(
            f"ui path: spotify-assets run --date {CLI_DAY}: {r['cli']['wall_s']:.2f} s ({'ok' if r['cli']['success'] else 'FAILED'})"
        )
        r["batch"] = batch_in_process(scratch)
        log(
            f"ui path: the 30 days by spotify-assets run --from --to: {r['batch']['wall_s']:.1f} s "
            f"({'ok' if r['batch']['success'] else 'FAILED ' + r['batch']['tail']})"
        )
        t0 = time.perf_counter()
        with dg_dev(scratch / "dev", env=ENV) as server, TreeSampler(server.process.pid) as tree:
            r["dev_start_s"] = time.perf_counter() - t0
            assets = job_assets()
            # The backfill first, while nothing else runs: its figure is the backfill's alone.
            days = [(BACKFILL_FIRST + timedelta(n)).isoformat() for n in range(BACKFILL_DAYS)]
            cpu0 = tree.cpu_s()
            t0 = time.perf_counter()
            backfill_id = server.launch_backfill(days, assets)
            picked = None
            while picked is None and time.perf_counter() - t0 < TIMEOUT_S:
                if server.backfill(backfill_id)["runs"]:
                    picked = time.perf_counter() - t0
                else:
                    time.sleep(0.25)
            wait_materialized(server, assets, days, TIMEOUT_S)
            wall = time.perf_counter() - t0
            runs = server.backfill(backfill_id)["runs"]
            r["backfill"] = {
                "days": len(days),
                "wall_s": wall,
                "pickup_s": picked,
                "runs": len(runs),
                "cpu_s": tree.cpu_s() - cpu0,
                "peak_rss_mib": tree.peak_rss / 2**20,
            }
            log(
                f"ui path: 30-day backfill: {wall:.1f} s ({len(runs)} runs, daemon pick-up {picked:.1f} s), "
                f"peak RSS {r['backfill']['peak_rss_mib']:.0f} MiB"
            )
            r["floor"] = bookkeeping_floor(scratch / "dev" / "dagster_home", [run["runId"] for run in runs], scratch)
            log(
                f"ui path: re-storing the backfill's {r['floor']['events']} events: {r['floor']['store_s']:.1f} s "
                f"(SQLite), {r['floor'].get('postgres_store_s', float('nan')):.1f} s (Postgres)"
            )
            tree.reset_peak()
            r["ui_days"] = []
            for day in UI_DAYS:
                cpu0 = tree.cpu_s()
                t0 = time.perf_counter()
                run_id = server.launch_run(day.isoformat())
                status = server.wait_run(run_id, TIMEOUT_S, poll_s=0.1)
                times = server.run_times(run_id)
                r["ui_days"].append(
                    {
                        "day": day.isoformat(),
                        "status": status,
                        "wall_s": time.perf_counter() - t0,
                        "cpu_s": tree.cpu_s() - cpu0,
                        "queued_to_start_s": times["startTime"] - times["creationTime"],
                        "start_to_end_s": times["endTime"] - times["startTime"],
                    }
                )
                d = r["ui_days"][-1]
                log(
                    f"ui path: UI-launched day {day}: {status} in {d['wall_s']:.2f} s (queued -> started "
                    f"{d['queued_to_start_s']:.2f} s, started -> end {d['start_to_end_s']:.2f} s)"
                )
            r["ui_peak_rss_mib"] = tree.peak_rss / 2**20
            r["total_cpu_s"] = tree.cpu_s()
    r["loadavg_end"] = os.getloadavg()
    return r


def section(log: Callable[[str], None], bare: Callable[[], dict]) -> tuple[dict[str, Any], list[str]]:
    try:
        r = measure(log, bare)
    except Exception as error:
        log(f"ui path: FAILED {type(error).__name__}: {error}")
        return {"error": f"{type(error).__name__}: {error}"}, [
            "## 6. The path users take (dg dev)",
            "",
            f"FAILED: {type(error).__name__}: {str(error)[:500]}",
            "",
        ]
    ui = [d["wall_s"] for d in r["ui_days"]]
    ui_day = statistics.mean(ui)
    b, cli, bare_s = r["backfill"], r["cli"]["wall_s"], r["bare"].get("wall_s")
    r["ratios"] = {
        "ui_day_vs_cli_day": ui_day / cli,
        "backfill30_vs_ui_day": b["wall_s"] / ui_day,
        "backfill30_after_pickup_vs_ui_day": (b["wall_s"] - (b["pickup_s"] or 0)) / ui_day,
        "ui_day_vs_bare_extraction": ui_day / bare_s if bare_s else None,
        "floor_vs_ui_day": r["floor"]["store_s"] / ui_day,
    }
    floor = r["floor"]
    kinds = floor["kinds"]
    x = r["ratios"]
    lines = [
        "## 6. The path users take: `dg dev`, UI launches and a backfill",
        "",
        "| what | wall s | CPU s (tree) | peak RSS MiB (tree) | ratio | target |",
        "|---|---:|---:|---:|---:|---|",
        f"| bare extraction of a day (our client, 100 albums) | {bare_s:.2f} | | {r['bare'].get('rss_mib', 0):.0f} | | |",
        f"| `spotify-assets run --date` (process start → exit) | {cli:.2f} | | | 1.00 | |",
        f"| one day launched like the UI (launchRun, no run config): first, warm | {ui[0]:.2f}, {ui[1]:.2f} | "
        f"{r['ui_days'][0]['cpu_s']:.1f}, {r['ui_days'][1]['cpu_s']:.1f} | {r['ui_peak_rss_mib']:.0f} | "
        f"{x['ui_day_vs_cli_day']:.2f}× the CLI day | ≤ 1.5× |",
        f"| 30-day backfill like the UI (launchPartitionBackfill → every asset MATERIALIZED), {b['runs']} runs | "
        f"{b['wall_s']:.1f} | {b['cpu_s']:.1f} | {b['peak_rss_mib']:.0f} | {x['backfill30_vs_ui_day']:.2f}× the UI day | "
        "one run per day: `backfill_designs.py` compares it with batching |",
        f"| … the same 30 days by `spotify-assets run --from --to`, no dg dev (process start → exit) | "
        f"{r['batch']['wall_s']:.1f} | | | {r['batch']['wall_s'] / ui_day:.2f}× the UI day | |",
        f"| … of which the daemon's pick-up (submit → first run) | {b['pickup_s']:.1f} | | | "
        f"{x['backfill30_after_pickup_vs_ui_day']:.2f}× without it | |",
        f"| … Dagster's own records of it, no work: its {floor['events']} events re-stored in a fresh instance | "
        f"{floor['store_s']:.1f} | | | {x['floor_vs_ui_day']:.2f}× the UI day | |",
        (
            f"| … the same events into Postgres storage (deploy/dagster.yaml, throwaway cluster, fsync off) | "
            f"{floor['postgres_store_s']:.1f} | | | {floor['postgres_store_s'] / ui_day:.2f}× the UI day | |"
            if "postgres_store_s" in floor
            else f"| … the same events into Postgres storage | not measured: {floor.get('postgres')} | | | | |"
        ),
        f"| `import spotify_assets.definitions` (-X importtime, min of 3) | {min(r['import_s']):.2f} | | | | ≤ 1.5 s |",
        "",
        "UI days, queued → run process started / started → ended: "
        + ", ".join(f"{d['queued_to_start_s']:.1f} / {d['start_to_end_s']:.1f} s" for d in r["ui_days"])
        + f". Load average (1/5/15 min) at the start {'/'.join(f'{v:.1f}' for v in r['loadavg_start'])}, "
        f"at the end {'/'.join(f'{v:.1f}' for v in r['loadavg_end'])} (2 cores)"
        + f". dg dev start-up (until the code location is loaded): {r['dev_start_s']:.1f} s. The UI day is the mean "
        "of the two launches. The backfill daemon looks for new backfills every 30 s (fixed in Dagster 1.13), "
        "so the pick-up wait is 0–30 s whatever the platform does. The backfill's events: "
        f"{kinds.get('ASSET_MATERIALIZATION_PLANNED', 0)} materializations planned (written by the daemon as it "
        f"creates the run), {kinds.get('ASSET_MATERIALIZATION', 0)} materializations, "
        f"{kinds.get('ASSET_CHECK_EVALUATION', 0)} check evaluations, {kinds.get('LOG', 0)} log lines and "
        f"{floor['events'] - sum(kinds.get(k, 0) for k in ('ASSET_MATERIALIZATION_PLANNED', 'ASSET_MATERIALIZATION', 'ASSET_CHECK_EVALUATION', 'LOG'))} "
        "other events; the SQLite event log of `dg dev` writes each in its own transaction.",
        "",
    ]
    return r, lines
