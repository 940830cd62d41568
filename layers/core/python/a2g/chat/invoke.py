"""Talking to an agent for the user (WebSocket action `invoke`) and streaming the answer back.

    {"action": "invoke", "session_id", "message", "attachments": [file ids], "request_id"?}
    → {"type": "run_started", "session_id", "message": <the saved user message>}
    → {"type": "chunk", "session_id", "delta"} ...        (and {"type": "progress", ...} while it works)
    → {"type": "message", "session_id", "message": <the saved assistant message>}
      or {"type": "error", "session_id", "error": {"code", "message"}, "message": <saved error message>}

Reliability, in order of importance:
1. The user's message is saved before the agent is called: nothing the user typed is ever lost.
2. The assistant's answer is saved when the run ends, whether or not the browser is still there: pushes to
   a connection that went away (410) just stop, the run completes and saves, and the browser reloads the
   history with GET /api/sessions/{id}/messages.
3. An agent that is down, refuses, fails or stays silent too long yields an assistant message with
   status "error" and a clear explanation, saved and pushed like an answer.

The run is marked active on the agent's trace while it lasts (a2g.tracing), so the agent's LLM calls made
through the log-proxy land in this session's live trace, and each run counts as one use of the agent
(per-user usage history for ranking, and the agent's last-used time for lifecycle).

This module is what is checked, saved and pushed around a run; relaying the agent's events while it runs
(chunks, progress, timeouts, the user's Stop) is a2g.chat.agent_run.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from a2g.adapters.websocket_push import Pusher
from a2g.agent_adapters import HISTORY_TURNS, AgentAdapter, AgentCall, AgentEndpoint, Attachment, Turn
from a2g.chat.agent_run import Answer, RunLimits, StopWatch, relay_agent_run
from a2g.chat.models import ChatMessage, ChatSession, StoredFile, new_message_id
from a2g.chat.ports import (
    AgentDirectory,
    AgentRef,
    ChatStore,
    SessionTracing,
    StopStore,
    UsageStore,
    chat_mode_for,
)
from a2g.chat.push_relay import PushRelay
from a2g.chat.schemas import InvokeBody
from a2g.chat.service import FileService, title_from
from a2g.clock import Clock, iso
from a2g.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PlatformError,
    Unauthenticated,
    ValidationFailed,
    client_error,
    is_storage_outage,
)
from a2g.identity.principal import Principal
from a2g.log import logger

# API Gateway refuses WebSocket messages over 128 KB, counted after JSON encoding (where a Hangul character
# becomes a 6-byte \uXXXX escape). A longer message is pushed cut, and marked so; the saved message is
# whole and the client reloads it over HTTP. Merged chunks stay far below the limit (a2g.chat.push_relay).
MAX_PUSH_JSON_BYTES = 100_000

__all__ = ["InvokeService", "RunLimits", "RunOutcome", "parse_body", "run_coroutine"]


@dataclass
class RunOutcome:
    """What happened (for the handler's log and for tests)."""

    status: Literal["complete", "error", "stopped", "rejected"]
    user_message: ChatMessage | None = None
    assistant_message: ChatMessage | None = None
    error: dict[str, Any] | None = None
    pushes: int = 0
    connection_gone: bool = False


def _error_content(exc: BaseException, partial: str) -> tuple[str, str, str]:
    """(code, short message, chat text) for a failed run, worded for the person in the chat."""
    if isinstance(exc, PlatformError):
        code, detail = exc.code, exc.message
    elif is_storage_outage(exc):
        code, detail = "storage_unavailable", "the platform's storage is unavailable, retry shortly"
    else:
        code, detail = "internal_error", "an unexpected error occurred on the platform"
    if code in ("agent_timeout", "upstream_timeout"):
        headline = "The agent did not answer in time."
    elif code in ("agent_unavailable", "upstream_error", "upstream_unreachable", "upstream_status"):
        headline = "The agent could not be reached."
    elif code == "agent_error":
        headline = "The agent reported an error."
    elif code == "destination_not_allowed":
        headline = "The platform may not call this agent's address."
    elif code in ("not_found", "agent_disabled", "agent_misconfigured"):
        headline = "This agent cannot be used right now."
    elif code == "storage_unavailable":
        headline = "The platform's storage is unavailable; try again in a moment."
    else:
        headline = "The run failed."
    text = f"**{headline}** {detail}"
    if partial:
        text = f"{partial}\n\n---\n{text}"
    return code, detail, text


_LOOPS = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    loop: asyncio.AbstractEventLoop | None = getattr(_LOOPS, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _LOOPS.loop = loop
    return loop


def run_coroutine(coro: Any) -> Any:
    """Run a coroutine from a synchronous Lambda handler, reusing one event loop per thread.

    A warm Lambda keeps the loop, and with it the outbound client's pooled connections; a handler called
    from a thread that already runs a loop (some local runners) runs the coroutine in a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _thread_loop().run_until_complete(coro)
    result: dict[str, Any] = {}

    def in_thread() -> None:
        try:
            result["value"] = _thread_loop().run_until_complete(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc

    worker = threading.Thread(target=in_thread, name="a2g-invoke")
    worker.start()
    worker.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


class InvokeService:
    def __init__(
        self,
        *,
        chats: ChatStore,
        usage: UsageStore,
        agents: AgentDirectory,
        tracing: SessionTracing,
        files: FileService,
        adapter_for: Callable[[str], AgentAdapter],
        pusher: Pusher | None,
        clock: Clock,
        limits: RunLimits | None = None,
        stops: StopStore | None = None,
    ):
        self._chats = chats
        self._usage = usage
        self._agents = agents
        self._tracing = tracing
        self._files = files
        self._adapter_for = adapter_for
        self._pusher = pusher
        self._clock = clock
        self._limits = limits or RunLimits()
        self._stops = stops

    async def handle(self, principal: Principal | None, connection_id: str, body: Any) -> RunOutcome:
        relay = PushRelay(self._pusher, connection_id)
        raw = body if isinstance(body, dict) else {}
        envelope = {"session_id": raw.get("session_id"), "request_id": raw.get("request_id")}
        # --- 1. check the request; nothing is saved for a request that is not acceptable ----------------
        try:
            user = self._caller(principal)
            request = self._parse(body)
            session = self._chats.get_session(user.user_id, request.session_id)
            if session is None:
                raise NotFound("chat session not found")
            replaced = self._replaced(user.user_id, session.session_id, request.replaces)
            files = self._files.attachments_for_message(user.user_id, session.session_id, request.attachments)
            if not request.message.strip() and not files:
                raise ValidationFailed("the message is empty")
        except Exception as exc:  # noqa: BLE001 - a refusal, or the store being down: the one mapper words it
            error: dict[str, Any] | None = client_error(exc)
            await relay.send({"type": "error", **envelope, "error": error, "message": None})
            return RunOutcome("rejected", error=error, pushes=relay.pushed, connection_gone=relay.gone)

        # --- 2. save the user's message before anything can go wrong with the agent ---------------------
        refs = tuple(f.ref() for f in files)
        user_message = ChatMessage(
            message_id=new_message_id(),
            session_id=session.session_id,
            user_id=user.user_id,
            role="user",
            content=request.message,
            created_at=iso(self._clock.now()),
            attachments=refs,
        )
        title = title_from(request.message, refs) if not session.title else None
        if not self._chats.touch_session(
            user.user_id, session.session_id, at=user_message.created_at, new_messages=1 - len(replaced),
            title=title,
        ):
            error = {"code": "not_found", "message": "chat session not found"}
            await relay.send({"type": "error", **envelope, "error": error, "message": None})
            return RunOutcome("rejected", error=error, pushes=relay.pushed, connection_gone=relay.gone)
        self._chats.put_message(user_message)
        for old in replaced:  # edit / regenerate: the new question is saved first, then the old turn goes
            self._chats.delete_message(user.user_id, session.session_id, old.message_id)
        relay.send_nowait({"type": "run_started", **envelope, "message": self._pushable(user_message),
                           "replaced": [m.message_id for m in replaced]})  # fmt: skip

        # --- 3. call the agent, streaming; any failure becomes an assistant error message -------------
        started = time.monotonic()
        answer = Answer(state=dict(session.agent_state))
        agent: AgentRef | None = None
        failure: BaseException | None = None
        marked = False
        stopped = False
        try:
            agent = self._agents.get(session.agent_id)
            mode = chat_mode_for(user, agent)
            assert agent is not None
            # Popularity ranks published agents by what colleagues use: an owner's own chats (testing in
            # development mode, or trying the published agent) stay in their history but are not counted.
            self._count_use(user.user_id, agent.agent_id, user.team,
                            popular=mode == "operation" and agent.owner_id != user.user_id)
            marked = self._mark_active(agent, session, user.user_id)
            call = self._call(user, session, agent, request.message, files)
            stopped = await relay_agent_run(
                self._adapter_for(agent.framework), call, relay, answer, envelope,
                StopWatch(self._stops, user.user_id, session.session_id, request.request_id,
                          user_message.created_at, self._limits.stop_poll_s),
                self._limits,
            )  # fmt: skip
            if not stopped and not answer.text.strip():
                raise ValidationFailed("the agent answered with no text", code="empty_answer")
        except Exception as exc:  # noqa: BLE001 - every failure is reported in the chat
            failure = exc
            if not isinstance(exc, PlatformError):
                logger.exception("agent run failed unexpectedly", extra={"session_id": session.session_id})
        finally:
            if marked and agent is not None and agent.trace_id:
                self._mark_done(agent.trace_id, session.session_id)
            if answer.state != session.agent_state:
                with suppress(Exception):
                    self._chats.save_agent_state(user.user_id, session.session_id, answer.state)

        # --- 4. save and push the outcome ---------------------------------------------------------------
        duration_ms = int((time.monotonic() - started) * 1000)
        if failure is None:
            assistant = ChatMessage(
                message_id=new_message_id(),
                session_id=session.session_id,
                user_id=user.user_id,
                role="assistant",
                # Stopped: what the user saw stream, not a final text the agent had not sent yet.
                content="".join(answer.streamed) if stopped else answer.text,
                created_at=iso(self._clock.now()),
                status="stopped" if stopped else "complete",
                agent_id=session.agent_id,
                duration_ms=duration_ms,
            )
        else:
            code, detail, text = _error_content(failure, "".join(answer.streamed))
            assistant = ChatMessage(
                message_id=new_message_id(),
                session_id=session.session_id,
                user_id=user.user_id,
                role="assistant",
                content=text,
                created_at=iso(self._clock.now()),
                status="error",
                error_code=code,
                error_message=detail,
                agent_id=session.agent_id,
                duration_ms=duration_ms,
            )
            logger.info(
                "agent run ended with an error", extra={"session_id": session.session_id, "code": code}
            )
        saved = self._chats.touch_session(
            user.user_id, session.session_id, at=assistant.created_at, new_messages=1, title=None
        )
        if saved:
            self._chats.put_message(assistant)
        else:  # the user deleted the session while the agent was answering
            logger.info(
                "session deleted during the run; answer dropped", extra={"session_id": session.session_id}
            )
        pushed_message = self._pushable(assistant)
        if failure is None:
            await relay.send({"type": "message", **envelope, "message": pushed_message})
            outcome_status: Literal["complete", "error", "stopped"] = "stopped" if stopped else "complete"
            error = None
        else:
            error = {"code": assistant.error_code or "error", "message": assistant.error_message or ""}
            await relay.send({"type": "error", **envelope, "error": error, "message": pushed_message})
            outcome_status = "error"
        return RunOutcome(
            outcome_status,
            user_message=user_message,
            assistant_message=assistant if saved else None,
            error=error,
            pushes=relay.pushed,
            connection_gone=relay.gone,
        )

    # --- helpers ---------------------------------------------------------------------------------------

    @staticmethod
    def _caller(principal: Principal | None) -> Principal:
        if principal is None:
            raise Unauthenticated("sign in first")
        if not principal.is_approved:
            raise Forbidden(
                "your account is waiting for an administrator's approval", code="pending_approval"
            )
        return principal

    @staticmethod
    def _parse(body: Any) -> InvokeBody:
        if not isinstance(body, dict):
            raise ValidationFailed("the invoke message must be a JSON object")
        try:
            return InvokeBody.model_validate(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise ValidationFailed(
                f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
            ) from None

    def _replaced(self, user_id: str, session_id: str, replaces: str | None) -> list[ChatMessage]:
        """Edit and resend / regenerate: the session's last question and what answered it, which the new
        question replaces (in the chat and in the history the agent is given). Only the last one can be."""
        if replaces is None:
            return []
        recent = self._chats.recent_messages(user_id, session_id, 10)
        last_user = next((i for i in range(len(recent) - 1, -1, -1) if recent[i].role == "user"), None)
        if last_user is None or recent[last_user].message_id != replaces:
            raise Conflict("only the last message of the chat can be edited or regenerated",
                           code="not_last_message")  # fmt: skip
        return recent[last_user:]

    def _count_use(self, user_id: str, agent_id: str, team: str | None, popular: bool) -> None:
        """Usage history and popularity (ranking) and the agent's last use (lifecycle); never fails the run."""
        try:
            self._usage.record_use(user_id, agent_id, iso(self._clock.now()), team=team or None, popular=popular)
        except Exception as exc:  # noqa: BLE001
            logger.warning("could not record usage", extra={"agent_id": agent_id, "error": str(exc)})
        try:
            self._agents.touch_last_used(agent_id)
        except Exception as exc:  # noqa: BLE001
            logger.warning(
                "could not update the agent's last use", extra={"agent_id": agent_id, "error": str(exc)}
            )

    def _mark_active(self, agent: AgentRef, session: ChatSession, user_id: str) -> bool:
        if not agent.trace_id:
            return False
        ttl = int(self._limits.run_timeout_s + 60)
        try:
            return self._tracing.run_started(
                agent_trace_id=agent.trace_id,
                session_id=session.session_id,
                session_trace_id=session.trace_id,
                user_id=user_id,
                ttl_s=ttl,
            )
        except Exception as exc:  # noqa: BLE001 - tracing must not stop the chat
            logger.warning(
                "could not mark the run active", extra={"trace_id": agent.trace_id, "error": str(exc)}
            )
            return False

    def _mark_done(self, agent_trace_id: str, session_id: str) -> None:
        try:
            self._tracing.run_finished(agent_trace_id=agent_trace_id, session_id=session_id)
        except Exception as exc:  # noqa: BLE001
            logger.warning(
                "could not mark the run done", extra={"trace_id": agent_trace_id, "error": str(exc)}
            )

    def _call(
        self, user: Principal, session: ChatSession, agent: AgentRef, message: str, files: list[StoredFile]
    ) -> AgentCall:
        history = [
            Turn(m.role, m.content)
            for m in self._chats.recent_messages(user.user_id, session.session_id, HISTORY_TURNS + 1)
            if m.status in ("complete", "stopped") and m.content
        ]
        if history and history[-1].role == "user" and history[-1].content == message:
            history = history[:-1]  # the message just saved is the current one, not history
        return AgentCall(
            agent_id=agent.agent_id,
            framework=agent.framework,
            endpoint=AgentEndpoint.from_any(agent.endpoint),
            message=message,
            user_id=user.user_id,
            session_id=session.session_id,
            trace_id=session.trace_id,
            attachments=tuple(self._attachment(f) for f in files),
            history=tuple(history[-HISTORY_TURNS:]),
            state=dict(session.agent_state),
            idle_timeout_s=self._limits.idle_timeout_s,
        )

    def _attachment(self, stored: StoredFile) -> Attachment:
        async def load() -> bytes:
            return await asyncio.to_thread(self._files.read, stored)

        return Attachment(
            file_id=stored.file_id,
            file_name=stored.file_name,
            content_type=stored.content_type,
            size=stored.size,
            url=self._files.download_url(stored),
            loader=load,
        )

    @staticmethod
    def _pushable(message: ChatMessage) -> dict[str, Any]:
        body = message.to_json()
        size = len(json.dumps(body, separators=(",", ":")))  # ensure_ascii, as the pusher encodes
        if size > MAX_PUSH_JSON_BYTES:
            overhead = size - len(json.dumps(message.content))
            keep = max(
                0, int(len(message.content) * (MAX_PUSH_JSON_BYTES - overhead) / (size - overhead)) - 16
            )
            body["content"] = message.content[:keep]
            body["truncated"] = True  # the whole message is saved: GET /api/sessions/{id}/messages
        return body


def parse_body(raw: str | None) -> Any:
    """The message through the shared reader (`a2g.json_input`); None when it is not acceptable JSON."""
    from a2g.json_input import read_json

    try:
        return read_json(raw, empty={})
    except PlatformError:
        return None
