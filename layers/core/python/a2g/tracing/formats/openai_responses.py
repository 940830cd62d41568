"""OpenAI Responses (`/v1/responses`): request `input` + `instructions`, answer `output` items, SSE events
named by their `type` (`response.output_text.delta`, ..., `response.completed` carrying the whole response)."""

from __future__ import annotations

from typing import Any

from a2g.tracing.formats import openai_chat
from a2g.tracing.formats.base import (
    CallResult,
    CaptureLimit,
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

_BULKY = ("input", "tools", "instructions")


def parse_request(body: dict[str, Any]) -> ParsedRequest:
    model = body.get("model")
    summary: dict[str, Any] = {k: body[k] for k in ("input", "tools") if k in body}
    if isinstance(body.get("instructions"), str):
        summary["system"] = body["instructions"]
    summary["params"] = {k: v for k, v in body.items() if k not in _BULKY}
    return ParsedRequest(model=model if isinstance(model, str) else None, stream=body.get("stream") is True,
                         summary=summary)


def to_upstream(raw: bytes, body: dict[str, Any], parsed: ParsedRequest) -> tuple[bytes, bool]:
    return raw, False  # the Responses stream always ends with the whole response, usage included


def error_body(error: ProxyError) -> bytes:
    return openai_chat.error_body(error)


def stream_error_event(error: ProxyError) -> bytes:
    import json

    event = {"type": "error", "code": error.code, "message": error.message, "param": None}
    return b"event: error\ndata: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


def from_upstream(response: Any) -> CallResult:
    r = as_dict(response)
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for item in as_list(r.get("output")):
        item = as_dict(item)
        if item.get("type") == "message":
            for part in as_list(item.get("content")):
                part = as_dict(part)
                if part.get("type") == "output_text" and isinstance(part.get("text"), str):
                    texts.append(part["text"])
        elif item.get("type") == "function_call":
            calls.append(tool_call(item.get("call_id") or item.get("id"), item.get("name"),
                                   item.get("arguments") or ""))
    u = as_dict(r.get("usage"))
    stop = as_dict(r.get("incomplete_details")).get("reason") or r.get("status")
    return CallResult(
        output_text=text_of(texts), tool_calls=calls,
        usage=usage(u.get("input_tokens"), u.get("output_tokens"), u.get("total_tokens"),
                    as_dict(u.get("input_tokens_details")).get("cached_tokens"),
                    as_dict(u.get("output_tokens_details")).get("reasoning_tokens")) if u else None,
        stop_reason=stop if isinstance(stop, str) else None, response=response,
    )


_FINAL = ("response.completed", "response.incomplete", "response.failed")


class ResponsesStream:
    def __init__(self, capture_limit: int = 5_000_000):
        self.events = 0
        self.text = ""
        self._final: dict[str, Any] | None = None
        self._error: dict[str, Any] | None = None
        self._items: list[dict[str, Any]] = []
        self._capture = CaptureLimit(capture_limit)

    @property
    def capture_truncated(self) -> bool:
        return self._capture.truncated

    def process(self, event: bytes) -> bytes | None:
        data = event_data(event)
        if data is None:
            return event
        self.events += 1
        if b"output_text.delta" in data[:80] or b'"response.' in data[:60] or b'"error"' in data[:40]:
            value = as_dict(loads(data))
            kind = value.get("type")
            if kind == "response.output_text.delta" and isinstance(value.get("delta"), str):
                self.text += value["delta"]
            elif kind in _FINAL and isinstance(value.get("response"), dict):
                if self._capture.take(len(data)):
                    self._final = value["response"]
                if kind == "response.failed":
                    error = as_dict(value["response"].get("error"))
                    self._error = {"type": "upstream_error", "code": "upstream_stream_error",
                                   "message": str(error.get("message") or "the response failed")}
            elif kind == "response.output_item.done" and isinstance(value.get("item"), dict):
                if self._capture.take(len(data)):
                    self._items.append(value["item"])
            elif kind == "error":
                self._error = {"type": "upstream_error", "code": "upstream_stream_error",
                               "message": str(value.get("message") or "stream error")}
        return event

    def result(self) -> CallResult:
        final = self._final
        if final is None and self._items:  # cut before the end: what was finished
            final = {"output": self._items, "status": "incomplete"}
        result = from_upstream(final) if final is not None else CallResult(output_text=self.text or None)
        if final is not None and isinstance(result.response, dict):
            result.response = {**result.response, "streamed": True, "events": self.events}
        result.error = self._error
        return result


def stream_events(parsed: ParsedRequest, injected_usage: bool) -> ResponsesStream:
    return ResponsesStream()
