"""Pushes trace entries to the WebSocket connections subscribed to a trace.

A trace's listeners are one Query on the Connections table's gsi1 (`TRACE#<id>`). The message goes to all of
them in one fan-out (encoded once, posted concurrently, each connection's messages in order: see
`a2g.adapters.websocket_push`). Listeners whose user is not the trace's owner are skipped: subscribing already
refuses them, this only guards against a stale or forged row.

A connection that answers 410 Gone is forgotten — that connection, not the writer's — off the delivery path:
its rows are deleted on a background thread once every other listener has the message, and until then (and
after, while the listener list is cached) it is skipped without another post. Connection ids are never
reused, so remembering a bounded number of gone ids is safe.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from a2g.adapters.websocket_push import FanoutPusher
from a2g.log import logger
from a2g.realtime.repository import Connection

_GONE_REMEMBERED = 4096
# One thread: deleting stale connections is rare and must never compete with the pushes.
_CLEANUP = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ws-gone")


class ListenerStore(Protocol):
    def listeners(self, trace_id: str) -> list[Connection]: ...
    def remove(self, connection_id: str) -> None: ...


class TraceBroadcaster:
    """`listeners_ttl` > 0 keeps a trace's listener list that many seconds, so a burst of pushes costs one
    Query. In-flight updates read the cached list (a connection that subscribes meanwhile sees them at most
    that long late); a `fresh` publish — a finished entry — reads the listeners again unless the list is at
    most `fresh_ttl` old (0, the default: always), so nobody subscribed before the call finished misses it.

    On Lambda, where a Query is a DynamoDB call on the response path, both are 5 s: a panel opened less than
    5 s before a call ends may not get that entry pushed by an instance that had the list cached, and reads
    it instead with the history it loads again once that bound has passed (frontend TracePanel)."""

    def __init__(self, connections: ListenerStore, pusher: FanoutPusher | None, listeners_ttl: float = 0.0,
                 cleanup: concurrent.futures.Executor | None = None, fresh_ttl: float = 0.0,
                 monotonic: Callable[[], float] = time.monotonic):
        self._connections = connections
        self._pusher = pusher
        self._ttl = listeners_ttl
        self._fresh_ttl = min(fresh_ttl, listeners_ttl)
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, list[Connection]]] = {}
        self._cleanup = cleanup or _CLEANUP
        self._gone: OrderedDict[str, None] = OrderedDict()
        self._gone_lock = threading.Lock()

    def _listeners(self, trace_id: str, fresh: bool) -> list[Connection]:
        if self._ttl <= 0:
            return self._connections.listeners(trace_id)
        now = self._monotonic()
        hit = self._cache.get(trace_id)
        if hit is not None and hit[0] > now and (not fresh or hit[0] - self._ttl + self._fresh_ttl > now):
            return hit[1]
        listeners = self._connections.listeners(trace_id)
        if len(self._cache) > 4096:
            self._cache.clear()
        self._cache[trace_id] = (now + self._ttl, listeners)
        return listeners

    def known_silent(self, trace_id: str, fresh: bool = True) -> bool:
        """True when the cached listener list (as `publish` would use it) says nobody listens: the caller may
        skip building and handing over a message. Never True without a cached list (`listeners_ttl` 0)."""
        if self._ttl <= 0 or self._pusher is None:
            return self._pusher is None
        hit = self._cache.get(trace_id)
        if hit is None:
            return False
        now = self._monotonic()
        if not (hit[0] > now and (not fresh or hit[0] - self._ttl + self._fresh_ttl > now)):
            return False
        return not hit[1]

    def forget(self, trace_id: str) -> None:
        self._cache.pop(trace_id, None)

    def publish(self, trace_id: str, owner_user_id: str, message: dict[str, Any], fresh: bool = True) -> int:
        """Push `message` to every listener of the trace; returns how many received it. `fresh=False` lets a
        frequent, superseded update (a running call's growing text) use the cached listener list."""
        if self._pusher is None:
            return 0
        targets: list[str] = []
        for connection in self._listeners(trace_id, fresh):
            if connection.connection_id in self._gone:
                continue
            if connection.user_id != owner_user_id:
                logger.warning("skipping a listener that does not own the trace",
                               extra={"trace_id": trace_id, "connection_id": connection.connection_id})
                continue
            targets.append(connection.connection_id)
        if not targets:
            return 0
        report = self._pusher.push_many(targets, message)
        if report.failed:
            logger.warning("trace push failed", extra={"trace_id": trace_id, "connections": len(report.failed)})
        if report.gone:
            self._forget_connections(report.gone)
        return len(report.delivered)

    def _forget_connections(self, connection_ids: Sequence[str]) -> None:
        with self._gone_lock:
            for connection_id in connection_ids:
                self._gone[connection_id] = None
            while len(self._gone) > _GONE_REMEMBERED:
                self._gone.popitem(last=False)
        self._cleanup.submit(self._remove, list(connection_ids))

    def _remove(self, connection_ids: list[str]) -> None:
        for connection_id in connection_ids:
            try:
                self._connections.remove(connection_id)
            except Exception as exc:  # noqa: BLE001 - the row ages out by TTL; it is skipped meanwhile
                logger.warning("could not forget a gone connection",
                               extra={"connection_id": connection_id, "error": str(exc)})
