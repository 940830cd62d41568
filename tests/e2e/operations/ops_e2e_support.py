"""Helpers of the operations e2e tests: a real A2A agent server that can go down, a time machine for the
runtime's clock, and signing in again after a jump (access tokens expire in the runtime's time too)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from tests.e2e.helpers import SignedInUser, admin, approved_user, sign_in, unique_username

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

MAIL_AUTH = ("X-Mail-Key", "e2e-mail-key")
MAIL_DOMAIN = "corp.example"
HEALTH_SCHEDULE = "HealthChecksFunction"
LIFECYCLE_SCHEDULE = "LifecycleFunction"


class AgentServer:
    """An A2A agent's card endpoint on a fixed port; `stop()` closes the port (connection refused)."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.hits = 0
        self._httpd: ThreadingHTTPServer | None = None

    def start(self) -> AgentServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.hits += 1
                if "/.well-known/agent" in self.path:
                    card = {"name": "Ops probe", "description": "answers health checks", "url": server.url,
                            "version": "1.0", "protocolVersion": "0.3.0", "capabilities": {},
                            "defaultInputModes": ["text"], "defaultOutputModes": ["text"], "skills": []}
                    body, status = json.dumps(card).encode(), 200
                else:
                    body, status = b"{}", 404
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        ThreadingHTTPServer.allow_reuse_address = True
        for _ in range(50):
            try:
                self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
                break
            except OSError:
                time.sleep(0.05)
        assert self._httpd is not None, "cannot bind the agent server"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


class TimeMachine:
    """Moves the runtime's clock forward (never back: the jobs' state is written in runtime time)."""

    def __init__(self, runtime: RuntimeProcess):
        self.runtime = runtime
        self.offset = 0.0

    def advance(self, seconds: float) -> None:
        self.offset += seconds
        self.runtime.set_clock_offset(self.offset)


def fresh(runtime: RuntimeProcess, user: SignedInUser) -> SignedInUser:
    """The same person signed in again now (the runtime's clock may have jumped past their token)."""
    user.close()
    return sign_in(runtime, user.user_id, user.team)


def fresh_admin(runtime: RuntimeProcess) -> SignedInUser:
    return admin(runtime)


def developer(runtime: RuntimeProcess, prefix: str) -> SignedInUser:
    return approved_user(runtime, unique_username(prefix), team="ops-e2e")


def mail_of(user: SignedInUser) -> str:
    return f"{user.user_id}@{MAIL_DOMAIN}"
