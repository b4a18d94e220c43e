"""Out-of-process control: the /_emulator admin endpoints and the ``python -m`` CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from spotify_assets.emulator import SpotifyEmulator
from spotify_assets.emulator.__main__ import build_parser, config_from_args
from spotify_assets_tests.emulator.conftest import CLIENT_ID, CLIENT_SECRET, DAY, NEXT_DAY, ApiClient


def test_stats_count_api_traffic_only(api: ApiClient) -> None:
    api.get("/browse/new-releases")
    api.get("/albums/4aawyAB9vmqN3uQ7FjRGTy")
    api.get("/browse/new-releases", token="nope")
    admin = api.session.get(api.emulator.base_url + "/_emulator/stats").json()
    assert admin == api.emulator.stats() | {"by_endpoint": admin["by_endpoint"]}
    assert admin["total"] == 4  # the token request and three /v1 calls
    assert admin["by_endpoint"] == {"token": 1, "new_releases": 2, "album": 1, "admin": 1}
    assert admin["by_status"] == {"200": 2, "404": 1, "401": 1}
    assert admin["faults"] == {"5xx": 0, "429": 0, "quota": 0, "truncated": 0, "reset": 0, "token_expired": 0}


def test_stats_reset_over_http_and_in_process(api: ApiClient) -> None:
    api.get("/browse/new-releases")
    reset = api.session.post(api.emulator.base_url + "/_emulator/stats/reset")
    assert reset.status_code == 200 and reset.json()["total"] == 0
    api.get("/browse/new-releases")
    api.emulator.reset_stats()
    assert api.emulator.stats()["total"] == 0


def test_clock_over_http(api: ApiClient) -> None:
    clock = api.emulator.base_url + "/_emulator/clock"
    assert api.session.get(clock).json() == {"today": DAY.isoformat()}
    assert api.session.put(clock, json={"today": NEXT_DAY.isoformat()}).json() == {"today": NEXT_DAY.isoformat()}
    assert api.emulator.today == NEXT_DAY
    first = api.ok("/browse/new-releases", limit=1)["albums"]["items"][0]["id"]
    assert first == api.emulator.catalog.new_release_ids(NEXT_DAY)[0]
    bad = api.session.put(clock, json={"today": "21/11/2026"})
    assert (bad.status_code, bad.json()["error"]["status"]) == (400, 400)


def test_faults_over_http(api: ApiClient) -> None:
    faults = api.emulator.base_url + "/_emulator/faults"
    assert api.session.get(faults).json()["error_5xx_rate"] == 0.0
    changed = api.session.patch(faults, json={"quota_exceeded": True})
    assert changed.status_code == 200 and changed.json()["quota_exceeded"] is True
    assert api.get("/browse/new-releases").status_code == 429
    assert api.session.patch(faults, json={"nonsense": 1}).status_code == 400
    assert api.session.patch(faults, data="not json").status_code == 400


def test_stopped_emulator_refuses_pooled_connections(api: ApiClient) -> None:
    assert api.get("/browse/new-releases").status_code == 200
    api.emulator.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get("/browse/new-releases")


def test_unstarted_emulator_has_no_address() -> None:
    with pytest.raises(RuntimeError):
        _ = SpotifyEmulator().base_url


def test_cli_flags_map_onto_the_config() -> None:
    args = build_parser().parse_args(
        ["--port", "0", "--seed", "7", "--albums-per-day", "30", "--dev-mode", "--latency-ms", "20",
         "--error-5xx-rate", "0.1", "--rate-limit", "100/10", "--token-ttl", "5", "--today", "2026-11-21",
         "--quota-exceeded", "--expire-token-every", "50", "--retry-after", "3"]
    )  # fmt: skip
    config = config_from_args(args)
    assert (config.port, config.catalog.seed, config.catalog.albums_per_day, config.dev_mode) == (0, 7, 30, True)
    assert (config.token_ttl_s, config.today) == (5.0, NEXT_DAY)
    faults = config.faults
    assert (faults.latency_ms, faults.error_5xx_rate, faults.quota_exceeded) == (20.0, 0.1, True)
    assert (faults.rate_limit_requests, faults.rate_limit_window_s, faults.retry_after_s) == (100, 10.0, 3)
    assert faults.expire_token_every == 50
    assert config_from_args(build_parser().parse_args(["--rate-limit", "100"])).faults.rate_limit_window_s == 30.0


@pytest.fixture
def cli_process() -> Iterator[subprocess.Popen[str]]:
    command = [sys.executable, "-m", "spotify_assets.emulator", "--port", "0", "--today", DAY.isoformat(),
               "--albums-per-day", "30", "--seed", "42"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_cli_serves_until_terminated(cli_process: subprocess.Popen[str]) -> None:
    assert cli_process.stdout is not None
    base_url = cli_process.stdout.readline().strip()
    assert base_url.startswith("http://127.0.0.1:")
    token = requests.post(
        base_url + "/api/token", data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET), timeout=10
    ).json()["access_token"]
    page = requests.get(
        base_url + "/v1/browse/new-releases", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()["albums"]
    assert page["total"] == 30
    assert page["href"].startswith(base_url + "/v1/")
    assert requests.get(base_url + "/_emulator/clock", timeout=10).json() == {"today": DAY.isoformat()}
    cli_process.send_signal(signal.SIGTERM)
    assert cli_process.wait(timeout=10) == 0
