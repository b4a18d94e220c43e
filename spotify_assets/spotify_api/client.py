"""``SpotifyClient``: the Spotify Web API calls the platform needs, as streams of raw pages.

Plain Python (no Dagster) so it can be tested and benchmarked on its own. The resource in
``spotify_assets.resources.spotify`` builds one per run.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import threading
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from spotify_assets.spotify_api.auth import AccessToken, TokenCache, parse_token_reply
from spotify_assets.spotify_api.batching import (
    TRACKS_PAGE_LIMIT,
    AlbumsBatch,
    TrackPage,
    album_batches,
    extra_track_pages,
    per_album_first_pages,
)
from spotify_assets.spotify_api.concurrency import Outcome, run_streaming
from spotify_assets.spotify_api.errors import (
    SpotifyAuthError,
    SpotifyConfigError,
    SpotifyForbiddenError,
    SpotifyResponseError,
    api_error_message,
    error_for_status,
)
from spotify_assets.spotify_api.models import (
    ALBUM_UNAVAILABLE,
    AlbumRef,
    ClientSettings,
    RawPage,
    UnavailableAlbum,
)
from spotify_assets.spotify_api.paging import NextLinkGuard, next_offset, paging_total, unwrap_paging
from spotify_assets.spotify_api.stats import Counters
from spotify_assets.spotify_api.transport import Reply, Transport

PROGRESS_EVERY = 10  # album-track fetches between progress lines
SEARCH_PAGE_LIMIT = 10  # search's maximum `limit` since 2026 (OpenAPI spec; larger ones get 10 at most)
# What the client reads from an albums?ids= batch: album ids and each album's tracks.total.
_BATCH_KEYS = frozenset({"albums", "id", "tracks", "total"})

_TrackTask = AlbumsBatch | TrackPage


class SpotifyClient:
    """Client-credentials access to the Spotify Web API (or any server speaking it).

    Thread-safe: one token, one connection pool, one in-flight limit and one rate-limit pause are
    shared by every thread using the client.
    """

    def __init__(self, settings: ClientSettings, *, log: logging.Logger | None = None) -> None:
        if not settings.client_id or not settings.client_secret:
            raise SpotifyConfigError(
                "Spotify client credentials are missing; set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET"
            )
        self.settings = settings
        self._log = log or logging.getLogger(__name__)
        self._counters = Counters()
        self._transport = Transport(settings, self._counters, self._log)
        self._tokens = TokenCache(self._fetch_token, settings.token_refresh_margin_s)
        # Remembered for the client's life: once albums?ids= is refused, the other batches go
        # straight to per-album paging instead of each spending a request on a 403.
        self._albums_batch_forbidden = threading.Event()

    def __repr__(self) -> str:
        return f"SpotifyClient(api_base_url={self.settings.api_base_url!r}, market={self.settings.market!r})"

    # -- the platform's two listings -------------------------------------------------------------

    def iter_new_release_pages(self) -> Iterator[RawPage]:
        """The new-releases listing, page by page (``limit=page_limit``, following ``next``).

        An app in Development Mode may not list new releases (403): it then gets search
        ``tag:new`` instead, which Spotify documents as "released in the past two weeks".
        """
        kind, replies = self._release_listing()
        for number, (reply, paging) in enumerate(replies, 1):
            self._counters.add("pages")
            pages = _page_count(paging, reply.url)
            self._log.info("%s: page %d/%d (%d requests so far)", kind, number, pages, self._count("requests"))
            yield RawPage(kind=kind, url=reply.url, body=reply.body, offset=paging.get("offset", 0))

    def iter_album_track_pages(self, albums: Iterable[AlbumRef]) -> Iterator[RawPage]:
        """Every track of ``albums`` as raw pages, yielded as they complete (in no fixed order).

        ``albums?ids=`` batches of 20 (kind ``albums_batch``) plus extra pages for albums with more
        than 50 tracks (kind ``album_tracks``, offset >= 50), as told by the embedded
        ``tracks.total``. If the app may not call ``albums?ids=`` (403), each album is paged on its
        own from offset 0 instead. Runs on ``max_workers`` threads, with at most ``2 * max_workers``
        fetches started ahead of the caller: a caller that is slow to take pages slows the
        fetching down instead of letting pages pile up in memory.
        """
        batches: list[_TrackTask] = list(album_batches(albums))  # their follow-ups are TrackPages
        known = len(batches)
        for done, outcome in enumerate(run_streaming(batches, self._fetch_track_task, self.settings.max_workers), 1):
            known += len(outcome.follow_ups)
            if done % PROGRESS_EVERY == 0 or done == known:
                sent = self._count("requests")
                self._log.info("album tracks: %d/%d fetches done (%d requests so far)", done, known, sent)
            if outcome.result is not None:
                if outcome.result.kind != ALBUM_UNAVAILABLE:
                    self._counters.add("pages")
                yield outcome.result

    # -- generic access ------------------------------------------------------------------------

    def iter_pages_by_offset(
        self, path: str, params: dict[str, Any] | None = None, *, envelope: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Paging objects fetched by offset/limit (``limit=page_limit``), until ``total`` is reached."""
        params = {"limit": self.settings.page_limit, **(params or {})}
        offset: int | None = params.pop("offset", 0)
        while offset is not None:
            reply = self._get(path, {**params, "offset": offset})
            paging = unwrap_paging(reply.document, envelope, reply.url)
            yield paging
            offset = next_offset(paging, reply.url)

    def iter_pages_by_next(
        self, path_or_url: str, params: dict[str, Any] | None = None, *, envelope: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Paging objects fetched by following each page's ``next`` link."""
        for _, paging in self._iter_replies_by_next(path_or_url, params, envelope):
            yield paging

    def get_json(self, path_or_url: str, params: dict[str, Any] | None = None) -> Any:
        """The parsed body of one GET (path relative to ``api_base_url``, or an absolute API URL)."""
        return self._get(path_or_url, params).document

    def stats(self) -> dict[str, int]:
        """Counts for run metadata: requests sent (retries and token requests included), retries,
        429s, milliseconds paused for them, milliseconds workers waited for the client-side pacer
        (summed over workers), token refreshes, pages returned."""
        counts = self._counters.snapshot()
        counts["token_refreshes"] = max(0, self._tokens.fetches - 1)
        return counts

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> SpotifyClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------------

    def _release_listing(self) -> tuple[str, Iterator[tuple[Reply, dict[str, Any]]]]:
        listing = self._iter_replies_by_next("browse/new-releases", {"limit": self.settings.page_limit}, "albums")
        try:
            first = next(listing)
        except SpotifyForbiddenError:
            self._log.warning("browse/new-releases is forbidden for this app (Development Mode?); using search tag:new")
            search = {"q": "tag:new", "type": "album", "limit": min(self.settings.page_limit, SEARCH_PAGE_LIMIT)}
            return "search_new", self._iter_replies_by_next("search", search, "albums")
        return "new_releases", itertools.chain([first], listing)

    def _iter_replies_by_next(
        self, path_or_url: str, params: dict[str, Any] | None, envelope: str | None
    ) -> Iterator[tuple[Reply, dict[str, Any]]]:
        guard = NextLinkGuard(self.settings.api_origin)
        url: str | None = path_or_url
        while url is not None:
            reply = self._get(url, params)
            guard.fetched(url)
            guard.fetched(reply.url)
            paging = unwrap_paging(reply.document, envelope, reply.url)
            yield reply, paging
            url, params = guard.next_url(paging, reply.url), None

    def _fetch_track_task(self, task: _TrackTask) -> Outcome[_TrackTask, RawPage]:
        if isinstance(task, AlbumsBatch):
            return self._fetch_albums_batch(task)
        return self._fetch_track_page(task)

    def _fetch_albums_batch(self, batch: AlbumsBatch) -> Outcome[_TrackTask, RawPage]:
        if self._albums_batch_forbidden.is_set():
            return Outcome(None, per_album_first_pages(batch))
        try:
            reply = self._get("albums", {"ids": ",".join(album.id for album in batch.albums)}, parse=_parse_batch)
        except SpotifyForbiddenError:
            if not self._albums_batch_forbidden.is_set():
                self._albums_batch_forbidden.set()
                self._log.warning(
                    "albums?ids= is forbidden for this app (Development Mode?); paging each album's tracks"
                )
            return Outcome(None, per_album_first_pages(batch))
        album_ids, extra_pages = self._read_batch(reply)
        returned = set(album_ids)
        unavailable = tuple(
            UnavailableAlbum(album.id, "albums", reply.url, reply.status, "null in the albums?ids= response")
            for album in batch.albums
            if album.id not in returned
        )
        page = RawPage(
            kind="albums_batch",
            url=reply.url,
            body=reply.body,
            batch_index=batch.index,
            album_ids=album_ids,
            unavailable=unavailable,
        )
        return Outcome(page, extra_pages)

    def _read_batch(self, reply: Reply) -> tuple[tuple[str, ...], list[TrackPage]]:
        """The albums a batch holds, and the track pages beyond their 50 embedded ones (per the
        embedded ``tracks.total``), read once here so nobody has to parse the body again."""
        albums = reply.document.get("albums") if isinstance(reply.document, dict) else None
        if not isinstance(albums, list):
            raise SpotifyResponseError(f"{reply.url}: expected 'albums' to be a list")
        album_ids: list[str] = []
        pages: list[TrackPage] = []
        for album in albums:
            if album is None:  # unavailable in the market; the caller notices the missing album
                continue
            album_id = album.get("id") if isinstance(album, dict) else None
            tracks = album.get("tracks") if isinstance(album, dict) else None
            if not isinstance(album_id, str) or not isinstance(tracks, dict):
                raise SpotifyResponseError(f"{reply.url}: an album lacks 'id' or its embedded 'tracks'")
            album_ids.append(album_id)
            pages += extra_track_pages(album_id, paging_total(tracks, f"{reply.url} (album {album_id})"))
        return tuple(album_ids), pages

    def _fetch_track_page(self, task: TrackPage) -> Outcome[_TrackTask, RawPage]:
        path = f"albums/{quote(task.album_id, safe='')}/tracks"
        reply = self._send_get(path, {"offset": task.offset, "limit": TRACKS_PAGE_LIMIT}, json.loads)
        if reply.status == 404:  # pulled or not in the market: reported, not fatal (see landing)
            message = api_error_message(reply.body) or "HTTP 404"
            gone = UnavailableAlbum(task.album_id, "albums/{id}/tracks", reply.url, reply.status, message)
            return Outcome(
                RawPage(
                    kind=ALBUM_UNAVAILABLE,
                    url=reply.url,
                    body=reply.body,
                    album_id=task.album_id,
                    offset=task.offset,
                    album_ids=(),
                    unavailable=(gone,),
                )
            )
        if not 200 <= reply.status < 300:
            raise error_for_status(reply.status, reply.url, reply.body)
        paging = unwrap_paging(reply.document, None, reply.url)
        page = RawPage(
            kind="album_tracks",
            url=reply.url,
            body=reply.body,
            album_id=task.album_id,
            offset=task.offset,
            album_ids=(task.album_id,),
        )
        if task.offset != 0:
            return Outcome(page)
        # The first page of an album paged on its own tells how many more there are.
        return Outcome(page, extra_track_pages(task.album_id, paging_total(paging, reply.url), TRACKS_PAGE_LIMIT))

    def _get(
        self, path_or_url: str, params: dict[str, Any] | None = None, *, parse: Callable[[bytes], Any] = json.loads
    ) -> Reply:
        """GET that raises on any non-2xx reply (see ``_send_get``)."""
        reply = self._send_get(path_or_url, params, parse)
        if not 200 <= reply.status < 300:
            raise error_for_status(reply.status, reply.url, reply.body)
        return reply

    def _send_get(self, path_or_url: str, params: dict[str, Any] | None, parse: Callable[[bytes], Any]) -> Reply:
        """GET with the bearer token, taken right before each send (so one that lapsed during a
        wait is renewed first); on a 401 the token is replaced once and the request re-sent."""
        url = self._api_url(path_or_url)
        params = self._with_market(url, params)
        sent: list[str] = []

        def authorize() -> dict[str, str]:
            sent.append(self._tokens.get())
            return _bearer(sent[-1])

        reply = self._transport.send("GET", url, params=params, authorize=authorize, parse=parse)
        if reply.status == 401:
            self._tokens.invalidate(sent[-1])
            reply = self._transport.send("GET", url, params=params, authorize=authorize, parse=parse)
            if reply.status == 401 and not self._tokens.is_fresh(sent[-1]):
                # Not a rejection of a valid token: it lapsed before the reply (tokens shorter
                # than the waits between taking one and being answered).
                raise SpotifyAuthError(
                    f"the access token expired again before {reply.url} answered "
                    f"({api_error_message(reply.body) or 'HTTP 401'}); the server issues tokens too short-lived "
                    "for the waits of this run (Retry-After pauses, backoffs)"
                )
        return reply

    def _fetch_token(self, now: float) -> AccessToken:
        settings = self.settings
        self._log.debug("requesting an access token from %s", settings.token_url)
        reply = self._transport.send(
            "POST",
            settings.token_url,
            data={"grant_type": "client_credentials"},
            auth=(settings.client_id, settings.client_secret),
        )
        return parse_token_reply(reply.status, reply.body, settings.token_url, now)

    def _api_url(self, path_or_url: str) -> str:
        """Absolute URL for a path under ``api_base_url``; absolute URLs must be on the API's origin
        because the bearer token goes with them."""
        if "://" not in path_or_url:
            return f"{self.settings.api_base_url.rstrip('/')}/{path_or_url.lstrip('/')}"
        parts = urlsplit(path_or_url)
        if f"{parts.scheme}://{parts.netloc}" != self.settings.api_origin:
            raise SpotifyConfigError(
                f"refusing to send the access token to {path_or_url}: not on {self.settings.api_origin}"
            )
        return path_or_url

    def _with_market(self, url: str, params: dict[str, Any] | None) -> dict[str, Any]:
        """``market`` on every request (a client-credentials token has no country), unless the URL
        (a ``next`` link) already carries one."""
        params = dict(params or {})
        if "market" not in params and "market" not in parse_qs(urlsplit(url).query):
            params["market"] = self.settings.market
        return params

    def _count(self, name: str) -> int:
        return self._counters.snapshot()[name]


def _page_count(paging: dict[str, Any], url: str) -> int:
    """Pages in the whole listing, for progress lines (the server's limit, which may be clamped)."""
    limit = paging.get("limit")
    per_page = limit if isinstance(limit, int) and limit > 0 else max(1, len(paging["items"]))
    return max(1, math.ceil(paging_total(paging, url) / per_page))


def _parse_batch(body: bytes) -> Any:
    """An ``albums?ids=`` body parsed in full (so a cut-off body is still caught) but keeping only
    the keys the client reads: the document of a ~0.5 MB batch is then a few KB instead of ~4 MB
    of Python objects, and parsing is several times faster. The body itself is landed untouched."""
    return json.loads(body, object_pairs_hook=_keep_batch_keys)


def _keep_batch_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {key: value for key, value in pairs if key in _BATCH_KEYS}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
