"""Sending one logical request until it yields a usable reply, within bounded retries.

Three kinds of trouble, each handled where it fits best and each bounded:

- 5xx and connection errors: urllib3's ``Retry`` on the HTTP adapter (full-jitter backoff,
  ``max_attempts`` sends);
- a 2xx body that is not complete JSON (cut off in transit): re-sent here with the same backoff
  and bound, since urllib3 never looks at bodies;
- 429: all workers pause on one shared ``RateLimitGate`` for ``Retry-After``, within ceilings;
  with a known limit (``rate_limit_requests``), a shared ``RequestPacer`` keeps requests under it
  so that 429s do not happen in the first place.

Other 4xx replies are returned as they are: what they mean depends on the caller (a 401 from the
API means "refresh the token", a 400 from the token endpoint means "bad credentials").
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from spotify_assets.spotify_api.errors import (
    SpotifyRateLimitError,
    SpotifyResponseError,
    SpotifyUnavailableError,
)
from spotify_assets.spotify_api.models import ClientSettings
from spotify_assets.spotify_api.retry import (
    full_jitter_delay,
    is_quota_exceeded,
    parse_retry_after,
    transient_failure_retry,
)
from spotify_assets.spotify_api.stats import Counters
from spotify_assets.spotify_api.throttle import RateLimitGate, RequestPacer


@dataclass(frozen=True)
class Reply:
    """A final response: its status, the URL requested (never holds a token) and the body as received."""

    status: int
    url: str
    body: bytes = field(repr=False)
    document: Any = field(default=None, repr=False)  # the parsed body of a 2xx reply


class _UnusableBodyError(Exception):
    """A 2xx whose body cannot be used as is; worth sending the request again."""


class Transport:
    """A ``requests`` session shared by all workers, with the limits and retries described above."""

    def __init__(self, settings: ClientSettings, counters: Counters, log: logging.Logger) -> None:
        self._settings = settings
        self._counters = counters
        self._log = log
        self._session = requests.Session()
        retry = transient_failure_retry(settings.max_attempts, settings.backoff_base_s, settings.backoff_max_s)
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=settings.max_workers)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        # One limiter for the whole client: however many threads call it, at most max_workers
        # requests are on the wire at once.
        self._in_flight = threading.BoundedSemaphore(settings.max_workers)
        self.gate = RateLimitGate(settings.max_retry_after_s, settings.max_total_wait_s)
        self.pacer = (
            RequestPacer(settings.rate_limit_requests, settings.rate_limit_window_s)
            if settings.rate_limit_requests is not None
            else None
        )

    def send(
        self,
        method: str,
        url: str,
        *,
        parse: Callable[[bytes], Any] = json.loads,
        authorize: Callable[[], dict[str, str]] | None = None,
        **request_args: Any,
    ) -> Reply:
        """Send until a reply is usable; ``request_args`` are those of ``requests.Request``.

        ``parse`` turns a 2xx body into ``Reply.document`` and must raise ``ValueError`` on a body
        that is not complete JSON (which is then sent for again). ``authorize`` gives the
        Authorization header and is asked again right before every send: a token that expired
        while the request waited (a Retry-After pause, the pacer, a backoff) is renewed first."""
        request = self._session.prepare_request(requests.Request(method, url, **request_args))
        environment = self._session.merge_environment_settings(request.url, {}, None, None, None)
        attempts = self._settings.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                return self._send_until_not_rate_limited(request, environment, parse, authorize)
            except _UnusableBodyError as problem:
                if attempt == attempts:
                    raise SpotifyResponseError(f"{request.url}: {problem} (on each of {attempts} attempts)") from None
                self._counters.add("retries")
                delay = full_jitter_delay(attempt, self._settings.backoff_base_s, self._settings.backoff_max_s)
                self._log.debug("%s: %s; retrying in %.2f s", request.url, problem, delay)
                time.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def close(self) -> None:
        self._session.close()

    def _send_until_not_rate_limited(
        self,
        request: requests.PreparedRequest,
        environment: Mapping[str, Any],
        parse: Callable[[bytes], Any],
        authorize: Callable[[], dict[str, str]] | None,
    ) -> Reply:
        while True:
            self.gate.wait()
            if authorize is not None:
                # After the pause, outside the in-flight limit: renewing the token sends a request
                # of its own, which must not wait for the slot this one would hold.
                request.headers.update(authorize())
            response = self._send_once(request, environment)
            if response.status_code != 429:
                return self._reply(response, str(request.url), parse)
            self._wait_out_rate_limit(response, str(request.url))

    def _send_once(self, request: requests.PreparedRequest, environment: Mapping[str, Any]) -> requests.Response:
        sends = 1
        try:
            with self._in_flight:
                if self.pacer is not None:
                    waited = self.pacer.acquire()
                    self._counters.add("pacing_wait_ms", round(waited * 1000))
                try:
                    response = self._session.send(request, timeout=self._settings.timeout_s, **environment)
                except requests.exceptions.ChunkedEncodingError:
                    raise
                except requests.exceptions.RequestException:
                    sends = self._settings.max_attempts
                    raise
                else:
                    retries = getattr(response.raw, "retries", None)
                    sends = 1 + len(retries.history) if retries is not None else 1
                finally:
                    if self.pacer is not None:
                        self.pacer.release(sends)
        except requests.exceptions.ChunkedEncodingError as exc:
            self._counters.add("requests")
            raise _UnusableBodyError("the body was cut off mid-transfer") from exc
        except requests.exceptions.RequestException as exc:
            self._count_sends(sends)
            raise SpotifyUnavailableError(
                f"{request.method} {request.url} failed on each of {self._settings.max_attempts} attempts "
                f"({type(exc).__name__})"
            ) from exc
        self._count_sends(sends)
        return response

    def _count_sends(self, sends: int) -> None:
        """urllib3 retries inside the adapter; its history tells how many sends one call took."""
        self._counters.add("requests", sends)
        self._counters.add("retries", sends - 1)

    def _reply(self, response: requests.Response, url: str, parse: Callable[[bytes], Any]) -> Reply:
        if response.status_code >= 500:
            raise SpotifyUnavailableError(
                f"{url} answered {response.status_code} on each of {self._settings.max_attempts} attempts"
            )
        if not 200 <= response.status_code < 300:
            return Reply(response.status_code, url, response.content)
        try:
            document = parse(response.content)
        except ValueError:
            raise _UnusableBodyError(
                f"the {response.status_code} body is not valid JSON ({len(response.content)} bytes; truncated?)"
            ) from None
        return Reply(response.status_code, url, response.content, document)

    def _wait_out_rate_limit(self, response: requests.Response, url: str) -> None:
        """Pause every worker for Retry-After, or fail now when waiting cannot help or is too long."""
        self._counters.add("rate_limited")
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if is_quota_exceeded(response.content):
            raise SpotifyRateLimitError(retry_after, True, url, "the app's quota is used up; retry after that time")
        added = self.gate.pause(retry_after, url)
        self._counters.add("rate_limit_wait_ms", round(added * 1000))
        self._log.info("429 from %s: all requests pause for %.1f s (Retry-After)", url, retry_after)
