"""Spotify paging objects (``href, items, limit, next, offset, previous, total``): pure decisions.

Two ways to walk them: by offset (we compute the next offset and stop at ``total``) and by the
``next`` link the server gives. Both are checked here so a misbehaving server ends the walk with
a clear error instead of a loop or a token sent to the wrong host.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from spotify_assets.spotify_api.errors import SpotifyResponseError


def unwrap_paging(document: Any, envelope: str | None, url: str) -> dict[str, Any]:
    """The paging object of a response (under ``envelope``, e.g. ``albums``, when given)."""
    paging = document.get(envelope) if envelope and isinstance(document, dict) else document
    if not isinstance(paging, dict) or not isinstance(paging.get("items"), list):
        where = f"'{envelope}'" if envelope else "the body"
        raise SpotifyResponseError(f"{url}: expected a paging object with an 'items' list in {where}")
    return paging


def paging_total(paging: dict[str, Any], url: str) -> int:
    total = paging.get("total")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise SpotifyResponseError(f"{url}: paging object has no usable 'total' (got {total!r})")
    return total


def next_offset(paging: dict[str, Any], url: str) -> int | None:
    """The offset of the following page, or None when this page completes the listing.

    Advances by the items actually received, not by the requested limit: a server may clamp the
    limit (Development-Mode search returns at most 10), and an empty page ends the walk even if
    ``total`` promised more, rather than asking for the same empty page forever.
    """
    items = paging["items"]
    offset = paging.get("offset", 0)
    if not isinstance(offset, int):
        raise SpotifyResponseError(f"{url}: paging object has no usable 'offset' (got {offset!r})")
    following = offset + len(items)
    return following if items and following < paging_total(paging, url) else None


class NextLinkGuard:
    """Checks each ``next`` link before it is followed.

    It must be absolute and on the API's own origin, because the bearer token is sent with it; and
    it must not lead to a page already fetched, which would otherwise loop forever.
    """

    def __init__(self, api_origin: str) -> None:
        self._origin = api_origin
        self._seen: set[str] = set()

    def fetched(self, url: str) -> None:
        """Record a URL that has been requested (the link as given, and the URL as sent)."""
        self._seen.add(url)

    def next_url(self, paging: dict[str, Any], url: str) -> str | None:
        """The checked ``next`` link of the page fetched from ``url``, or None on the last page."""
        link = paging.get("next")
        if link is None:
            return None
        if not isinstance(link, str):
            raise SpotifyResponseError(f"{url}: 'next' is {type(link).__name__}, not a URL")
        parts = urlsplit(link)
        if f"{parts.scheme}://{parts.netloc}" != self._origin:
            raise SpotifyResponseError(
                f"{url}: refusing to follow 'next' link {link!r}: not an absolute URL on {self._origin}"
            )
        if link in self._seen:
            raise SpotifyResponseError(f"{url}: 'next' link loops back to an already fetched page: {link}")
        return link
