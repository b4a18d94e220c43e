"""Dashboard benchmark (section 5): trend refresh and dashboard build for 14 and 365 days.

The day tables are synthesized in DuckDB with set-based SQL (no API, no raw files): 100 albums
listed per day on a sliding window like the emulator's (an album stays listed ~12 days), 1-18
tracks each, a few thousand artists with Latin, Cyrillic, CJK and Hangul names, labels. Then,
each in one fresh subprocess per history length (peak RSS measured by ``supervise.py``):

- ``refresh_trends`` over every day at once (a full rebuild / a range run);
- ``refresh_trends`` for the last day only (what the daily run does);
- ``build_dashboard`` (read the trend tables, build the figures, render the HTML) and the file's size.

    python bench/dashboard_bench.py [--days 14,365]

runs the section alone and prints its Markdown. Goal: a year builds in < 5 s and < 10 MB.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from supervise import run_supervised

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LAST_DAY = date(2026, 11, 21)
ALBUMS_PER_DAY = 100
SHIFT = 8  # new albums per day: each album is listed on ~ALBUMS_PER_DAY / SHIFT days
ARTISTS = 4000
GOAL_S, GOAL_MB = 5.0, 10.0
NAMES = [
    "방탄소년단",
    "아이유",
    "宇多田ヒカル",
    "東京事変",
    "周杰倫",
    "Björk",
    "Кино",
    "Beyoncé",
    "Rosalía",
    "Måneskin",
]
LABELS = [
    "Big Hit Music",
    "Avex Trax",
    "Sub Pop",
    "Warp Records",
    "XL Recordings",
    "Columbia",
    "Mute",
    "4AD",
    "Because Music",
    "Domino Recording Co.",
    "Ninja Tune",
    "Smekkleysa",
    "Bureau B",
    "Interscope",
]


def synthesize(conn: Any, days: int) -> dict[str, int]:
    """``days`` days ending at LAST_DAY of the five day tables, in a handful of statements."""
    from spotify_assets.tables.flatten import ensure_tables

    ensure_tables(conn)
    first = LAST_DAY - timedelta(days=days - 1)
    conn.execute(
        f"""
        CREATE TEMP TABLE listed AS
        SELECT ?::DATE + i::INTEGER AS day, k, k - i * {SHIFT} AS position
        FROM (SELECT i, unnest(range(i * {SHIFT}, i * {SHIFT} + {ALBUMS_PER_DAY})) AS k FROM range(?) t(i))
    """,
        [first, days],
    )
    conn.execute(
        """
        INSERT INTO albums (snapshot_date, album_id, position, name, album_type, total_tracks, release_date,
                            release_date_precision, release_date_start, label, uri)
        SELECT day, 'al' || k, position, 'Album ' || k, ['album', 'single', 'compilation'][(1 + hash(k) % 3)::BIGINT],
               1 + hash(k * 7) % 18, strftime(day, '%Y-%m-%d'), 'day', day, $labels[(1 + hash(k * 3) % len($labels))::BIGINT],
               'spotify:album:al' || k
        FROM listed
    """,
        {"labels": LABELS},
    )
    conn.execute(f"""
        INSERT INTO album_artists SELECT day, 'al' || k, 'ar' || hash(k * 11) % {ARTISTS}, 0 FROM listed
    """)
    conn.execute("""
        INSERT INTO tracks (snapshot_date, track_id, album_id, name, disc_number, track_number, duration_ms, explicit, uri)
        SELECT snapshot_date, album_id || '-' || j, album_id, 'Track ' || j, 1, j + 1,
               60000 + hash(album_id || j) % 360000, hash(album_id || j || 'x') % 7 = 0, 'spotify:track:' || album_id || j
        FROM (SELECT snapshot_date, album_id, unnest(range(total_tracks)) AS j FROM albums)
    """)
    conn.execute(
        "INSERT INTO track_artists SELECT t.snapshot_date, t.track_id, a.artist_id, 0 FROM tracks t "
        "JOIN album_artists a USING (snapshot_date, album_id)"
    )
    conn.execute(
        """
        INSERT INTO artists (snapshot_date, artist_id, name, uri)
        SELECT DISTINCT snapshot_date, artist_id,
               CASE WHEN hash(artist_id) % 5 = 0 THEN $names[(1 + hash(artist_id) % len($names))::BIGINT] || ' ' || artist_id
                    ELSE 'Artist ' || artist_id END,
               'spotify:artist:' || artist_id
        FROM album_artists
    """,
        {"names": NAMES},
    )
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in ("albums", "tracks", "artists")}


def worker(days: int, folder: Path) -> dict[str, Any]:
    import duckdb

    from spotify_assets.analytics.trends import history_days, refresh_trends
    from spotify_assets.dashboard import build_dashboard

    with duckdb.connect(str(folder / f"bench-{days}.duckdb")) as conn:
        t0 = time.perf_counter()
        rows = synthesize(conn, days)
        synth_s = time.perf_counter() - t0
        held = history_days(conn)
        t0 = time.perf_counter()
        refresh_trends(conn, held)
        full_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        refresh_trends(conn, held[-1:])
        one_day_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        dashboard = build_dashboard(conn)
        body = dashboard.html.encode("utf-8")
        (folder / f"dashboard-{days}.html").write_bytes(body)
        build_s = time.perf_counter() - t0
    return {
        "days": days,
        "rows": rows,
        "synth_s": synth_s,
        "refresh_all_s": full_s,
        "refresh_one_day_s": one_day_s,
        "dashboard_build_s": build_s,
        "dashboard_bytes": len(body),
        "charts": len(dashboard.charts),
        "dashboard_days": len(dashboard.days),
    }


def section(
    day_counts: list[int], log, timeout_s: float = 600.0, mem_cap_gib: float = 8.0
) -> tuple[list[dict], list[str]]:
    """Benchmark section 5; returns (JSON-able results, Markdown lines)."""
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        for days in day_counts:
            log(f"dashboard: {days} days ...")
            cmd = [sys.executable, str(HERE / "dashboard_bench.py"), "--worker", str(days), tmp]
            run = run_supervised(cmd, cwd=ROOT, timeout_s=timeout_s, mem_cap_gib=mem_cap_gib)
            failure = run.failure()
            r = (
                {"days": days, "error": failure, "stderr_tail": run.stderr[-2000:]}
                if failure
                else dict(run.last_json() or {})
            )
            r["rss_mib"] = run.rss_mib
            results.append(r)
            log(
                f"  -> {r.get('dashboard_build_s', float('nan')):.2f} s, {r.get('dashboard_bytes', 0) / 1e6:.2f} MB "
                f"{r.get('error') or ''}"
            )
    lines = [
        f"## 5. Trends and dashboard ({ALBUMS_PER_DAY} albums listed per day, synthesized in DuckDB)",
        "",
        "| days | albums / tracks rows | refresh all days s | refresh one day s | dashboard build s | "
        "dashboard MB | peak RSS MiB | goal (< 5 s, < 10 MB) |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        if r.get("error"):
            lines.append(f"| {r['days']} | **{r['error']}** | | | | | {r['rss_mib']:.0f} | |")
            continue
        ok = r["dashboard_build_s"] < GOAL_S and r["dashboard_bytes"] / 1e6 < GOAL_MB
        lines.append(
            f"| {r['days']} | {r['rows']['albums']:,} / {r['rows']['tracks']:,} | {r['refresh_all_s']:.2f} | "
            f"{r['refresh_one_day_s']:.2f} | {r['dashboard_build_s']:.2f} | {r['dashboard_bytes'] / 1e6:.2f} | "
            f"{r['rss_mib']:.0f} | {'holds' if ok else '**missed**'} |"
        )
    lines += [
        "",
        "*dashboard build* = read the trend tables, build the Plotly figures, render one HTML file with "
        "plotly.js inlined (~4.8 MB of it) and write it. *refresh one day* is what the daily run does.",
        "",
    ]
    return results, lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--days", default="14,365")
    p.add_argument("--worker", nargs=2, metavar=("DAYS", "DIR"), help=argparse.SUPPRESS)
    args = p.parse_args()
    sys.path[:0] = [str(ROOT)]
    if args.worker:
        print(json.dumps(worker(int(args.worker[0]), Path(args.worker[1]))), flush=True)
        return
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    _, lines = section([int(d) for d in args.days.split(",") if d], log)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
