"""A plain-Python client for the Spotify Web API endpoints the platform uses (no Dagster here).

Client-credentials auth with a shared, early-refreshed token; offset and ``next`` paging;
bounded retries for 5xx, connection errors and truncated bodies; 429 waits shared by all workers
within ceilings; ``albums?ids=`` batching with Development-Mode fallbacks; bounded concurrency.

    with SpotifyClient(ClientSettings(client_id=..., client_secret=...)) as client:
        for page in client.iter_new_release_pages():
            ...
"""

from spotify_assets.spotify_api.client import SpotifyClient
from spotify_assets.spotify_api.errors import (
    SpotifyAuthError,
    SpotifyConfigError,
    SpotifyError,
    SpotifyForbiddenError,
    SpotifyNotFoundError,
    SpotifyRateLimitError,
    SpotifyResponseError,
    SpotifyUnavailableError,
)
from spotify_assets.spotify_api.models import AlbumRef, ClientSettings, RawPage, UnavailableAlbum

__all__ = [
    "AlbumRef",
    "ClientSettings",
    "RawPage",
    "SpotifyAuthError",
    "SpotifyClient",
    "SpotifyConfigError",
    "SpotifyError",
    "SpotifyForbiddenError",
    "SpotifyNotFoundError",
    "SpotifyRateLimitError",
    "SpotifyResponseError",
    "SpotifyUnavailableError",
    "UnavailableAlbum",
]
