"""A loopback HTTP server for the bridge tests: records what a real SDK sends, answers what the test set.

`server.answer(status, body, content_type)` sets the next answers; `server.requests` holds each request as
`{"method", "path", "query", "headers", "json"}`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest


class SdkServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.body: bytes = b"{}"
        self.content_type = "application/json"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def answer(self, body: Any, *, status: int = 200, content_type: str | None = None) -> None:
        if isinstance(body, bytes):
            self.body, self.content_type = body, content_type or "text/event-stream"
        else:
            self.body, self.content_type = json.dumps(body).encode(), content_type or "application/json"
        self.status = status

    @property
    def last(self) -> dict[str, Any]:
        return self.requests[-1]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SdkServer

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        url = urlparse(self.path)
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.requests.append({
            "method": self.command, "path": url.path,
            "query": {k: v[0] for k, v in parse_qs(url.query).items()},
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "json": json.loads(raw) if raw else None,
        })
        self.send_response(self.server.status)
        self.send_header("Content-Type", self.server.content_type)
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)


@pytest.fixture
def sdk_server() -> Iterator[SdkServer]:
    server = SdkServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
