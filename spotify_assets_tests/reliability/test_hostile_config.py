"""Hostile configuration: a clear message naming the problem, raised before any API work where
possible (the emulator must have seen no /v1 request)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from spotify_assets.emulator import SpotifyEmulator
from spotify_assets.resources.storage import RawStorageResource
from spotify_assets.resources.warehouse import WarehouseResource
from spotify_assets.settings import SettingsError, resources_from_env
from spotify_assets_tests.platform.conftest import DAY, materialize_day, platform_resources, spotify_for
from spotify_assets.resources.s3 import S3Connection


def failure_text(result: dg.ExecuteInProcessResult) -> str:
    """Every failure's message and cause chain, as a user of the UI or the CLI would read them."""
    return "\n".join(str(e.event_specific_data) for e in result.all_events if e.is_failure)


def api_requests(emulator: SpotifyEmulator) -> dict[str, int]:
    """Requests the emulator served, admin calls (clock, stats) left out."""
    by_endpoint = emulator.stats()["by_endpoint"]
    return {endpoint: n for endpoint, n in by_endpoint.items() if endpoint != "admin" and n}


def test_raw_folder_that_cannot_exist_fails_naming_it_before_any_api_call(emulator: SpotifyEmulator, tmp_path: Path) -> None:
    # Tests run as root, where chmod does not block writes; a folder below a regular file cannot exist.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    raw = RawStorageResource(local_root=str(blocker / "raw"))
    result = materialize_day(platform_resources(emulator, tmp_path, raw_storage=raw), DAY)
    assert not result.success
    message = failure_text(result)
    assert f"Raw folder {blocker / 'raw'} is not writable" in message and "SPOTIFY_ASSETS_DATA_DIR" in message, message
    assert api_requests(emulator) == {}


def test_duckdb_path_that_cannot_exist_fails_naming_it_before_any_api_call(emulator: SpotifyEmulator, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    warehouse = WarehouseResource(database=str(blocker / "spotify.duckdb"))
    result = materialize_day(platform_resources(emulator, tmp_path, warehouse=warehouse), DAY)
    assert not result.success
    message = failure_text(result)
    assert f"DuckDB file {blocker / 'spotify.duckdb'} cannot be created" in message and "SPOTIFY_DUCKDB_PATH" in message, message
    assert api_requests(emulator) == {}
    assert not (tmp_path / "raw").exists() or not any((tmp_path / "raw").rglob("*.json")), "no raw page before the check"


def test_missing_s3_bucket_fails_naming_it_before_any_api_call(
    emulator: SpotifyEmulator, tmp_path: Path, s3_endpoint: str
) -> None:
    raw = RawStorageResource(s3_bucket="never-created", s3=S3Connection(endpoint_url=s3_endpoint, region_name="us-east-1"))
    result = materialize_day(platform_resources(emulator, tmp_path, raw_storage=raw), DAY)
    assert not result.success
    message = failure_text(result)
    assert "S3 bucket 'never-created' is not usable" in message and "SPOTIFY_RAW_S3_BUCKET" in message, message
    assert api_requests(emulator) == {}


def test_wrong_credentials_fail_at_the_token_endpoint_with_a_clear_message(emulator: SpotifyEmulator, tmp_path: Path) -> None:
    result = materialize_day(platform_resources(emulator, tmp_path, spotify=spotify_for(emulator, client_id="nobody")), DAY)
    assert not result.success
    message = failure_text(result)
    assert "invalid_client" in message or "credential" in message.lower(), message
    assert set(api_requests(emulator)) <= {"token"}, "no API call may be made without a token"
    assert not list(tmp_path.rglob("_manifest.json")), "nothing may be committed"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SPOTIFY_EMULATOR_LATENCY_MS", "nan"),
        ("SPOTIFY_MAX_TOTAL_WAIT_S", "inf"),
        ("SPOTIFY_MAX_RETRY_AFTER_S", "-1"),
        ("SPOTIFY_MAX_ATTEMPTS", "2.5"),
        ("SPOTIFY_RATE_LIMIT_REQUESTS", "0"),
        ("SPOTIFY_RATE_LIMIT_WINDOW_S", "0"),
        ("SPOTIFY_EMULATOR_ALBUMS_PER_DAY", ""),  # empty means default, not an error
    ],
)
def test_bad_numbers_in_the_environment_are_refused_by_name(variable: str, value: str) -> None:
    if not value:
        resources_from_env({variable: value})
        return
    with pytest.raises(SettingsError, match=rf"^{variable} must be (an integer|a number) (>=|>) "):
        resources_from_env({variable: value})


def test_rate_limit_settings_reach_the_client_and_are_off_by_default() -> None:
    paced = resources_from_env({"SPOTIFY_RATE_LIMIT_REQUESTS": "90", "SPOTIFY_RATE_LIMIT_WINDOW_S": "20"})["spotify"]
    with paced.build_client() as client:
        assert (client.settings.rate_limit_requests, client.settings.rate_limit_window_s) == (90, 20.0)
    with resources_from_env({})["spotify"].build_client() as client:
        assert client.settings.rate_limit_requests is None


def test_cli_with_a_bad_setting_exits_2_naming_the_variable_before_any_work(tmp_path: Path) -> None:
    env = {**os.environ, "SPOTIFY_ASSETS_DATA_DIR": str(tmp_path), "DAGSTER_HOME": "", "SPOTIFY_MAX_WORKERS": "lots"}
    command = [sys.executable, "-m", "spotify_assets.cli", "run", "--date", DAY.isoformat()]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "SPOTIFY_MAX_WORKERS must be an integer >= 1, got 'lots'" in done.stderr
    assert not any(tmp_path.iterdir()), "nothing may be written on a configuration error"


BAD_ENVIRONMENT = [
    ("SPOTIFY_ASSETS_START_DATE", "yesterday", "SPOTIFY_ASSETS_START_DATE must be a date written YYYY-MM-DD"),
    ("SPOTIFY_ASSETS_START_DATE", "20260101", "SPOTIFY_ASSETS_START_DATE must be a date written YYYY-MM-DD"),
    ("SPOTIFY_RAW_S3_BUCKET", "s3://my_bucket/raw", "SPOTIFY_RAW_S3_BUCKET must be an S3 bucket name"),
    ("SPOTIFY_RAW_S3_PREFIX", "../up", "SPOTIFY_RAW_S3_PREFIX must be a key prefix"),
]


def _environment(tmp_path: Path, variable: str, value: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTIFY_")}
    return {**env, "DAGSTER_HOME": str(tmp_path), "SPOTIFY_ASSETS_DATA_DIR": str(tmp_path / "data"), variable: value}


@pytest.mark.parametrize(("variable", "value", "message"), BAD_ENVIRONMENT)
def test_cli_names_a_bad_variable_in_one_line_before_any_work(tmp_path: Path, variable: str, value: str, message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "spotify_assets.cli", "run", "--date", "2026-11-21"],
        env=_environment(tmp_path, variable, value), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"spotify-assets: configuration error: {message}"), done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "data").exists(), "nothing may be written before the configuration is accepted"


def test_code_location_load_error_names_the_variable(tmp_path: Path) -> None:
    """The UI shows what loading the workspace raised; `dagster definitions validate` loads it the same way."""
    repo = Path(__file__).resolve().parents[2]
    variable, value, message = BAD_ENVIRONMENT[0]
    done = subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), "definitions", "validate", "-w", str(repo / "workspace.yaml")],
        env=_environment(tmp_path, variable, value), cwd=repo, capture_output=True, text=True, timeout=180,
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert f"SettingsError: {message}" in output and repr(value) in output, output
