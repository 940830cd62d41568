"""Mock upstreams of the three providers for the log-proxy's format tests: OpenAI Responses (`/v1/responses`),
Anthropic Messages (`/v1/messages`) and Gemini (`/v1beta/models/{m}:generateContent|:streamGenerateContent`),
each plain and streamed, the way each real API answers (field names, event names, usage, stop reasons).

Behaviour by model name and last user text:
- a model containing `limited`: 429 in the provider's error format with `retry-after: 1` and a rate-limit header;
- a model containing `refused`: 401 (the LLM refusing the platform's stored key);
- a model containing `failing`: 500 in the provider's error format;
- a model containing `broken`: a stream that drops the connection after a few events;
- a text containing "slowly": a stream that waits 0.1 s before each event (a call still running after the
  log-proxy's running-entry delay);
- a text containing "weather": a `get_weather` tool call with `{"city": "Seoul"}`;
- Responses: a text containing "handoff" with a `transfer_to_<agent>` tool offered: a call of that tool (an
  agent SDK's hand-off); a request whose last input item is a tool's output is answered in text (so an agent
  loop ends);
- otherwise: "echo: <text>" (streamed word by word).
Every request is kept in `requests` (path, headers, JSON body).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.e2e.tracing.mock_llm import MockServer

ARGS = {"city": "Seoul"}


def _text(value: Any) -> str:
    """The last user text of any of the three request shapes."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for item in reversed(value):
            if isinstance(item, dict) and item.get("role") == "user":
                return _text(item.get("content", item.get("parts")))
        return " ".join(str(p.get("text") or "") for p in value if isinstance(p, dict))
    return ""


class MockProviders(MockServer):
    name = "mock providers"

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, path_part: str) -> int:
        return sum(1 for r in self.requests if path_part in r["path"])

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = (await self._record(scope, receive))["body"]
        path = scope["path"]
        if path.endswith("/v1/responses"):
            provider, model, text = "openai", body.get("model", ""), _text(body.get("input"))
        elif path.endswith("/v1/messages"):
            provider, model, text = "anthropic", body.get("model", ""), _text(body.get("messages"))
        elif ":" in path:
            provider, model = "gemini", path.rsplit("/", 1)[-1].split(":")[0]
            text = _text(body.get("contents"))
        else:
            await _send(send, 404, [], b'{"error": {"message": "no such mock route"}}')
            return
        if "limited" in model:
            await _send(send, 429, [(b"retry-after", b"1"), (b"x-ratelimit-remaining-requests", b"0"),
                                    (b"anthropic-ratelimit-requests-remaining", b"0")], _error(provider, 429))
            return
        if "refused" in model:
            await _send(send, 401, [], _error(provider, 401))
            return
        if "failing" in model:
            await _send(send, 500, [], _error(provider, 500))
            return
        tool: bool | str = "weather" in text
        reply = f"echo: {text}"
        if provider == "openai":
            items = body.get("input") if isinstance(body.get("input"), list) else []
            answered = bool(items) and isinstance(items[-1], dict) and items[-1].get("type") == "function_call_output"
            transfers = [t.get("name") for t in body.get("tools") or []
                         if isinstance(t, dict) and str(t.get("name", "")).startswith("transfer_to_")]
            if answered:
                tool, reply = False, f"done: {text}"
            elif "handoff" in text and transfers:
                tool = transfers[0]
            if body.get("stream"):
                await _sse(send, _responses_events(model, reply, tool), cut_after=3 if "broken" in model else None)
            else:
                await _send(send, 200, [], json.dumps(_response(model, reply, tool)).encode())
        elif provider == "anthropic":
            if body.get("stream"):
                await _sse(send, _messages_events(model, reply, tool), cut_after=3 if "broken" in model else None,
                           pause=0.1 if "slowly" in text else 0.0)
            else:
                await _send(send, 200, [(b"request-id", b"req_mock_1")], json.dumps(_message(model, reply, tool)).encode())
        elif path.endswith(":streamGenerateContent"):
            await _sse(send, [(None, c) for c in _gemini_chunks(model, reply, tool)],
                       cut_after=2 if "broken" in model else None)
        else:
            await _send(send, 200, [], json.dumps(_gemini_whole(model, reply, tool)).encode())


def _error(provider: str, status: int) -> bytes:
    message = {429: "slow down", 500: "the mock is on fire"}.get(status, "invalid x-api-key")
    if provider == "anthropic":
        kind = {429: "rate_limit_error", 500: "api_error"}.get(status, "authentication_error")
        return json.dumps({"type": "error", "error": {"type": kind, "message": message}}).encode()
    if provider == "gemini":
        state = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}.get(status, "UNAUTHENTICATED")
        return json.dumps({"error": {"code": status, "message": message, "status": state}}).encode()
    kind = {429: "rate_limit_error", 500: "server_error"}.get(status, "invalid_request_error")
    return json.dumps({"error": {"message": message, "type": kind, "param": None, "code": None}}).encode()


async def _send(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": body})


async def _sse(send: Any, events: list[tuple[str | None, dict[str, Any]]], cut_after: int | None = None,
               pause: float = 0.0) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/event-stream")]})
    for index, (name, data) in enumerate(events):
        if pause:
            await asyncio.sleep(pause)
        if cut_after is not None and index == cut_after:
            raise ConnectionAbortedError("the mock drops the stream")
        head = f"event: {name}\n".encode() if name else b""
        await send({"type": "http.response.body", "more_body": True,
                    "body": head + b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def _words(reply: str) -> list[str]:
    words = reply.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


# --- OpenAI Responses ------------------------------------------------------------------------------------------

def _response(model: str, reply: str, tool: bool | str) -> dict[str, Any]:
    name = tool if isinstance(tool, str) else "get_weather"
    item: dict[str, Any] = (
        {"type": "function_call", "id": "fc_1", "call_id": f"call_{name}_1", "name": name,
         "arguments": json.dumps(ARGS if name == "get_weather" else {}), "status": "completed"} if tool else
        {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
         "content": [{"type": "output_text", "text": reply, "annotations": []}]})
    return {"id": "resp_mock_1", "object": "response", "created_at": 1, "model": model, "status": "completed",
            "output": [item], "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
            "usage": {"input_tokens": 7, "output_tokens": 5, "total_tokens": 12,
                      "input_tokens_details": {"cached_tokens": 2}, "output_tokens_details": {"reasoning_tokens": 1}}}


def _responses_events(model: str, reply: str, tool: bool | str) -> list[tuple[str | None, dict[str, Any]]]:
    final = _response(model, reply, tool)
    started = {**final, "status": "in_progress", "output": [], "usage": None}
    events: list[tuple[str | None, dict[str, Any]]] = [
        ("response.created", {"type": "response.created", "sequence_number": 0, "response": started})]
    item = final["output"][0]
    if tool:
        events.append(("response.output_item.added", {"type": "response.output_item.added", "sequence_number": 1,
                                                      "output_index": 0, "item": {**item, "arguments": ""}}))
        events.append(("response.function_call_arguments.delta", {
            "type": "response.function_call_arguments.delta", "sequence_number": 2, "item_id": "fc_1",
            "output_index": 0, "delta": item["arguments"]}))
    else:
        events.append(("response.output_item.added", {"type": "response.output_item.added", "sequence_number": 1,
                                                      "output_index": 0, "item": {**item, "content": []}}))
        events.append(("response.content_part.added", {
            "type": "response.content_part.added", "sequence_number": 2, "item_id": "msg_1", "output_index": 0,
            "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": []}}))
        for i, word in enumerate(_words(reply)):
            events.append(("response.output_text.delta", {
                "type": "response.output_text.delta", "sequence_number": 3 + i, "item_id": "msg_1",
                "output_index": 0, "content_index": 0, "delta": word}))
    n = len(events)
    events.append(("response.output_item.done", {"type": "response.output_item.done", "sequence_number": n,
                                                 "output_index": 0, "item": item}))
    events.append(("response.completed", {"type": "response.completed", "sequence_number": n + 1, "response": final}))
    return events


# --- Anthropic Messages ----------------------------------------------------------------------------------------

def _message(model: str, reply: str, tool: bool) -> dict[str, Any]:
    content = ([{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": ARGS}] if tool
               else [{"type": "text", "text": reply}])
    return {"id": "msg_mock_1", "type": "message", "role": "assistant", "model": model, "content": content,
            "stop_reason": "tool_use" if tool else "end_turn", "stop_sequence": None,
            "usage": {"input_tokens": 7, "output_tokens": 5, "cache_read_input_tokens": 2}}


def _messages_events(model: str, reply: str, tool: bool) -> list[tuple[str | None, dict[str, Any]]]:
    start = {**_message(model, reply, tool), "content": [], "stop_reason": None,
             "usage": {"input_tokens": 7, "output_tokens": 1, "cache_read_input_tokens": 2}}
    events: list[tuple[str | None, dict[str, Any]]] = [("message_start", {"type": "message_start", "message": start})]
    if tool:
        events.append(("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {
            "type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}}))
        arguments = json.dumps(ARGS)
        for piece in (arguments[:6], arguments[6:]):
            events.append(("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                   "delta": {"type": "input_json_delta", "partial_json": piece}}))
    else:
        events.append(("content_block_start", {"type": "content_block_start", "index": 0,
                                               "content_block": {"type": "text", "text": ""}}))
        events.append(("ping", {"type": "ping"}))
        for word in _words(reply):
            events.append(("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                   "delta": {"type": "text_delta", "text": word}}))
    events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
    events.append(("message_delta", {"type": "message_delta", "delta": {
        "stop_reason": "tool_use" if tool else "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 5}}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


# --- Gemini -----------------------------------------------------------------------------------------------------

_GEMINI_USAGE = {"promptTokenCount": 7, "candidatesTokenCount": 4, "thoughtsTokenCount": 1, "totalTokenCount": 12,
                 "cachedContentTokenCount": 2}


def _gemini_whole(model: str, reply: str, tool: bool) -> dict[str, Any]:
    part = {"functionCall": {"name": "get_weather", "args": ARGS}} if tool else {"text": reply}
    return {"candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": _GEMINI_USAGE, "modelVersion": model}


def _gemini_chunks(model: str, reply: str, tool: bool) -> list[dict[str, Any]]:
    if tool:
        return [_gemini_whole(model, reply, tool)]
    words = _words(reply)
    chunks = [{"candidates": [{"content": {"role": "model", "parts": [{"text": w}]}, "index": 0}],
               "modelVersion": model} for w in words]
    chunks[-1]["candidates"][0]["finishReason"] = "STOP"
    chunks[-1]["usageMetadata"] = _GEMINI_USAGE
    return chunks


if __name__ == "__main__":  # the benchmark runs it in its own process: python -m ... <port>
    import sys

    MockProviders().serve_forever(int(sys.argv[1]))
