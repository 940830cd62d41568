"""Anthropic Messages streams ↔ chat chunks.

Encoder (chat upstream → Anthropic client): `message_start`, then one content block per text run or tool call
(`content_block_start`, `text_delta` / `input_json_delta` as the arguments stream, `content_block_stop`), parallel
tool calls as separate blocks in their order, then `message_delta` with the stop reason and the usage (chat sends
usage after the finish reason, so it waits for it) and `message_stop`.

Decoder (Anthropic upstream → chat client): text deltas → content, tool_use blocks → `tool_calls` (one index per
block, arguments as they stream), thinking → `reasoning_content`, `message_delta` → the finish reason, and the
usage from `message_start` and `message_delta` as a last usage-only chunk.
"""

from __future__ import annotations

from typing import Any

from a2g.tracing.formats.bridges import _hub, _sse
from a2g.tracing.formats.bridges.anthropic import (
    STOP_FROM_CHAT,
    STOP_TO_CHAT,
    message_id,
    usage_from_chat,
    usage_to_chat,
)


class AnthropicEncoder:
    """Chat chunks → Anthropic SSE events."""

    def __init__(self, model: str | None = None) -> None:
        self._model = model
        self._started = False
        self._blocks = 0  # content blocks opened so far
        self._open: int | None = None  # index of the open block
        self._open_kind: str | None = None
        self._tool_blocks: dict[int, int] = {}  # chat tool-call index → block index
        self._stop_reason: str | None = None
        self._usage: dict[str, Any] | None = None
        self._ended = False

    def chunk(self, chunk: dict[str, Any]) -> list[bytes]:
        out: list[bytes] = []
        if not self._started:
            out.append(self._message_start(chunk))
        if chunk.get("usage"):
            self._usage = chunk["usage"]
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            text = delta.get("content")
            if isinstance(text, str) and text:
                if self._open_kind != "text":
                    out.extend(self._open_block({"type": "text", "text": ""}, "text"))
                out.append(self._delta({"type": "text_delta", "text": text}))
            for call in delta.get("tool_calls") or ():
                out.extend(self._tool_delta(call))
            finish = choice.get("finish_reason")
            if finish:
                out.extend(self._close_block())
                self._stop_reason = STOP_FROM_CHAT.get(finish, "end_turn")
                if finish == "stop" and self._tool_blocks:
                    self._stop_reason = "tool_use"
        return out

    def end(self) -> list[bytes]:
        if self._ended:
            return []
        self._ended = True
        out: list[bytes] = []
        if not self._started:
            out.append(self._message_start({}))
        out.extend(self._close_block())
        usage = usage_from_chat(self._usage)
        out.append(_sse.event("message_delta", {
            "type": "message_delta",
            "delta": {"stop_reason": self._stop_reason or "end_turn", "stop_sequence": None},
            "usage": usage,
        }))
        out.append(_sse.event("message_stop", {"type": "message_stop"}))
        return out

    def error(self, message: str, kind: str) -> bytes:
        return _sse.event("error", {"type": "error", "error": {"type": _error_type(kind), "message": message}})

    def _message_start(self, chunk: dict[str, Any]) -> bytes:
        self._started = True
        return _sse.event("message_start", {"type": "message_start", "message": {
            "id": message_id(chunk.get("id")), "type": "message", "role": "assistant",
            "model": chunk.get("model") or self._model, "content": [], "stop_reason": None,
            "stop_sequence": None, "usage": {"input_tokens": 0, "output_tokens": 0},
        }})

    def _tool_delta(self, call: Any) -> list[bytes]:
        if not isinstance(call, dict):
            return []
        out: list[bytes] = []
        index = call.get("index", len(self._tool_blocks))
        function = call.get("function") or {}
        block = self._tool_blocks.get(index)
        if block is None:
            out.extend(self._open_block({"type": "tool_use", "id": call.get("id") or _hub.new_id("toolu_"),
                                         "name": function.get("name") or "", "input": {}}, "tool"))
            block = self._tool_blocks[index] = self._open  # type: ignore[assignment]
        arguments = function.get("arguments")
        if isinstance(arguments, str) and arguments:
            # a late fragment of an earlier call (interleaved parallel calls) still names its own block
            out.append(self._delta({"type": "input_json_delta", "partial_json": arguments}, block))
        return out

    def _open_block(self, block: dict[str, Any], kind: str) -> list[bytes]:
        out = self._close_block()
        self._open, self._open_kind = self._blocks, kind
        self._blocks += 1
        out.append(_sse.event("content_block_start",
                              {"type": "content_block_start", "index": self._open, "content_block": block}))
        return out

    def _close_block(self) -> list[bytes]:
        if self._open is None:
            return []
        index, self._open, self._open_kind = self._open, None, None
        return [_sse.event("content_block_stop", {"type": "content_block_stop", "index": index})]

    def _delta(self, delta: dict[str, Any], index: int | None = None) -> bytes:
        return _sse.event("content_block_delta", {
            "type": "content_block_delta", "index": self._open if index is None else index, "delta": delta})


def _error_type(kind: str) -> str:
    known = {"rate_limit_error", "overloaded_error", "api_error", "invalid_request_error",
             "authentication_error", "permission_error", "not_found_error", "request_too_large", "timeout_error"}
    return kind if kind in known else "api_error"


class AnthropicDecoder:
    """Anthropic SSE events → chat chunks."""

    def __init__(self, model: str | None = None) -> None:
        self._id = _hub.new_id("chatcmpl-")
        self._model = model or ""
        self._created = _hub.now()
        self._usage: dict[str, Any] = {}
        self._tools: dict[int, int] = {}  # block index → chat tool-call index
        self._finished = False

    def event(self, name: str | None, data: dict[str, Any]) -> list[dict[str, Any]]:
        kind = data.get("type") or name
        if kind == "message_start":
            message = data.get("message") or {}
            self._id = message.get("id") or self._id
            self._model = message.get("model") or self._model
            self._usage.update({k: v for k, v in (message.get("usage") or {}).items() if v is not None})
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            block = data.get("content_block") or {}
            if block.get("type") == "tool_use":
                index = self._tools[data.get("index", 0)] = len(self._tools)
                return [self._chunk({"tool_calls": [{"index": index, "id": block.get("id"), "type": "function",
                                                     "function": {"name": block.get("name"), "arguments": ""}}]})]
            if block.get("type") == "text" and block.get("text"):
                return [self._chunk({"content": block["text"]})]
            return []
        if kind == "content_block_delta":
            delta = data.get("delta") or {}
            dtype = delta.get("type")
            if dtype == "text_delta":
                return [self._chunk({"content": delta.get("text", "")})]
            if dtype == "input_json_delta":
                known = self._tools.get(data.get("index", 0))
                if known is None or not delta.get("partial_json"):
                    return []
                return [self._chunk({"tool_calls": [{"index": known,
                                                     "function": {"arguments": delta["partial_json"]}}]})]
            if dtype == "thinking_delta":
                return [self._chunk({"reasoning_content": delta.get("thinking", "")})]
            return []
        if kind == "message_delta":
            self._usage.update({k: v for k, v in (data.get("usage") or {}).items() if v is not None})
            reason = (data.get("delta") or {}).get("stop_reason")
            if reason:
                self._finished = True
                return [self._chunk({}, STOP_TO_CHAT.get(reason, "stop"))]
            return []
        if kind == "message_stop":
            return self._usage_chunk()
        if kind == "error":
            error = data.get("error") or {}
            return [_hub.error_chunk(str(error.get("message") or "the upstream failed"),
                                     str(error.get("type") or "api_error"))]
        return []  # ping and events this bridge does not know

    def end(self) -> list[dict[str, Any]]:
        return self._usage_chunk() if self._usage else []

    def _usage_chunk(self) -> list[dict[str, Any]]:
        if not self._usage:
            return []
        usage, self._usage = self._usage, {}
        return [_hub.usage_chunk(self._id, self._model, self._created, usage_to_chat(usage))]

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return _hub.chunk(self._id, self._model, self._created, delta, finish)
