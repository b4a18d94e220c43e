"""A 30-day backfill launched as the UI launches it, under two designs of the same platform.

``python bench/backfill_designs.py --baseline REV`` checks REV out into a temporary git worktree
(the design to compare with; e.g. 94f2964, the last commit that ran a backfill's days in batches of
up to 30 per run) and, in one session on this machine, times for each design: a backfill of the daily job's assets over 30 days
(GraphQL ``launchPartitionBackfill``, as the UI's Materialize over a range), submit -> every asset
MATERIALIZED for every day, with the daemon's pick-up (submit -> first run) beside it; then one day
launched as the UI does (``launchRun``). Each design runs on its own dev server (``dg dev`` for this checkout;
``dagster dev -w workspace.yaml`` for a baseline older than the dg project), scratch instance and
data folder, both on this checkout's virtual environment (its packages compiled to bytecode), the embedded emulator at 20 ms latency, the project's dagster_home/dagster.yaml
(two runs at a time), CPU and peak RSS of the server's whole process tree sampled every 0.2 s.
Designs alternate (A B A B with ``--rounds 2``) so a drift of the machine hits both.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

FIRST_DAY = date(2026, 4, 1)
UI_DAY = date(2026, 3, 2)
ENV = {"SPOTIFY_EMULATOR_LATENCY_MS": "20"}
TIMEOUT_S = 1800.0


def job_assets(root: Path) -> list[str]:
    """The daily job's assets as the design at ``root`` defines them (asked in a fresh interpreter)."""
    probe = (
        "import warnings; warnings.simplefilter('ignore')\n"
        "import dagster as dg\n"
        "from spotify_assets import definitions as d\n"
        "defs = d.defs() if callable(d.defs) and not isinstance(d.defs, dg.Definitions) else d.defs\n"
        "job = defs.resolve_job_def('daily_snapshot_job')\n"
        "print('\\n'.join(sorted(k.to_user_string() for k in job.asset_layer.executable_asset_keys)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.split()


def measure(root: Path, label: str, days: int, scratch: Path) -> dict[str, Any]:
    from ui_path import TreeSampler, wait_materialized

    from spotify_assets.harness.dagster_dev import dagster_dev, dg_dev

    # Both checkouts' own modules compiled alike (the venv's packages are, by make install).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "spotify_assets")], check=True)
    assets = job_assets(root)
    keys = [(FIRST_DAY + timedelta(n)).isoformat() for n in range(days)]
    is_dg_project = "[tool.dg]" in (root / "pyproject.toml").read_text()
    dev = dg_dev if is_dg_project else dagster_dev
    with dev(scratch / label, ENV, checkout=root) as server, TreeSampler(server.process.pid) as tree:
        t0 = time.perf_counter()
        backfill_id = server.launch_backfill(keys, assets)
        picked = None
        while picked is None and time.perf_counter() - t0 < TIMEOUT_S:
            if server.backfill(backfill_id)["runs"]:
                picked = time.perf_counter() - t0
            else:
                time.sleep(0.25)
        wait_materialized(server, assets, keys, TIMEOUT_S)
        wall = time.perf_counter() - t0
        runs = server.backfill(backfill_id)["runs"]
        result: dict[str, Any] = {
            "design": label,
            "wall_s": wall,
            "pickup_s": picked,
            "runs": len(runs),
            "run_statuses": sorted({run["status"] for run in runs}),
            "cpu_s": tree.cpu_s(),
            "peak_rss_mib": tree.peak_rss / 2**20,
        }
        t0 = time.perf_counter()
        run_id = server.launch_run(UI_DAY.isoformat())
        result["ui_day_status"] = server.wait_run(run_id, TIMEOUT_S, poll_s=0.1)
        result["ui_day_s"] = time.perf_counter() - t0
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="git revision of the design to compare with")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-designs-") as tmp:
        scratch = Path(tmp)
        baseline = scratch / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(baseline), args.baseline], cwd=ROOT, check=True)
        try:
            for n in range(args.rounds):
                for root, label in ((baseline, f"baseline-{n}"), (ROOT, f"current-{n}")):
                    print(f"backfill designs: {label} ({root}) ...", flush=True)
                    results.append(measure(root, label, args.days, scratch))
                    print(json.dumps(results[-1]), flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=ROOT, check=False)
    by_design: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_design.setdefault(r["design"].rsplit("-", 1)[0], []).append(r)
    base = statistics.median(r["wall_s"] for r in by_design["baseline"])
    print(
        f"\n| design | runs | {args.days}-day backfill s | pick-up s | CPU s | peak RSS MiB | UI day s | vs baseline |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['design']} | {r['runs']} | {r['wall_s']:.1f} | {r['pickup_s']:.1f} | {r['cpu_s']:.0f} | "
            f"{r['peak_rss_mib']:.0f} | {r['ui_day_s']:.1f} | {r['wall_s'] / base:.2f}× |"
        )
    if args.out:
        args.out.write_text(json.dumps({"loadavg": os.getloadavg(), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
