"""The WebSocket API's open connections and its `@connections` management API, two ways in:

- `handle_management`: the signed HTTP endpoint (`<url>/@connections/{id}`: POST sends, GET describes, DELETE
  closes; 410 Gone for an unknown or closed id), for anything that is not running in this process (boto3
  clients, an out-of-process tool). The server checks its SigV4 signature before calling it.
- `LocalConnectionsPort`: the same API for the functions this runtime runs in its own process, installed for
  the runtime's management URL (`a2g.adapters.connections_port`): a fan-out to 200 listeners is one hop onto
  the event loop instead of 200 signed HTTP requests to itself. It is a Python object: it opens nothing.

Every frame to a connection goes through that connection's outbox, whichever way it came: frames leave one at a
time in the order they were posted, and each connection has its own writer, so a client that reads slowly (its
socket's buffer full) holds up only itself.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Send = Callable[[dict[str, Any]], Awaitable[None]]

MAX_MESSAGE_BYTES = 128 * 1024  # API Gateway's WebSocket message limit
MAX_QUEUED_FRAMES = 1024  # frames waiting for one client that does not read; more are refused (as a throttle)
CLOSE_WAIT_SECONDS = 5.0  # a close frame stuck behind a client that does not read: give up on that socket
MANAGEMENT_PATH = re.compile(r"^(?:/[^/@]+)?/@connections/([^/]+)$")
DELIVERED, GONE, FAILED = "delivered", "gone", "failed"


def new_connection_id() -> str:
    """API Gateway-like ids (base64, often ending in '='), so URL-encoding bugs show up locally too."""
    return base64.b64encode(secrets.token_bytes(11)).decode().replace("/", "_").replace("+", "-")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def frame(data: bytes | str) -> dict[str, Any]:
    """The ASGI message for one WebSocket message: text when it is UTF-8 (as API Gateway sends it), else binary."""
    if isinstance(data, str):
        return {"type": "websocket.send", "text": data}
    try:
        return {"type": "websocket.send", "text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"type": "websocket.send", "bytes": data}


@dataclass
class Connection:
    connection_id: str
    send: Send
    connected_at: float
    source_ip: str
    user_agent: str
    headers: dict[str, Any]
    authorizer: dict[str, Any] | None
    last_active_at: float = field(default_factory=time.time)
    closed: bool = False
    close_code: int | None = None
    close_reason: str = ""
    outbox: deque[tuple[dict[str, Any], asyncio.Future[str]]] = field(default_factory=deque)
    writer: asyncio.Task[None] | None = None

    def enqueue(self, message: dict[str, Any]) -> asyncio.Future[str]:
        """Queue one frame (on the event loop); the future says what became of it: delivered, gone or failed."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if self.closed:
            future.set_result(GONE)
        elif len(self.outbox) >= MAX_QUEUED_FRAMES:
            future.set_result(FAILED)
        else:
            self._append(message, future)
        return future

    def _append(self, message: dict[str, Any], future: asyncio.Future[str]) -> None:
        self.outbox.append((message, future))
        if self.writer is None:
            self.writer = asyncio.get_running_loop().create_task(self._write())

    async def _write(self) -> None:
        future: asyncio.Future[str] | None = None
        try:
            while self.outbox:
                message, future = self.outbox.popleft()
                if self.closed and message["type"] != "websocket.close":
                    outcome = GONE
                else:
                    try:
                        await self.send(message)
                        outcome = DELIVERED
                    except Exception:  # noqa: BLE001 - the socket went away under us
                        self.closed = True
                        outcome = GONE
                if not future.done():
                    future.set_result(outcome)
        finally:  # done, or cancelled (a close that waited too long): nothing waits forever
            self.writer = None
            if future is not None and not future.done():
                future.set_result(GONE)
            while self.outbox:
                _, waiting = self.outbox.popleft()
                if not waiting.done():
                    waiting.set_result(GONE)

    async def push(self, data: bytes | str) -> bool:
        return await self.enqueue(frame(data)) == DELIVERED

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Frames not yet written are dropped (their posts answer 410, as they would after the close)."""
        if self.closed:
            return
        self.closed = True
        self.close_code, self.close_reason = code, reason
        while self.outbox:
            _, waiting = self.outbox.popleft()
            waiting.set_result(GONE)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._append({"type": "websocket.close", "code": code, "reason": reason}, future)
        try:
            await asyncio.wait_for(asyncio.shield(future), CLOSE_WAIT_SECONDS)
        except TimeoutError:
            if self.writer is not None:
                self.writer.cancel()


class ConnectionRegistry:
    """Open connections, reachable from the event loop and (thread-safely) from worker threads."""

    def __init__(self) -> None:
        self._connections: dict[str, Connection] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    def add(self, conn: Connection) -> None:
        self._connections[conn.connection_id] = conn

    def remove(self, connection_id: str) -> None:
        self._connections.pop(connection_id, None)

    def get(self, connection_id: str) -> Connection | None:
        conn = self._connections.get(connection_id)
        return None if conn is None or conn.closed else conn

    def __len__(self) -> int:
        return len(self._connections)

    def all(self) -> list[Connection]:
        return list(self._connections.values())

    def enqueue(self, connection_id: str, message: dict[str, Any]) -> asyncio.Future[str]:
        conn = self.get(connection_id)
        if conn is not None:
            return conn.enqueue(message)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        future.set_result(GONE)
        return future

    async def post(self, connection_id: str, data: bytes | str) -> bool:
        return await self.enqueue(connection_id, frame(data)) == DELIVERED

    def post_threadsafe(self, connection_id: str, data: bytes | str, timeout: float = 10.0) -> bool:
        """Push from any thread: the send hops onto the event loop that owns the socket."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(self.post(connection_id, data), self.loop).result(timeout)

    async def delete(self, connection_id: str) -> bool:
        conn = self.get(connection_id)
        if conn is None:
            return False
        await conn.close(1000, "")
        return True

    def describe(self, connection_id: str) -> dict[str, Any] | None:
        conn = self.get(connection_id)
        if conn is None:
            return None
        return {
            "connectedAt": _iso(conn.connected_at),
            "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
            "lastActiveAt": _iso(conn.last_active_at),
        }

    async def sweep(self, idle_seconds: float, max_seconds: float) -> None:
        """Close connections idle or open too long, like API Gateway (10 min idle, 2 h in all)."""
        while True:
            await asyncio.sleep(min(10.0, idle_seconds / 4))
            now = time.time()
            for conn in self.all():
                if conn.closed:
                    continue
                if now - conn.last_active_at > idle_seconds or now - conn.connected_at > max_seconds:
                    await conn.close(1001, "Going away")


class LocalConnectionsPort:
    """`a2g.adapters.connections_port.ConnectionsPort` for the functions of this process (worker threads).

    What the management API promises is kept: an unknown or closed connection is `ConnectionGone` (410), a
    message over 128 KB is `PushFailed` 413 and reaches nobody, each connection's frames keep the order they
    were posted in (two fan-outs from two threads reach every connection in the one order they reached the
    loop). A fan-out queues every frame in one step on the loop and waits for them all; the writers run at
    once, so a slow client delays only its own frames.
    """

    def __init__(self, registry: ConnectionRegistry, loop: asyncio.AbstractEventLoop):
        from a2g.adapters import connections_port as api  # on sys.path once the template's layers are

        self._registry = registry
        self._loop = loop
        self._api = api

    def _run(self, coroutine: Any, timeout: float) -> Any:
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            coroutine.close()
            raise RuntimeError("post_to_connection blocks: call it from a function's thread, not the loop")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def post_to_connection(self, connection_id: str, data: bytes) -> None:
        if len(data) > MAX_MESSAGE_BYTES:
            raise self._api.PushFailed(connection_id, 413, b'{"message":"Payload too large"}')
        outcome = self._run(self._one(connection_id, data), 10.0)
        if outcome == GONE:
            raise self._api.ConnectionGone(connection_id)
        if outcome != DELIVERED:
            raise self._api.PushFailed(connection_id, 429, b'{"message":"the client is not reading"}')

    async def _one(self, connection_id: str, data: bytes) -> str:
        return await self._registry.enqueue(connection_id, frame(data))

    def post_many(self, connection_ids: Sequence[str], data: bytes, timeout: float = 30.0) -> Any:
        ids = list(dict.fromkeys(connection_ids))
        report = self._api.FanoutReport()
        if len(data) > MAX_MESSAGE_BYTES:
            report.failed.extend(ids)
            return report
        if ids:
            for connection_id, outcome in zip(ids, self._run(self._many(ids, data, timeout), timeout + 5.0),
                                              strict=True):
                {DELIVERED: report.delivered, GONE: report.gone}.get(outcome, report.failed).append(connection_id)
        return report

    async def _many(self, ids: list[str], data: bytes, timeout: float) -> list[str]:
        message = frame(data)  # one frame, shared by every connection: nothing is copied per listener
        futures = [self._registry.enqueue(connection_id, message) for connection_id in ids]  # no await between
        pending = [f for f in futures if not f.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        return [f.result() if f.done() else FAILED for f in futures]


async def handle_management(registry: ConnectionRegistry, method: str, connection_id: str,
                            body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """The @connections API over HTTP: (status, headers, body)."""
    json_type = [("content-type", "application/json")]
    if method == "POST":
        if len(body) > MAX_MESSAGE_BYTES:
            return 413, json_type + [("x-amzn-errortype", "PayloadTooLargeException")], \
                json.dumps({"message": "Payload too large"}).encode()
        if await registry.post(connection_id, body):
            return 200, [], b""
    elif method == "GET":
        info = registry.describe(connection_id)
        if info is not None:
            return 200, json_type, json.dumps(info).encode()
    elif method == "DELETE":
        if await registry.delete(connection_id):
            return 204, [], b""
    else:
        return 405, json_type, json.dumps({"message": f"method {method} not allowed"}).encode()
    return 410, json_type + [("x-amzn-errortype", "GoneException")], json.dumps({"message": None}).encode()
