"""Gemini streamGenerateContent (`?alt=sse`: each event a GenerateContentResponse) ↔ chat chunks.

Encoder (chat upstream → Gemini client): each text delta is a chunk with one text part; tool calls are
gathered as their arguments stream (Gemini sends a function call whole) and sent with the finish reason and
the usage in the last chunk, one functionCall part per call.

Decoder (Gemini upstream → chat client): text parts → content deltas, thought parts → `reasoning_content`,
each functionCall part → a new tool call with its whole arguments, finishReason → the finish reason, and the
last usageMetadata (cumulative) → the usage-only chunk at the end.
"""

from __future__ import annotations

from typing import Any

from a2g.tracing.formats.bridges import _hub, _sse
from a2g.tracing.formats.bridges.gemini import (
    FINISH_FROM_CHAT,
    candidate_to_chat,
    function_call_part,
    get,
    usage_from_chat,
    usage_to_chat,
)


class GeminiEncoder:
    """Chat chunks → Gemini SSE events."""

    def __init__(self, model: str | None = None) -> None:
        self._model = model
        self._id: str | None = None
        self._calls: dict[int, dict[str, Any]] = {}
        self._finish: str | None = None
        self._usage: dict[str, Any] | None = None
        self._ended = False

    def chunk(self, chunk: dict[str, Any]) -> list[bytes]:
        self._id = self._id or chunk.get("id")
        self._model = chunk.get("model") or self._model
        if chunk.get("usage"):
            self._usage = chunk["usage"]
        out: list[bytes] = []
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            text = delta.get("content")
            if isinstance(text, str) and text:
                out.append(self._event([{"text": text}]))
            for call in delta.get("tool_calls") or ():
                if not isinstance(call, dict):
                    continue
                slot = self._calls.setdefault(call.get("index", len(self._calls)),
                                              {"id": None, "function": {"name": "", "arguments": ""}})
                slot["id"] = slot["id"] or call.get("id")
                function = call.get("function") or {}
                slot["function"]["name"] += function.get("name") or ""
                slot["function"]["arguments"] += function.get("arguments") or ""
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
        return out

    def end(self) -> list[bytes]:
        if self._ended:
            return []
        self._ended = True
        parts = [function_call_part(self._calls[i]) for i in sorted(self._calls)] or [{"text": ""}]
        return [self._event(parts, FINISH_FROM_CHAT.get(str(self._finish), "STOP"),
                            usage_from_chat(self._usage))]

    def error(self, message: str, kind: str) -> bytes:
        status = {"rate_limit_error": (429, "RESOURCE_EXHAUSTED"), "invalid_request_error": (400, "INVALID_ARGUMENT"),
                  "timeout_error": (504, "DEADLINE_EXCEEDED")}.get(kind, (500, "INTERNAL"))
        return _sse.event(None, {"error": {"code": status[0], "message": message, "status": status[1]}})

    def _event(self, parts: list[dict[str, Any]], finish: str | None = None,
               usage: dict[str, Any] | None = None) -> bytes:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        body: dict[str, Any] = {"candidates": [candidate]}
        if usage is not None:
            body["usageMetadata"] = usage
        body["modelVersion"] = self._model
        body["responseId"] = self._id or ""
        return _sse.event(None, body)


class GeminiDecoder:
    """Gemini SSE events → chat chunks."""

    def __init__(self, model: str | None = None) -> None:
        self._id = _hub.new_id("chatcmpl-")
        self._model = model or ""
        self._created = _hub.now()
        self._started = False
        self._calls = 0
        self._usage: Any = None
        self._finished = False

    def event(self, name: str | None, data: dict[str, Any]) -> list[dict[str, Any]]:
        if "error" in data and "candidates" not in data:
            error = data["error"] if isinstance(data["error"], dict) else {"message": str(data["error"])}
            return [_hub.error_chunk(str(error.get("message") or "the upstream failed"),
                                     str(error.get("status") or "api_error"), error.get("code"))]
        self._id = get(data, "responseId", "response_id") or self._id
        self._model = get(data, "modelVersion", "model_version") or self._model
        usage = get(data, "usageMetadata", "usage_metadata")
        if usage:
            self._usage = usage
        out: list[dict[str, Any]] = []
        if not self._started:
            self._started = True
            out.append(self._chunk({"role": "assistant", "content": ""}))
        candidates = data.get("candidates")
        candidate = candidates[0] if isinstance(candidates, list) and candidates else {}
        if not isinstance(candidate, dict):
            return out
        text, reasoning, calls, finish = candidate_to_chat(candidate)
        if reasoning:
            out.append(self._chunk({"reasoning_content": reasoning}))
        if text:
            out.append(self._chunk({"content": text}))
        if calls:
            deltas = []
            for call in calls:
                deltas.append({"index": self._calls, **call})
                self._calls += 1
            out.append(self._chunk({"tool_calls": deltas}))
        if finish and not self._finished:
            self._finished = True
            if finish == "stop" and self._calls:
                finish = "tool_calls"
            out.append(self._chunk({}, finish))
        elif not candidates and get(data, "promptFeedback", "prompt_feedback") and not self._finished:
            self._finished = True
            out.append(self._chunk({}, "content_filter"))
        return out

    def end(self) -> list[dict[str, Any]]:
        if self._usage is None:
            return []
        usage, self._usage = self._usage, None
        return [_hub.usage_chunk(self._id, self._model, self._created, usage_to_chat(usage))]

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return _hub.chunk(self._id, self._model, self._created, delta, finish)
