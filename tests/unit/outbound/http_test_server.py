"""A tiny threaded HTTP server on 127.0.0.1 with the paths the outbound-client tests need."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest


class RecordingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[dict[str, Any]] = []  # noqa: RUF012 - shared by the test server's threads

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self) -> None:
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        RecordingHandler.seen.append(
            {
                "method": self.command,
                "path": url.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        )
        if url.path == "/json":
            self._send(
                200,
                json.dumps({"ok": True, "host": self.headers.get("host")}).encode(),
                {"Content-Type": "application/json"},
            )
        elif url.path == "/echo":
            self._send(200, json.dumps({"method": self.command, "body": body.decode()}).encode())
        elif url.path == "/setcookie":
            self._send(200, b"{}", {"Set-Cookie": "session=secret-of-user-a; Path=/"})
        elif url.path == "/notjson":
            self._send(200, b"<html>")
        elif url.path == "/status":
            self._send(int(query["code"]), b"{}")
        elif url.path == "/big":
            self._send(200, b"x" * int(query["n"]))
        elif url.path == "/gzip":
            self._send(200, gzip.compress(b"a" * int(query["n"])), {"Content-Encoding": "gzip"})
        elif url.path == "/redirect":
            self._send(int(query.get("code", "302")), b"", {"Location": query["to"]})
        elif url.path == "/loop":
            self._send(302, b"", {"Location": "/loop"})
        elif url.path == "/slow":
            time.sleep(float(query["s"]))
            self._send(200, b"late")
        elif url.path == "/drip":
            # a body that trickles in: one byte every 0.1 s, chunked
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(int(query["n"])):
                self.wfile.write(b"1\r\nx\r\n")
                self.wfile.flush()
                time.sleep(0.1)
            self.wfile.write(b"0\r\n\r\n")
        else:
            self._send(404, b"nope")

    do_GET = do_POST = do_HEAD = _route


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out on purpose leave broken pipes behind


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = QuietServer(("127.0.0.1", 0), RecordingHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


