"""``daily_snapshot_job``: one day of every daily asset and its checks, in one run."""

from __future__ import annotations

import dagster as dg

# The module, not the names: a definition imported by name would be found here a second time.
from spotify_assets.defs.daily_snapshot import automation

daily_snapshot_job = dg.define_asset_job(
    "daily_snapshot_job",
    # Analytics and the lake export read only the day's tables, so they belong to the same run: they
    # start after the tables' blocking checks passed and never see a half-built or failed day.
    # The trend tables refresh what the day changed, same run. The whole-history outputs (the
    # dashboard, the readers' snapshot) are refreshed once days have landed (automation.py).
    selection=dg.AssetSelection.groups("raw", "warehouse", "analytics", "lake", "trends")
    - dg.AssetSelection.assets(*automation.HISTORY_OUTPUTS),
    # No partitions_def: Dagster infers the daily partitions from the selected assets.
    description=(
        "Land today's new releases and tracks, rebuild that day's tables and run their checks, "
        "then the day's analytics (tables + charts), its Parquet lake export and the history-wide trend "
        "tables."
    ),
)
