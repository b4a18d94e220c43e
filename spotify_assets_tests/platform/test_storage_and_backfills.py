"""S3 landing against a real S3-protocol server, past dates, and parallel backfills."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from spotify_assets.emulator import EmulatorConfig, SpotifyEmulator
from spotify_assets.resources.s3 import S3Connection
from spotify_assets.resources.spotify import SpotifyApiResource
from spotify_assets.resources.storage import RawStorageResource
from spotify_assets_tests.platform.conftest import DAY, materialize_day, table_counts, table_fingerprints

REPO = Path(__file__).resolve().parents[2]


def test_raw_lands_in_s3_under_hive_paths_and_tables_match_local(
    resources: dict[str, Any], s3_endpoint: str, s3_bucket: str, tmp_path: Path
) -> None:
    s3_resources = {
        **resources,
        "raw_storage": RawStorageResource(
            s3_bucket=s3_bucket, s3_prefix="raw", s3=S3Connection(endpoint_url=s3_endpoint, region_name="us-east-1")
        ),
    }
    assert materialize_day(s3_resources, DAY).success

    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=s3_bucket)
        for o in page.get("Contents", [])
    ]
    assert f"raw/new_releases/date={DAY}/page-0000.json" in keys
    assert f"raw/new_releases/date={DAY}/_manifest.json" in keys
    assert any(k.startswith(f"raw/album_tracks/date={DAY}/albums-batch-") for k in keys)
    assert not (tmp_path / "raw").exists()

    local = {**resources, "warehouse": type(resources["warehouse"])(database=str(tmp_path / "local.duckdb"))}
    assert materialize_day(local, DAY).success
    assert table_fingerprints(str(tmp_path / "local.duckdb"), DAY) == table_fingerprints(
        resources["warehouse"].database, DAY
    )


def real_api_semantics(emulator: SpotifyEmulator) -> Any:
    """The 'spotify' backend pointed at the emulator: it only ever serves today's snapshot."""
    config = EmulatorConfig()
    return SpotifyApiResource(
        api_base_url=emulator.api_base_url,
        token_url=emulator.token_url,
        client_id=config.client_id,
        client_secret=config.client_secret,
    )


def test_past_date_without_raw_fails_clearly_instead_of_mislabelling_today(
    resources: dict[str, Any], emulator: SpotifyEmulator
) -> None:
    past = datetime.now(UTC).date() - timedelta(days=3)
    result = materialize_day({**resources, "spotify": real_api_semantics(emulator)}, past)
    assert not result.success
    error = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error
    while error.cause is not None:  # Dagster's wrapper names the step; the cause says why
        error = error.cause
    failure = error.message
    assert error.cls_name == "SnapshotUnavailableError"
    assert f"No raw new-releases snapshot for {past}" in failure
    assert "would mislabel it" in failure
    assert emulator.stats()["by_endpoint"].get("new_releases", 0) == 0


def test_past_date_with_raw_snapshot_rebuilds_from_raw_without_calling_the_api(
    resources: dict[str, Any], emulator: SpotifyEmulator
) -> None:
    assert materialize_day(resources, DAY).success
    first = table_fingerprints(resources["warehouse"].database, DAY)
    emulator.reset_stats()

    result = materialize_day({**resources, "spotify": real_api_semantics(emulator)}, DAY)

    assert result.success
    assert emulator.stats()["total"] == 0
    assert table_fingerprints(resources["warehouse"].database, DAY) == first


def test_two_dates_backfilled_in_parallel_processes_share_duckdb_without_lock_errors(tmp_path: Path) -> None:
    env = {**os.environ, "SPOTIFY_ASSETS_DATA_DIR": str(tmp_path), "DAGSTER_HOME": ""}
    days = [DAY, DAY + timedelta(days=1)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "spotify_assets.cli", "run", "--date", day.isoformat()],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for day in days
    ]
    outputs = [p.communicate(timeout=240)[0] for p in processes]
    for process, output in zip(processes, outputs, strict=False):
        assert process.returncode == 0, output
        assert "could not set lock" not in output.lower(), output
    counts = [table_counts(str(tmp_path / "spotify.duckdb"), day) for day in days]
    assert all(c["albums"] == 100 and c["tracks"] > 0 for c in counts)
