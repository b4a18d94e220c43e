"""Rate limits, shared by every worker of a client: a reactive pause and an optional pacer.

Spotify's limit is per app over a rolling window, so when one request gets a 429 every other
worker would get one too: all of them wait until the same moment instead of each discovering the
limit on its own (and each spending a request on it) — ``RateLimitGate``.

When the app's limit is known (``ClientSettings.rate_limit_requests`` per ``rate_limit_window_s``),
``RequestPacer`` keeps the client under it on its own side, so the server never has to say 429.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from spotify_assets.spotify_api.errors import SpotifyRateLimitError


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
                retry_after_s,
                False,
                url,
                f"longer than the {self.max_wait_s:g} s allowed for one wait (max_retry_after_s)",
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


class RequestPacer:
    """At most ``limit`` requests in any rolling ``window_s``, counted on the client's side.

    A request holds its slot from the moment it is sent until ``window_s`` after its reply came
    back. The server counted it somewhere in between, so our slot frees no earlier than the
    server's does: pacing by this never runs ahead of a server counting the same way, whatever the
    latency. (Its cost: up to one latency per window of headroom left unused.)
    """

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError(f"need limit >= 1 and window_s > 0, got {limit} / {window_s}")
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._changed = threading.Condition()
        self._in_flight = 0
        self._finished: deque[float] = deque()  # when each request of the window came back, oldest first

    def acquire(self) -> float:
        """Wait for a free slot and take it; returns the seconds waited."""
        with self._changed:
            started = now = self._clock()
            while True:
                while self._finished and self._finished[0] <= now - self.window_s:
                    self._finished.popleft()
                if self._in_flight + len(self._finished) < self.limit:
                    self._in_flight += 1
                    return now - started
                # Every slot is taken: wait for the oldest finished one to leave the window, or,
                # when all are in flight, for one of them to come back.
                timeout = self._finished[0] + self.window_s - now if self._finished else None
                self._changed.wait(timeout)
                now = self._clock()

    def release(self, sends: int = 1) -> None:
        """The request taken by ``acquire`` is done; it took ``sends`` sends (retries included)."""
        with self._changed:
            self._in_flight -= 1
            self._finished.extend([self._clock()] * sends)
            self._changed.notify_all()
