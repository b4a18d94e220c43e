"""The run-failure sensor: the daemon evaluates it after a run of the daily job fails, and it
posts one redacted message naming the job, the partition, each failed step and its error."""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

from spotify_assets.alerting.message import FailedStep, RunFailure, alert_text, secrets_from_env

# The module, not the job: a job imported by name would be found here a second time by the loader.
from spotify_assets.defs.daily_snapshot import jobs
from spotify_assets.orchestration.failures import root_cause
from spotify_assets.resources.alerts import AlertWebhookResource

PARTITION_TAG = "dagster/partition"
RANGE_START_TAG, RANGE_END_TAG = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def run_partition(tags: Mapping[str, str]) -> str | None:
    """The run's partition, or "start...end" for a run over a range (a batched backfill)."""
    if PARTITION_TAG in tags:
        return tags[PARTITION_TAG]
    if RANGE_START_TAG in tags:
        return f"{tags[RANGE_START_TAG]}...{tags.get(RANGE_END_TAG, '?')}"
    return None


def run_failure(context: dg.RunFailureSensorContext) -> RunFailure:
    run = context.dagster_run
    steps = [
        FailedStep(step=event.step_key or "?", error=root_cause(event.step_failure_data.error))
        for event in context.get_step_failure_events()
    ]
    return RunFailure(
        job=run.job_name,
        run_id=run.run_id,
        partition=run_partition(run.tags),
        failed_steps=steps,
        run_error=context.failure_event.message,
    )


@dg.run_failure_sensor(
    name="daily_snapshot_failure_alert",
    monitored_jobs=[jobs.daily_snapshot_job],
    minimum_interval_seconds=15,
    # Running by default: without SPOTIFY_ALERT_WEBHOOK_URL it only logs that nothing was sent.
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Posts a Slack-compatible message (SPOTIFY_ALERT_WEBHOOK_URL) when a daily run fails.",
)
def daily_snapshot_failure_alert(context: dg.RunFailureSensorContext, alert_webhook: AlertWebhookResource) -> None:
    failure = run_failure(context)
    if not alert_webhook.configured:
        context.log.info(f"run {failure.run_id} failed; no alert sent (SPOTIFY_ALERT_WEBHOOK_URL is not set)")
        return
    alert_webhook.post(alert_text(failure, secrets_from_env()))
    context.log.info(f"failure alert sent for run {failure.run_id}")
