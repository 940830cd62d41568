"""Running one agent call for the chat: relaying the adapter's events to the browser while watching for
silence, the run's deadline and the user's Stop (a2g.chat.cancel).

a2g.chat.invoke decides what is saved and pushed around a run; this module only streams it: text deltas
become `chunk` pushes, a silent agent gets `progress` pushes every few seconds, too long a silence or too
long a run raises AgentTimedOut, and a Stop ends the stream keeping what was streamed.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from a2g.agent_adapters import (
    AgentAdapter,
    AgentCall,
    AgentTimedOut,
    FinalText,
    Progress,
    StateUpdate,
    TextDelta,
)
from a2g.chat.cancel import stop_matches
from a2g.chat.ports import StopStore
from a2g.chat.push_relay import PushRelay
from a2g.log import logger


@dataclass(frozen=True)
class RunLimits:
    idle_timeout_s: float = 180.0  # silence from the agent before it counts as slow
    run_timeout_s: float = 840.0  # a whole run (the Lambda allows 900 s)
    progress_interval_s: float = 10.0  # how often a silent run tells the browser it is still going
    stop_poll_s: float = 1.0  # how often a run looks for a Stop (a2g.chat.cancel): one GetItem each time

    @classmethod
    def from_settings(cls, settings: Any) -> RunLimits:
        return cls(
            idle_timeout_s=float(settings.agent_idle_timeout_seconds),
            run_timeout_s=float(settings.agent_run_timeout_seconds),
        )


class _Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc


_DONE = object()


@dataclass
class Answer:
    """What the agent has said so far: the streamed text, a final text if it sent one, its state."""

    streamed: list[str] = field(default_factory=list)
    final: str | None = None
    state: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.final if self.final is not None else "".join(self.streamed)


class StopWatch:
    """Looks for the user's Stop (a2g.chat.cancel) at most every `poll_s` seconds, off the event loop."""

    def __init__(self, stops: StopStore | None, user_id: str, session_id: str, request_id: str | None,
                 run_started_at: str, poll_s: float):  # fmt: skip
        self._stops = stops
        self._key = (user_id, session_id)
        self._request_id = request_id
        self._started_at = run_started_at
        self._poll_s = poll_s
        self.next_check = time.monotonic() + poll_s if stops is not None else float("inf")
        self.reads = 0

    async def requested(self) -> bool:
        if self._stops is None or time.monotonic() < self.next_check:
            return False
        self.reads += 1
        try:
            stop = await asyncio.to_thread(self._stops.stop_of, *self._key)
        except Exception as exc:  # noqa: BLE001 - a store hiccup must not end the run; look again later
            logger.warning("could not look for a Stop", extra={"session_id": self._key[1], "error": str(exc)})
            stop = None
        self.next_check = time.monotonic() + self._poll_s
        if not stop_matches(stop, self._request_id, self._started_at):
            return False
        with suppress(Exception):
            await asyncio.to_thread(self._stops.clear_stop, *self._key)
        return True


async def relay_agent_run(
    adapter: AgentAdapter,
    call: AgentCall,
    relay: PushRelay,
    answer: Answer,
    envelope: dict[str, Any],
    stop: StopWatch,
    limits: RunLimits,
) -> bool:
    """Relay the adapter's events while watching for silence, the overall deadline and a Stop; True
    when the user stopped the run (the adapter's stream is then closed, what streamed is kept).

    The adapter runs in its own task feeding a queue, so waiting with a timeout never cancels the
    adapter half-way through a read; a silent agent still gets progress pushes every few seconds.
    """
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def produce() -> None:
        try:
            async for event in adapter.run(call):
                await queue.put(event)
            await queue.put(_DONE)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            await queue.put(_Failure(exc))

    start = last_event = last_progress = time.monotonic()
    producer = asyncio.create_task(produce())
    try:
        while True:
            now = time.monotonic()
            if await stop.requested():
                return True
            now = time.monotonic()
            quiet_since = max(last_event, last_progress)
            wait = min(
                quiet_since + limits.progress_interval_s - now,
                stop.next_check - now,
                last_event + limits.idle_timeout_s - now,
                start + limits.run_timeout_s - now,
            )
            try:
                item = await asyncio.wait_for(queue.get(), timeout=max(wait, 0.001))
            except TimeoutError:
                now = time.monotonic()
                if now >= start + limits.run_timeout_s:
                    raise AgentTimedOut(
                        f"the run was stopped after {int(limits.run_timeout_s)} seconds"
                    ) from None
                if now >= last_event + limits.idle_timeout_s:
                    raise AgentTimedOut(
                        f"the agent sent nothing for {int(limits.idle_timeout_s)} seconds"
                    ) from None
                if now >= max(last_event, last_progress) + limits.progress_interval_s:
                    last_progress = now
                    relay.send_nowait(
                        {"type": "progress", **envelope, "elapsed_ms": int((now - start) * 1000)}
                    )
                continue
            last_event = time.monotonic()
            if item is _DONE:
                break
            if isinstance(item, _Failure):
                raise item.exc
            if isinstance(item, TextDelta):
                answer.streamed.append(item.text)
                relay.send_nowait({"type": "chunk", **envelope, "delta": item.text})
            elif isinstance(item, Progress):
                relay.send_nowait(
                    {
                        "type": "progress",
                        **envelope,
                        "text": item.text,
                        "elapsed_ms": int((last_event - start) * 1000),
                    }
                )
            elif isinstance(item, StateUpdate):
                answer.state[item.key] = item.value
            elif isinstance(item, FinalText):
                answer.final = item.text
    finally:
        if not producer.done():
            producer.cancel()
            with suppress(BaseException):
                await producer
    streamed = "".join(answer.streamed)
    if answer.final is not None and answer.final.startswith(streamed) and len(answer.final) > len(streamed):
        relay.send_nowait({"type": "chunk", **envelope, "delta": answer.final[len(streamed) :]})
    return False
