"""The log-proxy's wire formats: one module per format, meeting at the neutral shapes of `base`.

| api         | client route (under `/api/log-proxy/<trace_id>`)          | module             | native provider |
|-------------|-----------------------------------------------------------|--------------------|-----------------|
| chat        | `POST /v1/chat/completions`                               | `openai_chat`      | openai          |
| completions | `POST /v1/completions`                                    | `openai_chat`      | openai          |
| embeddings  | `POST /v1/embeddings`                                     | `openai_chat`      | openai          |
| responses   | `POST /v1/responses`                                      | `openai_responses` | openai          |
| messages    | `POST /v1/messages`                                       | `anthropic`        | anthropic       |
| gemini      | `POST /{v1beta,v1}/models/{model}:{generateContent,...}`  | `gemini`           | gemini          |

Each module has `parse_request`, `to_upstream`, `from_upstream`, `stream_events` and `error_body`. A client of
one format reaches an LLM of its own provider unchanged; another provider needs a bridge (`translate_for`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from a2g.tracing.formats import anthropic, gemini, openai_chat, openai_responses
from a2g.tracing.formats.base import CallResult, ParsedRequest, StreamCollector
from a2g.tracing.formats.errors import ProxyError, bad_request

__all__ = ["CallResult", "ParsedRequest", "ProxyError", "Route", "StreamCollector", "bad_request",
           "client_format_of_path", "module_for", "translate_for"]


@dataclass(frozen=True)
class Route:
    """One client route: which API it is, the format its client reads, and where it goes upstream."""

    api: str  # chat, completions, embeddings, responses, messages, gemini; or an unrecorded helper route
    client: str  # the client's format family: openai, anthropic, gemini (errors, model lists)
    upstream_path: str  # appended to the LLM's base URL (same provider); `{model}`, `{action}`, `{version}`
    recorded: bool = True


CHAT = Route("chat", "openai", "/chat/completions")
COMPLETIONS = Route("completions", "openai", "/completions")
EMBEDDINGS = Route("embeddings", "openai", "/embeddings")
RESPONSES = Route("responses", "openai", "/responses")
MESSAGES = Route("messages", "anthropic", "/v1/messages")
COUNT_TOKENS = Route("messages", "anthropic", "/v1/messages/count_tokens", recorded=False)
GEMINI = Route("gemini", "gemini", "/{version}/models/{model}:{action}")

NATIVE_PROVIDER = {"openai": "openai", "anthropic": "anthropic", "gemini": "gemini"}
_MODULES: dict[str, ModuleType] = {"openai": openai_chat, "anthropic": anthropic, "gemini": gemini}
API_MODULES: dict[str, ModuleType] = {"chat": openai_chat, "completions": openai_chat, "embeddings": openai_chat,
                                       "responses": openai_responses, "messages": anthropic, "gemini": gemini}


def module_for(api: str) -> Any:
    return API_MODULES[api]


def error_module(client: str) -> Any:
    return _MODULES.get(client, openai_chat)


# Typed here once: attributes read off a ModuleType are Any to mypy.
_ERROR_BODIES: dict[str, Callable[[ProxyError], bytes]] = {name: m.error_body for name, m in _MODULES.items()}


def error_body(client: str, error: ProxyError) -> bytes:
    """`error` in the error format the client's SDK reads (OpenAI's for a client of no known provider)."""
    return _ERROR_BODIES.get(client, openai_chat.error_body)(error)


def client_format_of_path(path: str) -> str:
    """The format a client of an unknown URL most likely reads (its 404 should parse in its SDK)."""
    if "/v1/messages" in path:
        return "anthropic"
    if "/v1beta/" in path or ":generateContent" in path or ":streamGenerateContent" in path:
        return "gemini"
    return "openai"


def translate_for(api: str, upstream_provider: str) -> Any | None:
    """The bridge that lets a client of `api` reach an LLM of `upstream_provider`; None when there is none.

    Same provider needs none (pass-through is the proxy's own path); completions and embeddings have none.
    Imported on the first translated call only: pass-through never loads the bridges.
    """
    from a2g.tracing.formats import bridges

    return bridges.bridge_for(api, upstream_provider)

