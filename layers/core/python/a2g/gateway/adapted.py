"""Agno, ADK, LangGraph and custom agents, made A2A agents: run through a2g.agent_adapters, told as A2A.

The gateway is the task store for these agents. One message is one task, with the id the gateway gives it:

    task (submitted, the caller's message in history)
    → status-update working (and one per progress line the adapter reports: a tool call, a hand-off)
    → artifact-update "answer" (first chunk, then append) ... per text delta
    → status-update completed, final           or  failed, final, with a message saying why

`message/send` answers the finished task (artifact "answer", history = the caller's message and the
agent's answer). The run happens within the caller's request, so a finished task can be read again
(`tasks/get`) but not cancelled (-32002) nor resubscribed to (-32004).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from typing import Any

from a2g.agent_adapters import (
    AgentAdapter,
    AgentCall,
    AgentEndpoint,
    AgentTimedOut,
    FinalText,
    Progress,
    StateUpdate,
    TextDelta,
    Turn,
)
from a2g.errors import PlatformError
from a2g.gateway.protocol import agent_message, artifact_update, in_version, result_envelope, status_update
from a2g.gateway.service import Conversation, Outcome
from a2g.log import logger


class AdaptedRun:
    def __init__(self, adapter_for: Callable[[str], AgentAdapter], recent_turns: Callable[[Conversation], list[Turn]],
                 *, idle_timeout_s: float = 180.0, run_timeout_s: float = 840.0):
        self._adapter_for, self._recent_turns = adapter_for, recent_turns
        self._idle, self._deadline = idle_timeout_s, run_timeout_s

    async def run(self, c: Conversation, outcome: Outcome, now: Callable[[], str]) -> AsyncIterator[dict[str, Any]]:
        request, ctx = c.request, c.context_id
        task_id = f"gw-{uuid.uuid4().hex}"
        outcome.task_id, outcome.state = task_id, "working"
        user_message = {**request.message(), "kind": "message", "role": "user", "contextId": ctx, "taskId": task_id}
        user_message.setdefault("messageId", uuid.uuid4().hex)
        task: dict[str, Any] = {"kind": "task", "id": task_id, "contextId": ctx,
                                "status": {"state": "submitted", "timestamp": now()}, "history": [user_message]}
        streaming = request.operation == "stream"

        def out(obj: dict[str, Any]) -> dict[str, Any]:
            return result_envelope(request.request_id, in_version(obj, request.version))

        if streaming:
            yield out(task)
            yield out(status_update(task_id, ctx, "working", now(), final=False))
        streamed: list[str] = []
        final: str | None = None
        error: str | None = None
        try:
            async for event in self._events(c, task_id):
                if isinstance(event, TextDelta) and event.text:
                    if streaming:
                        yield out(artifact_update(task_id, ctx, event.text, append=bool(streamed), last=False))
                    streamed.append(event.text)
                elif isinstance(event, Progress) and streaming:
                    note = agent_message(event.text, context_id=ctx, task_id=task_id, message_id=uuid.uuid4().hex)
                    yield out(status_update(task_id, ctx, "working", now(), final=False, message=note))
                elif isinstance(event, StateUpdate):
                    c.state[event.key] = event.value
                elif isinstance(event, FinalText):
                    final = event.text
        except Exception as exc:  # noqa: BLE001 - every failure becomes a failed task
            error = _reason(exc)
            if not isinstance(exc, PlatformError):
                logger.exception("gateway: adapted run failed unexpectedly", extra={"agent_id": c.ref.agent_id})
        answer = final if final is not None else "".join(streamed)
        if error is None and not answer.strip():
            error = "The agent answered with no text."
        outcome.answer = answer
        if streaming and final is not None and final != "".join(streamed):
            yield out(artifact_update(task_id, ctx, final, append=False, last=True))  # the whole answer wins
        state = "failed" if error else "completed"
        outcome.state, outcome.error = state, error
        reply = agent_message(error or answer, context_id=ctx, task_id=task_id, message_id=uuid.uuid4().hex)
        task["status"] = {"state": state, "timestamp": now(), **({"message": reply} if error else {})}
        if answer:
            task["artifacts"] = [{"artifactId": "answer", "parts": [{"kind": "text", "text": answer}]}]
        task["history"] = [user_message, reply]
        outcome.task = task
        if streaming:
            yield out(status_update(task_id, ctx, state, now(), final=True,
                                    message=reply if error else None))
        else:
            yield out(task)

    async def _events(self, c: Conversation, task_id: str) -> AsyncIterator[Any]:
        """The adapter's events, watched for silence and for the whole run's deadline."""
        call = AgentCall(
            agent_id=c.ref.agent_id, framework=c.ref.framework, endpoint=AgentEndpoint.from_any(c.ref.endpoint),
            message=c.user_text, user_id=c.principal.user_id, session_id=c.session.session_id,
            trace_id=c.session.trace_id, history=tuple(self._recent_turns(c)), state=dict(c.state),
            idle_timeout_s=self._idle, extra_headers=c.correlation_headers(task_id),
        )
        queue: asyncio.Queue[Any] = asyncio.Queue()
        done = object()

        async def produce() -> None:
            try:
                async for event in self._adapter_for(c.ref.framework).run(call):
                    await queue.put(event)
                await queue.put(done)
            except asyncio.CancelledError:
                raise
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer
                await queue.put(exc)

        start = time.monotonic()
        producer = asyncio.create_task(produce())
        try:
            while True:
                wait = min(self._idle, start + self._deadline - time.monotonic())
                try:
                    item = await asyncio.wait_for(queue.get(), timeout=max(wait, 0.001))
                except TimeoutError:
                    raise AgentTimedOut(f"the agent sent nothing for {int(wait)} seconds") from None
                if item is done:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            if not producer.done():
                producer.cancel()
                with suppress(BaseException):
                    await producer


def _reason(exc: BaseException) -> str:
    if isinstance(exc, PlatformError):
        if exc.status == 504:
            return f"The agent did not answer in time: {exc.message}"
        if exc.code == "agent_error":
            return f"The agent reported an error: {exc.message}"
        return f"The agent could not be reached: {exc.message}"
    return "The run failed on the platform; the error was logged."
