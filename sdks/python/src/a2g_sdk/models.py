"""The JSON shapes the platform answers with, as TypedDicts: plain dicts at run time, typed for mypy.

Only the fields an agent developer reads are listed; the platform may send more (they stay in the dict).
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

Framework = Literal["A2A", "AGNO", "ADK", "LANGGRAPH", "CUSTOM"]
AgentStatus = Literal["DEVELOPMENT", "PRODUCTION", "DISABLED"]


class Skill(TypedDict, total=False):
    id: str
    name: str
    description: str
    tags: list[str]


class Endpoint(TypedDict, total=False):
    """How the platform reaches the agent (`base_url` plus what its framework needs)."""

    base_url: str
    agno_agent_id: str
    agno_team_id: str
    adk_app_name: str
    langgraph_assistant_id: str
    custom_protocol: Literal["openai", "json"]
    custom_model: str


class _AgentRequired(TypedDict):
    id: str
    name: str
    status: AgentStatus
    version: int
    framework: Framework


class Agent(_AgentRequired, total=False):
    """One of your agents as `/api/my-agents` shows it to its owner."""

    owner_id: str
    description: str
    logo_url: str | None
    color: str
    skills: list[Skill]
    created_at: str
    updated_at: str
    last_used_at: str | None
    endpoint: Endpoint
    trace_id: str | None  # the agent's stable trace: every LLM call through its log-proxy URL
    log_proxy_base_url: str  # paste into the agent as its OpenAI base URL (with an API key)
    a2a_card: dict[str, Any] | None
    card_url: str | None


class RegisteredAgent(Agent, total=False):
    created: bool  # False: the same agent was registered before and updated in place


class AgentPage(TypedDict):
    items: list[Agent]
    next_cursor: str | None


class Session(TypedDict):
    """A chat session; its `trace_id` holds the LLM calls made while the platform's chat ran the agent."""

    session_id: str
    agent_id: str
    user_id: str
    trace_id: str
    mode: str
    title: str | None
    message_count: int
    created_at: str
    updated_at: str


class SessionPage(TypedDict):
    items: list[Session]
    next_cursor: str | None


class MessageError(TypedDict):
    code: str
    message: str


class _MessageRequired(TypedDict):
    message_id: str
    session_id: str
    role: Literal["user", "assistant"]
    content: str
    status: Literal["complete", "error", "stopped"]


class ChatMessage(_MessageRequired, total=False):
    attachments: list[dict[str, Any]]
    error: MessageError | None
    created_at: str
    agent_id: str | None
    duration_ms: int | None
    truncated: bool  # pushed cut to fit a WebSocket message; the saved message is whole


class MessagePage(TypedDict):
    items: list[ChatMessage]
    next_cursor: str | None


class _TraceEntryRequired(TypedDict):
    entry_id: str
    trace_id: str
    at: str
    kind: str  # "chat.completions" | "embeddings" | ...
    status: Literal["ok", "error"]


class TraceEntry(_TraceEntryRequired, total=False):
    """One LLM call as the log-proxy recorded it (pages carry it cut: `truncated`, fetch it whole by id)."""

    model: str | None
    stream: bool
    http_status: int
    latency_ms: int
    ttft_ms: int | None
    agent_id: str | None
    session_id: str | None
    user_id: str
    request: dict[str, Any]
    response: dict[str, Any] | None
    tool_calls: list[dict[str, Any]]
    usage: dict[str, Any] | None
    error: dict[str, Any] | None
    truncated: bool


class TracePage(TypedDict):
    trace_id: str
    kind: str
    agent_id: str | None
    session_id: str | None
    order: Literal["asc", "desc"]
    items: list[TraceEntry]
    next_cursor: str | None


class Me(TypedDict, total=False):
    """Who the credential speaks for (`GET /api/auth/me`)."""

    user_id: str
    name: str
    role: Literal["PENDING", "USER", "ADMIN"]
    team: str
    auth_kind: Literal["token", "api_key"]


class RunEvent(TypedDict, total=False):
    """One push of a chat run (`invoke`): `type` is run_started, chunk, progress, message or error.

    - run_started: `message` is the saved user message; `replaced` the ids an invoke's `replaces` deleted;
    - chunk: `delta` is the next piece of the answer;
    - progress: the agent is still working (`text` when it said what, `elapsed_ms`);
    - message: the run ended; `message` is the saved assistant message (status `stopped` after `cancel`:
      what had streamed);
    - error: the run ended with the agent's error; `error` {code, message} and the saved error `message`.
    """

    type: Literal["run_started", "chunk", "progress", "message", "error"]
    session_id: str
    request_id: str | None
    delta: str
    text: str
    elapsed_ms: int
    message: ChatMessage | None
    error: MessageError
    replaced: list[str]


class StopAck(TypedDict):
    """The answer to `cancel`: the Stop is recorded; the run ends within about a second."""

    type: Literal["stopping"]
    session_id: str
    request_id: str | None


class TracePush(TypedDict, total=False):
    """A live push of a watched trace (`watch_trace`):

    - trace.running: an LLM call in flight (`entry` has `entry_id`, `status: running`, then `output_text`
      with `partial: true` as its answer streams);
    - trace.entry: a finished call (`entry`, the same shape as `trace()` items; the running one it replaces
      has the same `entry_id`);
    - trace.entry_removed: `entry_id` was merged into `merged_into`;
    - trace.cleared: every entry was deleted.
    """

    type: Literal["trace.entry", "trace.running", "trace.entry_removed", "trace.cleared"]
    trace_id: str
    entry: TraceEntry
    entry_id: str
    merged_into: str | None


class FileInfo(TypedDict):
    """An uploaded file (`upload_file`); pass `file_id` in `attachments=` of `invoke` / `chat`."""

    file_id: str
    file_name: str
    content_type: str
    size: int
    previewable: bool
    session_id: str
    created_at: str


class FileDownload(FileInfo):
    url: str  # short-lived
    expires_in: int


class _ApiKeyRequired(TypedDict):
    id: str
    name: str | None
    masked: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None
    status: Literal["active", "revoked"]


class ApiKey(_ApiKeyRequired):
    """A key as its owner sees it: masked."""


class NewApiKey(_ApiKeyRequired):
    key: str  # the key itself: shown this once


__all__ = [
    "Agent", "AgentPage", "AgentStatus", "ApiKey", "ChatMessage", "Endpoint", "FileDownload", "FileInfo",
    "Framework", "Me", "MessageError", "MessagePage", "NewApiKey", "RegisteredAgent", "RunEvent", "Session",
    "SessionPage", "Skill", "StopAck", "TraceEntry", "TracePage", "TracePush",
]
