"""``make dashboard``: serve the dashboard's folder on 127.0.0.1 (stdlib ``http.server``).

A file:// page works too (it is self-contained); serving it is for opening it from another
machine's browser through a tunnel, and to see it as S3 static hosting would serve it.
"""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # `format`: the stdlib's parameter name
        pass  # one line per request would bury the URL printed at start


def dashboard_server(folder: Path, port: int = 0) -> ThreadingHTTPServer:
    """A bound (not yet serving) HTTP server for ``folder`` on 127.0.0.1; port 0 = a free one."""
    if not (folder / "index.html").is_file():
        raise FileNotFoundError(f"no dashboard at {folder / 'index.html'}: run `make run` (or the daily job) first")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def server_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    if isinstance(host, bytes):  # typeshed allows bytes; an AF_INET server's address is always str
        host = host.decode()
    return f"http://{host}:{port}/"
