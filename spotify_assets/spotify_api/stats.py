"""Thread-safe request counters, reported as Dagster metadata (counts only, never secrets)."""

from __future__ import annotations

import threading
from collections import Counter

COUNTER_NAMES = (
    "requests",
    "retries",
    "rate_limited",
    "rate_limit_wait_ms",
    "pacing_wait_ms",  # summed over workers: time spent waiting for the client-side pacer
    "token_refreshes",
    "pages",
)


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount

    def snapshot(self) -> dict[str, int]:
        """Every known counter, zeros included, so before/after readings can be subtracted."""
        with self._lock:
            return {name: self._counts[name] for name in COUNTER_NAMES}
