"""Response models of the trace routes (`/api/logs`) and the log-proxy's OpenAI-compatible surface.

The log-proxy forwards bodies unchanged, so its request and response schemas are permissive: they name what
the proxy itself reads (`model`, `messages`, `stream`, `input`) and allow everything else OpenAI defines.
Its errors are in OpenAI's format, which OpenAI clients read.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from a2g.http.schemas import Page, ResponseModel

# ---- /api/logs -------------------------------------------------------------------------------------------


class LogEntry(ResponseModel):
    """One proxied LLM call (docs/tracing.md). In pages and pushes it may be cut to fit (`truncated: true`):
    `GET /api/logs/{entry_id}` returns it whole."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "entry_id": "log_01HX...", "trace_id": "trc_01HX...", "at": "2026-05-01T09:00:00.123Z",
        "kind": "chat.completions", "model": "gpt-4o-mini", "stream": False, "status": "ok", "http_status": 200,
        "latency_ms": 812.4, "agent_id": "planner", "agent_id_source": "header",
        "request": {"messages": [{"role": "user", "content": "hi"}], "params": {}},
        "response": {"choices": [{"message": {"role": "assistant", "content": "hello"}}]},
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }]})

    entry_id: str
    trace_id: str
    at: str | None = None
    kind: str | None = Field(None, description="`chat.completions` or `embeddings`")
    model: str | None = None
    stream: bool | None = None
    status: Literal["ok", "error"] | None = None
    http_status: int | None = None
    latency_ms: float | None = None
    ttft_ms: float | None = Field(None, description="streams: time to the first token")
    agent_id: str | None = Field(None, description="the (sub-)agent that made the call")
    agent_id_source: str | None = Field(None, description="how agent_id was found: header or inferred")
    session_id: str | None = None
    user_id: str | None = None
    team: str | None = None
    request: dict[str, Any] | None = None
    response: Any = None
    tool_calls: list[Any] | None = None
    usage: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    a2a: dict[str, Any] | None = Field(None, description="`agent_call` entries: method, version, task_id, "
                                       "context_id and state of the A2A gateway call")
    parent: dict[str, Any] | None = Field(None, description="an agent's LLM call made for an A2A gateway task: "
                                          "`{kind: agent_call, context_id, task_id}` names the `agent_call` entry "
                                          "(same `a2a` ids) it belongs under")
    truncated: bool | None = Field(None, description="long fields were shortened; fetch the entry for all of it")


class LogPage(Page):
    trace_id: str
    kind: str = Field(description="`agent` (an agent's stable trace) or `session` (one chat's)")
    agent_id: str | None
    session_id: str | None
    order: Literal["asc", "desc"]
    items: list[LogEntry]


class LogsCleared(ResponseModel):
    trace_id: str
    deleted: int = Field(description="how many entries were deleted")


# ---- the log-proxy ----------------------------------------------------------------------------------------


class _OpenAiBody(BaseModel):
    model_config = ConfigDict(extra="allow")


class ChatCompletionRequest(_OpenAiBody):
    """An OpenAI chat completions request, forwarded unchanged (every OpenAI field is accepted)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]},
    ]})

    model: str = Field(description="one of the enabled models (`GET /api/llms`)")
    messages: list[dict[str, Any]]
    stream: bool | None = Field(None, description="true: the answer streams as server-sent events")
    tools: list[dict[str, Any]] | None = None


class ForwardedRequest(_OpenAiBody):
    """A request of another wire format (OpenAI Responses or completions, Anthropic messages), forwarded
    unchanged to an LLM of the same provider or translated for another; every field of that format is
    accepted."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": "claude-sonnet-4-5", "max_tokens": 256, "messages": [{"role": "user", "content": "hello"}]},
    ]})

    model: str = Field(description="one of the enabled models (`GET /api/llms`)")
    stream: bool | None = Field(None, description="true: the answer streams as server-sent events")


class GeminiRequest(_OpenAiBody):
    """A Gemini generateContent (or countTokens / embedContent) request; the model is in the path."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]},
    ]})

    contents: list[dict[str, Any]] | None = None


class EmbeddingsRequest(_OpenAiBody):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": "text-embedding-3-small", "input": "a meeting room agent"},
    ]})

    model: str
    input: str | list[Any]


class ChatCompletion(_OpenAiBody):
    """The LLM's answer as it sent it (a `chat.completion` object)."""

    id: str | None = None
    object: str | None = None
    choices: list[dict[str, Any]] | None = None
    usage: dict[str, Any] | None = None


class Embeddings(_OpenAiBody):
    object: str | None = None
    data: list[dict[str, Any]] | None = None
    usage: dict[str, Any] | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str = Field(description="the registered LLM's name")


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[ModelCard]


class OpenAiErrorDetail(BaseModel):
    message: str
    type: str = Field(examples=["invalid_request_error"])
    param: str | None
    code: str | None = Field(examples=["invalid_api_key"])


class OpenAiError(BaseModel):
    """The log-proxy's errors, in OpenAI's format."""

    error: OpenAiErrorDetail


class AnthropicErrorDetail(BaseModel):
    type: str = Field(examples=["authentication_error"])
    message: str


class AnthropicError(BaseModel):
    """The log-proxy's errors on Anthropic's routes, in Anthropic's format."""

    type: Literal["error"]
    error: AnthropicErrorDetail


class GoogleErrorDetail(BaseModel):
    code: int = Field(examples=[401])
    message: str
    status: str = Field(examples=["UNAUTHENTICATED"])


class GoogleError(BaseModel):
    """The log-proxy's errors on Gemini's routes, in Google's format."""

    error: GoogleErrorDetail


def proxy_errors(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """The log-proxy's error responses in one client format (`responses=` on its routes)."""

    def error(description: str, *, retry_after: bool = False) -> dict[str, Any]:
        response: dict[str, Any] = {"description": description, "model": model}
        if retry_after:
            response["headers"] = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
        return response

    return {
        400: error("the body is not a JSON object, or `model` is missing"),
        401: error("no API key, or an invalid or revoked one"),
        403: error("the key's owner waits for approval"),
        404: error("the trace is not the key owner's, or the model is not enabled"),
        413: error("the request body is too large"),
        429: error("too many calls for this key; retry after Retry-After seconds", retry_after=True),
        502: error("the LLM could not be reached or is not an allowed destination"),
        503: error("the platform's storage is unavailable", retry_after=True),
        504: error("the LLM did not answer in time"),
    }


PROXY_ERRORS = proxy_errors(OpenAiError)
"""The OpenAI routes' error responses."""
ANTHROPIC_ERRORS = proxy_errors(AnthropicError)
"""The Anthropic routes' error responses."""
GEMINI_ERRORS = proxy_errors(GoogleError)
"""The Gemini routes' error responses."""

STREAMED_COMPLETION: dict[int | str, dict[str, Any]] = {
    200: {"description": "the completion (JSON), or with `stream: true` server-sent `chat.completion.chunk` events",
          "content": {"text/event-stream": {"schema": {"type": "string"}}}},
}

def answered(description: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route that passes its LLM's answer on in the client's wire format."""
    return {200: {"description": description, "content": {"application/json": {"schema": {"type": "object"}},
                                                           "text/event-stream": {"schema": {"type": "string"}}}}}


API_KEY_ONLY: dict[str, Any] = {"security": [{"apiKey": []}]}
"""The log-proxy checks the platform API key itself (its route has no authorizer)."""


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its body itself: the body's schema, inline."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


__all__ = [
    "ANTHROPIC_ERRORS",
    "API_KEY_ONLY",
    "GEMINI_ERRORS",
    "PROXY_ERRORS",
    "STREAMED_COMPLETION",
    "ChatCompletion",
    "ChatCompletionRequest",
    "Embeddings",
    "EmbeddingsRequest",
    "ForwardedRequest",
    "GeminiRequest",
    "LogEntry",
    "LogPage",
    "LogsCleared",
    "ModelCard",
    "ModelList",
    "OpenAiError",
    "answered",
    "json_body",
]
