"""The emulator's HTTP server: real sockets on 127.0.0.1, so clients are tested exactly as in production.

Standard library only. ``ThreadingHTTPServer`` speaks HTTP/1.1 with Content-Length and keep-alive
(one daemon thread per connection), so clients' connection pools reuse connections, injected
latency overlaps across concurrent requests, and a few hundred requests a second are easy.

Request pipeline for ``/v1``: latency -> quota -> rate limit -> connection reset -> 5xx -> bearer
token -> endpoint -> token-expiry fault -> truncated body. ``/api/token`` and the ``/_emulator``
admin endpoints never see faults; admin requests are not counted as API traffic.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import socket
import struct
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from spotify_assets.emulator.api import (
    JSON_CONTENT_TYPE,
    ApiError,
    ApiRequest,
    ApiResponse,
    RouteMatch,
    Router,
    SpotifyApi,
    error_response,
    json_response,
    not_found,
)
from spotify_assets.emulator.catalog import Catalog, CatalogConfig
from spotify_assets.emulator.faults import Fault, FaultConfig, FaultDecision, FaultInjector
from spotify_assets.emulator.tokens import TokenStore

IDLE_CONNECTION_TIMEOUT_S = 300  # long enough that pooled keep-alive connections rarely go stale
SHUTDOWN_POLL_S = 0.05  # how long stop() may wait for the accept loop to notice
FAULT_KINDS = ("5xx", "429", "quota", "truncated", "reset", "token_expired")
SERVER_ERROR_MESSAGES = {500: "Server error.", 502: "Bad gateway.", 503: "Service unavailable"}


@dataclass
class EmulatorConfig:
    catalog: CatalogConfig = field(default_factory=CatalogConfig)
    faults: FaultConfig = field(default_factory=FaultConfig)
    dev_mode: bool = False
    token_ttl_s: float = 3600
    client_id: str = "emulator-client-id"
    client_secret: str = field(default="emulator-client-secret", repr=False)  # kept out of reprs/logs
    today: date | None = None  # None = the current UTC date
    # Albums taken down after the listings were made: still listed, but `albums?ids=` answers
    # null for them and `/albums/{id}` and its tracks 404 (see SpotifyEmulator.pull_albums).
    pulled_albums: frozenset[str] = frozenset()
    host: str = "127.0.0.1"
    port: int = 0  # 0 = a free port


class RequestStats:
    """Thread-safe request counters, as returned by :meth:`SpotifyEmulator.stats`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._total = 0
            self._by_endpoint: dict[str, int] = {}
            self._by_status: dict[str, int] = {}
            self._faults = dict.fromkeys(FAULT_KINDS, 0)

    def record(self, endpoint: str, status: int | None) -> None:
        """One API request; ``status`` is None when the connection was reset instead."""
        with self._lock:
            self._total += 1
            self._by_endpoint[endpoint] = self._by_endpoint.get(endpoint, 0) + 1
            if status is not None:
                self._by_status[str(status)] = self._by_status.get(str(status), 0) + 1

    def record_admin(self) -> None:
        """Visible per endpoint, but kept out of ``total``/``by_status``: it is not API traffic."""
        with self._lock:
            self._by_endpoint["admin"] = self._by_endpoint.get("admin", 0) + 1

    def record_fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": self._total,
                "by_endpoint": dict(self._by_endpoint),
                "by_status": dict(self._by_status),
                "faults": dict(self._faults),
            }


class SpotifyEmulator:
    """A Spotify Web API (accounts token endpoint + the /v1 album endpoints) on a local port."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.catalog = Catalog(self.config.catalog)
        # A copy, so runtime fault changes never write into the caller's config object.
        self._faults = FaultInjector(dataclasses.replace(self.config.faults))
        self._tokens = TokenStore(self.config.token_ttl_s)
        self._stats = RequestStats()
        self._today = self.config.today
        self._pulled = frozenset(self.config.pulled_albums)
        self._server: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._api: SpotifyApi | None = None
        self._base_url: str | None = None  # kept after stop(), for messages about the run
        self._admin = self._admin_router()

    # ----- lifecycle ------------------------------------------------------------------------

    def start(self) -> SpotifyEmulator:
        if self._server is not None:
            return self
        server = _HttpServer((self.config.host, self.config.port), self)
        host, port = server.server_address[:2]
        if isinstance(host, bytes):  # typeshed allows bytes; an AF_INET server's address is always str
            host = host.decode()
        self._base_url = f"http://{host}:{port}"
        self._api = SpotifyApi(
            self.catalog,
            self._tokens,
            dev_mode=self.config.dev_mode,
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            api_base_url=f"{self._base_url}/v1",
            today=lambda: self.today,
        )
        self._api.set_pulled(self._pulled)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_S},
            name=f"spotify-emulator-{port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, then cut open keep-alive connections so pooled clients see the server gone."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_open_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SpotifyEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ----- addresses, clock, faults, stats ----------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("the emulator was never started: call start() or use it as a context manager")
        return self._base_url

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/v1"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/api/token"

    @property
    def today(self) -> date:
        return self._today or datetime.now(UTC).date()

    def set_today(self, day: date | None) -> None:
        """Move the emulator's clock (None follows the real UTC date again)."""
        self._today = day

    @property
    def pulled_albums(self) -> frozenset[str]:
        return self._pulled

    def pull_albums(self, album_ids: Iterable[str]) -> None:
        """Take albums down now, as Spotify does every day: listings made earlier (and cached)
        still show them, while every lookup answers as for unavailable content. Replaces the
        set pulled before; an empty list restores every album."""
        self._pulled = frozenset(album_ids)
        if self._api is not None:
            self._api.set_pulled(self._pulled)

    @property
    def faults(self) -> FaultConfig:
        """The fault configuration in force (a copy)."""
        return dataclasses.replace(self._faults.config)

    def update_faults(self, **changes: Any) -> None:
        """Change ``FaultConfig`` fields at runtime, e.g. ``update_faults(error_5xx_rate=0.2)``."""
        self._faults.update(**changes)

    def stats(self) -> dict[str, Any]:
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        self._stats.reset()

    # ----- request handling (called from connection threads) ---------------------------------

    def handle(self, request: ApiRequest) -> ApiResponse | None:
        """The answer to one request, or None to reset the connection without answering."""
        if request.path.startswith("/_emulator"):
            self._stats.record_admin()
            return _answer(self._admin.match(request.method, request.path), request)
        if request.path == "/v1" or request.path.startswith("/v1/"):
            return self._serve_api(request)
        match = self._require_api().router.match(request.method, request.path)
        response = _answer(match, request)
        self._stats.record(match.endpoint if match else "unknown", response.status)
        return response

    def _serve_api(self, request: ApiRequest) -> ApiResponse | None:
        api = self._require_api()
        match = api.router.match(request.method, request.path)
        endpoint = match.endpoint if match else "unknown"
        latency_s = self._faults.latency_s()
        if latency_s > 0:
            time.sleep(latency_s)  # in this connection's thread: concurrent requests overlap
        decision = self._faults.decide(today=self.today)
        response: ApiResponse | None
        if decision.fault is Fault.NONE:
            answer = self._authorized_call(api, request, match)
            if decision.truncate_at is not None and answer.status == 200:
                self._stats.record_fault("truncated")
                answer = _truncated(answer, decision.truncate_at)
            response = answer
        else:
            response = self._fault_response(decision)
        self._stats.record(endpoint, response.status if response else None)
        return response

    def _fault_response(self, decision: FaultDecision) -> ApiResponse | None:
        """The injected answer that replaces the real one (None for a connection reset)."""
        self._stats.record_fault(decision.fault.value)
        if decision.fault is Fault.QUOTA_EXCEEDED:
            return _too_many_requests(decision, "Too many requests", reason="QUOTA_EXCEEDED")
        if decision.fault is Fault.RATE_LIMITED:
            return _too_many_requests(decision, "API rate limit exceeded")
        if decision.fault is Fault.SERVER_ERROR:
            assert decision.status is not None
            return error_response(decision.status, SERVER_ERROR_MESSAGES[decision.status])
        return None  # Fault.CONNECTION_RESET

    def _authorized_call(self, api: SpotifyApi, request: ApiRequest, match: RouteMatch | None) -> ApiResponse:
        token = api.authorize(request)
        if isinstance(token, ApiResponse):
            return token
        response = _answer(match, request)
        if self._faults.token_expires_now():
            self._tokens.expire(token)
            self._stats.record_fault("token_expired")
        return response

    def _require_api(self) -> SpotifyApi:
        if self._api is None:
            raise RuntimeError("the emulator is not running")
        return self._api

    # ----- admin endpoints (out-of-process control) -------------------------------------------

    def _admin_router(self) -> Router:
        router = Router()
        router.add("GET", r"/_emulator/stats", "admin", lambda r, p: json_response(200, self.stats()))
        router.add("POST", r"/_emulator/stats/reset", "admin", self._admin_reset_stats)
        router.add("GET", r"/_emulator/clock", "admin", lambda r, p: self._clock_response())
        router.add("PUT", r"/_emulator/clock", "admin", self._admin_set_clock)
        router.add("GET", r"/_emulator/faults", "admin", lambda r, p: json_response(200, dataclasses.asdict(self.faults)))
        router.add("PATCH", r"/_emulator/faults", "admin", self._admin_update_faults)
        router.add("GET", r"/_emulator/pulled", "admin", lambda r, p: self._pulled_response())
        router.add("PUT", r"/_emulator/pulled", "admin", self._admin_pull)
        return router

    def _pulled_response(self) -> ApiResponse:
        return json_response(200, {"album_ids": sorted(self.pulled_albums)})

    def _admin_pull(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        """Body ``{"album_ids": [...]}``: the albums pulled from now on (``[]`` restores all)."""
        album_ids = _json_body(request).get("album_ids")
        if not isinstance(album_ids, list) or not all(isinstance(a, str) for a in album_ids):
            return error_response(400, "album_ids must be a list of album ids")
        self.pull_albums(album_ids)
        return self._pulled_response()

    def _admin_reset_stats(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        self.reset_stats()
        return json_response(200, self.stats())

    def _clock_response(self) -> ApiResponse:
        return json_response(200, {"today": self.today.isoformat()})

    def _admin_set_clock(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        """Body ``{"today": "YYYY-MM-DD"}``; ``{"today": null}`` follows the real date again."""
        value = _json_body(request).get("today", "")
        try:
            self.set_today(None if value is None else date.fromisoformat(str(value)))
        except ValueError:
            return error_response(400, "today must be YYYY-MM-DD or null")
        return self._clock_response()

    def _admin_update_faults(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        """Body: the ``FaultConfig`` fields to change, e.g. ``{"error_5xx_rate": 0.1}``."""
        try:
            self.update_faults(**_json_body(request))
        except (TypeError, ValueError) as exc:
            return error_response(400, f"Invalid fault settings: {exc}")
        return json_response(200, dataclasses.asdict(self.faults))


def _answer(match: RouteMatch | None, request: ApiRequest) -> ApiResponse:
    """The routed handler's answer (ApiErrors in Spotify's error shape), or 404 for unknown paths."""
    if match is None:
        return not_found(request, {})
    try:
        return match.handler(request, match.params)
    except ApiError as exc:
        return error_response(exc.status, exc.message)


def _json_body(request: ApiRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise ApiError(400, "Body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Body must be a JSON object")
    return body


def _too_many_requests(decision: FaultDecision, message: str, **extra: str) -> ApiResponse:
    return error_response(429, message, headers=[("Retry-After", str(decision.retry_after_s))], **extra)


def _truncated(response: ApiResponse, keep_share: float) -> ApiResponse:
    """A proper prefix of a JSON object is never valid JSON; Content-Length will match the cut."""
    cut = min(len(response.body) - 1, max(1, int(len(response.body) * keep_share)))
    return dataclasses.replace(response, body=response.body[:cut])


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # many clients connecting at once must not be refused
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: SpotifyEmulator) -> None:
        self.emulator = emulator
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_open_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by its handler
                connection.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SpotifyEmulator/1.0"
    sys_version = ""
    timeout = IDLE_CONNECTION_TIMEOUT_S
    disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls on keep-alive connections
    server: _HttpServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    _head_request = False

    def do_GET(self) -> None:
        request = self._read_request()
        if request is None:
            return
        response = self.server.emulator.handle(request)
        if response is None:
            self._reset_connection()
        else:
            self._send(response)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET  # noqa: N815 (BaseHTTPRequestHandler dispatches to do_<METHOD>)

    def do_HEAD(self) -> None:
        """What a GET would answer, headers only (Content-Length included), as HTTP says."""
        self._head_request, self.command = True, "GET"
        try:
            self.do_GET()
        finally:
            self._head_request, self.command = False, "HEAD"

    def __getattr__(self, name: str) -> Any:
        """Any other method reaches the API too (answered 405/404 in its JSON shape), instead of
        ``BaseHTTPRequestHandler``'s HTML 501."""
        if name.startswith("do_"):
            return self.do_GET
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request logs are noise in tests and must never carry credentials."""

    def _read_request(self) -> ApiRequest | None:
        """Reads the whole body first, so an early error answer cannot desync a keep-alive stream."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            self._send(error_response(400, "Invalid Content-Length"))
            return None
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        query = {name: values[0] for name, values in parse_qs(url.query, keep_blank_values=True).items()}
        return ApiRequest(self.command, path, query, self.headers, body)

    def _send(self, response: ApiResponse) -> None:
        """Status line, headers and body in one write: one TCP segment for small answers."""
        lines = [
            f"HTTP/1.1 {response.status} {HTTPStatus(response.status).phrase}",
            f"Date: {self.date_time_string()}",
            f"Server: {self.server_version}",
            f"Content-Type: {JSON_CONTENT_TYPE}",
            f"Content-Length: {len(response.body)}",
            *(f"{name}: {value}" for name, value in response.headers),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if self._head_request else head + response.body)

    def _reset_connection(self) -> None:
        """Abort with RST (SO_LINGER 0) instead of a FIN: what a crashed proxy looks like."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
