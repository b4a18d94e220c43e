"""The sensor that refreshes the whole-history outputs (the dashboard, the readers' snapshot) once
days have landed (``orchestration/automation.py`` says when, and why not in each day's run)."""

from __future__ import annotations

import dagster as dg

HISTORY_OUTPUTS = ("trends_dashboard", "warehouse_snapshot")

history_refresh_sensor = dg.AutomationConditionSensorDefinition(
    "history_refresh_sensor",
    target=dg.AssetSelection.assets(*HISTORY_OUTPUTS),
    # Running from the start, like the other sensors: a day landed with it off would leave the
    # dashboard and the snapshot behind.
    default_status=dg.DefaultSensorStatus.RUNNING,
    # Runs straight into the run queue rather than through the backfill daemon, which picks new
    # backfills up only every 30 s.
    emit_backfills=False,
    description="Refreshes the trends dashboard and the readers' snapshot once days have landed and none is in progress.",
)
