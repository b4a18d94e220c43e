"""Client-credentials access tokens: parsed from the token endpoint, cached, refreshed early.

Spotify issues no refresh token for this flow; "refreshing" means asking for a new token. The
cache lets one thread ask while the others wait for the result, so a pool of workers hitting an
expired token causes one token request, not one per worker.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from spotify_assets.spotify_api.errors import SpotifyAuthError, SpotifyResponseError

CREDENTIALS_HINT = "check SPOTIFY_CLIENT_ID / SPOTIFY_CLIENT_SECRET"


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    lifetime_s: float
    obtained_at: float  # on the cache's clock (monotonic)

    def refresh_due_at(self, margin_s: float) -> float:
        """When to ask for a new token: ``margin_s`` before expiry, so no request goes out with a
        token about to lapse, but never in the first half of its life, so a server issuing very
        short-lived tokens does not make us fetch one per request."""
        return self.obtained_at + max(self.lifetime_s - margin_s, self.lifetime_s / 2)


def parse_token_reply(status: int, body: bytes, token_url: str, now: float) -> AccessToken:
    """The token from a token-endpoint response, or an error naming what Spotify said.

    Only the OAuth ``error`` code is repeated (e.g. ``invalid_client``), never the request or the
    description, so nothing the caller sent can leak into the message.
    """
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if status != 200:
        code = document.get("error") if isinstance(document, dict) else None
        code = code if isinstance(code, str) else f"HTTP {status}"
        raise SpotifyAuthError(f"Spotify rejected the client credentials ({code}) at {token_url}; {CREDENTIALS_HINT}")
    token = document.get("access_token") if isinstance(document, dict) else None
    lifetime = document.get("expires_in") if isinstance(document, dict) else None
    if not isinstance(token, str) or not token or not isinstance(lifetime, (int, float)) or lifetime <= 0:
        raise SpotifyResponseError(f"{token_url}: token response lacks a usable access_token / expires_in")
    return AccessToken(value=token, lifetime_s=float(lifetime), obtained_at=now)


class TokenCache:
    """One current token, fetched lazily and replaced ahead of expiry or when the API rejects it.

    ``fetch(now)`` asks the token endpoint; ``now`` (on ``clock``) is when the token's life began.
    """

    def __init__(
        self, fetch: Callable[[float], AccessToken], margin_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._fetch = fetch
        self._margin_s = margin_s
        self._clock = clock
        self._lock = threading.Lock()
        self._token: AccessToken | None = None
        self.fetches = 0

    def get(self) -> str:
        """A token valid for a while yet. The lock is held while fetching: one refresh at a time."""
        with self._lock:
            if self._token is None or self._clock() >= self._token.refresh_due_at(self._margin_s):
                self._token = self._fetch(self._clock())  # stamped before asking: errs on the early side
                self.fetches += 1
            return self._token.value

    def is_fresh(self, token: str) -> bool:
        """Whether ``token`` is the current token and still within its lifetime: only then is a
        401 for it a rejection of a valid token rather than a lapse."""
        with self._lock:
            current = self._token
        return (
            current is not None and current.value == token and self._clock() < current.obtained_at + current.lifetime_s
        )

    def invalidate(self, rejected: str) -> None:
        """Forget ``rejected`` after a 401, unless another worker already replaced it: eight workers
        seeing the same expired token must lead to one new token, not eight."""
        with self._lock:
            if self._token is not None and self._token.value == rejected:
                self._token = None

    def __repr__(self) -> str:
        return f"TokenCache(fetches={self.fetches})"
