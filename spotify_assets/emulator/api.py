"""The Spotify Web API surface: routing, parameters, paging envelopes and error bodies.

Transport-free on purpose: handlers take an :class:`ApiRequest` and return an :class:`ApiResponse`,
so the HTTP plumbing and the fault injection in ``server.py`` stay separate from what Spotify
answers. Shapes follow Spotify's docs and OpenAPI spec; error messages are the ones Spotify sends.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from urllib.parse import parse_qs, quote

from spotify_assets.emulator.catalog import Catalog, JsonObject
from spotify_assets.emulator.ids import is_base62_id
from spotify_assets.emulator.tokens import TokenState, TokenStore

DEFAULT_LIMIT = 20
MAX_LIMIT = 50
ALBUM_TRACKS_PAGE = 50  # tracks embedded in an album object
MAX_IDS_PER_BATCH = 20
SEARCH_REACH = 1000  # search never pages past offset + limit = 1000
# Search's 2026 bounds (OpenAPI spec: default 5, maximum 10). A limit up to the usual 50 is still
# accepted but answered with at most 10 results, as Spotify does; above 50 is a 400.
SEARCH_DEFAULT_LIMIT = 5
SEARCH_MAX_RESULTS = 10
EXPIRED_TOKEN_MESSAGE = "Missing/invalid/expired access token"  # the 2026 wording (was "The access token expired")
SEARCH_TYPES = ("album", "artist", "playlist", "track", "show", "episode", "audiobook")
JSON_CONTENT_TYPE = "application/json; charset=utf-8"


class RequestHeaders(Protocol):
    """What handlers read from request headers: case-insensitive ``get`` (an ``http.client.HTTPMessage``)."""

    def get(self, name: str, /) -> str | None: ...


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str  # without query string and trailing slash
    query: Mapping[str, str]  # first value of each parameter
    headers: RequestHeaders  # case-insensitive lookups (an http.client.HTTPMessage)
    body: bytes = b""


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


class ApiError(Exception):
    """Raised deep inside a handler (e.g. a bad ``limit``) and answered in Spotify's error shape."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def json_response(status: int, payload: object, headers: Sequence[tuple[str, str]] = ()) -> ApiResponse:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return ApiResponse(status, body, tuple(headers))


class JsonAssembler:
    """Builds a response body from a payload in which some values are already JSON text.

    Why: tracks come from the catalog pre-encoded (the fast path), and a worldwide release
    repeats ~185 market codes in every album object. Such values are swapped for placeholders
    while the payload is built and spliced back in, once, when the body is encoded; the bytes
    sent are exactly what ``json.dumps`` of the equivalent plain payload would give.
    """

    _PLACEHOLDER = re.compile('"\ue000([0-9]+)\ue000"')

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._market_placeholders: dict[tuple[str, ...], str] = {}

    def raw(self, json_text: str) -> str:
        """A placeholder that the final body replaces with ``json_text``."""
        self._texts.append(json_text)
        return f"\ue000{len(self._texts) - 1}\ue000"

    def compact_markets(self, obj: JsonObject | None) -> JsonObject | None:
        """Swap ``obj["available_markets"]`` (if any) for a shared placeholder, in place."""
        if obj is not None and "available_markets" in obj:
            markets = tuple(obj["available_markets"])
            if markets not in self._market_placeholders:
                self._market_placeholders[markets] = self.raw(json.dumps(markets, separators=(",", ":")))
            obj["available_markets"] = self._market_placeholders[markets]
        return obj

    def response(self, status: int, payload: object) -> ApiResponse:
        parts = self._PLACEHOLDER.split(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
        parts[1::2] = [self._texts[int(index)] for index in parts[1::2]]
        return ApiResponse(status, "".join(parts).encode("utf-8"))


def error_response(
    status: int, message: str, headers: Sequence[tuple[str, str]] = (), **extra: str
) -> ApiResponse:
    """The Web API's error shape: ``{"error": {"status": int, "message": str}}``."""
    return json_response(status, {"error": {"status": status, "message": message, **extra}}, headers)


def token_error_response(error: str, description: str, status: int = 400) -> ApiResponse:
    """The accounts service's (different) error shape: ``{"error", "error_description"}``."""
    return json_response(status, {"error": error, "error_description": description})


Handler = Callable[[ApiRequest, dict[str, str]], ApiResponse]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    endpoint: str  # label used in request statistics
    handler: Handler
    wrong_method: Handler  # the answer to another method on this path


@dataclass(frozen=True)
class RouteMatch:
    endpoint: str
    handler: Handler
    params: dict[str, str]


class Router:
    """Path patterns to handlers; a known path with the wrong method is a 405, not a 404."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(
        self, method: str, path_pattern: str, endpoint: str, handler: Handler, wrong_method: Handler | None = None
    ) -> None:
        pattern = re.compile(path_pattern + r"\Z")
        self._routes.append(Route(method, pattern, endpoint, handler, wrong_method or _method_not_allowed))

    def match(self, method: str, path: str) -> RouteMatch | None:
        """None for an unknown path."""
        wrong_method: Route | None = None
        for route in self._routes:
            found = route.pattern.match(path)
            if found and route.method == method:
                return RouteMatch(route.endpoint, route.handler, found.groupdict())
            if found:
                wrong_method = route
        if wrong_method is None:
            return None
        return RouteMatch(wrong_method.endpoint, wrong_method.wrong_method, {})


def _method_not_allowed(request: ApiRequest, params: dict[str, str]) -> ApiResponse:
    return error_response(405, "Method not allowed")


def not_found(request: ApiRequest, params: dict[str, str]) -> ApiResponse:
    return error_response(404, "Service not found")


def parse_paging(
    query: Mapping[str, str], max_limit: int = MAX_LIMIT, default_limit: int = DEFAULT_LIMIT
) -> tuple[int, int]:
    """(offset, limit) with Spotify's bounds: limit 1..max_limit (default 20), offset >= 0."""
    limit = _int_param(query, "limit", default_limit, "Invalid limit")
    offset = _int_param(query, "offset", 0, "Invalid offset")
    if not 1 <= limit <= max_limit:
        raise ApiError(400, "Invalid limit")
    if offset < 0:
        raise ApiError(400, "Invalid offset")
    return offset, limit


def _int_param(query: Mapping[str, str], name: str, default: int, message: str) -> int:
    raw = query.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, message) from None


def paging_object(
    url_for: Callable[[int, int], str],
    items: Sequence[JsonObject | None] | str,  # a JsonAssembler placeholder when pre-encoded
    offset: int,
    limit: int,
    total: int,
    reach: int | None = None,
) -> JsonObject:
    """Spotify's paging envelope; ``next``/``previous`` are absolute URLs or null.

    ``reach`` caps how far ``next`` may lead (search stops at offset + limit = 1000).
    """
    next_offset = offset + limit
    has_next = next_offset < total and (reach is None or next_offset + limit <= reach)
    return {
        "href": url_for(offset, limit),
        "items": items,
        "limit": limit,
        "next": url_for(next_offset, limit) if has_next else None,
        "offset": offset,
        "previous": url_for(max(0, offset - limit), limit) if offset > 0 else None,
        "total": total,
    }


class SpotifyApi:
    """Handlers for the accounts token endpoint and the /v1 endpoints the platform uses."""

    def __init__(
        self,
        catalog: Catalog,
        tokens: TokenStore,
        *,
        dev_mode: bool,
        client_id: str,
        client_secret: str,
        api_base_url: str,
        today: Callable[[], date],
    ) -> None:
        self.catalog = catalog
        self.tokens = tokens
        self.dev_mode = dev_mode
        self._client_id = client_id
        self._client_secret = client_secret
        self.api_base_url = api_base_url
        self._today = today
        self._pulled: frozenset[str] = frozenset()
        self.router = Router()
        self.router.add("POST", r"/api/token", "token", self.token, wrong_method=token_method_not_allowed)
        self.router.add("GET", r"/v1/browse/new-releases", "new_releases", self.new_releases)
        self.router.add("GET", r"/v1/albums", "albums_batch", self.albums_batch)
        self.router.add("GET", r"/v1/albums/(?P<album_id>[^/]+)", "album", self.album)
        self.router.add("GET", r"/v1/albums/(?P<album_id>[^/]+)/tracks", "album_tracks", self.album_tracks)
        self.router.add("GET", r"/v1/search", "search", self.search)

    # ----- albums pulled from the catalog ----------------------------------------------------

    @property
    def pulled(self) -> frozenset[str]:
        return self._pulled

    def set_pulled(self, album_ids: frozenset[str]) -> None:
        """Albums taken down after listings were made: listings (cached, as Spotify's lag) still
        show them, every lookup answers as for unavailable content. Replaced as a whole, so
        concurrent handlers see the old set or the new one."""
        self._pulled = frozenset(album_ids)

    def _served(self, album_id: str, market: str | None) -> bool:
        return album_id not in self._pulled and self.catalog.available_in(album_id, market)

    # ----- accounts service -----------------------------------------------------------------

    def token(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        """Client-credentials grant; credentials via Basic auth (documented) or the form."""
        form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        grant_type = form.get("grant_type", "")
        if not grant_type:
            return token_error_response("unsupported_grant_type", "grant_type parameter is missing")
        if grant_type != "client_credentials":
            return token_error_response(
                "unsupported_grant_type", "grant_type must be client_credentials, authorization_code or refresh_token"
            )
        if not self._credentials_match(*_client_credentials(request.headers.get("Authorization"), form)):
            return token_error_response("invalid_client", "Invalid client")
        return json_response(
            200, {"access_token": self.tokens.issue(), "token_type": "Bearer", "expires_in": int(self.tokens.ttl_s)}
        )

    def _credentials_match(self, client_id: str, client_secret: str) -> bool:
        """Constant-time comparisons: the secret must not leak through timing either."""
        id_ok = hmac.compare_digest(client_id.encode(), self._client_id.encode())
        secret_ok = hmac.compare_digest(client_secret.encode(), self._client_secret.encode())
        return id_ok and secret_ok

    def authorize(self, request: ApiRequest) -> str | ApiResponse:
        """The valid bearer token presented, or the error to answer instead."""
        scheme, _, token = (request.headers.get("Authorization") or "").strip().partition(" ")
        if scheme and scheme.lower() != "bearer":
            return error_response(400, "Only valid bearer authentication supported")
        token = token.strip()
        if not token:
            return _unauthorized("No token provided")
        state = self.tokens.state(token)
        if state is TokenState.UNKNOWN:
            return _unauthorized("Invalid access token")
        if state is TokenState.EXPIRED:
            return _unauthorized(EXPIRED_TOKEN_MESSAGE)
        return token

    # ----- /v1 endpoints --------------------------------------------------------------------

    def new_releases(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        if self.dev_mode:
            return error_response(403, "Forbidden")
        day = self._today()
        offset, limit = parse_paging(request.query)
        market = _market(request)
        ids = self.catalog.new_release_ids(day, market)
        assembler = JsonAssembler()
        items = [assembler.compact_markets(self.catalog.simplified_album(a, day)) for a in ids[offset : offset + limit]]
        # The links keep the market: following them must page through the same market's list.
        page = paging_object(self._url("/browse/new-releases", market), items, offset, limit, len(ids))
        return assembler.response(200, {"albums": page})

    def albums_batch(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        if self.dev_mode:
            return error_response(403, "Forbidden")
        raw_ids = request.query.get("ids", "")
        album_ids = raw_ids.split(",") if raw_ids else []
        if not album_ids:
            return error_response(400, "Invalid request")
        if len(album_ids) > MAX_IDS_PER_BATCH:
            return error_response(400, "Too many ids requested")
        if not all(is_base62_id(album_id) for album_id in album_ids):
            return error_response(400, "Invalid base62 id")
        day, market, assembler = self._today(), _market(request), JsonAssembler()
        albums = [self._album_with_tracks(a, day, market, assembler) if self._served(a, market) else None for a in album_ids]
        return assembler.response(200, {"albums": albums})

    def album(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        album_id, assembler, market = _checked_album_id(params), JsonAssembler(), _market(request)
        album = self._album_with_tracks(album_id, self._today(), market, assembler) if self._served(album_id, market) else None
        return assembler.response(200, album) if album is not None else error_response(404, "Resource not found")

    def album_tracks(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        album_id = _checked_album_id(params)
        offset, limit = parse_paging(request.query)
        day, market = self._today(), _market(request)
        total = self.catalog.total_tracks(album_id, day) if self._served(album_id, market) else None
        if total is None:
            return error_response(404, "Resource not found")
        assembler = JsonAssembler()
        return assembler.response(200, self._tracks_page(album_id, day, market, offset, limit, total, assembler))

    def search(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        """Only ``tag:new`` album searches find anything: albums released in the past two weeks."""
        text = request.query.get("q") or request.query.get("query") or ""
        if not text.strip():
            return error_response(400, "No search query")
        types = [t for t in request.query.get("type", "").split(",") if t]
        if not types:
            return error_response(400, "Missing parameter type")
        if any(t not in SEARCH_TYPES for t in types):
            return error_response(400, "Bad search type field")
        offset, limit = parse_paging(request.query, default_limit=SEARCH_DEFAULT_LIMIT)
        limit = min(limit, SEARCH_MAX_RESULTS)
        if offset + limit > SEARCH_REACH:
            return error_response(400, "Invalid offset")
        day, market = self._today(), _market(request)
        found = self.catalog.search_new_ids(day, market) if "tag:new" in text.lower().split() else []
        url_for = self._search_url(text, ",".join(types), request.query.get("market"))
        result, assembler = {}, JsonAssembler()
        for search_type in types:
            hits = found if search_type == "album" else []
            items = [
                assembler.compact_markets(self.catalog.simplified_album(a, day, dev_mode=self.dev_mode))
                for a in hits[offset : offset + limit]
            ]
            result[f"{search_type}s"] = paging_object(url_for, items, offset, limit, len(hits), reach=SEARCH_REACH)
        return assembler.response(200, result)

    # ----- helpers --------------------------------------------------------------------------

    def _album_with_tracks(
        self, album_id: str, day: date, market: str | None, assembler: JsonAssembler
    ) -> JsonObject | None:
        """An ``AlbumObject``: the catalog album plus its first page of 50 tracks."""
        album = assembler.compact_markets(self.catalog.album(album_id, day, dev_mode=self.dev_mode))
        if album is not None:
            total = album["total_tracks"]
            album["tracks"] = self._tracks_page(album_id, day, market, 0, ALBUM_TRACKS_PAGE, total, assembler)
        return album

    def _tracks_page(
        self,
        album_id: str,
        day: date,
        market: str | None,
        offset: int,
        limit: int,
        total: int,
        assembler: JsonAssembler,
    ) -> JsonObject:
        tracks = self.catalog.tracks_json(
            album_id, day, dev_mode=self.dev_mode, market=market, offset=offset, limit=limit
        )
        items = assembler.raw("[" + ",".join(tracks) + "]")
        return paging_object(self._url(f"/albums/{album_id}/tracks", market), items, offset, limit, total)

    def _url(self, path: str, market: str | None = None, leading_params: str = "") -> Callable[[int, int], str]:
        """Absolute page links on this server, so clients following ``next`` stay on it."""
        market_part = f"&market={quote(market, safe='')}" if market else ""
        prefix = f"{self.api_base_url}{path}?{leading_params}"
        return lambda offset, limit: f"{prefix}offset={offset}&limit={limit}{market_part}"

    def _search_url(self, text: str, types: str, market: str | None) -> Callable[[int, int], str]:
        """Spotify writes the query as ``query=`` in its links (and accepts both spellings)."""
        return self._url("/search", market, f"query={quote(text, safe='')}&type={quote(types, safe=',')}&")


def _client_credentials(authorization: str | None, form: Mapping[str, str]) -> tuple[str, str]:
    """(client_id, client_secret) from ``Authorization: Basic`` or else the form; blanks if absent."""
    scheme, _, encoded = (authorization or "").strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, client_secret = base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        return client_id, client_secret
    return form.get("client_id", ""), form.get("client_secret", "")


def _market(request: ApiRequest) -> str | None:
    """The market asked for (``country`` is new-releases' older name for it); None when absent."""
    return request.query.get("market") or request.query.get("country") or None


def token_method_not_allowed(request: ApiRequest, params: dict[str, str]) -> ApiResponse:
    """The accounts service answers in its own error shape, for a wrong method too."""
    return token_error_response("invalid_request", f"HTTP method {request.method} is not supported; use POST", 405)


def _checked_album_id(params: dict[str, str]) -> str:
    album_id = params["album_id"]
    if not is_base62_id(album_id):
        raise ApiError(400, "Invalid base62 id")
    return album_id


def _unauthorized(message: str) -> ApiResponse:
    return error_response(401, message, headers=[("WWW-Authenticate", 'Bearer realm="spotify"')])
