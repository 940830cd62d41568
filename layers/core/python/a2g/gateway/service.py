"""The gateway's rules: who may call which agent, and how every call is seen.

Who may call: a platform API key or a signed-in user's token (`Authorization: Bearer ...`); no valid credential
401, a PENDING user 403, over the per-key rate limit 429; the agent must be published (PRODUCTION) or the
caller's own (in development) — otherwise 404, whatever the reason. Nothing is stored for a refused call.

How a call is seen (`open` ... `close`):
- the A2A `contextId` is the caller's chat session id: a message without one starts a session (so the call
  is in the caller's history), a message with one continues that session; a contextId that is not one of the
  caller's sessions with this agent is refused (-32602) rather than silently starting another;
- the user's message is saved before the agent is called, the answer (or the failure) when the run ends;
- the call counts as a use (usage history for ranking, popularity when a colleague calls a published agent);
- while it runs it is marked active on the agent's trace, so the agent's LLM calls through the log-proxy are
  tagged with the session and land in the session's trace too;
- an `agent_call` entry (caller, task and context ids, messages, state, latency) is written to the owner's
  agent trace and the session trace, and pushed to their live panels;
- the task is recorded under the caller (`tasks/get` / `tasks/cancel` of another caller's task: -32001).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from a2g.chat.models import ChatMessage, ChatSession, new_message_id
from a2g.chat.ports import AgentRef, ChatStore, SessionTracing, UsageStore, chat_mode_for
from a2g.chat.service import SessionService, title_from
from a2g.clock import Clock, iso
from a2g.errors import Forbidden, NotFound, PlatformError, Unauthenticated
from a2g.gateway.protocol import INVALID_PARAMS, RpcError, RpcRequest
from a2g.gateway.repository import GatewayTask, GatewayTaskStore
from a2g.identity.principal import Principal
from a2g.ids import new_id
from a2g.log import logger

MAX_LOGGED_TEXT = 20_000
RUN_MARK_TTL_S = 900


class Authorizer(Protocol):
    def __call__(self, credential: str | None) -> Principal | None: ...


class AgentLookup(Protocol):
    def get(self, agent_id: str) -> Any: ...

    def touch_last_used(self, agent_id: str) -> None: ...


class GatewayCounters(Protocol):
    def add_rows(self, day: str, rows: dict[str, dict[str, int]]) -> None:
        """ADD each row's counters (the Usage table's atomic ADD)."""


def gateway_counter_key(team: str | None, agent_id: str) -> str:
    """`G#<calling team>#<agent>` in the Usage table's day partition: the admin's calls per agent and per
    calling team, pre-aggregated (a2g.operations.stats reads them; LLM statistics read only `D#` rows)."""
    from a2g.tracing.repository import key_part

    return f"G#{key_part(team)}#{key_part(agent_id)}"


class AgentCallLog(Protocol):
    def record(self, traces: list[tuple[str, str]], entry: dict[str, Any]) -> None:
        """Write `entry` under each (trace id, trace owner) and push it to the trace's live listeners."""


@dataclass
class Conversation:
    """One accepted send / stream call, from `open` to `close`."""

    principal: Principal
    agent: Any  # the registry's Agent
    ref: AgentRef
    request: RpcRequest
    session: ChatSession
    user_text: str
    started_at: datetime
    t0: float = field(default_factory=time.monotonic)
    marked: bool = False
    state: dict[str, str] = field(default_factory=dict)  # the session's agent_state, updated by the run

    @property
    def context_id(self) -> str:
        return self.session.session_id

    def correlation_headers(self, task_id: str | None) -> dict[str, str]:
        headers = {"X-A2G-Context-Id": self.session.session_id, "X-A2G-Trace-Id": self.session.trace_id,
                   "X-A2G-Session-Id": self.session.session_id}
        if task_id:
            headers["X-A2G-Task-Id"] = task_id
        return headers


@dataclass
class Outcome:
    """What a run ended with (the runners fill it in)."""

    task_id: str | None = None
    state: str = "failed"
    answer: str = ""
    error: str | None = None
    task: dict[str, Any] | None = None  # adapted agents: the whole task, kept for tasks/get


class GatewayService:
    def __init__(
        self,
        *,
        authorize: Authorizer,
        check_rate: Callable[[str], None],
        agents: AgentLookup,
        sessions: SessionService,
        chats: ChatStore,
        usage: UsageStore,
        tracing: SessionTracing,
        calls: AgentCallLog,
        tasks: GatewayTaskStore,
        clock: Clock,
        public_url: str,
        counters: GatewayCounters | None = None,
    ):
        self._authorize, self._check_rate, self._agents = authorize, check_rate, agents
        self._sessions, self._chats, self._usage, self._tracing = sessions, chats, usage, tracing
        self._calls, self.tasks, self._clock = calls, tasks, clock
        self.public_url = public_url.rstrip("/")
        self._counters = counters

    # --- who may call ---------------------------------------------------------------------------------

    def caller(self, authorization: str | None) -> Principal:
        from a2g.identity.api_keys import bearer_credential

        credential = bearer_credential(authorization)
        if not credential:
            raise Unauthenticated("send your platform API key (or access token) as 'Authorization: Bearer <key>'")
        principal = self._authorize(credential)
        if principal is None:
            raise Unauthenticated("invalid, expired or revoked credential")
        if not principal.is_approved:
            raise Forbidden("your account is waiting for an administrator's approval", code="pending_approval")
        return principal

    def visible_agent(self, principal: Principal | None, agent_id: str) -> Any:
        """The agent if the caller may call it (published, or their own in development); else 404."""
        agent = self._agents.get(agent_id) if agent_id and len(agent_id) <= 200 else None
        if agent is None:
            raise NotFound("agent not found")
        ref = AgentRef.from_registry(agent)
        if principal is None:  # the card of a published agent is public to every approved caller only
            raise NotFound("agent not found")
        try:
            chat_mode_for(principal, ref)
        except PlatformError:
            raise NotFound("agent not found") from None
        return agent

    def admit(self, authorization: str | None, agent_id: str) -> tuple[Principal, Any]:
        principal = self.caller(authorization)
        agent = self.visible_agent(principal, agent_id)
        self.count_against_rate(principal)
        return principal, agent

    def count_against_rate(self, principal: Principal) -> None:
        """One call against the caller's per-key limit (the log-proxy's); raises Throttled (429) when over."""
        self._check_rate(principal.api_key_id or principal.user_id)

    def now(self) -> str:
        return iso(self._clock.now())

    # --- a call's life ---------------------------------------------------------------------------------

    def open(self, principal: Principal, agent: Any, request: RpcRequest) -> Conversation:
        """Resolve (or start) the session and save the caller's message; count the use; mark the run."""
        ref = AgentRef.from_registry(agent)
        message = request.message()
        context_id = message.get("contextId")
        if context_id:
            session = self._chats.get_session(principal.user_id, context_id)
            if session is None or session.agent_id != ref.agent_id:
                raise RpcError(INVALID_PARAMS, f"contextId {context_id!r} is not one of your conversations with "
                               "this agent; omit it to start a new one", request.request_id)
        else:
            session, _ = self._sessions.start_session(principal, ref.agent_id)
        text = request.text()
        now = self._clock.now()
        conversation = Conversation(principal, agent, ref, request, session, text, now,
                                    state=dict(session.agent_state))
        user_message = ChatMessage(message_id=new_message_id(), session_id=session.session_id,
                                   user_id=principal.user_id, role="user", content=text, created_at=iso(now))
        title = title_from(text) if not session.title else None
        if self._chats.touch_session(principal.user_id, session.session_id, at=user_message.created_at,
                                     new_messages=1, title=title):
            self._chats.put_message(user_message)
        self._count_use(principal, ref)
        conversation.marked = self._mark_active(conversation)
        return conversation

    def close(self, conversation: Conversation, outcome: Outcome) -> None:
        """Save the answer, the task record and the agent_call entry; never raises."""
        c, principal = conversation, conversation.principal
        latency_ms = int((time.monotonic() - c.t0) * 1000)
        if c.marked and c.ref.trace_id:
            try:
                self._tracing.run_finished(agent_trace_id=c.ref.trace_id, session_id=c.session.session_id)
            except Exception as exc:  # noqa: BLE001
                logger.warning("could not mark the gateway run done", extra={"error": str(exc)})
        steps: list[Callable[[], object]] = [
            lambda: self._save_answer(c, outcome, latency_ms),
            lambda: self._save_task(c, outcome),
            lambda: self._log_call(c, outcome, latency_ms),
            lambda: self._count_call(c, outcome, latency_ms),
        ]
        if c.state != c.session.agent_state:
            steps.append(lambda: self._chats.save_agent_state(principal.user_id, c.session.session_id, c.state))
        for step in steps:
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - the caller already has the answer
                logger.warning("gateway bookkeeping failed", extra={"session_id": c.session.session_id,
                                                                    "error": repr(exc)})

    def remember_task(self, c: Conversation, outcome: Outcome) -> None:
        """Record the task as soon as its id is known, so tasks/get, cancel and resubscribe reach it mid-run."""
        try:
            self._save_task(c, outcome)
        except Exception as exc:  # noqa: BLE001 - close() records it again
            logger.warning("could not record the gateway task", extra={"error": repr(exc)})

    def agent_state_of(self, principal: Principal, session_id: str) -> dict[str, str]:
        """What the session remembered of the agent (an A2A agent's own context id)."""
        session = self._chats.get_session(principal.user_id, session_id)
        return dict(session.agent_state) if session is not None else {}

    def task_of(self, principal: Principal, agent: Any, request: RpcRequest) -> GatewayTask | None:
        return self.tasks.get(principal.user_id, AgentRef.from_registry(agent).agent_id, request.task_id())

    # --- helpers ---------------------------------------------------------------------------------------

    def _count_use(self, principal: Principal, ref: AgentRef) -> None:
        popular = ref.status == "PRODUCTION" and ref.owner_id != principal.user_id
        try:
            self._usage.record_use(principal.user_id, ref.agent_id, iso(self._clock.now()),
                                   team=principal.team or None, popular=popular)
            self._agents.touch_last_used(ref.agent_id)
        except Exception as exc:  # noqa: BLE001 - counting must not stop the call
            logger.warning("could not record gateway usage", extra={"agent_id": ref.agent_id, "error": str(exc)})

    def _count_call(self, c: Conversation, outcome: Outcome, latency_ms: int) -> None:
        if self._counters is None:
            return
        row = {"calls": 1, "errors": 0 if outcome.state == "completed" else 1, "latency_ms_sum": latency_ms}
        self._counters.add_rows(c.started_at.strftime("%Y-%m-%d"),
                                {gateway_counter_key(c.principal.team or None, c.ref.agent_id): row})

    def _mark_active(self, c: Conversation) -> bool:
        if not c.ref.trace_id:
            return False
        # The owner's LLM calls for this run are tagged with the session on the agent trace (the owner sees
        # them under the agent_call). They are copied to the session trace only when the caller is the owner:
        # a colleague calling a published agent must not see its LLM calls (a2g.tracing.service).
        own = c.principal.user_id == c.ref.owner_id
        try:
            return self._tracing.run_started(agent_trace_id=c.ref.trace_id, session_id=c.session.session_id,
                                             session_trace_id=c.session.trace_id if own else "",
                                             user_id=c.ref.owner_id, ttl_s=RUN_MARK_TTL_S)
        except Exception as exc:  # noqa: BLE001
            logger.warning("could not mark the gateway run active", extra={"error": str(exc)})
            return False

    def _save_answer(self, c: Conversation, outcome: Outcome, latency_ms: int) -> None:
        failed = outcome.state in ("failed", "rejected", "canceled")
        content = outcome.answer if not failed else (outcome.answer + "\n\n---\n" if outcome.answer else "") + (
            f"**The agent call {outcome.state}.** {outcome.error or ''}".strip())
        message = ChatMessage(
            message_id=new_message_id(), session_id=c.session.session_id, user_id=c.principal.user_id,
            role="assistant", content=content, created_at=iso(self._clock.now()), agent_id=c.ref.agent_id,
            duration_ms=latency_ms, status="error" if failed else "complete",
            error_code=f"task_{outcome.state}" if failed else None, error_message=outcome.error if failed else None,
        )
        if self._chats.touch_session(c.principal.user_id, c.session.session_id, at=message.created_at,
                                     new_messages=1, title=None):
            self._chats.put_message(message)

    def _save_task(self, c: Conversation, outcome: Outcome) -> None:
        if outcome.task_id:
            self.tasks.put(GatewayTask(c.principal.user_id, c.ref.agent_id, outcome.task_id, c.session.session_id,
                                       outcome.state, outcome.task))

    def _log_call(self, c: Conversation, outcome: Outcome, latency_ms: int) -> None:
        entry: dict[str, Any] = {
            "entry_id": new_id("log"),
            "at": iso(c.started_at),
            "kind": "agent_call",
            "status": "ok" if outcome.state == "completed" else "error",
            "latency_ms": latency_ms,
            "agent_id": c.ref.agent_id,
            "session_id": c.session.session_id,
            "user_id": c.principal.user_id,
            "team": c.principal.team,
            "api_key_id": c.principal.api_key_id,
            "via": "a2a_gateway",
            "a2a": {"method": c.request.method, "version": c.request.version, "task_id": outcome.task_id,
                    "context_id": c.context_id, "state": outcome.state},
            "request": {"message": c.user_text[:MAX_LOGGED_TEXT]},
            "response": {"message": outcome.answer[:MAX_LOGGED_TEXT]},
            "error": {"code": f"task_{outcome.state}", "message": outcome.error} if outcome.error else None,
        }
        targets = [(c.session.trace_id, c.principal.user_id)]
        if c.ref.trace_id:
            targets.insert(0, (c.ref.trace_id, c.ref.owner_id))
        self._calls.record(targets, entry)
