"""Google Gemini (`/v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`, `:countTokens`,
`:embedContent`, and the same under `/v1/`): the model is in the URL, `contents` of `parts`,
`systemInstruction`, answer `candidates`, `usageMetadata`; errors `{"error": {"code", "message", "status"}}`."""

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

ACTIONS = ("generateContent", "streamGenerateContent", "countTokens", "embedContent")
_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
           409: "ABORTED", 413: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
           501: "UNIMPLEMENTED", 502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
_BULKY = ("contents", "tools", "systemInstruction", "system_instruction", "content")


def split_model_action(segment: str) -> tuple[str, str] | None:
    """`gemini-2.0-flash:generateContent` -> (model, action); None when it is not one of ours."""
    model, sep, action = segment.rpartition(":")
    if not sep or not model or action not in ACTIONS:
        return None
    return model.removeprefix("models/"), action


def parse_request(body: dict[str, Any], model: str, action: str) -> ParsedRequest:
    summary: dict[str, Any] = {}
    if "contents" in body:
        summary["messages"] = body["contents"]
    if "content" in body:  # embedContent
        summary["input"] = body["content"]
    if "tools" in body:
        summary["tools"] = body["tools"]
    system = body.get("systemInstruction", body.get("system_instruction"))
    if isinstance(system, dict):
        summary["system"] = "\n".join(str(as_dict(p).get("text") or "") for p in as_list(system.get("parts")))
    elif isinstance(system, str):
        summary["system"] = system
    summary["params"] = {k: v for k, v in body.items() if k not in _BULKY}
    return ParsedRequest(model=model, stream=action == "streamGenerateContent", summary=summary)


def to_upstream(raw: bytes, body: dict[str, Any], parsed: ParsedRequest) -> tuple[bytes, bool]:
    return raw, False


def error_body(error: ProxyError) -> bytes:
    body = {"error": {"code": error.status, "message": error.message,
                      "status": _STATUS.get(error.status, "INTERNAL" if error.status < 500 else "UNAVAILABLE"),
                      "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": error.code,
                                   "domain": "a2g"}]}}
    return json.dumps(body, separators=(",", ":")).encode()


def stream_error_event(error: ProxyError) -> bytes:
    return b"data: " + error_body(error) + b"\n\n"


def _usage(u: dict[str, Any]) -> dict[str, int] | None:
    if not u:
        return None
    return usage(u.get("promptTokenCount"), (u.get("candidatesTokenCount") or 0) + (u.get("thoughtsTokenCount") or 0)
                 if "candidatesTokenCount" in u or "thoughtsTokenCount" in u else None,
                 u.get("totalTokenCount"), u.get("cachedContentTokenCount"), u.get("thoughtsTokenCount"))


def _parts(response: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]], str | None]:
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    stop = None
    for candidate in as_list(response.get("candidates"))[:1]:
        candidate = as_dict(candidate)
        for part in as_list(as_dict(candidate.get("content")).get("parts")):
            part = as_dict(part)
            if isinstance(part.get("text"), str) and not part.get("thought"):
                texts.append(part["text"])
            call = as_dict(part.get("functionCall"))
            if call:
                calls.append(tool_call(call.get("id"), call.get("name"), call.get("args")))
        stop = candidate.get("finishReason") or stop
    return texts, calls, stop if isinstance(stop, str) else None


def from_upstream(response: Any) -> CallResult:
    r = as_dict(response)
    texts, calls, stop = _parts(r)
    return CallResult(output_text=text_of(texts), tool_calls=calls, usage=_usage(as_dict(r.get("usageMetadata"))),
                      stop_reason=stop, response=response)


class GeminiStream:
    """`alt=sse`: every event is a partial `GenerateContentResponse`; usage comes with the last ones."""

    def __init__(self) -> None:
        self.events = 0
        self.text = ""
        self._calls: list[dict[str, Any]] = []
        self._usage: dict[str, Any] = {}
        self._stop: str | None = None
        self._last: dict[str, Any] = {}
        self._error: dict[str, Any] | None = None
        self.capture_truncated = False

    def process(self, event: bytes) -> bytes | None:
        data = event_data(event)
        if data is None:
            return event
        self.events += 1
        value = as_dict(loads(data))
        if isinstance(value.get("error"), dict):
            self._error = {"type": "upstream_error", "code": "upstream_stream_error",
                           "message": str(value["error"].get("message") or "stream error")}
            return event
        texts, calls, stop = _parts(value)
        self.text += "".join(texts)
        self._calls += calls
        self._stop = stop or self._stop
        if isinstance(value.get("usageMetadata"), dict):
            self._usage = value["usageMetadata"]
        self._last = value
        return event

    def result(self) -> CallResult:
        if not self.events:
            return CallResult(error=self._error)
        response = {"candidates": [{"content": {"role": "model", "parts": [{"text": self.text}] if self.text else []},
                                    "finishReason": self._stop}],
                    "usageMetadata": self._usage, "modelVersion": self._last.get("modelVersion"),
                    "streamed": True, "events": self.events}
        return CallResult(output_text=self.text or None, tool_calls=self._calls,
                          usage=_usage(self._usage), stop_reason=self._stop, response=response, error=self._error)


def stream_events(parsed: ParsedRequest, injected_usage: bool) -> GeminiStream:
    return GeminiStream()


def models_list(models: list[tuple[str, str]]) -> dict[str, Any]:
    return {"models": [{"name": f"models/{m}", "displayName": m,
                        "supportedGenerationMethods": ["generateContent", "countTokens"]} for m, _ in models]}
