"""A real HTTP server on 127.0.0.1 standing in for Slack's incoming webhook: it records each POST."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Webhook:
    url: str
    status: int = 200
    posts: list[dict[str, Any]] = field(default_factory=list)
    raw_bodies: list[bytes] = field(default_factory=list)


def serve_webhook(path: str = "/services/T0000/B0000/hook-secret-part") -> tuple[ThreadingHTTPServer, Webhook]:
    """Start the server; the caller shuts it down. Answers ``webhook.status`` (Slack: 200 "ok")."""
    state: Webhook

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.raw_bodies.append(body)
            state.posts.append(json.loads(body))
            self.send_response(state.status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Webhook(url=f"http://127.0.0.1:{server.server_address[1]}{path}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    server, state = serve_webhook()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
