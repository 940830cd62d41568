"""What the playground needs from other domains, as narrow interfaces, and the one rule of who may chat.

The agent registry (a2g.agents) and live tracing (a2g.tracing) are reached only through these Protocols;
composition.py plugs the real ones in, unit tests plug in fakes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from a2g.chat.models import AgentUse, ChatMessage, ChatMode, ChatSession, Page, StoredFile
from a2g.errors import Conflict, NotFound
from a2g.identity.principal import Principal


def _get(source: Any, name: str) -> Any:
    if isinstance(source, Mapping):
        return source.get(name)
    return getattr(source, name, None)


def _enum_text(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


@dataclass(frozen=True)
class AgentRef:
    """The little the playground needs to know about an agent."""

    agent_id: str
    owner_id: str
    framework: str  # AGNO | ADK | LANGGRAPH | A2A | CUSTOM
    status: str  # DEVELOPMENT | PRODUCTION | DISABLED
    endpoint: Any  # the registry's endpoint object or dict (see a2g.agent_adapters.AgentEndpoint.from_any)
    trace_id: str | None = None  # the agent's stable trace (its developer's log-proxy URL)
    name: str = ""

    @classmethod
    def from_registry(cls, agent: Any) -> AgentRef:
        """Read an a2g.agents Agent (dataclass, pydantic model or dict) without importing its class."""
        return cls(
            agent_id=str(_get(agent, "id") or _get(agent, "agent_id")),
            owner_id=str(_get(agent, "owner_id") or ""),
            framework=_enum_text(_get(agent, "framework")).upper(),
            status=_enum_text(_get(agent, "status")).upper(),
            endpoint=_get(agent, "endpoint"),
            trace_id=_get(agent, "trace_id") or None,
            name=str(_get(agent, "name") or ""),
        )


def chat_mode_for(user: Principal, agent: AgentRef | None) -> ChatMode:
    """Who may chat with an agent, and in which mode.

    - a DEVELOPMENT agent: its owner only, in development mode (live trace, latest session reopened);
    - a PRODUCTION agent: any approved user, in operation mode (a list of sessions);
    - a DISABLED agent: nobody; its owner is told why, everyone else sees "not found".
    Anything else answers "not found": another user's development agent is not revealed.
    """
    if agent is None:
        raise NotFound("agent not found")
    if agent.status == "PRODUCTION" and user.is_approved:
        return "operation"
    if agent.owner_id == user.user_id:
        if agent.status == "DEVELOPMENT":
            return "development"
        if agent.status == "DISABLED":
            raise Conflict("the agent is disabled; fix it and enable it again to chat", code="agent_disabled")
    raise NotFound("agent not found")


class AgentDirectory(Protocol):
    """The agent registry, as the playground sees it."""

    def get(self, agent_id: str) -> AgentRef | None: ...

    def touch_last_used(self, agent_id: str) -> None: ...


class SessionTracing(Protocol):
    """Live tracing, as the playground uses it."""

    def create_session_trace(self, user_id: str, agent_id: str, session_id: str) -> str: ...

    def delete_trace(self, trace_id: str) -> None: ...

    def run_started(
        self, *, agent_trace_id: str, session_id: str, session_trace_id: str, user_id: str, ttl_s: int
    ) -> bool: ...

    def run_finished(self, *, agent_trace_id: str, session_id: str) -> None: ...


class ChatStore(Protocol):
    """a2g.chat.repository.ChatRepository's interface (unit tests use an in-memory one)."""

    def put_session(self, session: ChatSession) -> None: ...

    def get_session(self, user_id: str, session_id: str) -> ChatSession | None: ...

    def list_sessions(self, user_id: str, agent_id: str, limit: int, cursor: str | None) -> Page: ...

    def touch_session(
        self, user_id: str, session_id: str, *, at: str, new_messages: int, title: str | None
    ) -> bool: ...

    def save_agent_state(self, user_id: str, session_id: str, state: dict[str, str]) -> bool: ...

    def delete_session(self, user_id: str, session_id: str) -> None: ...

    def put_message(self, message: ChatMessage) -> None: ...

    def list_messages(self, user_id: str, session_id: str, limit: int, cursor: str | None) -> Page: ...

    def recent_messages(self, user_id: str, session_id: str, limit: int) -> list[ChatMessage]: ...

    def delete_message(self, user_id: str, session_id: str, message_id: str) -> bool: ...

    def delete_messages(self, session_id: str) -> int: ...

    def put_file(self, file: StoredFile) -> None: ...

    def get_file(self, user_id: str, file_id: str) -> StoredFile | None: ...

    def files_of_session(self, user_id: str, session_id: str) -> list[StoredFile]: ...

    def delete_files(self, files: list[StoredFile]) -> None: ...


class StopStore(Protocol):
    """Stop requests of chat runs (a2g.chat.repository.RunStopRepository): the `cancel` action writes one, the
    run loop, in another Lambda invocation, reads it."""

    def request_stop(self, user_id: str, session_id: str, request_id: str | None, at: str) -> None: ...

    def stop_of(self, user_id: str, session_id: str) -> tuple[str | None, str] | None: ...

    def clear_stop(self, user_id: str, session_id: str) -> None: ...


class UsageStore(Protocol):
    def record_use(self, user_id: str, agent_id: str, at: str, team: str | None = None,
                   popular: bool = True) -> None: ...

    def uses_of(self, user_id: str) -> list[AgentUse]: ...
