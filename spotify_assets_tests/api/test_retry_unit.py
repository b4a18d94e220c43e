"""Retry and rate-limit decisions without a server (fake clocks, no sleeping)."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from urllib3.util.retry import RequestHistory

from spotify_assets.spotify_api import SpotifyRateLimitError
from spotify_assets.spotify_api.retry import (
    DEFAULT_RETRY_AFTER_S,
    MIN_RETRY_AFTER_S,
    full_jitter_delay,
    is_quota_exceeded,
    parse_retry_after,
    transient_failure_retry,
)
from spotify_assets.spotify_api.throttle import RateLimitGate


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_full_jitter_is_uniform_below_an_exponential_cap() -> None:
    assert [full_jitter_delay(n, 0.25, 8.0, rand=lambda: 0.999999) for n in (1, 2, 3, 6, 10)] == pytest.approx(
        [0.25, 0.5, 1.0, 8.0, 8.0], abs=1e-4
    )
    assert full_jitter_delay(4, 0.25, 8.0, rand=lambda: 0.0) == 0.0


def test_adapter_retry_uses_full_jitter_and_leaves_429_to_the_client() -> None:
    retry = transient_failure_retry(max_attempts=5, backoff_base_s=0.25, backoff_max_s=1.0)
    assert retry.total == 4 and 429 not in retry.status_forcelist and not retry.respect_retry_after_header
    failed = retry.new(history=tuple(RequestHistory("GET", "/x", None, 503, None) for _ in range(5)))
    assert all(0.0 <= failed.get_backoff_time() <= 1.0 for _ in range(200))
    assert len({round(failed.get_backoff_time(), 6) for _ in range(50)}) > 1  # jittered, not constant


def test_retry_after_parsing() -> None:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == pytest.approx(30)
    assert parse_retry_after(None) == parse_retry_after("soon") == DEFAULT_RETRY_AFTER_S
    assert parse_retry_after("0") == MIN_RETRY_AFTER_S  # never a free spin


def test_quota_exceeded_is_read_from_the_body_reason() -> None:
    assert is_quota_exceeded(b'{"error":{"status":429,"message":"Too many requests","reason":"QUOTA_EXCEEDED"}}')
    assert not is_quota_exceeded(b'{"error":{"status":429,"message":"API rate limit exceeded"}}')
    assert not is_quota_exceeded(b"<html>")


def test_gate_pauses_every_caller_until_the_same_moment() -> None:
    clock = FakeClock()
    gate = RateLimitGate(max_wait_s=10, max_total_wait_s=100, clock=clock, sleep=clock.sleep)
    gate.wait()
    assert clock.slept == []
    assert gate.pause(3, "u") == 3
    assert gate.pause(2, "u") == 0  # a second 429 inside the pause extends nothing
    gate.wait()
    assert clock.slept == [3]
    gate.wait()
    assert clock.slept == [3]


def test_gate_refuses_a_wait_beyond_the_ceiling_without_waiting() -> None:
    clock = FakeClock()
    gate = RateLimitGate(max_wait_s=5, max_total_wait_s=100, clock=clock, sleep=clock.sleep)
    with pytest.raises(SpotifyRateLimitError, match=r"Retry-After 3600 s.*5 s allowed for one wait") as caught:
        gate.pause(3600, "https://api.example.test/v1/albums")
    assert caught.value.retry_after_s == 3600 and not caught.value.quota_exceeded
    assert caught.value.url == "https://api.example.test/v1/albums"
    assert clock.slept == [] and gate.total_paused_s == 0


def test_gate_enforces_the_total_wait_budget() -> None:
    clock = FakeClock()
    gate = RateLimitGate(max_wait_s=5, max_total_wait_s=8, clock=clock, sleep=clock.sleep)
    gate.pause(4, "u")
    gate.wait()
    gate.pause(4, "u")
    gate.wait()
    with pytest.raises(SpotifyRateLimitError, match="8 s allowed for all rate-limit waits"):
        gate.pause(1, "u")
    assert gate.total_paused_s == 8


def test_rate_limit_error_survives_pickling() -> None:
    error = SpotifyRateLimitError(86400, True, "https://api.example.test/v1/search", "quota")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.retry_after_s, copy.quota_exceeded, str(copy)) == (86400, True, str(error))
    assert "QUOTA_EXCEEDED" in str(error)
