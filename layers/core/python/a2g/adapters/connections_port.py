"""What a pusher needs from API Gateway's @connections management API, and where a process finds it.

On AWS (and against any emulator) the management API is a signed HTTP endpoint (`a2g.adapters.connections_api`).
The local runtime runs its functions in its own process, next to the sockets: it installs an in-process port for
its management URL (`serve_in_process`) and a pusher for that URL posts through it instead of sending itself a
signed HTTP request per connection. The port keeps the API's meaning: a post to a closed or unknown connection
raises `ConnectionGone` (410), one over 128 KB raises `PushFailed` with status 413, and each connection gets its
messages one at a time, in the order they were posted. Nothing is opened for it: it is a Python object in the
process's memory, reachable only by code already running in that process. Nothing installs one on Lambda.

This module imports nothing from the platform, so the local runtime can install a port before any function loads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["ConnectionGone", "ConnectionsPort", "FanoutReport", "PushFailed", "in_process_port",
           "serve_in_process", "withdraw_in_process"]

MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway's WebSocket message (and PostToConnection payload) limit


class ConnectionGone(Exception):
    """The connection is closed or unknown (410 Gone): the caller should forget it."""


class PushFailed(Exception):
    def __init__(self, connection_id: str, status: int, body: bytes):
        super().__init__(f"post_to_connection answered {status}: {body[:200]!r}")
        self.connection_id, self.status = connection_id, status


@dataclass
class FanoutReport:
    """What became of one fan-out: which connections have the message, which are gone (410), which failed."""

    delivered: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class ConnectionsPort(Protocol):
    def post_to_connection(self, connection_id: str, data: bytes) -> None:
        """Deliver one message (raises ConnectionGone, PushFailed)."""

    def post_many(self, connection_ids: Sequence[str], data: bytes, timeout: float = 30.0) -> FanoutReport:
        """The same message to every connection at once; a slow connection delays only itself; never raises."""


_PORTS: dict[str, ConnectionsPort] = {}
_LOCK = threading.Lock()


def _key(endpoint_url: str) -> str:
    return endpoint_url.rstrip("/")


def serve_in_process(endpoint_url: str, port: ConnectionsPort) -> None:
    """Pushers for `endpoint_url` created in this process from now on post through `port`."""
    with _LOCK:
        _PORTS[_key(endpoint_url)] = port


def withdraw_in_process(endpoint_url: str) -> None:
    with _LOCK:
        _PORTS.pop(_key(endpoint_url), None)


def in_process_port(endpoint_url: str) -> ConnectionsPort | None:
    with _LOCK:
        return _PORTS.get(_key(endpoint_url))
