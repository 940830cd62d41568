"""An AgentHttp over httpx.MockTransport: each test answers requests like the framework's server would."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from a2g.agent_adapters import AgentCall, AgentEndpoint, AgentEvent, Attachment

_CLIENT_ONLY = ("connect_timeout", "read_timeout", "total_timeout", "max_bytes", "follow_redirects")


class MockHttp:
    """Records every request; `handler(request) -> httpx.Response` plays the server."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]):
        self.requests: list[httpx.Request] = []

        def record(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            return handler(request)

        self._client = httpx.AsyncClient(transport=httpx.MockTransport(record))

    @asynccontextmanager
    async def stream(self, method: str, url: str, **kwargs: Any) -> AsyncIterator[httpx.Response]:
        for name in _CLIENT_ONLY:
            kwargs.pop(name, None)
        async with self._client.stream(method, url, **kwargs) as response:
            yield response

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        for name in _CLIENT_ONLY:
            kwargs.pop(name, None)
        return await self._client.request(method, url, **kwargs)

    def json_bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content.startswith(b"{") else None for r in self.requests]


def sse(*events: tuple[str | None, Any]) -> httpx.Response:
    """A text/event-stream response of (event name or None, JSON-able data or a raw string) pairs."""
    lines = []
    for name, data in events:
        if name:
            lines.append(f"event: {name}")
        text = data if isinstance(data, str) else json.dumps(data)
        lines.append(f"data: {text}")
        lines.append("")
    body = ("\n".join(lines) + "\n").encode()
    return httpx.Response(200, headers={"content-type": "text/event-stream; charset=utf-8"}, content=body)


def call(framework: str, endpoint: dict[str, Any], message: str = "hi", **extra: Any) -> AgentCall:
    return AgentCall(
        agent_id="agt_1",
        framework=framework,
        endpoint=AgentEndpoint.from_any(endpoint),
        message=message,
        user_id="alice",
        session_id="ses_1",
        trace_id="trc_1",
        **extra,
    )


def attachment(name: str, content_type: str, data: bytes) -> Attachment:
    async def load() -> bytes:
        return data

    return Attachment(f"fil_{name}", name, content_type, len(data), f"http://s3.test/{name}?sig=1", load)


async def collect(stream: AsyncIterator[AgentEvent]) -> list[AgentEvent]:
    return [event async for event in stream]
