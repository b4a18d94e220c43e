"""Fault injection for /v1 traffic: what can go wrong with the real API, on demand and reproducibly.

All random choices come from one ``random.Random(seed)`` behind a lock, so a given sequence of
requests meets the same faults on every run. The rate limiter is a rolling window like Spotify's
(30 s by default): accepted requests occupy a slot for the window's length; rejected ones do not.
"""

from __future__ import annotations

import dataclasses
import math
import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import TypedDict, Unpack

QUOTA_RETRY_AFTER_S = 86_400
SERVER_ERROR_STATUSES = (500, 502, 503)


@dataclass
class FaultConfig:
    """Which faults to inject; every rate is a probability per /v1 request."""

    seed: int = 0
    latency_ms: float = 0.0
    error_5xx_rate: float = 0.0
    rate_limit_requests: int | None = None
    rate_limit_window_s: float = 30.0
    retry_after_s: int | None = None
    quota_exceeded: bool = False
    truncated_body_rate: float = 0.0
    connection_reset_rate: float = 0.0
    expire_token_every: int | None = None
    # Days the API cannot serve: every /v1 request answers 503 while the clock is on one of them
    # (a whole day failing, e.g. to show one failed partition among good ones in a backfill).
    failing_days: tuple[date, ...] = ()

    def __post_init__(self) -> None:
        for name in ("error_5xx_rate", "truncated_body_rate", "connection_reset_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {getattr(self, name)}")
        for name in ("rate_limit_requests", "retry_after_s", "expire_token_every"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be >= 1 or None, got {value}")
        if self.latency_ms < 0 or self.rate_limit_window_s <= 0:
            raise ValueError("latency_ms must be >= 0 and rate_limit_window_s > 0")


class FaultChanges(TypedDict, total=False):
    """Any subset of ``FaultConfig``'s fields, as ``FaultInjector.update`` takes them."""

    seed: int
    latency_ms: float
    error_5xx_rate: float
    rate_limit_requests: int | None
    rate_limit_window_s: float
    retry_after_s: int | None
    quota_exceeded: bool
    truncated_body_rate: float
    connection_reset_rate: float
    expire_token_every: int | None
    failing_days: tuple[date, ...]


class Fault(Enum):
    """The outcome the server must produce instead of (or on top of) a normal answer."""

    NONE = "none"
    QUOTA_EXCEEDED = "quota"
    RATE_LIMITED = "429"
    CONNECTION_RESET = "reset"
    SERVER_ERROR = "5xx"


@dataclass(frozen=True)
class FaultDecision:
    fault: Fault = Fault.NONE
    status: int | None = None  # for SERVER_ERROR: 500, 502 or 503
    retry_after_s: int | None = None  # for QUOTA_EXCEEDED and RATE_LIMITED
    truncate_at: float | None = None  # share of a 200 body to keep, when the body is to be cut


class RollingWindowLimiter:
    """At most ``limit`` accepted requests in any ``window_s`` seconds."""

    def __init__(self) -> None:
        self._accepted: deque[float] = deque()

    def admit(self, now: float, limit: int, window_s: float) -> float | None:
        """None when admitted (and counted); otherwise seconds until a slot frees up."""
        while self._accepted and self._accepted[0] <= now - window_s:
            self._accepted.popleft()
        if len(self._accepted) < limit:
            self._accepted.append(now)
            return None
        return self._accepted[0] + window_s - now

    def clear(self) -> None:
        self._accepted.clear()


class FaultInjector:
    """Thread-safe, seeded fault decisions for the server; config can change at runtime."""

    def __init__(self, config: FaultConfig) -> None:
        self._lock = threading.Lock()
        self._config = config
        self._rng = random.Random(config.seed)
        self._limiter = RollingWindowLimiter()
        self._authorized_requests = 0

    @property
    def config(self) -> FaultConfig:
        return self._config

    def update(self, **changes: Unpack[FaultChanges]) -> None:
        """Replace config fields; a new seed restarts the random sequence, a new limit the window."""
        with self._lock:
            config = dataclasses.replace(self._config, **changes)  # validates names and values
            if config.seed != self._config.seed:
                self._rng.seed(config.seed)
            if (config.rate_limit_requests, config.rate_limit_window_s) != (
                self._config.rate_limit_requests,
                self._config.rate_limit_window_s,
            ):
                self._limiter.clear()
            self._config = config

    def latency_s(self) -> float:
        return self._config.latency_ms / 1000.0

    def decide(self, now: float | None = None, today: date | None = None) -> FaultDecision:
        """The fate of one /v1 request (``today``: the emulator's clock), in the order a real
        front end would apply them."""
        now = time.monotonic() if now is None else now
        with self._lock:
            config = self._config
            if today is not None and today in config.failing_days:
                return FaultDecision(Fault.SERVER_ERROR, status=503)
            if config.quota_exceeded:
                return FaultDecision(Fault.QUOTA_EXCEEDED, retry_after_s=QUOTA_RETRY_AFTER_S)
            if config.rate_limit_requests is not None:
                wait_s = self._limiter.admit(now, config.rate_limit_requests, config.rate_limit_window_s)
                if wait_s is not None:
                    retry_after = config.retry_after_s or max(1, math.ceil(wait_s))
                    return FaultDecision(Fault.RATE_LIMITED, retry_after_s=retry_after)
            if self._happens(config.connection_reset_rate):
                return FaultDecision(Fault.CONNECTION_RESET)
            if self._happens(config.error_5xx_rate):
                return FaultDecision(Fault.SERVER_ERROR, status=self._rng.choice(SERVER_ERROR_STATUSES))
            if self._happens(config.truncated_body_rate):
                return FaultDecision(truncate_at=self._rng.uniform(0.1, 0.9))
            return FaultDecision()

    def token_expires_now(self) -> bool:
        """Counts authorized requests; True on every ``expire_token_every``-th one."""
        with self._lock:
            self._authorized_requests += 1
            every = self._config.expire_token_every
            return every is not None and self._authorized_requests % every == 0

    def _happens(self, rate: float) -> bool:
        """Draws only for active faults: the sequence depends on the faults configured, nothing else."""
        return rate > 0.0 and self._rng.random() < rate
