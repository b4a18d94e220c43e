"""What loading the code location costs every Dagster process (code server, daemon, each run).

    .venv/bin/python bench/definitions_load.py [--runs 7] [--json PATH] [--baseline CHECKOUT]

Each run is a fresh interpreter doing what a Dagster process does with the code location:
``python -X importtime -c 'from spotify_assets.definitions import defs; defs()'``. Reported, the
minimum over the runs (the machine is shared; the minimum is the least disturbed figure):

- ``import_s``: cumulative import time of ``spotify_assets.definitions`` (``-X importtime``);
- ``defs_s``: the ``defs()`` call (loading ``defs/`` and building the resources);
- ``process_s``: interpreter start to exit;
- ``rss_mib``: the process's peak RSS; and whether ``duckdb`` was imported.

``--baseline /path/to/other/checkout`` measures that checkout too (with its own ``.venv``), its runs
interleaved with these, so both see the same machine load; the table then shows the difference.

Target: ``import_s`` within 0.2 s of the hand-written warehouse resource's (0.50 s, process 1.49 s,
measured on this machine before the warehouse became dagster-duckdb's ``DuckDBResource``).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, resource, sys, time
from spotify_assets.definitions import defs
imported = time.perf_counter()
defs()
loaded = time.perf_counter()
print(json.dumps({"defs_s": loaded - imported, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
       "duckdb": "duckdb" in sys.modules}))
"""


def one_run(root: Path = ROOT, python: str = sys.executable) -> dict[str, float | bool]:
    started = _now()
    done = subprocess.run(
        [python, "-X", "importtime", "-c", PROBE], cwd=root, capture_output=True, text=True, check=True
    )
    process_s = _now() - started
    line = [ln for ln in done.stderr.splitlines() if ln.rstrip().endswith("| spotify_assets.definitions")][-1]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    return {"import_s": int(re.split(r"\s*\|\s*", line)[1]) / 1e6, "process_s": process_s, **measured}


def _now() -> float:
    return time.perf_counter()


KEYS = ("import_s", "defs_s", "process_s", "rss_mib")


def best(runs: list[dict[str, float | bool]]) -> dict[str, float]:
    return {key: min(float(r[key]) for r in runs) for key in KEYS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with (its .venv is used)")
    args = parser.parse_args()
    runs, baseline_runs = [], []
    for _ in range(args.runs):
        runs.append(one_run())
        if args.baseline:
            baseline_runs.append(one_run(args.baseline, str(args.baseline / ".venv" / "bin" / "python")))
    measured = {"this": {**best(runs), "duckdb_imported": any(bool(r["duckdb"]) for r in runs), "runs": runs}}
    if args.baseline:
        measured["baseline"] = {
            **best(baseline_runs),
            "duckdb_imported": any(bool(r["duckdb"]) for r in baseline_runs),
            "runs": baseline_runs,
            "checkout": str(args.baseline),
        }
    print(f"min of {args.runs} fresh interpreters each" + (", interleaved" if args.baseline else ""))
    print("| checkout | import spotify_assets.definitions s | defs() s | process s | peak RSS MiB | duckdb imported |")
    print("|---|---:|---:|---:|---:|---|")
    for name, row in measured.items():
        label = str(ROOT) if name == "this" else str(row["checkout"])
        print(
            f"| {label} | {row['import_s']:.3f} | {row['defs_s']:.3f} | {row['process_s']:.3f} | "
            f"{row['rss_mib']:.0f} | {row['duckdb_imported']} |"
        )
    if args.baseline:
        this, base = measured["this"], measured["baseline"]
        print(
            "| difference | "
            + " | ".join(f"{float(this[k]) - float(base[k]):+.3f}" for k in ("import_s", "defs_s", "process_s"))
            + f" | {float(this['rss_mib']) - float(base['rss_mib']):+.0f} | |"
        )
    if args.json:
        args.json.write_text(json.dumps(measured, indent=2))


if __name__ == "__main__":
    main()
