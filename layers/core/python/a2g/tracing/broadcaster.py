"""Pushes trace entries to the WebSocket connections subscribed to a trace.

A trace's listeners are one Query on the Connections table's gsi1 (`TRACE#<id>`). A connection that answers
410 Gone is forgotten on the spot (that connection, not the writer's). Listeners whose user is not the trace's
owner are skipped: subscribing already refuses them, this only guards against a stale or forged row.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from a2g.adapters.websocket_push import ConnectionGone, Pusher
from a2g.log import logger
from a2g.realtime.repository import Connection


class ListenerStore(Protocol):
    def listeners(self, trace_id: str) -> list[Connection]: ...
    def remove(self, connection_id: str) -> None: ...


class TraceBroadcaster:
    """`listeners_ttl` > 0 keeps a trace's listener list that many seconds, so a burst of entries costs one
    Query: a connection that subscribes meanwhile receives entries from at most that long after subscribing."""

    def __init__(self, connections: ListenerStore, pusher: Pusher | None, listeners_ttl: float = 0.0):
        self._connections = connections
        self._pusher = pusher
        self._ttl = listeners_ttl
        self._cache: dict[str, tuple[float, list[Connection]]] = {}

    def _listeners(self, trace_id: str) -> list[Connection]:
        if self._ttl <= 0:
            return self._connections.listeners(trace_id)
        now = time.monotonic()
        hit = self._cache.get(trace_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        listeners = self._connections.listeners(trace_id)
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[trace_id] = (now + self._ttl, listeners)
        return listeners

    def forget(self, trace_id: str) -> None:
        self._cache.pop(trace_id, None)

    def publish(self, trace_id: str, owner_user_id: str, message: dict[str, Any]) -> int:
        """Push `message` to every listener of the trace; returns how many received it."""
        if self._pusher is None:
            return 0
        delivered = 0
        for connection in self._listeners(trace_id):
            if connection.user_id != owner_user_id:
                logger.warning("skipping a listener that does not own the trace",
                               extra={"trace_id": trace_id, "connection_id": connection.connection_id})
                continue
            try:
                self._pusher.push(connection.connection_id, message)
                delivered += 1
            except ConnectionGone:
                self._connections.remove(connection.connection_id)
                self.forget(trace_id)
            except Exception as exc:  # noqa: BLE001 - one bad connection must not stop the others
                logger.warning("trace push failed", extra={"trace_id": trace_id, "error": str(exc)})
        return delivered
