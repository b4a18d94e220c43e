"""The run-failure sensor: the daemon evaluates it after a run of this code location fails (a day of
the daily job, the automation's refresh of the dashboard and snapshot, a UI launch), and it posts
one redacted message naming the job (or the assets), the partition, each failed step and its error."""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

from spotify_assets.alerting.message import FailedStep, RunFailure, alert_text, secrets_from_env
from spotify_assets.orchestration.failures import root_cause
from spotify_assets.resources.alerts import AlertWebhookResource

PARTITION_TAG = "dagster/partition"
RANGE_START_TAG, RANGE_END_TAG = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def run_partition(tags: Mapping[str, str]) -> str | None:
    """The run's partition, or "start...end" for a run over a range of partitions."""
    if PARTITION_TAG in tags:
        return tags[PARTITION_TAG]
    if RANGE_START_TAG in tags:
        return f"{tags[RANGE_START_TAG]}...{tags.get(RANGE_END_TAG, '?')}"
    return None


def run_label(run: dg.DagsterRun) -> str:
    """The job's name; for Dagster's implicit asset job (the automation's runs, the UI's Materialize
    outside a job), the assets it materialized, which is what a reader of the alert recognizes."""
    if not run.job_name.startswith("__ASSET_JOB"):
        return run.job_name
    assets = sorted(key.to_user_string() for key in run.asset_selection or ())
    return "assets " + ", ".join(assets) if assets else run.job_name


def run_failure(context: dg.RunFailureSensorContext) -> RunFailure:
    run = context.dagster_run
    steps = [
        FailedStep(step=event.step_key or "?", error=root_cause(event.step_failure_data.error))
        for event in context.get_step_failure_events()
    ]
    return RunFailure(
        job=run_label(run),
        run_id=run.run_id,
        partition=run_partition(run.tags),
        failed_steps=steps,
        run_error=context.failure_event.message,
    )


@dg.run_failure_sensor(
    name="daily_snapshot_failure_alert",
    # Every job of this code location: the daily job, and the implicit asset job the automation
    # sensor and the UI's Materialize run.
    minimum_interval_seconds=15,
    # Running by default: without SPOTIFY_ALERT_WEBHOOK_URL it only logs that nothing was sent.
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts a Slack-compatible message (SPOTIFY_ALERT_WEBHOOK_URL) when a run fails.",
)
def daily_snapshot_failure_alert(context: dg.RunFailureSensorContext, alert_webhook: AlertWebhookResource) -> None:
    failure = run_failure(context)
    if not alert_webhook.configured:
        context.log.info(f"run {failure.run_id} failed; no alert sent (SPOTIFY_ALERT_WEBHOOK_URL is not set)")
        return
    alert_webhook.post(alert_text(failure, secrets_from_env()))
    context.log.info(f"failure alert sent for run {failure.run_id}")
