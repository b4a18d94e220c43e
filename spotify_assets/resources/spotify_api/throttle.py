"""One rate-limit pause shared by every worker of a client.

Spotify's limit is per app over a rolling window, so when one request gets a 429 every other
worker would get one too: all of them wait until the same moment instead of each discovering the
limit on its own (and each spending a request on it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from spotify_assets.resources.spotify_api.errors import SpotifyRateLimitError


class RateLimitGate:
    """Holds requests back until a shared "pause until" moment, within a per-wait and a total budget.

    The total counts wall-clock pause time (overlapping 429s from several workers extend one
    pause rather than adding up), so it bounds how long a run can stall on rate limits.
    """

    def __init__(
        self,
        max_wait_s: float,
        max_total_wait_s: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_wait_s = max_wait_s
        self.max_total_wait_s = max_total_wait_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self.total_paused_s = 0.0

    def wait(self) -> None:
        """Return once no pause is in force (a pause may be extended while we sleep)."""
        while True:
            with self._lock:
                remaining = self._paused_until - self._clock()
            if remaining <= 0:
                return
            self._sleep(remaining)

    def pause(self, retry_after_s: float, url: str) -> float:
        """Pause everyone for ``retry_after_s``, or raise if that is beyond what we agreed to wait.

        Returns the seconds this call added to the total pause (0 when a pause already covered it).
        """
        if retry_after_s > self.max_wait_s:
            raise SpotifyRateLimitError(
                retry_after_s, False, url, f"longer than the {self.max_wait_s:g} s allowed for one wait (max_retry_after_s)"
            )
        with self._lock:
            now = self._clock()
            until = now + retry_after_s
            added = max(0.0, until - max(now, self._paused_until))
            if self.total_paused_s + added > self.max_total_wait_s:
                raise SpotifyRateLimitError(
                    retry_after_s,
                    False,
                    url,
                    f"would exceed the {self.max_total_wait_s:g} s allowed for all rate-limit waits "
                    f"(max_total_wait_s; {self.total_paused_s:.1f} s spent)",
                )
            self.total_paused_s += added
            self._paused_until = max(self._paused_until, until)
            return added
