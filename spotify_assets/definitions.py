"""The one Definitions object: wiring only (assets, checks, job, schedule, resources)."""

from __future__ import annotations

import dagster as dg

from spotify_assets.alerting.sensor import daily_snapshot_failure_alert
from spotify_assets.assets.analytics import analytics_assets
from spotify_assets.assets.lake import lake_export
from spotify_assets.assets.raw import raw_album_tracks, raw_new_releases
from spotify_assets.assets.tables import spotify_tables
from spotify_assets.assets.trends import trend_assets
from spotify_assets.checks.freshness import partition_freshness_checks, partition_freshness_sensor
from spotify_assets.checks.schema_change import column_schema_change_checks
from spotify_assets.checks.table_checks import table_quality_checks
from spotify_assets.schedules import daily_snapshot_job, daily_snapshot_schedule
from spotify_assets.settings import resources_from_env
from spotify_assets.spotify_api.allocator import configure_process

# This module is the code location's entry point, loaded by every Dagster process that runs our
# assets: the one place for process-wide settings (glibc's mmap threshold, see allocator.py).
configure_process()

defs = dg.Definitions(
    assets=[raw_new_releases, raw_album_tracks, spotify_tables, *analytics_assets, lake_export, *trend_assets],
    asset_checks=[table_quality_checks, column_schema_change_checks, partition_freshness_checks],
    jobs=[daily_snapshot_job],
    schedules=[daily_snapshot_schedule],
    sensors=[partition_freshness_sensor, daily_snapshot_failure_alert],
    resources=resources_from_env(),
    # One process per run, not per step: the multiprocess default started ~10 processes per day,
    # each importing the code location (57 s per UI-launched day on 2 cores, vs ~9 s in-process).
    # Runs still go in parallel (one process each, queued by dagster_home/dagster.yaml), and the
    # steps of a day are a chain over one DuckDB file that they could not share anyway. Applies to
    # daily_snapshot_job and to the asset job behind the UI's Materialize and backfill buttons.
    executor=dg.in_process_executor,
)
