"""Errors the client raises: one class per way a caller may want to react.

Messages name the URL and what went wrong, never a token or the client secret: they end up in
Dagster's event log and UI, which many people can read.
"""

from __future__ import annotations

import json
from typing import Any


class SpotifyError(Exception):
    """Base class: anything the Spotify API layer raises on purpose."""


class SpotifyConfigError(SpotifyError):
    """The client is configured in a way that cannot work (missing credentials, bad values)."""


class SpotifyAuthError(SpotifyError):
    """Spotify refused the client credentials, or an access token right after a refresh."""


class SpotifyForbiddenError(SpotifyError):
    """403: the app may not use this endpoint (e.g. Development-Mode apps since Feb 2026)."""


class SpotifyNotFoundError(SpotifyError):
    """404: the resource does not exist (or not in the requested market)."""


class SpotifyResponseError(SpotifyError):
    """A response that cannot be used: malformed body, unexpected shape or status, a looping
    ``next`` link."""


class SpotifyUnavailableError(SpotifyError):
    """The API kept failing (5xx, connection errors) after every allowed attempt."""


class SpotifyRateLimitError(SpotifyError):
    """429 that is not worth waiting out within this run.

    Either the quota is used up (``reason: QUOTA_EXCEEDED``, a daily-scale limit, not a burst), or
    the ``Retry-After`` asked for is beyond the configured ceilings. Callers get the value so they
    can schedule a retry instead of a worker sleeping for hours.
    """

    def __init__(self, retry_after_s: float, quota_exceeded: bool, url: str, why: str = "") -> None:
        self.retry_after_s = retry_after_s
        self.quota_exceeded = quota_exceeded
        self.url = url
        self.why = why
        kind = "quota exceeded (QUOTA_EXCEEDED)" if quota_exceeded else "rate limit"
        detail = f"; {why}" if why else ""
        super().__init__(f"Spotify {kind} at {url}: Retry-After {retry_after_s:g} s{detail}")

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.retry_after_s, self.quota_exceeded, self.url, self.why)


def api_error_message(body: bytes) -> str:
    """The ``error.message`` of a Spotify error body, or "" when the body has another shape."""
    try:
        error = json.loads(body).get("error")
    except (ValueError, AttributeError):
        return ""
    message = error.get("message") if isinstance(error, dict) else None
    return message[:200] if isinstance(message, str) else ""


def error_for_status(status: int, url: str, body: bytes) -> SpotifyError:
    """The error for a non-2xx API response. Matches on the status only: Spotify changes the
    messages (the expired-token 401 text changed in 2026)."""
    message = api_error_message(body)
    text = f"{status} from {url}" + (f": {message}" if message else "")
    if status == 401:
        return SpotifyAuthError(f"Spotify rejected a freshly issued access token ({text})")
    if status == 403:
        return SpotifyForbiddenError(f"Spotify forbids this request for the app ({text})")
    if status == 404:
        return SpotifyNotFoundError(f"Not found ({text})")
    if status >= 500:
        return SpotifyUnavailableError(f"Spotify kept failing ({text})")
    return SpotifyResponseError(f"Unexpected response ({text})")
