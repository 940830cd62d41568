"""Pushing a chat run's stream to one WebSocket connection without holding up the agent (a2g.chat.invoke)."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from a2g.adapters.websocket_push import ConnectionGone, Pusher
from a2g.log import logger

MAX_CHUNK_CHARS = 8_000  # merged chunks stay far below API Gateway's 128 KB frame limit


class PushRelay:
    """Pushes to one WebSocket connection in order, without holding up the agent's stream.

    Pushes run in a worker thread (the management API client is synchronous); while one is in flight,
    following chunks are merged into one, so a fast agent is never slowed down by the push round trip.
    Once the connection is gone (410) nothing more is pushed and the run carries on.
    """

    def __init__(self, pusher: Pusher | None, connection_id: str):
        self._pusher = pusher
        self._connection_id = connection_id
        self._queue: deque[dict[str, Any]] = deque()
        self._worker: asyncio.Task[None] | None = None
        self.gone = pusher is None
        self.pushed = 0

    def send_nowait(self, message: dict[str, Any]) -> None:
        if self.gone:
            return
        delta = message.get("delta") if message.get("type") == "chunk" else None
        if isinstance(delta, str) and len(delta) > MAX_CHUNK_CHARS:  # one huge delta: several pushes
            for start in range(0, len(delta), MAX_CHUNK_CHARS):
                self.send_nowait({**message, "delta": delta[start : start + MAX_CHUNK_CHARS]})
            return
        last = self._queue[-1] if self._queue else None
        if (
            message.get("type") == "chunk"
            and last is not None
            and last.get("type") == "chunk"
            and len(last["delta"]) + len(message["delta"]) <= MAX_CHUNK_CHARS
        ):
            last["delta"] += message["delta"]
        else:
            self._queue.append(dict(message))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._drain())

    async def send(self, message: dict[str, Any]) -> None:
        self.send_nowait(message)
        await self.flush()

    async def flush(self) -> None:
        while self._worker is not None and not self._worker.done():
            await asyncio.shield(self._worker)

    async def _drain(self) -> None:
        while self._queue and not self.gone:
            message = self._queue.popleft()
            await asyncio.to_thread(self._push_one, message)

    def _push_one(self, message: dict[str, Any]) -> None:
        assert self._pusher is not None
        try:
            self._pusher.push(self._connection_id, message)
            self.pushed += 1
        except ConnectionGone:
            logger.info("browser went away; the run continues", extra={"connection_id": self._connection_id})
            self.gone = True
            self._queue.clear()
        except Exception as exc:  # noqa: BLE001 - a failed push must not fail the run
            logger.warning("push failed", extra={"connection_id": self._connection_id, "error": str(exc)})
