"""Reproducible performance benchmark of the platform against its peers.

    pip install -e '.[bench]'
    python bench/run.py [--sizes 100,2000,10000] [--peer-max-n N] [--flatten-tracks 1000000]

Every contender runs in its own subprocess against a fresh in-process emulator (20 ms latency);
the emulator counts requests, psutil polling gives each subprocess tree's peak RSS, and a contender
that outgrows ``--timeout`` or ``--mem-cap-gib`` is killed and reported as such. Writes
bench/results/latest.md and bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from supervise import run_supervised  # noqa: E402  (bench/ is on sys.path from here on)

DAY = date(2026, 11, 20)
LATENCY_MS = 20.0
PAGE = 50  # new-releases page limit and track page size
BATCH = 20  # albums?ids= batch size
RATE_LIMIT = (600, 10.0)  # requests per rolling window (s) for the rate-limit scenario
PEERS = ("seed", "spotipy", "dlt")
TIMEOUT_S = 600.0  # per contender: the sequential peers need ~5 min at N = 10 000
MEM_CAP_GIB = 8.0  # per contender: a third of this 24 GiB machine
LIMITS = {"timeout_s": TIMEOUT_S, "mem_cap_gib": MEM_CAP_GIB}  # set from the command line in main()


def run_worker(name: str, args: dict) -> dict:
    """Run one contender in a fresh interpreter; returns its JSON + peak RSS (MiB) + process wall.

    A contender that exceeds ``LIMITS["timeout_s"]`` or ``LIMITS["mem_cap_gib"]`` is killed; the
    result then says so under ``killed`` instead of holding the contender's numbers."""
    cmd = [sys.executable, str(HERE / "run.py"), "--worker", name, json.dumps(args)]
    run = run_supervised(cmd, cwd=ROOT, **LIMITS)
    measured = {"rss_mib": run.rss_mib, "process_wall_s": run.wall_s}
    failure = run.failure()
    if failure:
        killed = {"killed": run.killed, "progress": run.last_json()} if run.killed else {}
        return {"error": [failure], **killed, **measured, "stderr_tail": run.stderr[-2000:]}
    return {**run.last_json(), **measured}


def emulator(n: int, **faults):
    from spotify_assets.emulator import CatalogConfig, EmulatorConfig, FaultConfig, SpotifyEmulator

    config = EmulatorConfig(
        catalog=CatalogConfig(albums_per_day=n), faults=FaultConfig(latency_ms=LATENCY_MS, **faults), today=DAY
    )
    return SpotifyEmulator(config), config


def minimal_requests(emu, n: int) -> dict:
    """Fewest requests that can fetch the day: token + listing pages of 50 + albums?ids= batches of 20
    + one extra page per 50 tracks beyond the first 50 of each album."""
    catalog = emu.catalog
    ids = catalog.new_release_ids(DAY, "US")  # our client lists for market=US (the default)
    extra = sum(max(0, math.ceil(catalog.total_tracks(i, DAY) / PAGE) - 1) for i in ids)
    tracks = sum(catalog.total_tracks(i, DAY) for i in ids)
    return {
        "ours": 1 + math.ceil(n / PAGE) + math.ceil(n / BATCH) + extra,
        # per-album track paging (what peers without a batch endpoint must do), listing pages of 50
        "per_album": 1 + math.ceil(n / PAGE) + n + extra,
        "tracks": tracks,
        "extra_pages": extra,
    }


def worker_args(emu, config) -> dict:
    return {
        "api": emu.api_base_url,
        "token_url": emu.token_url,
        "client_id": config.client_id,
        "secret": config.client_secret,
        "day": DAY.isoformat(),
    }


def measure(name: str, n: int, worker_extra: dict | None = None, **faults) -> dict:
    emu, config = emulator(n, **faults)
    with emu:
        mins = minimal_requests(emu, n)
        emu.reset_stats()
        result = run_worker(name, {**worker_args(emu, config), **(worker_extra or {})})
        stats = emu.stats()
    api = {k: v for k, v in stats["by_endpoint"].items() if k != "admin"}
    result.update(
        n=n, contender=name, requests=stats["total"], by_endpoint=api, by_status=stats["by_status"], minimal=mins
    )
    return result


def fmt(x, digits=2):
    return "–" if x is None else (f"{x:,.{digits}f}" if isinstance(x, float) else f"{x:,}")


def extraction(sizes: list[int], peer_max_n: int, log) -> tuple[list[dict], list[str]]:
    rows, lines, notes = [], [], []
    lines += [
        "## 1. Extraction (new releases + every track), emulator latency 20 ms",
        "",
        "| N albums | contender | requests | minimal | req / minimal | wall s | lower bound s | wall / bound "
        "| peak RSS MiB | wall vs seed |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        per_n = {}
        for name in ("ours", *PEERS):
            if name != "ours" and n > peer_max_n:
                per_n[name] = {"contender": name, "n": n, "skipped": f"N > --peer-max-n {peer_max_n}"}
                continue
            log(f"extraction N={n} {name} ...")
            r = measure(name, n)
            per_n[name] = r
            log(
                f"  -> {r.get('requests')} requests, {fmt(r.get('wall_s'))} s, {fmt(r.get('rss_mib'), 0)} MiB"
                + (f" ERROR {r['error']}" if "error" in r else "")
            )
        seed_wall = per_n.get("seed", {}).get("wall_s")
        for name, r in per_n.items():
            rows.append(r)
            if "skipped" in r:
                lines.append(f"| {n:,} | {name} | skipped ({r['skipped']}: sequential, ≥ {n} × 20 ms) | | | | | | | |")
                continue
            extracted = (r.get("progress") or {}).get("phase") == "extracted"
            if "error" in r and not extracted:
                why = r.get("killed") or f"failed: {r['error']}"
                lines.append(
                    f"| {n:,} | {name} | {r['requests']:,} | {r['minimal']['ours']:,} | | {why} | | | "
                    f"{fmt(r['rss_mib'], 0)} | |"
                )
                continue
            if extracted:  # killed after its extract step: the extraction figures stand, the rest is noted
                r.update(wall_s=r["progress"]["wall_s"], concurrency=r["progress"]["concurrency"])
                notes.append(
                    f"{name} at N = {n:,}: extract finished in {r['wall_s']:.1f} s; its normalize + load "
                    f"step was then {r['killed']}"
                )
            minimal = r["minimal"]["ours"]
            conc = r.get("concurrency", 1)
            bound = minimal * LATENCY_MS / 1000 / conc
            r.update(lower_bound_s=bound, ratio_bound=r["wall_s"] / bound, ratio_minimal=r["requests"] / minimal)
            vs_seed = f"{r['wall_s'] / seed_wall:.1%}" if seed_wall else "–"
            lines.append(
                f"| {n:,} | {name}{' †' if extracted else ''} | {r['requests']:,} | {minimal:,} | {r['requests'] / minimal:.2f} | "
                f"{r['wall_s']:.2f} | {bound:.2f} (÷{conc}) | {r['ratio_bound']:.2f} | {r['rss_mib']:.0f} | {vs_seed} |"
            )
    lines += [f"\n† {note}." for note in notes]
    ours = [r for r in rows if r.get("contender") == "ours" and "rss_mib" in r and "error" not in r]
    if len(ours) > 1:
        lines += [
            "",
            "Peak RSS of our client by N (flat = the client holds a bounded amount whatever the day's size):",
            "",
            "| N albums | pages | MiB received | peak RSS MiB | vs smallest N |",
            "|---:|---:|---:|---:|---:|",
        ]
        for r in ours:
            lines.append(
                f"| {r['n']:,} | {r.get('pages', 0):,} | {r.get('bytes', 0) / 2**20:,.0f} | {r['rss_mib']:.0f} | "
                f"{r['rss_mib'] / ours[0]['rss_mib']:.2f}× |"
            )
    lines += [
        "",
        "*minimal* = 1 token + ⌈N/50⌉ listing pages + ⌈N/20⌉ `albums?ids=` batches + one page per extra 50 "
        "tracks. Peers have no batch endpoint in their loop, so they need ≈ N + ⌈N/50⌉ + extras "
        "(their per-album minimum is in the JSON). *lower bound* = minimal × 20 ms / concurrency "
        "(ours: max_workers = 8; sequential peers: 1). Wall = in-process extraction time "
        "(excludes interpreter start-up and imports); RSS = the contender's subprocess peak "
        "(psutil polling every 10 ms, with descendants), including imports. "
        f"Each contender runs under a {LIMITS['timeout_s']:.0f} s timeout and a {LIMITS['mem_cap_gib']:g} GiB "
        "RSS cap; one killed for exceeding either is reported as such.",
        "",
    ]
    return rows, lines


def rate_limited(sizes: list[int], log) -> tuple[list[dict], list[str]]:
    """Our client under the emulator's rolling window, twice per N: as configured by default (no
    known limit: it waits out each 429's Retry-After, all workers together) and told the limit
    (``rate_limit_requests`` / ``rate_limit_window_s``: it paces itself and should see no 429)."""
    limit, window = RATE_LIMIT
    rows, lines = [], []
    lines += [
        f"## 2. Extraction under a rolling-window rate limit ({limit} requests / {window:g} s, 20 ms latency)",
        "",
        "| N albums | client | requests | minimal | req / minimal | 429s | wall s | floor s | wall / floor "
        "| peak RSS MiB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        for mode, extra in (("reactive", {}), ("paced", {"client_rate_limit": [limit, window]})):
            label = (
                "default (429 → shared Retry-After pause)"
                if mode == "reactive"
                else f"paced (`rate_limit_requests={limit}`, `rate_limit_window_s={window:g}`)"
            )
            log(f"rate-limited N={n} ours {mode} ...")
            r = measure("ours", n, worker_extra=extra, rate_limit_requests=limit, rate_limit_window_s=window)
            r["client_mode"] = mode
            rows.append(r)
            minimal = r["minimal"]["ours"]
            if "error" in r:
                why = r.get("killed") or f"failed: {r['error']}"
                lines.append(
                    f"| {n:,} | {label} | {r['requests']:,} | {minimal:,} | | | {why} | | | "
                    f"{fmt(r.get('rss_mib'), 0)} |"
                )
                continue
            floor = math.ceil(minimal / limit) * window
            # a floor of 0 windows (all within the first window) would be the latency bound instead
            floor = max(floor - window, minimal * LATENCY_MS / 1000 / r["concurrency"]) if minimal <= limit else floor
            r.update(floor_s=floor, n429=r["by_status"].get("429", 0))
            lines.append(
                f"| {n:,} | {label} | {r['requests']:,} | {minimal:,} | {r['requests'] / minimal:.2f} | "
                f"{r['n429']:,} | {r['wall_s']:.2f} | {floor:.2f} | {r['wall_s'] / floor:.2f} | {r['rss_mib']:.0f} |"
            )
            log(f"  -> {r['requests']} requests, {r['n429']} 429s, {r['wall_s']:.2f} s (floor {floor:.1f} s)")
    lines += [
        "",
        f"*floor* = ⌈minimal / {limit}⌉ × {window:g} s when more than one window is needed "
        "(the last window's requests still need to be sent, so the true floor is "
        f"(⌈minimal / {limit}⌉ − 1) × {window:g} s + a few latencies; we use the stricter "
        "published formula). The window was chosen so N = 10 000 (~1 700 requests) needs 3 windows "
        "(30 s) and the run stays short; 100 requests / 30 s would take ~8.5 min for N = 10 000. "
        "*paced*: the client counts a request against the window from its send until a window after its "
        "reply, so it never runs ahead of the server's count; Spotify publishes no number, so pacing is "
        "off unless configured.",
        "",
    ]
    return rows, lines


def dagster(log) -> tuple[dict, list[str]]:
    log("dagster: materialize one day (100 albums) ...")
    emu, config = emulator(100)
    with emu:
        emu.reset_stats()
        r = run_worker("dagster", worker_args(emu, config))
        stats = emu.stats()
    r["requests"] = stats["total"]
    log(f"  -> {fmt(r.get('wall_s'))} s, {r['requests']} requests {r.get('error', '')}")
    return r, []


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="100,2000,10000", help="album counts (comma-separated)")
    p.add_argument(
        "--peer-max-n",
        type=int,
        default=None,
        help="skip sequential peers above this N (default: run them at every size)",
    )
    p.add_argument("--rate-limit-sizes", default="2000,10000")
    p.add_argument("--flatten-tracks", type=int, default=1_000_000)
    p.add_argument("--dashboard-days", default="14,365", help="history lengths (days) for the dashboard section")
    p.add_argument("--skip", default="", help="sections to skip: extraction,ratelimit,flatten,dagster,dashboard,uipath")
    p.add_argument("--only", default="", help="run only these sections (same names as --skip), e.g. --only uipath")
    p.add_argument("--out", default=str(HERE / "results" / "latest"))
    p.add_argument("--timeout", type=float, default=TIMEOUT_S, help="kill a contender after this many seconds")
    p.add_argument("--mem-cap-gib", type=float, default=MEM_CAP_GIB, help="kill a contender above this RSS")
    p.add_argument("--worker", nargs=2, metavar=("NAME", "ARGS_JSON"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        import workers

        workers.main(*args.worker)
        return

    LIMITS.update(timeout_s=args.timeout, mem_cap_gib=args.mem_cap_gib)
    started = time.perf_counter()
    skip = set(filter(None, args.skip.split(",")))
    if args.only:
        skip |= {"extraction", "ratelimit", "flatten", "dagster", "dashboard", "uipath"} - set(args.only.split(","))
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.peer_max_n is None:
        args.peer_max_n = max(sizes, default=0)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so run_worker's finally runs
    log = lambda m: print(f"[{time.perf_counter() - started:6.1f}s] {m}", file=sys.stderr, flush=True)  # noqa: E731
    results: dict = {
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "settings": {
            "latency_ms": LATENCY_MS,
            "sizes": sizes,
            "peer_max_n": args.peer_max_n,
            "rate_limit": RATE_LIMIT,
            "day": DAY.isoformat(),
            **LIMITS,
        },
    }
    md = [
        f"# spotify-assets benchmark — {results['started_utc']}",
        "",
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}. "
        f"Command: `python bench/run.py {' '.join(sys.argv[1:])}`",
        "",
    ]
    if "extraction" not in skip:
        results["extraction"], lines = extraction(sizes, args.peer_max_n, log)
        md += lines
    if "ratelimit" not in skip:
        results["rate_limited"], lines = rate_limited([int(s) for s in args.rate_limit_sizes.split(",") if s], log)
        md += lines
    if "flatten" not in skip:
        import flatten_bench

        results["flatten"], lines = flatten_bench.section(args.flatten_tracks, log, **LIMITS)
        md += lines
    if "dagster" not in skip:
        results["dagster"], _ = dagster(log)
        bare = next(
            (
                r
                for r in results.get("extraction", [])
                if r.get("contender") == "ours" and r.get("n") == 100 and "wall_s" in r
            ),
            None,
        )
        d = results["dagster"]
        md += [
            "## 4. Dagster overhead: one day (100 albums, 20 ms latency)",
            "",
            "| run | requests | wall s | peak RSS MiB |",
            "|---|---:|---:|---:|",
        ]
        if bare:
            md.append(
                f"| bare extraction (our client, section 1) | {bare['requests']:,} | {bare['wall_s']:.2f} | "
                f"{bare['rss_mib']:.0f} |"
            )
        md.append(
            f"| `dg.materialize` raw_new_releases + raw_album_tracks + spotify_tables + checks "
            f"({'success' if d.get('success') else 'FAILED ' + str(d.get('error'))}) | {d['requests']:,} | "
            f"{fmt(d.get('wall_s'))} | {fmt(d.get('rss_mib'), 0)} |"
        )
        md += [
            "",
            "The materialize time includes landing raw JSON on disk, the DuckDB load and 35 asset checks, "
            "on an ephemeral Dagster instance (in-process executor).",
            "",
        ]
    if "dashboard" not in skip:
        import dashboard_bench

        days = [int(d) for d in args.dashboard_days.split(",") if d]
        results["dashboard"], lines = dashboard_bench.section(days, log, **LIMITS)
        md += lines
    if "uipath" not in skip:
        import ui_path

        def bare() -> dict:
            ours = next(
                (
                    r
                    for r in results.get("extraction", [])
                    if r.get("contender") == "ours" and r.get("n") == 100 and "wall_s" in r
                ),
                None,
            )
            return ours or measure("ours", 100)

        results["ui_path"], lines = ui_path.section(log, bare)
        md += lines
    results["total_s"] = time.perf_counter() - started
    md.append(f"Total benchmark time: {results['total_s']:.0f} s.")
    text = "\n".join(md) + "\n"
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".md").write_text(text)
    out.with_suffix(".json").write_text(json.dumps(results, indent=2, default=str))
    print(text)


if __name__ == "__main__":
    main()
