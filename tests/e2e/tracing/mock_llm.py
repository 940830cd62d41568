"""The tests' one OpenAI-compatible mock LLM (and the loopback server it and `mock_providers` run on).

Every e2e area talks to it: the log-proxy tests and benchmark, the playground, gateway, SDK, adapter and
ranking tests, the UI journeys. A raw ASGI app (so its own overhead stays tiny) served by uvicorn on
127.0.0.1. Behaviour is chosen by the request's model and last user message, or by a `script` callable the
test installs:

- `GET .../models`: lists one model, `mock-model` (what the agent frameworks ask for at start-up);
- `POST .../embeddings`: one three-number vector;
- a model in `slow_models` (default `slow-model`): waits `slow_seconds` before answering (upstream timeout);
- model `broken-stream`: streams two chunks, then drops the connection (mid-stream failure);
- model `error-model`: answers 500 with an OpenAI-style error body;
- `script(body)` returning a text or a reply dict (`content` / `tool_calls`): that answer;
- a user message containing "use the weather tool": answers with a `get_weather` tool call;
- otherwise: "echo: <last user message>".
Streamed text comes in `chunk_words` pieces split at words, or, with `chunks` set, in `chunks` pieces split
anywhere (a fixed number of visible pieces however short the text), `pause_s` apart. With
`stream_options.include_usage` every chunk carries `"usage": null` and a final usage-only chunk follows,
exactly as OpenAI does. Every request is kept in `requests` (path, headers and JSON body) for assertions.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Collection
from typing import Any, Self

import uvicorn

Script = Callable[[dict[str, Any]], "str | dict[str, Any] | None"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return str(content or "")
    return ""


def all_text(body: dict[str, Any]) -> str:
    """Every message's text, system prompts included (where frameworks put state and instructions)."""
    out = []
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, list):
            out.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
        else:
            out.append(str(content or ""))
    return "\n".join(out)


class MockServer:
    """An ASGI mock served by uvicorn on 127.0.0.1 in a daemon thread; it keeps every request it is sent."""

    name = "mock server"

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        self.port = free_port()
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
                                access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {self.name} did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=5)

    def serve_forever(self, port: int) -> None:
        """Serve in this process, in the foreground (the benchmarks run a mock in a process of its own)."""
        self.port = port
        uvicorn.run(self, host="127.0.0.1", port=port, log_level="warning", lifespan="off", access_log=False)

    async def _record(self, scope: dict[str, Any], receive: Any) -> dict[str, Any]:
        """Read the whole request, keep it in `requests` and return it ({} for a body that is not JSON)."""
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        body = json.loads(raw) if raw.strip().startswith(b"{") else {}
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        request = {"path": scope["path"], "headers": headers, "body": body,
                   "query": scope.get("query_string", b"").decode()}
        self.requests.append(request)
        return request


class MockLlm(MockServer):
    name = "mock LLM"

    def __init__(self, chunk_words: int = 8, slow_seconds: float = 3.0, *, chunks: int | None = None,
                 pause_s: float = 0.0, slow_models: Collection[str] = ("slow-model",)):
        super().__init__()
        self.chunk_words = chunk_words
        self.chunks = chunks
        self.pause_s = pause_s
        self.slow_seconds = slow_seconds
        self.slow_models = slow_models
        self.script: Script | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        request = await self._record(scope, receive)
        body = request["body"]
        if scope["path"].endswith("/models"):
            await self._json(send, 200, {"object": "list", "data": [{"id": "mock-model", "object": "model"}]})
            return
        if scope["path"].endswith("/embeddings"):
            await self._json(send, 200, {"object": "list", "model": body.get("model"), "data": [
                {"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
                "usage": {"prompt_tokens": 3, "total_tokens": 3}})
            return
        model = body.get("model")
        if model in self.slow_models:
            await asyncio.sleep(self.slow_seconds)
        if model == "error-model":
            await self._json(send, 500, {"error": {"message": "the mock LLM is on fire", "type": "server_error",
                                                   "param": None, "code": None}})
            return
        scripted = self.script(body) if self.script else None
        reply = {"content": scripted} if isinstance(scripted, str) else scripted or self._default_reply(body)
        if body.get("stream"):
            await self._stream(send, body, reply, broken=model == "broken-stream")
        else:
            await self._json(send, 200, self._completion(body, reply))

    # --- answers ------------------------------------------------------------------------------------------

    @staticmethod
    def _default_reply(body: dict[str, Any]) -> dict[str, Any]:
        text = last_user_text(body)
        if "use the weather tool" in text:
            return {"tool_calls": [{"id": "call_weather_1", "type": "function", "function": {
                "name": "get_weather", "arguments": json.dumps({"city": "Seoul"})}}]}
        return {"content": f"echo: {text}"}

    @staticmethod
    def _usage(body: dict[str, Any], reply: dict[str, Any]) -> dict[str, int]:
        prompt = sum(len(str(m.get("content") or "").split()) for m in body.get("messages") or []) + 5
        completion = len(str(reply.get("content") or "").split()) + 3 * len(reply.get("tool_calls") or [])
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def _completion(self, body: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.get("content")}
        if reply.get("tool_calls"):
            message["tool_calls"] = reply["tool_calls"]
        return {"id": "chatcmpl-mock", "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model"), "choices": [{"index": 0, "message": message,
                "finish_reason": "tool_calls" if reply.get("tool_calls") else "stop"}],
                "usage": self._usage(body, reply)}

    def stream_chunks(self, body: dict[str, Any], reply: dict[str, Any]) -> list[dict[str, Any]]:
        """The chunks a stream of `reply` consists of (the usage chunk included when asked for)."""
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        base = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 1, "model": body.get("model")}
        chunks: list[dict[str, Any]] = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant",
                                                                                     "content": ""},
                                                              "finish_reason": None}]}]
        if reply.get("tool_calls"):
            for index, call in enumerate(reply["tool_calls"]):
                chunks.append({**base, "choices": [{"index": 0, "delta": {"tool_calls": [{
                    "index": index, "id": call["id"], "type": "function",
                    "function": {"name": call["function"]["name"], "arguments": ""}}]}, "finish_reason": None}]})
                chunks.append({**base, "choices": [{"index": 0, "delta": {"tool_calls": [{
                    "index": index, "function": {"arguments": call["function"]["arguments"]}}]},
                    "finish_reason": None}]})
        else:
            for piece in self._pieces(str(reply.get("content") or "")):
                chunks.append({**base, "choices": [{"index": 0, "delta": {"content": piece},
                                                    "finish_reason": None}]})
        chunks.append({**base, "choices": [{"index": 0, "delta": {},
                                            "finish_reason": "tool_calls" if reply.get("tool_calls") else "stop"}]})
        if include_usage:
            for chunk in chunks:
                chunk["usage"] = None
            chunks.append({**base, "choices": [], "usage": self._usage(body, reply)})
        return chunks

    def _pieces(self, text: str) -> list[str]:
        if self.chunks:
            size = max(1, -(-len(text) // self.chunks))
            return [text[i:i + size] for i in range(0, len(text), size)] or [""]
        words = text.split(" ")
        size = max(1, -(-len(words) // self.chunk_words))
        return [" ".join(words[start:start + size]) + (" " if start + size < len(words) else "")
                for start in range(0, len(words), size)]

    async def _stream(self, send: Any, body: dict[str, Any], reply: dict[str, Any], broken: bool) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream; charset=utf-8")]})
        for index, chunk in enumerate(self.stream_chunks(body, reply)):
            if broken and index == 2:
                raise ConnectionAbortedError("the mock LLM drops the stream")
            data = b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"
            await send({"type": "http.response.body", "body": data, "more_body": True})
            if self.pause_s:
                await asyncio.sleep(self.pause_s)
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})

    @staticmethod
    async def _json(send: Any, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})


AGNO_TASK = "Find three facts about otters"


def leader_delegates_once(body: dict[str, Any]) -> dict[str, Any] | None:
    """Scripted LLM: the leader delegates to the researcher, then answers with what came back."""
    tools = [t.get("function", {}).get("name") for t in body.get("tools") or []]
    if "delegate_task_to_member" in tools:
        if any(m.get("role") == "tool" for m in body.get("messages") or []):
            return {"content": "Otters hold hands while sleeping, says our researcher."}
        return {"tool_calls": [{"id": "call_delegate", "type": "function", "function": {
            "name": "delegate_task_to_member",
            "arguments": json.dumps({"member_id": "researcher", "task": AGNO_TASK})}}]}
    return {"content": "Otters hold hands while they sleep."}


if __name__ == "__main__":  # `python -m tests.e2e.tracing.mock_llm PORT`: serve in its own process (benchmark)
    import sys

    MockLlm().serve_forever(int(sys.argv[1]))
