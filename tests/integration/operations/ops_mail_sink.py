"""A real HTTP mail API for tests, on 127.0.0.1: records every POST, honours `Idempotency-Key` like a
well-behaved company mail API (a replayed key is acknowledged, not delivered again), can require an auth
header, and can be taken down (its port closed: connection refused) and brought back on the same port."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ReceivedMail:
    idempotency_key: str | None
    to: str
    subject: str
    body: str
    headers: dict[str, str]


class MailSink:
    def __init__(self, *, auth_header: tuple[str, str] | None = None):
        self.auth_header = auth_header
        self.attempts: list[dict[str, Any]] = []  # every POST that reached the server
        self.delivered: list[ReceivedMail] = []  # each idempotency key once
        self.replays = 0
        self.answer_status: int | None = None  # force an answer (e.g. 503) while "up"
        self._lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/mail"

    def start(self) -> MailSink:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, reply = sink._receive(headers, raw)
                payload = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        ThreadingHTTPServer.allow_reuse_address = True
        for _ in range(50):  # the old socket may linger a moment after stop()
            try:
                self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"cannot bind the mail sink to port {self.port}")
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Take the API down: the port refuses connections until `start()`."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _receive(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.attempts.append({"headers": headers, "body": raw.decode(errors="replace")})
            if self.answer_status is not None:
                return self.answer_status, {"error": "forced"}
            if self.auth_header and headers.get(self.auth_header[0].lower()) != self.auth_header[1]:
                return 401, {"error": "unauthorized"}
            try:
                mail = json.loads(raw)
                to, subject, body = mail["to"], mail["subject"], mail["body"]
            except (ValueError, KeyError, TypeError):
                return 400, {"error": "expected JSON with to, subject, body"}
            key = headers.get("idempotency-key")
            if key and any(m.idempotency_key == key for m in self.delivered):
                self.replays += 1
                return 200, {"status": "duplicate", "idempotency_key": key}
            self.delivered.append(ReceivedMail(key, to, subject, body, headers))
            return 202, {"status": "accepted", "idempotency_key": key}

    def delivered_to(self, address: str) -> list[ReceivedMail]:
        return [m for m in self.delivered if m.to == address]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        deadline = time.monotonic() + timeout
        while len(self.delivered) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.delivered)
