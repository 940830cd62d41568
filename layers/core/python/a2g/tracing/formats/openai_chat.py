"""OpenAI Chat Completions (`/v1/chat/completions`), legacy Completions (`/v1/completions`) and Embeddings.

On streams the proxy asks the upstream for usage (`stream_options.include_usage`) when the client did not, so
token counts are right, and then hides what the client did not ask for: the final usage-only chunk and the
`"usage": null` field on the other chunks. Event count and content are what the client would have seen.
"""

from __future__ import annotations

import json
import re
from typing import Any

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

_BULKY = ("messages", "tools", "input", "prompt")


def parse_request(body: dict[str, Any]) -> ParsedRequest:
    model = body.get("model")
    summary: dict[str, Any] = {}
    for name in _BULKY:
        if name in body:
            summary[name] = body[name]
    system = [_content_text(m.get("content")) for m in as_list(body.get("messages"))
              if isinstance(m, dict) and m.get("role") in ("system", "developer")]
    if system:
        summary["system"] = "\n".join(s for s in system if s)
    summary["params"] = {k: v for k, v in body.items() if k not in _BULKY}
    return ParsedRequest(model=model if isinstance(model, str) else None, stream=body.get("stream") is True,
                         summary=summary)


def to_upstream(raw: bytes, body: dict[str, Any], parsed: ParsedRequest) -> tuple[bytes, bool]:
    """The payload to forward and whether usage was asked for on the client's behalf."""
    if not parsed.stream:
        return raw, False
    options = body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage"):
        return raw, False
    forwarded = {**body, "stream_options": {**(options if isinstance(options, dict) else {}), "include_usage": True}}
    return json.dumps(forwarded, separators=(",", ":")).encode(), True


def error_body(error: ProxyError) -> bytes:
    return json.dumps(error.body(), separators=(",", ":")).encode()


def stream_error_event(error: ProxyError) -> bytes:
    return b"data: " + error_body(error) + b"\n\n"


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(str(p.get("text") or "") for p in as_list(content) if isinstance(p, dict))


def _usage(raw: Any) -> dict[str, int] | None:
    u = as_dict(raw)
    if not u:
        return None
    return usage(u.get("prompt_tokens"), u.get("completion_tokens"), u.get("total_tokens"),
                 as_dict(u.get("prompt_tokens_details")).get("cached_tokens"),
                 as_dict(u.get("completion_tokens_details")).get("reasoning_tokens"))


def from_upstream(response: Any) -> CallResult:
    r = as_dict(response)
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    stop = None
    for choice in as_list(r.get("choices")):
        choice = as_dict(choice)
        message = as_dict(choice.get("message"))
        if isinstance(message.get("content"), str):
            texts.append(message["content"])
        elif isinstance(choice.get("text"), str):  # legacy completions
            texts.append(choice["text"])
        for call in as_list(message.get("tool_calls")):
            if isinstance(call, dict):
                fn = as_dict(call.get("function"))
                calls.append(tool_call(call.get("id"), fn.get("name"), fn.get("arguments") or ""))
        stop = stop or choice.get("finish_reason")
    return CallResult(output_text=text_of(texts), tool_calls=calls, usage=_usage(r.get("usage")),
                      stop_reason=stop if isinstance(stop, str) else None, response=response)


_USAGE_NULL = (re.compile(rb',\s*"usage"\s*:\s*null'), re.compile(rb'"usage"\s*:\s*null\s*,\s*'))
_EMPTY_CHOICES = re.compile(rb'"choices"\s*:\s*\[\s*\]')


class ChatStream:
    """Chat (and legacy completion) chunks: relayed as they come, reassembled into one completion object."""

    def __init__(self, injected_usage: bool, capture_limit: int = 5_000_000):
        self.injected_usage = injected_usage
        self.rewrites = injected_usage  # hides the usage it asked for: the proxy relays what `process` returns
        self.events = 0
        self.text = ""
        self._data: list[bytes] = []
        self._usage: dict[str, Any] | None = None
        self._capture = CaptureLimit(capture_limit)

    @property
    def capture_truncated(self) -> bool:
        return self._capture.truncated

    def process(self, event: bytes) -> bytes | None:
        data = event_data(event)
        if data is None:
            return event  # a comment / keep-alive: pass through
        if self.injected_usage and data != b"[DONE]" and _EMPTY_CHOICES.search(data) and b'"usage"' in data:
            parsed = loads(data)
            if isinstance(parsed, dict) and not parsed.get("choices") and parsed.get("usage"):
                self._usage = parsed["usage"]
                return None
        if data != b"[DONE]":
            self.events += 1
            if self._capture.take(len(data)):
                self._data.append(data)
            if b'"content"' in data or b'"text"' in data:
                self._grow(data)
        if self.injected_usage and b'"usage"' in event:
            for pattern in _USAGE_NULL:
                event = pattern.sub(b"", event, count=1)
        return event

    def _grow(self, data: bytes) -> None:
        chunk = as_dict(loads(data))
        for choice in as_list(chunk.get("choices")):
            choice = as_dict(choice)
            piece = as_dict(choice.get("delta")).get("content")
            if piece is None:
                piece = choice.get("text")
            if isinstance(piece, str):
                self.text += piece

    def result(self) -> CallResult:
        chunks = [c for c in (loads(d) for d in self._data) if isinstance(c, dict)]
        if self._usage is not None:
            chunks.append({"choices": [], "usage": self._usage})
        if not chunks:
            return CallResult()
        assembled = assemble_stream(chunks)
        result = from_upstream(assembled)
        for chunk in chunks:
            if isinstance(chunk.get("error"), dict):  # the upstream reported an error inside the stream
                result.error = {"type": "upstream_error", "code": "upstream_stream_error",
                                "message": str(chunk["error"].get("message") or "stream error")}
        return result


def assemble_stream(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """Rebuild a `chat.completion` object from its `chat.completion.chunk`s (content, tool calls, usage)."""
    first = chunks[0] if chunks else {}
    choices: dict[int, dict[str, Any]] = {}
    usage_seen = None
    for chunk in chunks:
        if chunk.get("usage"):
            usage_seen = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict):
                continue
            index = int(choice.get("index") or 0)
            state = choices.setdefault(index, {"index": index, "role": None, "content": [], "tool_calls": {},
                                               "finish_reason": None, "refusal": []})
            delta = choice.get("delta") or {}
            if not isinstance(delta, dict):
                delta = {}
            if isinstance(choice.get("text"), str):  # legacy completions
                state["content"].append(choice["text"])
            if delta.get("role"):
                state["role"] = delta["role"]
            if isinstance(delta.get("content"), str):
                state["content"].append(delta["content"])
            if isinstance(delta.get("refusal"), str):
                state["refusal"].append(delta["refusal"])
            for call in delta.get("tool_calls") or []:
                if not isinstance(call, dict):
                    continue
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
        "model": first.get("model"), "choices": assembled_choices, "usage": usage_seen,
        "streamed": True, "chunks": len(chunks),
    }


def stream_events(parsed: ParsedRequest, injected_usage: bool) -> ChatStream:
    return ChatStream(injected_usage)


def models_list(models: list[tuple[str, str]]) -> dict[str, Any]:
    return {"object": "list", "data": [
        {"id": model, "object": "model", "created": 0, "owned_by": owner} for model, owner in models
    ]}
