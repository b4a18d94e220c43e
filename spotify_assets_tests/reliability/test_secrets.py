"""Secrets kept: neither the client secret nor any access token the API issued shows up in logs,
raw files, materialization metadata, the Dagster event log or error messages."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from spotify_assets.emulator import EmulatorConfig, SpotifyEmulator
from spotify_assets_tests.platform.conftest import DAY, PLATFORM, materialize_day, platform_resources, spotify_for

SECRET = "sEcReT-7f3a9c1e-do-not-leak"


def issued_tokens(emulator: SpotifyEmulator) -> list[str]:
    """Every access token the emulator handed out (expired ones included)."""
    return list(emulator._tokens._deadlines)


def everything_written(folder: Path) -> str:
    """All files under ``folder`` (raw pages, manifests, DuckDB), as one searchable text."""
    return "\n".join(p.read_bytes().decode("latin-1") for p in folder.rglob("*") if p.is_file())


def event_log_text(result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance) -> str:
    """The run's events and the instance's stored log, serialized the way Dagster stores them."""
    events = [dg.serialize_value(event) for event in result.all_events]
    stored = [dg.serialize_value(entry) for entry in instance.all_logs(result.run_id)]
    return "\n".join(events + stored)


def _resources(emulator: SpotifyEmulator, folder: Path) -> dict[str, Any]:
    # One worker: with a token revoked every 5 requests, concurrent workers could see the token
    # they just refreshed revoked by another worker's request before their retry lands, which the
    # client rightly reports as a rejected fresh token. This test is about leaks, not that race.
    return platform_resources(emulator, folder, spotify_for(emulator, client_secret=SECRET, max_workers=1))


@pytest.fixture
def secret_emulator() -> Any:
    """Tokens expire often, so the run holds several of them."""
    config = EmulatorConfig(client_secret=SECRET)
    config.faults.expire_token_every = 5
    with SpotifyEmulator(config) as emu:
        yield emu


def assert_absent(text: str, secrets: list[str], where: str) -> None:
    leaked = [s[:6] + "…" for s in secrets if s in text]
    assert not leaked, f"{len(leaked)} secret(s) found in {where}: {leaked}"


def test_successful_run_leaks_no_secret_or_token(
    secret_emulator: SpotifyEmulator,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    with dg.instance_for_test() as instance:
        result = materialize_day(_resources(secret_emulator, tmp_path), DAY, instance=instance)
        assert result.success
        log_text = event_log_text(result, instance)
    tokens = issued_tokens(secret_emulator)
    assert len(tokens) >= 2, "token expiry should have forced several tokens"
    secrets = [SECRET, *tokens]
    out, err = capsys.readouterr()
    assert "new releases for" in caplog.text + out + err + log_text, (
        "logs were not captured: the search would prove nothing"
    )
    assert_absent(caplog.text + out + err, secrets, "captured logs/output")
    assert_absent(everything_written(tmp_path), secrets, "raw files / warehouse")
    assert_absent(log_text, secrets, "the Dagster event log")
    metadata = [m.metadata for m in result.asset_materializations_for_node("raw_new_releases")]
    metadata += [
        m.metadata
        for node in ("raw_album_tracks", "spotify_tables")
        for m in result.asset_materializations_for_node(node)
    ]
    assert_absent(repr(metadata), secrets, "materialization metadata")


def test_wrong_credentials_fail_clearly_without_echoing_them(
    secret_emulator: SpotifyEmulator,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wrong = "wrong-" + SECRET
    caplog.set_level(logging.DEBUG)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            PLATFORM,
            partition_key=DAY.isoformat(),
            resources={
                **_resources(secret_emulator, tmp_path),
                "spotify": spotify_for(secret_emulator, client_secret=wrong),
            },
            raise_on_error=False,
            instance=instance,
        )
        log_text = event_log_text(result, instance)
    assert not result.success
    failures = [e for e in result.all_events if e.is_failure]
    messages = " ".join(str(e.event_specific_data) for e in failures)
    assert "invalid_client" in messages or "credential" in messages.lower(), messages
    out, err = capsys.readouterr()
    secrets = [SECRET, wrong]
    assert_absent(caplog.text + out + err, secrets, "captured logs/output")
    assert_absent(log_text + messages, secrets, "failure events / exception messages")
    assert not issued_tokens(secret_emulator)
