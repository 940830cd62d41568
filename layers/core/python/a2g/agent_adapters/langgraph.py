"""LangGraph server (Agent Server API): `POST /threads`, then `POST /threads/{id}/runs/stream` with
`stream_mode: ["messages-tuple", "values"]`.

The thread id is derived from the platform's chat session id (a UUIDv5, as the server wants UUIDs), so
the conversation continues in the same thread; when the server lost the thread (an in-memory dev server
restarted) it is created again and the run retried once. The trace ids go in the thread's metadata and
in the run's `config.configurable`, where graph nodes can read them.

`messages` events carry `[message_chunk, metadata]` pairs: AI chunks are streamed as they come. In a
multi-agent graph several nodes speak, so the final `values` event decides the answer: the content of
the last AI message of the state.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any, ClassVar
from urllib.parse import quote

from a2g.agent_adapters._common import (
    content_type_of,
    data_url_of,
    fits_inline,
    json_of,
    message_with_attachments_as_text,
    raise_for_status,
    sse_events,
)
from a2g.agent_adapters.base import (
    AgentCall,
    AgentEvent,
    AgentHttp,
    FinalText,
    Progress,
    StateUpdate,
    TextDelta,
)
from a2g.agent_adapters.errors import AgentRunFailed, AgentUnavailable

_THREAD_NAMESPACE = uuid.UUID("8d0c6f1e-4a2b-5c3d-9e8f-a2a9c0de0001")
_AI_TYPES = ("AIMessageChunk", "ai", "AIMessage")


def thread_id_for(session_id: str) -> str:
    return str(uuid.uuid5(_THREAD_NAMESPACE, session_id))


def text_of_content(content: Any) -> str:
    """LangChain message content: a string, or a list of blocks of which the text ones count."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for block in content:
            if isinstance(block, str):
                out.append(block)
            elif (
                isinstance(block, dict) and block.get("type") in ("text", "text_delta") and block.get("text")
            ):
                out.append(str(block["text"]))
        return "".join(out)
    return ""


class _ThreadGone(Exception):
    pass


class LangGraphAdapter:
    framework: ClassVar[str] = "LANGGRAPH"

    def __init__(self, http: AgentHttp):
        self._http = http

    async def run(self, call: AgentCall) -> AsyncIterator[AgentEvent]:
        thread_id = thread_id_for(call.session_id)
        if call.state.get("langgraph_thread") != thread_id:
            await self._create_thread(call, thread_id)
            yield StateUpdate("langgraph_thread", thread_id)
        content = await self._content(call)
        try:
            async for event in self._stream(call, thread_id, content):
                yield event
            return
        except _ThreadGone:
            pass
        await self._create_thread(call, thread_id)
        async for event in self._stream(call, thread_id, content):
            yield event

    async def _create_thread(self, call: AgentCall, thread_id: str) -> None:
        response = await self._http.request(
            "POST",
            call.endpoint.url("/threads"),
            json={
                "thread_id": thread_id,
                "if_exists": "do_nothing",
                "metadata": {**call.trace_metadata(), "a2g_user_id": call.user_id},
            },
            headers=call.trace_headers(),
            read_timeout=min(call.idle_timeout_s, 60.0),
        )
        if not response.is_success:
            raise AgentUnavailable(
                f"the LangGraph server refused to create the thread: HTTP {response.status_code} "
                f"{response.text[:300]}"
            )

    @staticmethod
    async def _content(call: AgentCall) -> str | list[dict[str, Any]]:
        """A plain string, or OpenAI-style content blocks when images are attached (LangChain chat models
        take `image_url` blocks; other files go as text or download links)."""
        images = [a for a in call.attachments if a.is_image and fits_inline(a)]
        others = tuple(a for a in call.attachments if a not in images)
        text = await message_with_attachments_as_text(call.message, others)
        if not images:
            return text
        blocks: list[dict[str, Any]] = [{"type": "text", "text": text}]
        for image in images:
            blocks.append({"type": "image_url", "image_url": {"url": await data_url_of(image)}})
        return blocks

    async def _stream(
        self, call: AgentCall, thread_id: str, content: str | list[dict[str, Any]]
    ) -> AsyncIterator[AgentEvent]:
        assistant = call.endpoint.langgraph_assistant_id or "agent"
        body = {
            "assistant_id": assistant,
            "input": {"messages": [{"role": "user", "content": content}]},
            "stream_mode": ["messages-tuple", "values"],
            "config": {"configurable": call.trace_metadata()},
            "metadata": call.trace_metadata(),
            "on_disconnect": "continue",
        }
        url = call.endpoint.url(f"/threads/{quote(thread_id, safe='')}/runs/stream")
        async with self._http.stream(
            "POST",
            url,
            json=body,
            headers={**call.trace_headers(), "accept": "text/event-stream"},
            read_timeout=call.idle_timeout_s,
            total_timeout=None,
            max_bytes=None,
        ) as response:
            if (
                response.status_code == 404
                and "thread" in (await response.aread()).decode("utf-8", "replace").lower()
            ):
                raise _ThreadGone()
            await raise_for_status(response, "the LangGraph server")
            if content_type_of(response) != "text/event-stream":
                raise AgentUnavailable("the LangGraph server did not answer with an event stream")
            final: str | None = None
            async for sse in sse_events(response):
                kind = sse.event.split("|", 1)[0]  # subgraph events are named "messages|<namespace>"
                if kind == "error":
                    payload = json_of(sse.data, "the LangGraph server")
                    detail = (
                        payload.get("message") or payload.get("error")
                        if isinstance(payload, dict)
                        else payload
                    )
                    raise AgentRunFailed(f"the LangGraph run failed: {detail}")
                if kind == "messages":
                    pair = json_of(sse.data, "the LangGraph server")
                    chunk = pair[0] if isinstance(pair, list) and pair else pair
                    if not isinstance(chunk, dict) or chunk.get("type") not in _AI_TYPES:
                        continue
                    for tool_call in chunk.get("tool_call_chunks") or chunk.get("tool_calls") or []:
                        if isinstance(tool_call, dict) and tool_call.get("name"):
                            yield Progress(f"{chunk.get('name') or 'agent'} is calling {tool_call['name']}")
                    text = text_of_content(chunk.get("content"))
                    if text:
                        yield TextDelta(text)
                elif kind == "values" and "|" not in sse.event:
                    state = json_of(sse.data, "the LangGraph server")
                    messages = state.get("messages") if isinstance(state, dict) else None
                    if isinstance(messages, list) and messages:
                        last = messages[-1]
                        if isinstance(last, dict) and last.get("type") in _AI_TYPES:
                            final = text_of_content(last.get("content")) or final
            if final:
                yield FinalText(final)
