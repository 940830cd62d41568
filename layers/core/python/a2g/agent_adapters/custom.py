"""CUSTOM agents: either an OpenAI-compatible chat endpoint (`POST {base}/chat/completions`, streamed), or
a plain JSON endpoint (`POST {base}` with `{"message", "session_id", "history"}` answered by
`{"reply"}`, `{"output"}` or `{"content"}`).

Both are stateless from the agent's side, so the recent history of the chat is sent with every call.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from a2g.agent_adapters._common import (
    content_type_of,
    data_url_of,
    fits_inline,
    json_of,
    message_with_attachments_as_text,
    raise_for_status,
    sse_events,
)
from a2g.agent_adapters.base import AgentCall, AgentEvent, AgentHttp, FinalText, Progress, TextDelta
from a2g.agent_adapters.errors import AgentProtocolError, AgentRunFailed

_REPLY_KEYS = ("reply", "output", "content", "response", "answer", "text")


class CustomAdapter:
    framework: ClassVar[str] = "CUSTOM"

    def __init__(self, http: AgentHttp):
        self._http = http

    async def run(self, call: AgentCall) -> AsyncIterator[AgentEvent]:
        protocol = call.endpoint.custom_protocol or "openai"
        if protocol == "json":
            async for event in self._json(call):
                yield event
        else:
            async for event in self._openai(call):
                yield event

    # --- OpenAI-compatible ----------------------------------------------------------------------------

    async def _openai(self, call: AgentCall) -> AsyncIterator[AgentEvent]:
        base = call.endpoint.base_url.rstrip("/")
        url = base if base.endswith("/chat/completions") else f"{base}/chat/completions"
        messages: list[dict[str, Any]] = [{"role": t.role, "content": t.content} for t in call.history]
        messages.append({"role": "user", "content": await self._user_content(call)})
        body = {
            "model": call.endpoint.custom_model or "agent",
            "messages": messages,
            "stream": True,
            "user": call.user_id,
            "metadata": call.trace_metadata(),
        }
        async with self._http.stream(
            "POST",
            url,
            json=body,
            headers={**call.trace_headers(), "accept": "text/event-stream"},
            read_timeout=call.idle_timeout_s,
            total_timeout=None,
            max_bytes=None,
        ) as response:
            await raise_for_status(response, "the agent's chat endpoint")
            if content_type_of(response) != "text/event-stream":  # answered without streaming
                payload = json_of((await response.aread()).decode("utf-8", "replace"), "the agent")
                yield FinalText(self._completion_text(payload))
                return
            async for sse in sse_events(response):
                if sse.data.strip() == "[DONE]":
                    break
                chunk = json_of(sse.data, "the agent")
                if isinstance(chunk, dict) and isinstance(chunk.get("error"), dict):
                    raise AgentRunFailed(
                        f"the agent reported: {chunk['error'].get('message') or chunk['error']}"
                    )
                for choice in (chunk.get("choices") if isinstance(chunk, dict) else None) or []:
                    delta = choice.get("delta") or {}
                    text = delta.get("content")
                    if isinstance(text, str) and text:
                        yield TextDelta(text)
                    for tool_call in delta.get("tool_calls") or []:
                        name = ((tool_call or {}).get("function") or {}).get("name")
                        if name:
                            yield Progress(f"calling {name}")

    @staticmethod
    async def _user_content(call: AgentCall) -> str | list[dict[str, Any]]:
        images = [a for a in call.attachments if a.is_image and fits_inline(a)]
        text = await message_with_attachments_as_text(
            call.message, tuple(a for a in call.attachments if a not in images)
        )
        if not images:
            return text
        blocks: list[dict[str, Any]] = [{"type": "text", "text": text}]
        for image in images:
            blocks.append({"type": "image_url", "image_url": {"url": await data_url_of(image)}})
        return blocks

    @staticmethod
    def _completion_text(payload: Any) -> str:
        try:
            content = payload["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise AgentProtocolError("the agent's answer is not an OpenAI chat completion") from None
        return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)

    # --- plain JSON -----------------------------------------------------------------------------------

    async def _json(self, call: AgentCall) -> AsyncIterator[AgentEvent]:
        body = {
            "message": call.message,
            "session_id": call.session_id,
            "user_id": call.user_id,
            "trace_id": call.trace_id,
            "history": [{"role": t.role, "content": t.content} for t in call.history],
            "attachments": [
                {
                    "file_id": a.file_id,
                    "file_name": a.file_name,
                    "content_type": a.content_type,
                    "size": a.size,
                    "url": a.url,
                }
                for a in call.attachments
            ],
        }
        response = await self._http.request(
            "POST",
            call.endpoint.base_url,
            json=body,
            headers={**call.trace_headers(), "accept": "application/json"},
            read_timeout=call.idle_timeout_s,
            total_timeout=None,
        )
        await raise_for_status(response, "the agent")
        payload = json_of(response.text, "the agent")
        if isinstance(payload, str):
            yield FinalText(payload)
            return
        if isinstance(payload, dict):
            if payload.get("error"):
                raise AgentRunFailed(f"the agent reported: {payload['error']}")
            for key in _REPLY_KEYS:
                value = payload.get(key)
                if isinstance(value, str):
                    yield FinalText(value)
                    return
        raise AgentProtocolError(
            f"the agent's JSON answer has none of the fields {', '.join(_REPLY_KEYS[:3])}"
        )
