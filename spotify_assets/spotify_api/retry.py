"""Retry decisions: backoff for transient failures, and how to read a 429.

Transient failures (5xx, connection errors) are retried by urllib3's ``Retry`` on the HTTP
adapter, with the delay replaced by "full jitter" (a uniform draw below the exponential cap) so
workers that failed together do not retry together. 429s are deliberately left out of it: their
waits need ceilings and must be shared by all workers (see ``throttle.RateLimitGate``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from itertools import takewhile

from urllib3.util.retry import Retry

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
DEFAULT_RETRY_AFTER_S = 1.0  # Spotify always sends Retry-After; this only covers servers that don't
MIN_RETRY_AFTER_S = 0.1  # a "Retry-After: 0" loop must still consume the wait budget
QUOTA_EXCEEDED = "QUOTA_EXCEEDED"


def full_jitter_delay(attempt: int, base_s: float, max_s: float, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after the ``attempt``-th failure (1-based): uniform in [0, min(max, base*2^(n-1)))."""
    return rand() * min(max_s, base_s * 2.0 ** (attempt - 1))


class FullJitterRetry(Retry):
    """urllib3 ``Retry`` whose backoff is full jitter instead of exponential-plus-a-little."""

    def get_backoff_time(self) -> float:
        failures = len(list(takewhile(lambda entry: entry.redirect_location is None, reversed(self.history))))
        if failures == 0:
            return 0.0
        return full_jitter_delay(failures, self.backoff_factor, self.backoff_max)


def transient_failure_retry(max_attempts: int, backoff_base_s: float, backoff_max_s: float) -> FullJitterRetry:
    """Retry policy for the HTTP adapter: up to ``max_attempts`` sends on 5xx and connection errors.

    POST is included because the only POST is the token request, which is safe to repeat. The
    final 5xx response is returned rather than raised so the client can report it as a
    ``SpotifyUnavailableError`` with the URL.
    """
    return FullJitterRetry(
        total=max_attempts - 1,
        status_forcelist=RETRYABLE_STATUSES,
        allowed_methods=frozenset({"GET", "POST", "PUT"}),
        backoff_factor=backoff_base_s,
        backoff_max=backoff_max_s,
        raise_on_status=False,
        respect_retry_after_header=False,  # 429 / Retry-After are handled by the client, with ceilings
        redirect=0,
    )


def parse_retry_after(value: str | None, now: datetime | None = None) -> float:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if value is None or not value.strip():
        return DEFAULT_RETRY_AFTER_S
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return DEFAULT_RETRY_AFTER_S
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(seconds, MIN_RETRY_AFTER_S)


def is_quota_exceeded(body: bytes) -> bool:
    """True for the July-2026 quota 429 (``error.reason == "QUOTA_EXCEEDED"``): waiting seconds won't help."""
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return False
    return isinstance(error, dict) and error.get("reason") == QUOTA_EXCEEDED
