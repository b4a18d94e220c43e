"""Injected faults: each one on its own, reproducible from the seed, counted in the stats."""

from __future__ import annotations

import dataclasses
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from spotify_assets.emulator import FaultConfig
from spotify_assets.emulator.faults import Fault, FaultChanges, FaultInjector, RollingWindowLimiter
from spotify_assets_tests.emulator.conftest import DAY, ApiClient, EmulatorFactory, Schemas


def faulty_api(start_emulator: EmulatorFactory, **faults: object) -> ApiClient:
    """A client with its token fetched first: the token endpoint never sees faults anyway."""
    return ApiClient(start_emulator(faults=FaultConfig(**faults)))  # type: ignore[arg-type]


def light_request(api: ApiClient) -> requests.Response:
    return api.get("/browse/new-releases", limit=1)


def test_latency_is_added_per_request_and_overlaps_across_connections(start_emulator: EmulatorFactory) -> None:
    api = faulty_api(start_emulator, latency_ms=100)
    started = time.perf_counter()
    assert light_request(api).status_code == 200
    assert time.perf_counter() - started >= 0.1

    def one(_: int) -> int:
        return requests.get(api.emulator.api_base_url + "/browse/new-releases", headers={"Authorization": f"Bearer {api.token}"}, timeout=10).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(10) as pool:
        assert set(pool.map(one, range(10))) == {200}
    assert time.perf_counter() - started < 0.6  # 10 x 100 ms served concurrently, not in sequence


def test_server_errors_at_roughly_the_configured_rate(start_emulator: EmulatorFactory, schemas: Schemas) -> None:
    api = faulty_api(start_emulator, error_5xx_rate=0.3, seed=1)
    responses = [light_request(api) for _ in range(300)]
    errors = [r for r in responses if r.status_code >= 500]
    assert 60 <= len(errors) <= 120
    assert {r.status_code for r in errors} == {500, 502, 503}
    schemas.full.assert_valid(errors[0].json()["error"], "schemas/ErrorObject")
    stats = api.emulator.stats()
    assert stats["faults"]["5xx"] == len(errors) == sum(stats["by_status"].get(s, 0) for s in ("500", "502", "503"))


def test_fault_sequence_is_reproducible_from_the_seed(start_emulator: EmulatorFactory) -> None:
    def statuses(seed: int) -> list[int]:
        api = faulty_api(start_emulator, error_5xx_rate=0.5, seed=seed)
        return [light_request(api).status_code for _ in range(40)]

    assert statuses(3) == statuses(3)
    assert statuses(3) != statuses(4)


def test_rolling_window_rate_limit_with_retry_after(start_emulator: EmulatorFactory) -> None:
    api = faulty_api(start_emulator, rate_limit_requests=5, rate_limit_window_s=1.0)
    assert [light_request(api).status_code for _ in range(5)] == [200] * 5
    limited = light_request(api)
    assert limited.status_code == 429
    assert limited.json() == {"error": {"status": 429, "message": "API rate limit exceeded"}}
    assert limited.headers["Retry-After"] == "1"
    assert light_request(api).status_code == 429  # rejected requests do not free or take a slot
    time.sleep(1.05)
    assert light_request(api).status_code == 200
    assert api.emulator.stats()["faults"]["429"] == 2


def test_fixed_retry_after_is_sent_as_configured(start_emulator: EmulatorFactory) -> None:
    api = faulty_api(start_emulator, rate_limit_requests=1, retry_after_s=7200)
    light_request(api)
    assert light_request(api).headers["Retry-After"] == "7200"


def test_rolling_window_frees_slots_as_they_age() -> None:
    limiter = RollingWindowLimiter()
    assert [limiter.admit(now, limit=2, window_s=30) for now in (0.0, 10.0)] == [None, None]
    assert limiter.admit(20.0, limit=2, window_s=30) == pytest.approx(10.0)
    assert limiter.admit(30.0, limit=2, window_s=30) is None  # the t=0 slot has aged out
    assert limiter.admit(31.0, limit=2, window_s=30) == pytest.approx(9.0)


def test_quota_exceeded_is_a_distinct_429(start_emulator: EmulatorFactory, schemas: Schemas) -> None:
    api = faulty_api(start_emulator, quota_exceeded=True)
    response = light_request(api)
    assert response.status_code == 429
    assert response.json() == {"error": {"status": 429, "message": "Too many requests", "reason": "QUOTA_EXCEEDED"}}
    assert response.headers["Retry-After"] == "86400"
    schemas.full.assert_valid(response.json(), "responses/TooManyRequests")
    assert api.new_token()  # the accounts service is unaffected
    assert api.emulator.stats()["faults"]["quota"] == 1


def test_truncated_body_is_invalid_json_with_matching_length(start_emulator: EmulatorFactory) -> None:
    api = faulty_api(start_emulator, truncated_body_rate=1.0)
    response = api.get("/browse/new-releases", limit=5)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    unauthorized = api.get("/browse/new-releases", token="unknown")
    assert unauthorized.json()["error"]["status"] == 401  # only 200 bodies are cut
    assert api.emulator.stats()["faults"]["truncated"] == 1


def test_connection_reset_raises_a_connection_error(start_emulator: EmulatorFactory) -> None:
    api = faulty_api(start_emulator, connection_reset_rate=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        light_request(api)
    api.emulator.update_faults(connection_reset_rate=0.0)
    assert light_request(api).status_code == 200  # the pool recovers with a new connection
    stats = api.emulator.stats()
    assert stats["faults"]["reset"] == 1
    assert stats["by_endpoint"]["new_releases"] == 2


def test_token_expires_after_every_n_requests(start_emulator: EmulatorFactory) -> None:
    api = faulty_api(start_emulator, expire_token_every=3)
    assert [light_request(api).status_code for _ in range(3)] == [200, 200, 200]
    expired = light_request(api)
    assert (expired.status_code, expired.json()["error"]["message"]) == (401, "Missing/invalid/expired access token")
    api.token = api.new_token()
    assert [light_request(api).status_code for _ in range(4)] == [200, 200, 200, 401]
    assert api.emulator.stats()["faults"]["token_expired"] == 2


def test_faults_change_at_runtime_and_spare_admin_endpoints(start_emulator: EmulatorFactory) -> None:
    api = faulty_api(start_emulator)
    api.emulator.update_faults(error_5xx_rate=1.0)
    assert light_request(api).status_code >= 500
    assert api.session.get(api.emulator.base_url + "/_emulator/clock").json() == {"today": DAY.isoformat()}
    api.emulator.update_faults(error_5xx_rate=0.0)
    assert light_request(api).status_code == 200
    with pytest.raises(TypeError):
        api.emulator.update_faults(no_such_fault=1)
    with pytest.raises(ValueError):
        api.emulator.update_faults(error_5xx_rate=2.0)


def test_fault_changes_names_every_fault_config_field() -> None:
    """``FaultInjector.update``'s typed keywords must follow ``FaultConfig`` when a field is added."""
    assert set(FaultChanges.__annotations__) == {field.name for field in dataclasses.fields(FaultConfig)}


def test_fault_precedence_quota_before_rate_limit_before_errors() -> None:
    injector = FaultInjector(FaultConfig(quota_exceeded=True, rate_limit_requests=1, error_5xx_rate=1.0))
    assert injector.decide(now=0.0).fault is Fault.QUOTA_EXCEEDED
    injector.update(quota_exceeded=False)
    assert injector.decide(now=0.0).fault is Fault.SERVER_ERROR  # admitted by the limiter, then fails
    assert injector.decide(now=1.0).fault is Fault.RATE_LIMITED


def test_many_concurrent_connections_with_latency(start_emulator: EmulatorFactory) -> None:
    """300 requests from 20 keep-alive connections at 20 ms latency: well above 100 req/s."""
    api = faulty_api(start_emulator, latency_ms=20)
    album_ids = api.emulator.catalog.new_release_ids(DAY)
    sessions = [requests.Session() for _ in range(20)]
    headers = {"Authorization": f"Bearer {api.token}"}

    def fetch(n: int) -> int:
        url = f"{api.emulator.api_base_url}/albums/{album_ids[n % 100]}/tracks"
        return sessions[n % 20].get(url, headers=headers, timeout=10).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(20) as pool:
        assert set(pool.map(fetch, range(300))) == {200}
    assert time.perf_counter() - started < 3.0
