"""Trace log entries: building one from a proxied call, reassembling a streamed answer, cutting to a size.

An entry (JSON, snake_case) is what `GET /api/logs/{entry_id}` returns whole:

    entry_id, trace_id, at, api (chat | responses | messages | gemini | completions | embeddings), kind (the
    older name: "chat.completions" for chat, else the api), provider (openai | anthropic | gemini), model,
    stream, status ("running" | "ok" | "error"), http_status, latency_ms, ttft_ms (streams), agent_id,
    agent_id_source, session_id, user_id, team, api_key_id, request {messages or input, system, tools,
    params}, output_text, tool_calls [{id, type, function {name, arguments}}], usage {input_tokens,
    output_tokens, total_tokens, cached_tokens, reasoning_tokens}, stop_reason, response (the upstream JSON,
    or a streamed answer reassembled), error {type, code, message}

The wire formats (`a2g.tracing.formats`) fill it; nothing here knows a provider's field names. While a call
runs, the live panel gets the same entry with status "running" and no answer, then `{entry_id, status:
"running", output_text, partial: true}` as its text grows; the finished entry replaces it.

WebSocket messages and history pages carry `cut_entry(entry)`: the same entry with long strings and long lists
shortened until it fits, and `truncated: true` so a client knows to fetch the whole one.
"""

from __future__ import annotations

import json
from typing import Any

# API Gateway WebSocket frames are limited to 32 KB; leave room for the envelope around the entry.
PUSH_LIMIT_BYTES = 30_000
_OMITTED = "…"


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False).encode())


def _shorten(value: Any, max_str: int, max_list: int) -> Any:
    if isinstance(value, str):
        if len(value) <= max_str:
            return value
        return value[:max_str] + f"{_OMITTED}[{len(value) - max_str} more characters]"
    if isinstance(value, list):
        items = value
        if len(items) > max_list:
            head = max(1, max_list // 4)
            tail = max_list - head
            items = [*items[:head], {"omitted_items": len(items) - max_list}, *items[-tail:]]
        return [_shorten(v, max_str, max_list) for v in items]
    if isinstance(value, dict):
        return {k: _shorten(v, max_str, max_list) for k, v in value.items()}
    return value


_BULKY_FIELDS = ("request", "response", "tool_calls", "error", "output_text")
_SUMMARY_FIELDS = (
    "entry_id", "trace_id", "at", "api", "kind", "provider", "model", "stream", "status", "http_status",
    "latency_ms", "ttft_ms", "agent_id", "agent_id_source", "session_id", "user_id", "team", "usage",
    "stop_reason", "partial",
)


def cut_entry(entry: dict[str, Any], limit: int = PUSH_LIMIT_BYTES) -> dict[str, Any]:
    """The entry itself when it fits in `limit` bytes of JSON; otherwise a shortened copy marked truncated."""
    if _size(entry) <= limit:
        return entry
    for max_str, max_list in ((4000, 200), (1000, 60), (300, 20), (100, 8), (40, 4)):
        cut = {k: (_shorten(v, max_str, max_list) if k in _BULKY_FIELDS else v) for k, v in entry.items()}
        cut["truncated"] = True
        if _size(cut) <= limit:
            return cut
    summary = {k: entry.get(k) for k in _SUMMARY_FIELDS if k in entry}
    summary["truncated"] = True
    return summary
