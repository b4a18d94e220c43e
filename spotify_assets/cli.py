"""``spotify-assets run``: materialize one day end to end and print what was built.

Runs the same job the schedule runs (``daily_snapshot_job``: raw, tables and their checks,
analytics, lake export) in-process, against whatever the environment configures — by default the
embedded emulator, local raw files, a local DuckDB and a local Parquet lake.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from datetime import date, datetime, timezone
from pathlib import Path

import dagster as dg

from spotify_assets.analytics.queries import ANALYSES
from spotify_assets.emulator import Catalog
from spotify_assets.resources.spotify import EmulatorSpotifyResource, SpotifyResource
from spotify_assets.resources.spotify_api.allocator import configure_process
from spotify_assets.transform.flatten import row_counts


def _today_utc() -> date:
    return datetime.now(timezone.utc).date()


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


def run(day: date) -> int:
    from spotify_assets.settings import SettingsError

    # Dagster flags the preview/beta APIs we use on purpose (partitioned asset checks; column-schema
    # change checks); the terminal summary is not the place for that. Anything else still shows.
    warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec", category=dg.PreviewWarning)
    warnings.filterwarnings("ignore", message="Function `build_column_schema_change_checks`", category=dg.BetaWarning)
    try:
        from spotify_assets.definitions import defs
    except SettingsError as exc:
        print(f"spotify-assets: configuration error: {exc}", file=sys.stderr)
        return 2

    job = defs.resolve_job_def("daily_snapshot_job")
    with _instance() as instance:
        result = job.execute_in_process(
            partition_key=day.isoformat(), instance=instance, raise_on_error=False, run_config=QUIET_CONSOLE
        )
    checks = result.get_asset_check_evaluations()
    failed = sorted(f"{c.asset_key.to_user_string()}.{c.check_name}" for c in checks if not c.passed and not _warning(c))
    # A WARN check (e.g. albums Spotify pulled) reports without failing the run: shown apart.
    warned = [f"{c.asset_key.to_user_string()}.{c.check_name}: {c.description}" for c in checks if not c.passed and _warning(c)]
    resources = defs.resources
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
    passed = len(checks) - len(failed) - len(warned)
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
    from spotify_assets.settings import SettingsError, lake_from_env

    try:
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
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="spotify-assets", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="materialize one day's partition and print the tables")
    run_parser.add_argument("--date", type=date.fromisoformat, default=None, help="partition (YYYY-MM-DD), default today UTC")
    dashboard_parser = commands.add_parser("dashboard", help="print where the trends dashboard is and serve it on 127.0.0.1")
    dashboard_parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 = any free port)")
    args = parser.parse_args(argv)
    if args.command == "dashboard":
        sys.exit(dashboard(args.port))
    configure_process()
    sys.exit(run(args.date or _today_utc()))


if __name__ == "__main__":
    main()
