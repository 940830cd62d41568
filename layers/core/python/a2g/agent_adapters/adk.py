"""Google ADK api_server: create the session (`POST /apps/{app}/users/{user}/sessions`), then
`POST /run_sse` with `streaming: true`; each SSE `data:` line is one ADK Event (camelCase JSON).

The platform's chat session id is the ADK session id; it is created on the session's first run (and
remembered), and when the ADK server forgot it (an in-memory server restarted) it is created again and the run retried
once. The trace ids travel in the session's state and in each run's `state_delta`, where the agent's
callbacks and tools can read them.

With `streaming: true` ADK sends `partial: true` events with text deltas, then one final event (`partial`
absent) repeating the whole text: the final event is used only when no deltas came before it.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any, ClassVar
from urllib.parse import quote

from a2g.agent_adapters._common import (
    content_type_of,
    fits_inline,
    json_of,
    link_of_attachment,
    raise_for_status,
    sse_events,
    text_of_attachment,
)
from a2g.agent_adapters.base import AgentCall, AgentEvent, AgentHttp, Progress, StateUpdate, TextDelta
from a2g.agent_adapters.errors import AgentMisconfigured, AgentRunFailed, AgentUnavailable


class _SessionGone(Exception):
    """run_sse answered 404: the ADK server does not know the session (any more)."""


class AdkAdapter:
    framework: ClassVar[str] = "ADK"

    def __init__(self, http: AgentHttp):
        self._http = http

    async def run(self, call: AgentCall) -> AsyncIterator[AgentEvent]:
        if not call.endpoint.adk_app_name:
            raise AgentMisconfigured("the agent is registered without an ADK app name")
        if call.state.get("adk_session") != call.session_id:
            await self._ensure_session(call)
            yield StateUpdate("adk_session", call.session_id)
        parts = await self._parts(call)
        try:
            async for event in self._run_sse(call, parts):
                yield event
            return
        except _SessionGone:
            pass
        await self._ensure_session(call)
        async for event in self._run_sse(call, parts):
            yield event

    def _sessions_url(self, call: AgentCall) -> str:
        app = quote(call.endpoint.adk_app_name or "", safe="")
        return call.endpoint.url(f"/apps/{app}/users/{quote(call.user_id, safe='')}/sessions")

    async def _ensure_session(self, call: AgentCall) -> None:
        """Create the ADK session under the platform's session id; "already exists" is fine."""
        response = await self._http.request(
            "POST",
            self._sessions_url(call),
            json={"session_id": call.session_id, "state": call.trace_metadata()},
            headers=call.trace_headers(),
            read_timeout=min(call.idle_timeout_s, 60.0),
        )
        if response.status_code == 409 or (response.status_code == 400 and "exist" in response.text.lower()):
            return  # created by an earlier run (the platform forgot it had, e.g. a new session state)
        if not response.is_success:
            raise AgentUnavailable(
                f"the ADK server refused to create the session: HTTP {response.status_code} {response.text[:300]}"
            )

    @staticmethod
    async def _parts(call: AgentCall) -> list[dict[str, Any]]:
        """The user's message as ADK `Content.parts`: images inline (vision models take them), text files
        pasted as text, other files as download links (not every model behind LiteLLM takes them)."""
        parts: list[dict[str, Any]] = [{"text": call.message}] if call.message else []
        for attachment in call.attachments:
            if attachment.is_image and fits_inline(attachment):
                data = base64.b64encode(await attachment.read()).decode()
                parts.append({"inlineData": {"mimeType": attachment.content_type, "data": data,
                                             "displayName": attachment.file_name}})  # fmt: skip
            elif attachment.is_text and fits_inline(attachment):
                parts.append({"text": await text_of_attachment(attachment)})
            else:
                parts.append({"text": link_of_attachment(attachment)})
        return parts or [{"text": ""}]

    async def _run_sse(self, call: AgentCall, parts: list[dict[str, Any]]) -> AsyncIterator[AgentEvent]:
        body = {
            "app_name": call.endpoint.adk_app_name,
            "user_id": call.user_id,
            "session_id": call.session_id,
            "new_message": {"role": "user", "parts": parts},
            "streaming": True,
            "state_delta": call.trace_metadata(),
        }
        async with self._http.stream(
            "POST",
            call.endpoint.url("/run_sse"),
            json=body,
            headers={**call.trace_headers(), "accept": "text/event-stream"},
            read_timeout=call.idle_timeout_s,
            total_timeout=None,
            max_bytes=None,
        ) as response:
            if response.status_code == 404:
                raise _SessionGone()
            await raise_for_status(response, "the ADK agent")
            if content_type_of(response) != "text/event-stream":
                raise AgentUnavailable(f"the ADK server answered {content_type_of(response) or 'no content type'}"
                                       " instead of an event stream")  # fmt: skip
            streamed_since_final = False
            async for sse in sse_events(response):
                event = json_of(sse.data, "the ADK agent")
                if not isinstance(event, dict):
                    continue
                error = event.get("error") or event.get("errorMessage") or event.get("error_message")
                if error:
                    raise AgentRunFailed(f"the ADK agent reported: {error}")
                partial = bool(event.get("partial"))
                for part in (event.get("content") or {}).get("parts") or []:
                    if not isinstance(part, dict) or part.get("thought"):
                        continue
                    call_part = part.get("functionCall") or part.get("function_call")
                    if isinstance(call_part, dict):
                        name = call_part.get("name") or "a tool"
                        yield Progress(f"{event.get('author') or 'agent'} is calling {name}")
                        continue
                    text = part.get("text")
                    if not isinstance(text, str) or not text:
                        continue
                    if partial:
                        streamed_since_final = True
                        yield TextDelta(text)
                    elif not streamed_since_final:
                        yield TextDelta(text)  # a model that does not stream: the final event is all
                if not partial:
                    streamed_since_final = False
                transfer = (event.get("actions") or {}).get("transferToAgent")
                if transfer:
                    yield Progress(f"handing over to {transfer}")
