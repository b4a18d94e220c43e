"""The readers' snapshot: what publishing costs a run, and what reading costs a reader, three ways.

    .venv/bin/python bench/snapshot_bench.py [--days 30,365] [--repeat 3] [--json PATH]

For each history length, a warehouse is synthesized (``dashboard_bench.synthesize``: 100 albums
listed a day, 1-18 tracks each; the trends refreshed over all days), then:

- **file copy** (what ``warehouse_snapshot`` does, ``publish_snapshot``): ``CHECKPOINT``, the live
  file copied byte for byte, the copy trimmed to the reader tables plus ``snapshot_info``, fsync,
  atomic rename;
- **table copy**: the reader tables copied into a new DuckDB file (``ATTACH``, ``CREATE TABLE ..
  AS`` in one transaction), fsync, atomic rename;
- **views**: a DuckDB file of views over the day tables exported as Parquet (the lake's layout);
  nothing to copy per day beyond the export the lake already does, but only the five day tables
  exist there (no unavailable_albums, analytics or trends), and each query reads Parquet.

Reported: seconds to publish (min of ``--repeat``), the file's size, and a reader's query over the
whole history (tracks joined to albums, grouped by album type; min of ``--repeat``) on each.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from dashboard_bench import synthesize  # noqa: E402  (bench/ is on sys.path from here on)

READER_QUERY = """
SELECT a.album_type, count(*) AS tracks, avg(t.duration_ms) AS avg_ms
FROM tracks t JOIN albums a USING (snapshot_date, album_id) GROUP BY ALL ORDER BY 1
"""
DAY_TABLES = ("albums", "artists", "album_artists", "tracks", "track_artists")


def best_of(repeat: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def query_s(path: Path, repeat: int) -> float:
    import duckdb

    def read() -> None:
        with duckdb.connect(str(path), read_only=True) as conn:
            conn.execute(READER_QUERY).fetchall()

    return best_of(repeat, read)


def one_history(days: int, folder: Path, repeat: int) -> dict[str, Any]:
    import duckdb

    from spotify_assets.analytics.queries import ANALYSES, refresh
    from spotify_assets.analytics.trends import history_days, refresh_trends
    from spotify_assets.snapshot.publish import READER_TABLES, publish_snapshot
    from spotify_assets.tables.unavailable import ensure_unavailable_table

    live = folder / f"live-{days}.duckdb"
    with duckdb.connect(str(live)) as conn:
        rows = synthesize(conn, days)
        held = history_days(conn)
        refresh_trends(conn, held)
        for analysis in ANALYSES:  # the last day's analytics: the tables exist, as in the warehouse
            refresh(conn, analysis, held[-1])
        ensure_unavailable_table(conn)
    results: dict[str, Any] = {"days": days, "rows": rows, "live_bytes": live.stat().st_size}

    raw = folder / f"file-{days}.duckdb"

    def publish_file_copy() -> None:
        with duckdb.connect(str(live)) as conn:
            publish_snapshot(conn, live, raw, run_id="bench", partition="2026-11-21")

    results["file_copy"] = {"publish_s": best_of(repeat, publish_file_copy), "bytes": raw.stat().st_size}

    copy = folder / f"copy-{days}.duckdb"

    def publish_table_copy() -> None:
        staged = copy.with_name(copy.name + ".tmp")
        staged.unlink(missing_ok=True)
        with duckdb.connect(str(live)) as conn:
            conn.execute(f"ATTACH '{staged}' AS snapshot_copy")
            conn.begin()
            for name in READER_TABLES:
                conn.execute(f"CREATE TABLE snapshot_copy.{name} AS FROM main.{name}")
            conn.commit()
            conn.execute("DETACH snapshot_copy")
        with open(staged, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(staged, copy)

    results["table_copy"] = {"publish_s": best_of(repeat, publish_table_copy), "bytes": copy.stat().st_size}

    lake, views = folder / f"lake-{days}", folder / f"views-{days}.duckdb"

    def export_lake() -> None:
        shutil.rmtree(lake, ignore_errors=True)
        lake.mkdir()
        with duckdb.connect(str(live), read_only=True) as conn:
            for table in DAY_TABLES:
                conn.execute(
                    f"COPY (SELECT *, strftime(snapshot_date, '%Y-%m-%d') AS date FROM {table}) "
                    f"TO '{lake / table}' (FORMAT parquet, PARTITION_BY (date))"
                )

    def publish_views() -> None:
        views.unlink(missing_ok=True)
        with duckdb.connect(str(views)) as conn:
            for table in DAY_TABLES:
                conn.execute(
                    f"CREATE VIEW {table} AS SELECT * EXCLUDE (date) FROM "
                    f"read_parquet('{lake / table}/*/*.parquet', hive_partitioning = true)"
                )

    export_s = best_of(1, export_lake)
    results["views"] = {
        "publish_s": best_of(repeat, publish_views),
        "bytes": views.stat().st_size,
        "lake_export_all_days_s": export_s,
    }
    for name, path in (("file_copy", raw), ("table_copy", copy), ("views", views)):
        results[name]["query_s"] = query_s(path, repeat)
    results["live_query_s"] = query_s(live, repeat)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", default="30,365")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-snapshot-") as tmp:
        measured = [one_history(int(days), Path(tmp), args.repeat) for days in args.days.split(",")]
    print("| days | albums / tracks | way | publish s | file MB | reader query s |")
    print("|---:|---|---|---:|---:|---:|")
    for r in measured:
        for way in ("file_copy", "table_copy", "views"):
            m = r[way]
            print(
                f"| {r['days']} | {r['rows']['albums']:,} / {r['rows']['tracks']:,} | {way} | {m['publish_s']:.3f} | "
                f"{m['bytes'] / 1e6:.1f} | {m['query_s']:.3f} |"
            )
        print(f"| {r['days']} | | (live file) | | {r['live_bytes'] / 1e6:.1f} | {r['live_query_s']:.3f} |")
    exports = ", ".join(f"{r['views']['lake_export_all_days_s']:.2f} s" for r in measured)
    print(
        "\n*views*: publish = writing the view file only; the Parquet export it reads is the lake's "
        f"(here, all days at once: {exports})."
    )
    if args.json:
        args.json.write_text(json.dumps(measured, indent=2, default=str))


if __name__ == "__main__":
    main()
