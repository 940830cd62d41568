"""Anthropic Messages (`/v1/messages`): `system` beside `messages`, answer `content` blocks (`text`,
`tool_use`), SSE events `message_start`, `content_block_*`, `message_delta` (stop reason, output usage),
`message_stop`; errors `{"type": "error", "error": {"type", "message"}}`."""

from __future__ import annotations

import json
from typing import Any

from a2g.tracing.formats.base import (
    CallResult,
    ParsedRequest,
    as_dict,
    as_list,
    event_data,
    loads,
    text_of,
    tool_call,
    usage,
)
from a2g.tracing.formats.errors import ProxyError

DEFAULT_VERSION = "2023-06-01"
_BULKY = ("messages", "tools", "system")
_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
          404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 529: "overloaded_error"}


def parse_request(body: dict[str, Any]) -> ParsedRequest:
    model = body.get("model")
    summary: dict[str, Any] = {k: body[k] for k in ("messages", "tools") if k in body}
    system = body.get("system")
    if isinstance(system, str):
        summary["system"] = system
    elif isinstance(system, list):
        summary["system"] = "\n".join(str(as_dict(b).get("text") or "") for b in system)
    summary["params"] = {k: v for k, v in body.items() if k not in _BULKY}
    return ParsedRequest(model=model if isinstance(model, str) else None, stream=body.get("stream") is True,
                         summary=summary)


def to_upstream(raw: bytes, body: dict[str, Any], parsed: ParsedRequest) -> tuple[bytes, bool]:
    return raw, False


def error_body(error: ProxyError) -> bytes:
    kind = _TYPES.get(error.status, "api_error")
    return json.dumps({"type": "error", "error": {"type": kind, "message": error.message, "code": error.code}},
                      separators=(",", ":")).encode()


def stream_error_event(error: ProxyError) -> bytes:
    return b"event: error\ndata: " + error_body(error) + b"\n\n"


def _usage(u: dict[str, Any]) -> dict[str, int] | None:
    if not u:
        return None
    read, created = u.get("cache_read_input_tokens") or 0, u.get("cache_creation_input_tokens") or 0
    raw_in = u.get("input_tokens")
    total_in = (raw_in or 0) + read + created if raw_in is not None or read or created else None
    return usage(total_in, u.get("output_tokens"), None, read or None, None)


def from_upstream(response: Any) -> CallResult:
    r = as_dict(response)
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for block in as_list(r.get("content")):
        block = as_dict(block)
        if block.get("type") == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif block.get("type") == "tool_use":
            calls.append(tool_call(block.get("id"), block.get("name"), block.get("input")))
    stop = r.get("stop_reason")
    return CallResult(output_text=text_of(texts), tool_calls=calls, usage=_usage(as_dict(r.get("usage"))),
                      stop_reason=stop if isinstance(stop, str) else None, response=response)


class MessagesStream:
    def __init__(self) -> None:
        self.events = 0
        self.text = ""
        self._message: dict[str, Any] = {}
        self._blocks: dict[int, dict[str, Any]] = {}
        self._json: dict[int, list[str]] = {}
        self._usage: dict[str, Any] = {}
        self._stop: str | None = None
        self._error: dict[str, Any] | None = None
        self.capture_truncated = False

    def process(self, event: bytes) -> bytes | None:
        data = event_data(event)
        if data is None:
            return event
        self.events += 1
        value = as_dict(loads(data))
        kind = value.get("type")
        if kind == "content_block_delta":
            delta = as_dict(value.get("delta"))
            index = int(value.get("index") or 0)
            if delta.get("type") == "text_delta" and isinstance(delta.get("text"), str):
                self.text += delta["text"]
                block = self._blocks.setdefault(index, {"type": "text", "text": ""})
                block["text"] = str(block.get("text") or "") + delta["text"]
            elif delta.get("type") == "input_json_delta" and isinstance(delta.get("partial_json"), str):
                self._json.setdefault(index, []).append(delta["partial_json"])
        elif kind == "content_block_start":
            self._blocks[int(value.get("index") or 0)] = dict(as_dict(value.get("content_block")))
        elif kind == "message_start":
            self._message = dict(as_dict(value.get("message")))
            self._usage.update(as_dict(self._message.get("usage")))
        elif kind == "message_delta":
            stop = as_dict(value.get("delta")).get("stop_reason")
            self._stop = stop if isinstance(stop, str) else self._stop
            self._usage.update({k: v for k, v in as_dict(value.get("usage")).items() if v is not None})
        elif kind == "error":
            error = as_dict(value.get("error"))
            self._error = {"type": "upstream_error", "code": "upstream_stream_error",
                           "message": str(error.get("message") or "stream error")}
        return event

    def result(self) -> CallResult:
        content = []
        for index in sorted(self._blocks):
            block = dict(self._blocks[index])
            if block.get("type") == "tool_use" and index in self._json:
                block["input"] = loads("".join(self._json[index])) or {}
            content.append(block)
        if not self._message and not content:
            return CallResult(error=self._error)
        message = {**self._message, "content": content, "stop_reason": self._stop, "usage": self._usage,
                   "streamed": True, "events": self.events}
        result = from_upstream(message)
        result.error = self._error
        return result


def stream_events(parsed: ParsedRequest, injected_usage: bool) -> MessagesStream:
    return MessagesStream()


def models_list(models: list[tuple[str, str]]) -> dict[str, Any]:
    data = [{"type": "model", "id": m, "display_name": m, "created_at": "1970-01-01T00:00:00Z"} for m, _ in models]
    return {"data": data, "has_more": False, "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None}
