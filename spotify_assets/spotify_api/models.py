"""Plain values the client works with: its settings, the albums to fetch, the pages it returns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from spotify_assets.spotify_api.errors import SpotifyConfigError

MAX_PAGE_LIMIT = 50  # Spotify's maximum `limit` for every paged endpoint we use


@dataclass(frozen=True)
class ClientSettings:
    """Everything the client needs; defaults are the real Spotify Web API."""

    api_base_url: str = "https://api.spotify.com/v1"
    token_url: str = "https://accounts.spotify.com/api/token"
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    market: str = "US"
    page_limit: int = 50
    max_workers: int = 8
    max_attempts: int = 5  # per request, for 5xx/connection/malformed
    backoff_base_s: float = 0.25
    backoff_max_s: float = 8.0
    max_retry_after_s: float = 60.0  # ceiling on one 429 wait
    max_total_wait_s: float = 300.0  # ceiling on total 429 waiting per client
    token_refresh_margin_s: float = 60.0
    timeout_s: float = 30.0
    # Client-side pacing: at most this many requests in any rolling window (None: no pacing, 429s
    # are waited out as they come). Spotify publishes no number; set it to what the app is granted.
    rate_limit_requests: int | None = None
    rate_limit_window_s: float = 30.0  # Spotify's window is a rolling 30 s

    def __post_init__(self) -> None:
        """Fail at construction, with the setting's name, rather than with an odd HTTP error later.
        (Credentials are checked by the client: settings without them are still useful to build.)"""
        for name in ("api_base_url", "token_url"):
            url = urlsplit(getattr(self, name))
            if url.scheme not in ("http", "https") or not url.netloc:
                raise SpotifyConfigError(f"{name} must be an absolute http(s) URL, got {getattr(self, name)!r}")
        if not 1 <= self.page_limit <= MAX_PAGE_LIMIT:
            raise SpotifyConfigError(f"page_limit must be between 1 and {MAX_PAGE_LIMIT}, got {self.page_limit}")
        if self.max_workers < 1 or self.max_attempts < 1:
            raise SpotifyConfigError("max_workers and max_attempts must be at least 1")
        if not self.market:
            raise SpotifyConfigError("market must be set (client-credentials tokens have no country)")
        if self.rate_limit_requests is not None and self.rate_limit_requests < 1:
            raise SpotifyConfigError(f"rate_limit_requests must be at least 1 or None, got {self.rate_limit_requests}")
        if self.rate_limit_window_s <= 0:
            raise SpotifyConfigError(f"rate_limit_window_s must be positive, got {self.rate_limit_window_s}")

    @property
    def api_origin(self) -> str:
        """scheme://host[:port] of the API: the only place the bearer token may be sent."""
        url = urlsplit(self.api_base_url)
        return f"{url.scheme}://{url.netloc}"


@dataclass(frozen=True, slots=True)  # one per listed album, all held for a run: keep them small
class AlbumRef:
    """An album to fetch tracks for, with the track count the listing announced."""

    id: str
    total_tracks: int


ALBUM_UNAVAILABLE = "album_unavailable"  # RawPage.kind of a 404 for an album's tracks


@dataclass(frozen=True, slots=True)
class UnavailableAlbum:
    """A listed album the API would not serve (pulled, or not in the market), with what it said."""

    album_id: str
    endpoint: str  # "albums" (albums?ids=) or "albums/{id}/tracks"
    url: str  # the request (token-free)
    status: int
    message: str


@dataclass(frozen=True)
class RawPage:
    """One API response, exactly as received, with what is needed to file it in the raw store."""

    kind: str  # "new_releases" | "search_new" | "albums_batch" | "album_tracks" | "album_unavailable"
    url: str  # the request URL (token-free), absolute
    body: bytes = field(repr=False)  # the response body exactly as received (landed unchanged)
    album_id: str | None = None  # for "album_tracks"
    offset: int = 0  # page offset (for album_tracks / release pages)
    batch_index: int | None = None  # for albums_batch: 0-based index of the batch of 20
    # The albums whose tracks the page holds, when the client already read them from the body
    # (a batch's albums in order, unavailable ones left out; the one album of a track page).
    # None: not known, read the body.
    album_ids: tuple[str, ...] | None = None
    # Albums asked for that the API would not serve: a batch's nulls, or the album of a 404
    # (kind "album_unavailable", whose body is the error and is not landed).
    unavailable: tuple[UnavailableAlbum, ...] = ()

    def json(self) -> Any:
        """The parsed body; parsed on demand so a page in flight holds the bytes only once."""
        return json.loads(self.body)
