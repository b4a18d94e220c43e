"""Client-credentials access tokens: random opaque strings, each with its own expiry."""

from __future__ import annotations

import secrets
import threading
import time
from enum import Enum


class TokenState(Enum):
    VALID = "valid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"


class TokenStore:
    """Issued tokens and their deadlines. Expired tokens are kept so they answer "expired", as
    Spotify's do, rather than "invalid"."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._deadlines: dict[str, float] = {}

    def issue(self) -> str:
        token = "BQ" + secrets.token_urlsafe(72)
        with self._lock:
            self._deadlines[token] = time.monotonic() + self.ttl_s
        return token

    def state(self, token: str) -> TokenState:
        with self._lock:
            deadline = self._deadlines.get(token)
        if deadline is None:
            return TokenState.UNKNOWN
        return TokenState.VALID if time.monotonic() < deadline else TokenState.EXPIRED

    def expire(self, token: str) -> None:
        """Revoke now (the expire-token fault); an unknown token stays unknown."""
        with self._lock:
            if token in self._deadlines:
                self._deadlines[token] = time.monotonic()
