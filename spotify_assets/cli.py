"""``spotify-assets run``: materialize one day (or a range of days) end to end and print what was built.

Runs the same job the schedule runs (``daily_snapshot_job``: raw, tables and their checks,
analytics, lake export) in-process, against whatever the environment configures — by default the
embedded emulator, local raw files, a local DuckDB and a local Parquet lake.

``--from``/``--to`` is a backfill from the terminal: each day of the range is its own run of the
job, one after the other in this one process (so a bad day fails alone, as in the UI), with a
summary line per day, a total, and a non-zero exit status naming the days that failed.

``sql`` queries the warehouse's read-only snapshot (``spotify_assets.snapshot.query``): it answers
while a run holds the warehouse, and never holds up a run.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg

from spotify_assets.analytics.queries import ANALYSES
from spotify_assets.emulator import Catalog
from spotify_assets.orchestration.accepted_warnings import ignore_accepted_warnings
from spotify_assets.orchestration.failures import root_cause
from spotify_assets.resources.env import SettingsError
from spotify_assets.resources.spotify import EmulatorSpotifyResource, SpotifyResource
from spotify_assets.snapshot.query import Format, interactive, query_once
from spotify_assets.spotify_api.allocator import configure_process
from spotify_assets.tables.schema import TABLES


def _today_utc() -> date:
    return datetime.now(UTC).date()


def _instance() -> dg.DagsterInstance:
    """The persistent instance when DAGSTER_HOME is set (so `dagster dev` shows the run)."""
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


# The event log keeps everything; the terminal shows warnings and errors only, then the summary.
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


class _FirstLine(logging.Formatter):
    """Dagster's log line without what follows it: a failed step's traceback stays in the event
    log (the UI shows it); the summary says why the step failed, in one line."""

    def format(self, record: logging.LogRecord) -> str:
        lines = record.getMessage().strip().splitlines()
        return f"{record.levelname} - {lines[0] if lines else ''}"


@dg.logger(
    {"log_level": dg.Field(str, default_value="INFO", description="The logger's threshold.")},
    description="Dagster's log lines on stderr, one line each (no tracebacks): the terminal's console.",
)
def terminal_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("spotify-assets", level=init_context.logger_config["log_level"])
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_FirstLine())
    logger.addHandler(handler)
    return logger


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

        # The jobs' console here is the terminal's; runs launched elsewhere keep Dagster's.
        return dg.Definitions.merge(defs(), dg.Definitions(loggers={"console": terminal_logger}))
    except SettingsError as exc:
        print(f"spotify-assets: configuration error: {exc}", file=sys.stderr)
        return None


def _check_outcomes(result: dg.ExecuteInProcessResult) -> tuple[int, list[str], int, list[str]]:
    """(checks evaluated, failed ERROR checks, failed WARN checks, one line per distinct warning)."""
    checks = result.get_asset_check_evaluations()
    failed = sorted(
        f"{c.asset_key.to_user_string()}.{c.check_name}" for c in checks if not c.passed and not _warning(c)
    )
    # A WARN check (e.g. albums Spotify pulled) reports without failing the run: shown apart, one
    # line per check and message (a day that landed late says so once, not once per table).
    warned = [c for c in checks if not c.passed and _warning(c)]
    return len(checks), failed, len(warned), warning_lines(warned)


def warning_lines(warned: Iterable[dg.AssetCheckEvaluation]) -> list[str]:
    """One line per check and message: ``albums.listed_albums_available: ...``, or the assets in
    brackets when several said the same (``partition_landed_by_deadline (albums, tracks): ...``)."""
    assets_by_warning: dict[tuple[str, str], list[str]] = {}
    for c in warned:
        assets_by_warning.setdefault((c.check_name, c.description or ""), []).append(c.asset_key.to_user_string())
    return [
        f"{assets[0]}.{check}: {said}" if len(assets) == 1 else f"{check} ({', '.join(sorted(assets))}): {said}"
        for (check, said), assets in assets_by_warning.items()
    ]


def refresh_history(defs: dg.Definitions, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """The whole-history outputs (dashboard, snapshot), as the automation sensor refreshes them in
    ``dg dev`` and production once days have landed: here, after this command's day(s)."""
    from spotify_assets.defs.daily_snapshot.automation import HISTORY_OUTPUTS

    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        asset_selection=[dg.AssetKey(name) for name in HISTORY_OUTPUTS],
        instance=instance,
        raise_on_error=False,
        run_config=QUIET_CONSOLE,
    )


def run(day: date) -> int:
    defs = _load_defs()
    if defs is None:
        return 2
    job = defs.resolve_job_def("daily_snapshot_job")
    with _instance() as instance:
        result = job.execute_in_process(
            partition_key=day.isoformat(), instance=instance, raise_on_error=False, run_config=QUIET_CONSOLE
        )
        history = refresh_history(defs, instance) if result.success else None
    checks, failed, warned, warnings = _check_outcomes(result)
    resources = defs.resources or {}
    print(f"spotify-assets: run {result.run_id} for {day}: {'SUCCESS' if result.success else 'FAILURE'}")
    print(f"  source:  {resources['spotify'].backend}")
    print(f"  raw:     {resources['raw_storage'].location}")
    print(f"  duckdb:  {resources['warehouse'].database} (the pipeline's; people read the snapshot below)")
    if not result.success:
        print(f"  failed:  {failure_reason(result)}")
    if result.success:
        expected = embedded_catalog_counts(resources["spotify"], day)
        for table, count in day_row_counts(result).items():
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
    if history is not None:
        print_history(history)
    passed = checks - len(failed) - warned
    print(
        f"  checks:  {passed} passed, {len(failed)} failed, {warned} warned"
        + (f" (failed: {', '.join(failed)})" if failed else "")
    )
    for warning in warnings:
        print(f"  warning: {warning}")
    return 0 if result.success and (history is None or history.success) else 1


def print_history(history: dg.ExecuteInProcessResult) -> None:
    """Where the dashboard and the snapshot are, or why they were not refreshed."""
    if not history.success:
        print(f"  failed:  {failure_reason(history)}")
        return
    summaries = materialization_summaries(history)
    location = materialization_value(history, "trends_dashboard", "location")
    if location:
        print(f"  dashboard: {location}")
        print(f"           {summaries.get('trends_dashboard', '')}")
    snapshot = materialization_value(history, "warehouse_snapshot", "path")
    if snapshot:
        print(f"  snapshot: {snapshot}")
        print(f"           {summaries.get('warehouse_snapshot', '')}; the file notebooks and BI tools open")
        print(f'           query it: {command_name()} sql "SELECT * FROM albums LIMIT 5"')
    else:
        print("  snapshot: not published: another run is still building a day (it is published after that run)")


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


def command_name() -> str:
    """How to call this command from here: ``spotify-assets`` when it is on PATH, else its path
    (``.venv/bin/spotify-assets`` after ``make run``)."""
    if shutil.which("spotify-assets"):
        return "spotify-assets"
    script = Path(sys.executable).parent / "spotify-assets"
    with contextlib.suppress(ValueError):
        return str(script.relative_to(Path.cwd()))
    return str(script)


def sql(query: str | None, out_format: Format) -> int:
    """``spotify-assets sql``: one statement on the snapshot, or the prompt when none is given."""
    try:
        from spotify_assets.settings import warehouse_from_env

        path = warehouse_from_env().snapshot_path
    except SettingsError as exc:
        print(f"spotify-assets: configuration error: {exc}", file=sys.stderr)
        return 2
    return interactive(path, out_format) if query is None else query_once(path, query, out_format)


def failure_reason(result: dg.ExecuteInProcessResult) -> str:
    """The first failed step and the error that failed it (not Dagster's wrapper), on one line: the
    line the failure alert carries for that step."""
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            return f"{event.step_key}: {root_cause(event.step_failure_data.error)}"
    return "failed"


def day_row_counts(result: dg.ExecuteInProcessResult) -> dict[str, int]:
    """The day's rows per table, as the tables step recorded them: the summary reads the run's own
    record, not the warehouse, which another program may be holding by now."""
    counts = {}
    for table in TABLES:
        value = materialization_value(result, table.name, "dagster/partition_row_count")
        if value is not None:
            counts[table.name] = int(value)
    return counts


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
    history: dg.ExecuteInProcessResult | None = None
    started = time.perf_counter()
    with _instance() as instance:
        for day in days:
            day_started = time.perf_counter()
            result = job.execute_in_process(
                partition_key=day.isoformat(), instance=instance, raise_on_error=False, run_config=QUIET_CONSOLE
            )
            checks, failed, warned, warnings = _check_outcomes(result)
            took = time.perf_counter() - day_started
            if result.success:
                rows = ", ".join(f"{table} {count}" for table, count in day_row_counts(result).items())
                print(
                    f"  {day}  SUCCESS  {took:5.1f} s  {rows}; checks {checks - len(failed) - warned}/{checks} passed"
                )
                for warning in warnings:
                    print(f"  {day}  warning: {warning}")
            else:
                failed_days.append(day)
                why = f"checks failed: {', '.join(failed)}" if failed else failure_reason(result)
                print(f"  {day}  FAILURE  {took:5.1f} s  run {result.run_id}: {why}")
        # Once for the range, as the automation sensor does after a backfill.
        if len(failed_days) < len(days):
            history = refresh_history(defs, instance)
    if history is not None:
        print_history(history)
    total = time.perf_counter() - started
    print(
        f"spotify-assets: {len(days) - len(failed_days)} of {len(days)} days succeeded in {total:.1f} s"
        + (f"; failed: {', '.join(d.isoformat() for d in failed_days)}" if failed_days else "")
    )
    return 1 if failed_days or (history is not None and not history.success) else 0


HELP = """\
Spotify new releases and their tracks as validated tables, on the embedded Spotify emulator by
default (no credentials needed) or on the real Web API (SPOTIFY_BACKEND=spotify).
"""
EXAMPLES = """\
examples:
  spotify-assets run                                   today's partition and a summary of what was built
  spotify-assets run --from 2026-11-01 --to 2026-11-07 a backfill from the terminal, one run per day
  spotify-assets sql "SELECT * FROM albums LIMIT 5"    query the read-only snapshot
  spotify-assets settings                              every setting, its default and meaning

The Dagster UI: make dev (dg dev), then http://127.0.0.1:3000
"""


def main(argv: list[str] | None = None) -> None:
    # Plain text for the terminal (the module docstring is written for Python readers).
    parser = argparse.ArgumentParser(
        prog="spotify-assets",
        description=HELP,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
    sql_parser = commands.add_parser(
        "sql",
        help="query the warehouse's read-only snapshot (never blocks a run); no query: an interactive prompt",
    )
    sql_parser.add_argument("query", nargs="?", help='one SQL statement, e.g. "SELECT * FROM albums LIMIT 5"')
    output = sql_parser.add_mutually_exclusive_group()
    output.add_argument("--csv", dest="out_format", action="store_const", const="csv", help="print CSV")
    output.add_argument("--json", dest="out_format", action="store_const", const="json", help="print a JSON array")
    args = parser.parse_args(argv)
    if args.command == "sql":
        sys.exit(sql(args.query, args.out_format or "table"))
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
