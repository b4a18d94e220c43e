"""``daily_snapshot_job``: one day of every daily asset and its checks, in one run."""

from __future__ import annotations

import dagster as dg

daily_snapshot_job = dg.define_asset_job(
    "daily_snapshot_job",
    # Analytics and the lake export read only the day's tables, so they belong to the same run: they
    # start after the tables' blocking checks passed and never see a half-built or failed day.
    # The trends (history-wide tables and the dashboard) refresh what the day changed, same run.
    selection=dg.AssetSelection.groups("raw", "warehouse", "analytics", "lake", "trends"),
    # No partitions_def: Dagster infers the daily partitions from the selected assets.
    description=(
        "Land today's new releases and tracks, rebuild that day's tables and run their checks, "
        "then the day's analytics (tables + charts), its Parquet lake export, the history-wide trend "
        "tables and the dashboard."
    ),
)
