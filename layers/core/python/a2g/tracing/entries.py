"""Trace log entries: building one from a proxied call, reassembling a streamed answer, cutting to a size.

An entry (JSON, snake_case) is what `GET /api/logs/{entry_id}` returns whole:

    entry_id, trace_id, at, kind ("chat.completions" | "embeddings"), model, stream, status ("ok" | "error"),
    http_status, latency_ms, ttft_ms (streams), agent_id, agent_id_source, session_id, user_id, team,
    api_key_id, request {messages, tools, params}, response (the upstream JSON, or the streamed chunks
    reassembled into the same shape), tool_calls, usage, error {type, code, message}

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


_BULKY_FIELDS = ("request", "response", "tool_calls", "error")
_SUMMARY_FIELDS = (
    "entry_id", "trace_id", "at", "kind", "model", "stream", "status", "http_status", "latency_ms",
    "ttft_ms", "agent_id", "agent_id_source", "session_id", "user_id", "team", "usage",
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


# ------------------------------------------------------------------------------------------------------
# Request and response pieces
# ------------------------------------------------------------------------------------------------------

_REQUEST_BODY_FIELDS = ("messages", "tools", "input")


def request_summary(body: dict[str, Any] | None) -> dict[str, Any]:
    if not isinstance(body, dict):
        return {}
    summary: dict[str, Any] = {}
    for name in _REQUEST_BODY_FIELDS:
        if name in body:
            summary[name] = body[name]
    summary["params"] = {k: v for k, v in body.items() if k not in _REQUEST_BODY_FIELDS}
    return summary


def response_tool_calls(response: Any) -> list[dict[str, Any]]:
    """The tool calls an assistant answer asked for (across choices)."""
    calls: list[dict[str, Any]] = []
    if not isinstance(response, dict):
        return calls
    for choice in response.get("choices") or []:
        message = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(message, dict):
            for call in message.get("tool_calls") or []:
                if isinstance(call, dict):
                    calls.append(call)
    return calls


def assemble_stream(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """Rebuild a `chat.completion` object from its `chat.completion.chunk`s (content, tool calls, usage)."""
    first = chunks[0] if chunks else {}
    choices: dict[int, dict[str, Any]] = {}
    usage = None
    for chunk in chunks:
        if chunk.get("usage"):
            usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict):
                continue
            index = int(choice.get("index") or 0)
            state = choices.setdefault(index, {"index": index, "role": None, "content": [], "tool_calls": {},
                                               "finish_reason": None, "refusal": []})
            delta = choice.get("delta") or {}
            if delta.get("role"):
                state["role"] = delta["role"]
            if isinstance(delta.get("content"), str):
                state["content"].append(delta["content"])
            if isinstance(delta.get("refusal"), str):
                state["refusal"].append(delta["refusal"])
            for call in delta.get("tool_calls") or []:
                slot = state["tool_calls"].setdefault(
                    int(call.get("index") or 0), {"id": None, "type": "function",
                                                  "function": {"name": "", "arguments": ""}}
                )
                if call.get("id"):
                    slot["id"] = call["id"]
                if call.get("type"):
                    slot["type"] = call["type"]
                function = call.get("function") or {}
                if function.get("name"):
                    slot["function"]["name"] += function["name"]
                if function.get("arguments"):
                    slot["function"]["arguments"] += function["arguments"]
            if choice.get("finish_reason"):
                state["finish_reason"] = choice["finish_reason"]
    assembled_choices = []
    for index in sorted(choices):
        state = choices[index]
        message: dict[str, Any] = {"role": state["role"] or "assistant",
                                   "content": "".join(state["content"]) if state["content"] else None}
        if state["refusal"]:
            message["refusal"] = "".join(state["refusal"])
        if state["tool_calls"]:
            message["tool_calls"] = [state["tool_calls"][i] for i in sorted(state["tool_calls"])]
        assembled_choices.append({"index": index, "message": message, "finish_reason": state["finish_reason"]})
    return {
        "id": first.get("id"), "object": "chat.completion", "created": first.get("created"),
        "model": first.get("model"), "choices": assembled_choices, "usage": usage,
        "streamed": True, "chunks": len(chunks),
    }


def usage_of(response: Any) -> dict[str, Any] | None:
    usage = response.get("usage") if isinstance(response, dict) else None
    return usage if isinstance(usage, dict) else None
