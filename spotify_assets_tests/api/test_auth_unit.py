"""Token parsing and caching without a server."""

from __future__ import annotations

import threading
import time

import pytest

from spotify_assets.spotify_api import SpotifyAuthError, SpotifyResponseError
from spotify_assets.spotify_api.auth import AccessToken, TokenCache, parse_token_reply

TOKEN_URL = "https://accounts.example.test/api/token"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def issuing(lifetime_s: float) -> tuple[list[float], callable]:
    issued: list[float] = []

    def fetch(now: float) -> AccessToken:
        issued.append(now)
        return AccessToken(value=f"token-{len(issued)}", lifetime_s=lifetime_s, obtained_at=now)

    return issued, fetch


def test_token_is_fetched_lazily_reused_and_refreshed_ahead_of_expiry() -> None:
    clock = Clock()
    issued, fetch = issuing(3600)
    cache = TokenCache(fetch, margin_s=60, clock=clock)
    assert issued == []
    assert cache.get() == cache.get() == "token-1"
    clock.now = 3539
    assert cache.get() == "token-1"
    clock.now = 3540  # within the margin: replaced before it can lapse mid-request
    assert cache.get() == "token-2"
    assert cache.fetches == 2


def test_short_lived_tokens_live_at_least_half_their_life() -> None:
    clock = Clock()
    issued, fetch = issuing(2)
    cache = TokenCache(fetch, margin_s=60, clock=clock)
    cache.get()
    clock.now = 0.9
    cache.get()
    clock.now = 1.0
    cache.get()
    assert issued == [0.0, 1.0]


def test_invalidate_replaces_only_the_rejected_token() -> None:
    clock = Clock()
    _, fetch = issuing(3600)
    cache = TokenCache(fetch, margin_s=60, clock=clock)
    stale = cache.get()
    cache.invalidate(stale)
    fresh = cache.get()
    assert fresh == "token-2"
    cache.invalidate(stale)  # a slower worker reporting the old token changes nothing
    assert cache.get() == fresh and cache.fetches == 2


def test_many_threads_share_one_refresh() -> None:
    issued, fetch = issuing(3600)

    def slow_fetch(now: float) -> AccessToken:
        time.sleep(0.05)
        return fetch(now)

    cache = TokenCache(slow_fetch, margin_s=60)
    start = threading.Barrier(16)
    tokens: list[str] = []

    def worker() -> None:
        start.wait()
        tokens.append(cache.get())

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(issued) == 1 and set(tokens) == {"token-1"}


def test_token_reply_parsing() -> None:
    token = parse_token_reply(200, b'{"access_token":"abc","token_type":"Bearer","expires_in":3600}', TOKEN_URL, 5.0)
    assert (token.value, token.lifetime_s, token.obtained_at) == ("abc", 3600, 5.0)
    assert "abc" not in repr(token)
    with pytest.raises(SpotifyResponseError, match="access_token"):
        parse_token_reply(200, b'{"token_type":"Bearer"}', TOKEN_URL, 0)


def test_rejected_credentials_name_the_variables_and_echo_nothing_sent() -> None:
    body = b'{"error":"invalid_client","error_description":"Invalid client secret s3cr3t"}'
    with pytest.raises(SpotifyAuthError) as caught:
        parse_token_reply(400, body, TOKEN_URL, 0)
    assert str(caught.value) == (
        f"Spotify rejected the client credentials (invalid_client) at {TOKEN_URL}; "
        "check SPOTIFY_CLIENT_ID / SPOTIFY_CLIENT_SECRET"
    )
