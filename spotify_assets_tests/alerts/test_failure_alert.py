"""The run-failure sensor against real failed runs and a real local webhook: the alert names job,
partition, failed step and error, and never carries a secret (client secret, token, its own URL)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from spotify_assets.alerting.message import REDACTED, FailedStep, RunFailure, alert_text, redact
from spotify_assets.defs.daily_snapshot.alerts import daily_snapshot_failure_alert
from spotify_assets.harness.processes import free_port
from spotify_assets.resources.alerts import AlertDeliveryError, AlertWebhookResource
from spotify_assets_tests.alerts.conftest import Webhook
from spotify_assets_tests.holders import holding

SECRET = "sEcReT-alert-1b2c3d-do-not-leak"
TOKEN = "BQ" + "x7Yk2_pQ-9" * 8


def evaluate_sensor(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance, url: str) -> None:
    """What the daemon does after the run failed: evaluate the sensor for its RUN_FAILURE event."""
    run = instance.get_run_by_id(result.run_id)
    [entry] = instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    failure = entry.dagster_event
    context = dg.build_run_status_sensor_context(
        sensor_name="daily_snapshot_failure_alert",
        dagster_event=failure,
        dagster_instance=instance,
        dagster_run=run,
        resources={"alert_webhook": AlertWebhookResource(url=url)},
    ).for_run_failure()
    daily_snapshot_failure_alert(context)


def test_a_failed_daily_run_posts_job_partition_step_and_error(
    webhook: Webhook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPOTIFY_ASSETS_DATA_DIR", str(tmp_path))
    from spotify_assets.definitions import defs as load_definitions

    defs = load_definitions()

    port = free_port()
    closed = f"http://127.0.0.1:{port}/v1"  # nothing listens: the first step fails to connect
    run_config = {"resources": {"spotify": {"config": {"api_base_url": closed, "max_attempts": 1}}}}
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("daily_snapshot_job").execute_in_process(
            partition_key="2026-11-20", instance=instance, run_config=run_config, raise_on_error=False
        )
        assert not result.success
        evaluate_sensor(result, instance, webhook.url)

    assert len(webhook.posts) == 1
    text = webhook.posts[0]["text"]
    assert "*daily_snapshot_job* failed for partition *2026-11-20*" in text
    assert "failed step `raw_new_releases`" in text
    # The error the step raised (which server was unreachable), not Dagster's wrapper around it.
    assert f"SpotifyError: could not set the emulator's clock to 2026-11-20 at http://127.0.0.1:{port}/" in text
    assert result.run_id in text


def test_a_held_warehouse_alerts_with_the_same_one_line_the_cli_prints(
    webhook: Webhook, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notebook kept the warehouse open past SPOTIFY_DUCKDB_LOCK_WAIT: the alert's step line is
    the sentence `spotify-assets run` prints in its summary, not DuckDB's error."""
    monkeypatch.setenv("SPOTIFY_ASSETS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SPOTIFY_DUCKDB_LOCK_WAIT", "1")
    from spotify_assets.cli import failure_reason
    from spotify_assets.definitions import defs as load_definitions

    job = load_definitions().resolve_job_def("daily_snapshot_job")
    with holding(tmp_path / "spotify.duckdb") as holder, dg.instance_for_test() as instance:
        result = job.execute_in_process(partition_key="2026-11-20", instance=instance, raise_on_error=False)
        assert not result.success
        evaluate_sensor(result, instance, webhook.url)

    summary_line = failure_reason(result)
    assert summary_line.startswith("spotify_tables: The warehouse ") and f"(PID {holder.pid})" in summary_line
    step, sentence = summary_line.split(": ", 1)
    [post] = webhook.posts
    assert f"• failed step `{step}`: {sentence}" in post["text"].splitlines()
    assert "IO Error" not in post["text"] and "WarehouseLockedError" not in post["text"]


def test_no_secret_token_or_webhook_url_reaches_the_alert(webhook: Webhook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("SPOTIFY_ALERT_WEBHOOK_URL", webhook.url)

    @dg.op
    def fetch_releases() -> None:
        # What a careless library might put into an error: the secret, a token, a header, a URL.
        raise RuntimeError(
            f"token request rejected for secret {SECRET}; Authorization: Bearer {TOKEN}; "
            f"retry via {webhook.url}?access_token={TOKEN}"
        )

    @dg.job(tags={"dagster/partition": "2026-11-21"})
    def leaky_job() -> None:
        fetch_releases()

    with dg.instance_for_test() as instance:
        result = leaky_job.execute_in_process(instance=instance, raise_on_error=False)
        evaluate_sensor(result, instance, webhook.url)

    body = webhook.raw_bodies[0].decode()
    text = webhook.posts[0]["text"]
    assert "failed step `fetch_releases`" in text and "token request rejected" in text and REDACTED in text
    for secret in (SECRET, TOKEN, webhook.url, "hook-secret-part"):
        assert secret not in body, f"{secret[:8]}… leaked into the alert"


def test_redaction_of_secret_shapes_keeps_the_rest() -> None:
    text = redact(
        'GET /v1?access_token=abc123def&market=US failed; {"client_secret": "s3cr3t-val"}; '
        "postgresql+psycopg2://dagster:hunter2pw@db:5432/dagster; Basic ZGFnc3RlcjpodW50ZXI=",
        secrets=["short", "longer-known-secret"],
    )
    assert text == (
        f'GET /v1?access_token={REDACTED}&market=US failed; {{"client_secret": "{REDACTED}"}}; '
        f"postgresql+psycopg2://dagster:{REDACTED}@db:5432/dagster; Basic {REDACTED}"
    )
    assert redact("the longer-known-secret is here", ["longer-known-secret"]) == f"the {REDACTED} is here"


def test_alert_text_without_failed_step_reports_the_run_error() -> None:
    failure = RunFailure(
        job="daily_snapshot_job", run_id="r1", partition=None, failed_steps=[], run_error="worker died"
    )
    assert "no step failed; the run did: worker died" in alert_text(failure)
    one = RunFailure(job="j", run_id="r2", partition="2026-11-01", failed_steps=[FailedStep("s", "E: " + "x" * 2000)])
    assert len(alert_text(one)) < 800, "a long error is clipped"


def test_delivery_errors_name_the_host_never_the_url(webhook: Webhook) -> None:
    webhook.status = 500
    with pytest.raises(AlertDeliveryError, match=r"host 127\.0\.0\.1 answered HTTP 500") as answered:
        AlertWebhookResource(url=webhook.url).post("hello")
    closed = f"http://127.0.0.1:{free_port()}/services/T1/B1/hook-secret-part"
    with pytest.raises(AlertDeliveryError, match="unreachable") as unreachable:
        AlertWebhookResource(url=closed, timeout_s=2).post("hello")
    for error in (answered.value, unreachable.value):
        assert "hook-secret-part" not in str(error) and error.__cause__ is None
