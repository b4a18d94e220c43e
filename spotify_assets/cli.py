"""``spotify-assets run``: materialize one day (or a range of days) end to end and print what was built.

Runs the same job the schedule runs (``daily_snapshot_job``: raw, tables and their checks,
analytics, lake export) in-process, against whatever the environment configures — by default the
embedded emulator, local raw files, a local DuckDB and a local Parquet lake.

``--from``/``--to`` is a backfill from the terminal: each day of the range is its own run of the
job, one after the other in this one process (so a bad day fails alone, as in the UI), with a
summary line per day, a total, and a non-zero exit status naming the days that failed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg

from spotify_assets.analytics.queries import ANALYSES
from spotify_assets.emulator import Catalog
from spotify_assets.orchestration.accepted_warnings import ignore_accepted_warnings
from spotify_assets.resources.env import SettingsError
from spotify_assets.resources.spotify import EmulatorSpotifyResource, SpotifyResource
from spotify_assets.spotify_api.allocator import configure_process
from spotify_assets.tables.flatten import row_counts


def _today_utc() -> date:
    return datetime.now(UTC).date()


def _instance() -> dg.DagsterInstance:
    """The persistent instance when DAGSTER_HOME is set (so `dagster dev` shows the run)."""
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


# The event log keeps everything; the terminal shows warnings and errors only, then the summary.
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def embedded_catalog_counts(spotify: SpotifyResource, day: date) -> dict[str, int]:
    """What the embedded emulator's catalog holds for the day, to print beside what was built."""
    if not isinstance(spotify, EmulatorSpotifyResource) or not spotify.embedded:
        return {}
    return Catalog(spotify.catalog_config()).expected_counts(day, spotify.market)


def materialization_summaries(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    """Asset key -> the one-line ``summary`` its materialization recorded (analytics, lake)."""
    summaries = {}
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        summary = materialization.metadata.get("summary") if materialization else None
        if summary is not None:
            summaries[materialization.asset_key.to_user_string()] = str(summary.value)
    return summaries


def materialization_value(result: dg.ExecuteInProcessResult, asset: str, key: str) -> str | None:
    """One metadata value (as text) of the last materialization of ``asset`` in the run."""
    found = None
    for event in result.get_asset_materialization_events():
        materialization = event.step_materialization_data.materialization
        if materialization and materialization.asset_key.to_user_string() == asset and key in materialization.metadata:
            found = str(materialization.metadata[key].value)
    return found


def _load_defs() -> dg.Definitions | None:
    # Dagster flags the preview/beta APIs we use on purpose; the terminal summary is not the place
    # for that. Anything else still shows.
    ignore_accepted_warnings()
    try:
        from spotify_assets.definitions import defs

        return defs()
    except SettingsError as exc:
        print(f"spotify-assets: configuration error: {exc}", file=sys.stderr)
        return None


def _check_outcomes(result: dg.ExecuteInProcessResult) -> tuple[int, list[str], list[str]]:
    """(checks evaluated, failed ERROR checks, failed WARN checks with what they said)."""
    checks = result.get_asset_check_evaluations()
    failed = sorted(
        f"{c.asset_key.to_user_string()}.{c.check_name}" for c in checks if not c.passed and not _warning(c)
    )
    # A WARN check (e.g. albums Spotify pulled) reports without failing the run: shown apart.
    warned = [
        f"{c.asset_key.to_user_string()}.{c.check_name}: {c.description}"
        for c in checks
        if not c.passed and _warning(c)
    ]
    return len(checks), failed, warned


def run(day: date) -> int:
    defs = _load_defs()
    if defs is None:
        return 2
    job = defs.resolve_job_def("daily_snapshot_job")
    with _instance() as instance:
        result = job.execute_in_process(
            partition_key=day.isoformat(), instance=instance, raise_on_error=False, run_config=QUIET_CONSOLE
        )
    checks, failed, warned = _check_outcomes(result)
    resources = defs.resources or {}
    print(f"spotify-assets: run {result.run_id} for {day}: {'SUCCESS' if result.success else 'FAILURE'}")
    print(f"  source:  {resources['spotify'].backend}")
    print(f"  raw:     {resources['raw_storage'].location}")
    print(f"  duckdb:  {resources['warehouse'].database}")
    if result.success:
        expected = embedded_catalog_counts(resources["spotify"], day)
        with resources["warehouse"].get_connection() as conn:
            for table, count in row_counts(conn, day).items():
                note = f"   (emulator catalog: {expected[table]})" if table in expected else ""
                print(f"  {table:<14}{count:>8} rows{note}")
        summaries = materialization_summaries(result)
        print("  analytics (DuckDB tables, charts in the asset metadata):")
        for analysis in ANALYSES:
            if analysis.table.name in summaries:
                print(f"    {analysis.table.name:<38}{summaries[analysis.table.name]}")
        print(f"  lake:    {resources['lake'].location}")
        if "lake_export" in summaries:
            print(f"           {summaries['lake_export']}")
        trends = [name for name in summaries if name.startswith("trend_")]
        if trends:
            print(f"  trends:  {len(trends)} DuckDB tables over the history (trend_*), refreshed for {day}")
        location = materialization_value(result, "trends_dashboard", "location")
        if location:
            print(f"  dashboard: {location}")
            print(f"           {summaries.get('trends_dashboard', '')}")
    passed = checks - len(failed) - len(warned)
    print(f"  checks:  {passed} passed, {len(failed)} failed" + (f" ({', '.join(failed)})" if failed else ""))
    for warning in warned:
        print(f"  warning: {warning}")
    return 0 if result.success else 1


def _warning(evaluation: dg.AssetCheckEvaluation) -> bool:
    return evaluation.severity == dg.AssetCheckSeverity.WARN


def dashboard(port: int) -> int:
    """Print where the dashboard is; serve a local one on 127.0.0.1 until interrupted."""
    from spotify_assets.dashboard import DASHBOARD_KEY
    from spotify_assets.dashboard.serve import dashboard_server, server_url

    try:
        from spotify_assets.settings import lake_from_env

        lake = lake_from_env()
    except SettingsError as exc:
        print(f"spotify-assets: configuration error: {exc}", file=sys.stderr)
        return 2
    if lake.s3_bucket:
        print(f"dashboard: s3://{lake.s3_bucket}/{lake.s3_prefix}/{DASHBOARD_KEY} (serve it with S3 static hosting)")
        return 0
    path = Path(lake.local_root).resolve() / DASHBOARD_KEY
    try:
        server = dashboard_server(path.parent, port)
    except (FileNotFoundError, OSError) as exc:
        print(f"spotify-assets: {exc}", file=sys.stderr)
        return 1
    print(f"dashboard: {path}")
    print(f"serving it at {server_url(server)} (Ctrl-C stops)", flush=True)
    with server, contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def failure_reason(result: dg.ExecuteInProcessResult) -> str:
    """The first failed step and the error that failed it (not Dagster's wrapper), on one line."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            message = error.message.strip().splitlines()
            return f"{event.step_key}: {message[0] if message else 'failed'}"
    return "failed"


def run_range(first: date, last: date) -> int:
    """Each day of ``first..last`` as its own run, in order, in this process; a line per day, a total."""
    defs = _load_defs()
    if defs is None:
        return 2
    job = defs.resolve_job_def("daily_snapshot_job")
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    from spotify_assets.orchestration.partitions import daily_partitions

    partitions = daily_partitions.get_partition_keys()
    if first.isoformat() not in partitions or last.isoformat() not in partitions:
        print(
            f"spotify-assets: {first}..{last} is not within the daily partitions {partitions[0]}..{partitions[-1]} "
            "(SPOTIFY_ASSETS_START_DATE sets the first; the last is today UTC)",
            file=sys.stderr,
        )
        return 2
    resources = defs.resources or {}
    print(
        f"spotify-assets: {len(days)} days {first}..{last} from {resources['spotify'].backend} into {resources['warehouse'].database}"
    )
    failed_days: list[date] = []
    dashboard_location: str | None = None
    started = time.perf_counter()
    with _instance() as instance:
        for day in days:
            day_started = time.perf_counter()
            result = job.execute_in_process(
                partition_key=day.isoformat(), instance=instance, raise_on_error=False, run_config=QUIET_CONSOLE
            )
            checks, failed, warned = _check_outcomes(result)
            took = time.perf_counter() - day_started
            if result.success:
                with resources["warehouse"].get_connection() as conn:
                    counts = row_counts(conn, day)
                rows = ", ".join(f"{table} {count}" for table, count in counts.items())
                print(
                    f"  {day}  SUCCESS  {took:5.1f} s  {rows}; checks {checks - len(failed) - len(warned)}/{checks} passed"
                )
                for warning in warned:
                    print(f"  {day}  warning: {warning}")
                dashboard_location = materialization_value(result, "trends_dashboard", "location") or dashboard_location
            else:
                failed_days.append(day)
                why = f"checks failed: {', '.join(failed)}" if failed else failure_reason(result)
                print(f"  {day}  FAILURE  {took:5.1f} s  run {result.run_id}: {why}")
    if dashboard_location:
        print(f"  dashboard: {dashboard_location}")
    total = time.perf_counter() - started
    print(
        f"spotify-assets: {len(days) - len(failed_days)} of {len(days)} days succeeded in {total:.1f} s"
        + (f"; failed: {', '.join(d.isoformat() for d in failed_days)}" if failed_days else "")
    )
    return 1 if failed_days else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="spotify-assets", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser(
        "run", help="materialize one day's partition (or a range of days) and print the tables"
    )
    run_parser.add_argument(
        "--date", type=date.fromisoformat, default=None, help="partition (YYYY-MM-DD), default today UTC"
    )
    run_parser.add_argument(
        "--from", dest="first", type=date.fromisoformat, default=None, help="first day of a range (YYYY-MM-DD)"
    )
    run_parser.add_argument(
        "--to", dest="last", type=date.fromisoformat, default=None, help="last day of a range, included (YYYY-MM-DD)"
    )
    dashboard_parser = commands.add_parser(
        "dashboard", help="print where the trends dashboard is and serve it on 127.0.0.1"
    )
    dashboard_parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 = any free port)")
    commands.add_parser("settings", help="print every environment variable, its default and meaning (Markdown)")
    args = parser.parse_args(argv)
    if args.command == "dashboard":
        sys.exit(dashboard(args.port))
    if args.command == "settings":
        from spotify_assets.settings import settings_reference

        print(settings_reference())
        sys.exit(0)
    if args.date is not None and (args.first is not None or args.last is not None):
        parser.error("--date and --from/--to exclude each other: give one day, or a range")
    if (args.first is None) != (args.last is None):
        parser.error("a range needs both --from and --to (YYYY-MM-DD)")
    if args.first is not None and args.first > args.last:
        parser.error(f"--from {args.first} is after --to {args.last}")
    configure_process()
    if args.first is None:
        sys.exit(run(args.date or _today_utc()))
    sys.exit(run_range(args.first, args.last))


if __name__ == "__main__":
    main()
