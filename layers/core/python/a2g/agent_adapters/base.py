"""One interface for talking to an agent, whatever framework it was built with.

The playground calls an agent for the user, server-side, and streams the answer to the browser. Each
framework speaks its own protocol (Agno AgentOS, Google ADK api_server, LangGraph server, A2A, a custom
OpenAI-compatible or plain-JSON endpoint); an adapter per framework turns one `AgentCall` into a stream of
`AgentEvent`s. The caller (a2g.chat.invoke) never needs to know which protocol was spoken.

Every adapter passes the chat session's trace id to the agent (`X-A2G-Trace-Id` / `X-A2G-Session-Id`
headers, plus the framework's own carrier: A2A message metadata, Agno run metadata, ADK session state,
LangGraph run config) and reaches the agent only through the guarded outbound client
(a2g.adapters.outbound.AsyncOutboundClient), which refuses internal addresses unless allow-listed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

import httpx

FRAMEWORKS = ("AGNO", "ADK", "LANGGRAPH", "A2A", "CUSTOM")

TRACE_HEADER = "X-A2G-Trace-Id"
SESSION_HEADER = "X-A2G-Session-Id"


def _field(source: Any, name: str) -> Any:
    if isinstance(source, Mapping):
        return source.get(name)
    return getattr(source, name, None)


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(getattr(value, "value", value)).strip()
    return text or None


@dataclass(frozen=True)
class AgentEndpoint:
    """Where an agent lives and what its framework needs to address it.

    Mirrors the registry's endpoint (a2g.agents); `from_any` accepts that object, a pydantic model or a
    plain dict, so this package does not depend on the registry's classes.
    """

    base_url: str
    agno_agent_id: str | None = None
    agno_team_id: str | None = None
    adk_app_name: str | None = None
    langgraph_assistant_id: str | None = None
    custom_protocol: str | None = None  # "openai" | "json"
    custom_model: str | None = None  # the model name sent to an OpenAI-compatible custom endpoint
    a2a_protocol_version: str | None = None  # "1.0" | "0.3"; unknown → try 1.0, then 0.3
    a2a_streaming: bool | None = None  # the card's capabilities.streaming; False → send non-streaming

    @classmethod
    def from_any(cls, source: Any) -> AgentEndpoint:
        if isinstance(source, AgentEndpoint):
            return source
        if source is None:
            raise ValueError("the agent has no endpoint")
        base_url = _text_or_none(_field(source, "base_url")) or _text_or_none(_field(source, "url"))
        if not base_url:
            raise ValueError("the agent's endpoint has no base_url")
        streaming = _field(source, "a2a_streaming")
        return cls(
            base_url=base_url,
            agno_agent_id=_text_or_none(_field(source, "agno_agent_id")),
            agno_team_id=_text_or_none(_field(source, "agno_team_id")),
            adk_app_name=_text_or_none(_field(source, "adk_app_name")),
            langgraph_assistant_id=_text_or_none(_field(source, "langgraph_assistant_id")),
            custom_protocol=(_text_or_none(_field(source, "custom_protocol")) or "").lower() or None,
            custom_model=_text_or_none(_field(source, "custom_model")),
            a2a_protocol_version=_text_or_none(_field(source, "a2a_protocol_version")),
            a2a_streaming=None if streaming is None else bool(streaming),
        )

    def url(self, path: str) -> str:
        """`base_url` joined with an absolute path, whatever slashes the developer typed."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


@dataclass(frozen=True)
class Attachment:
    """A file the user attached: its metadata, a short-lived download URL and a way to read its bytes."""

    file_id: str
    file_name: str
    content_type: str
    size: int
    url: str  # presigned GET, reachable by whoever can reach the platform's S3 endpoint
    loader: Callable[[], Awaitable[bytes]] | None = field(default=None, compare=False, repr=False)

    async def read(self) -> bytes:
        if self.loader is None:
            raise RuntimeError(f"the bytes of {self.file_id} are not available")
        return await self.loader()

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_text(self) -> bool:
        return self.content_type.startswith("text/") or self.content_type in (
            "application/json",
            "application/xml",
        )


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation (for stateless protocols that want the history)."""

    role: Literal["user", "assistant"]
    content: str


# How many earlier turns of a conversation an agent is sent (the chat and the A2A gateway alike).
HISTORY_TURNS = 20


@dataclass(frozen=True)
class AgentCall:
    """Everything an adapter needs for one run of an agent on behalf of a user."""

    agent_id: str
    framework: str
    endpoint: AgentEndpoint
    message: str
    user_id: str
    session_id: str  # the platform's chat session id (reused as the framework's session where possible)
    trace_id: str  # the chat session's live trace
    attachments: tuple[Attachment, ...] = ()
    history: tuple[Turn, ...] = ()  # earlier turns, oldest first, without the current message
    state: Mapping[str, str] = field(default_factory=dict)  # what adapters remembered for this session
    idle_timeout_s: float = 180.0  # longest silence tolerated between two bytes from the agent
    # More correlation headers (the A2A gateway's X-A2G-Context-Id / X-A2G-Task-Id).
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    def trace_headers(self) -> dict[str, str]:
        return {**self.extra_headers, TRACE_HEADER: self.trace_id, SESSION_HEADER: self.session_id}

    def trace_metadata(self) -> dict[str, str]:
        """The same ids for protocols that carry metadata in the body (A2A, Agno, ADK state, LangGraph)."""
        return {
            "a2g_trace_id": self.trace_id,
            "a2g_session_id": self.session_id,
            "a2g_agent_id": self.agent_id,
        }


# --- what an adapter yields ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TextDelta:
    """More answer text, in order, to append to what was shown so far."""

    text: str


@dataclass(frozen=True)
class Progress:
    """Something the agent is doing that is not answer text (a tool call, a hand-off, a status line)."""

    text: str


@dataclass(frozen=True)
class StateUpdate:
    """A value to remember for this session's next run (an A2A context id, the protocol that worked)."""

    key: str
    value: str


@dataclass(frozen=True)
class FinalText:
    """The agent's complete answer when its protocol states it; it wins over the concatenated deltas
    (e.g. a LangGraph supervisor whose workers streamed text before the supervisor's last word)."""

    text: str


AgentEvent = TextDelta | Progress | StateUpdate | FinalText


class AgentAdapter(Protocol):
    framework: ClassVar[str]

    def run(self, call: AgentCall) -> AsyncIterator[AgentEvent]:
        """Call the agent and yield its answer as it arrives; raise a2g.agent_adapters.errors on failure."""
        ...


class AgentHttp(Protocol):
    """What adapters need of a2g.adapters.outbound.AsyncOutboundClient (tests may pass another)."""

    def stream(self, method: str, url: str, **kwargs: Any) -> AbstractAsyncContextManager[httpx.Response]: ...

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response: ...
