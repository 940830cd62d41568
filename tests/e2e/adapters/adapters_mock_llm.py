"""An OpenAI-compatible mock LLM that the test agents of every framework talk to (no network, no model).

A raw ASGI app under uvicorn on 127.0.0.1. It answers `POST .../chat/completions`, streamed or not, with
"echo: <the last user text>" (or `reply(body)` when a test sets it), split into several chunks with a short
pause between them so streaming is visible end to end. `GET .../models` lists one model. Every request is
kept in `requests` (path, headers, JSON body) so tests can see what the agent's framework sent, e.g. the
trace id that travelled in ADK state or LangGraph config into the prompt.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn


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


class MockLlm:
    def __init__(self, chunks: int = 4, pause_s: float = 0.02):
        self.chunks = chunks
        self.pause_s = pause_s
        self.requests: list[dict[str, Any]] = []
        self.reply: Callable[[dict[str, Any]], str] | None = None
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> MockLlm:
        self.port = free_port()
        config = uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the mock LLM did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=5)

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].endswith("/chat/completions")]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        body = json.loads(raw or b"{}") if raw.strip().startswith(b"{") else {}
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.requests.append({"path": scope["path"], "headers": headers, "body": body})
        if scope["path"].endswith("/models"):
            await self._json(send, {"object": "list", "data": [{"id": "mock-model", "object": "model"}]})
            return
        text = self.reply(body) if self.reply else f"echo: {last_user_text(body)}"
        if body.get("stream"):
            await self._stream(send, body, text)
        else:
            await self._json(send, {
                "id": "chatcmpl-mock", "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
            })  # fmt: skip

    async def _stream(self, send: Any, body: dict[str, Any], text: str) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")]})  # fmt: skip
        base = {
            "id": "chatcmpl-mock",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": body.get("model"),
        }
        size = max(1, -(-len(text) // self.chunks))
        pieces = [text[i : i + size] for i in range(0, len(text), size)] or [""]
        chunks = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
        chunks += [
            {**base, "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}
            for p in pieces
        ]
        chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append({**base, "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 5,
                                                            "total_tokens": 10}})  # fmt: skip
        for chunk in chunks:
            data = b"data: " + json.dumps(chunk).encode() + b"\n\n"
            await send({"type": "http.response.body", "body": data, "more_body": True})
            await asyncio.sleep(self.pause_s)
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})

    @staticmethod
    async def _json(send: Any, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(data)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": data})
