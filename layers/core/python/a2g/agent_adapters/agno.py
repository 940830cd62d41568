"""Agno AgentOS: `POST /agents/{id}/runs` or `POST /teams/{id}/runs`, a form with `message`, `stream=true`,
`session_id` and `user_id`, answered with Server-Sent Events (`RunContent` deltas ... `RunCompleted`;
teams emit the same events prefixed with `Team`).

The platform's chat session id is Agno's session id, so Agno's own memory follows the conversation.
Attachments are uploaded as multipart `files` (AgentOS turns them into images, videos or documents for
the model); types Agno does not accept are described in the message as download links instead.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, ClassVar
from urllib.parse import quote

from a2g.agent_adapters._common import (
    content_type_of,
    fits_inline,
    json_of,
    message_with_attachments_as_text,
    raise_for_status,
    sse_events,
)
from a2g.agent_adapters.base import AgentCall, AgentEvent, AgentHttp, FinalText, Progress, TextDelta
from a2g.agent_adapters.errors import AgentMisconfigured, AgentProtocolError, AgentRunFailed

# What AgentOS's `classify_upload_file` accepts as images, audio, video and documents (agno.os.utils);
# anything else it answers 400 "Unsupported file type", so such files travel as download links instead.
# Text files are pasted into the message: every model reads text, not every model takes a text "file".
_AGNO_UPLOAD_TYPES = frozenset({
    "image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp", "image/bmp", "image/tiff",
    "audio/wav", "audio/mpeg", "audio/mp3", "audio/ogg", "audio/mp4", "audio/aac", "audio/flac",
    "video/quicktime", "video/mpeg", "video/mp4", "video/webm", "video/3gpp",
    "application/pdf", "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
})  # fmt: skip


class AgnoAdapter:
    framework: ClassVar[str] = "AGNO"

    def __init__(self, http: AgentHttp):
        self._http = http

    async def run(self, call: AgentCall) -> AsyncIterator[AgentEvent]:
        endpoint = call.endpoint
        if endpoint.agno_team_id:
            path, prefix, what = (
                f"/teams/{quote(endpoint.agno_team_id, safe='')}/runs",
                "Team",
                "the Agno team",
            )
        elif endpoint.agno_agent_id:
            path, prefix, what = (
                f"/agents/{quote(endpoint.agno_agent_id, safe='')}/runs",
                "",
                "the Agno agent",
            )
        else:
            raise AgentMisconfigured("the agent is registered without an Agno agent id or team id")

        files: list[tuple[str, tuple[str, bytes, str]]] = []
        as_text = []
        for attachment in call.attachments:
            if attachment.content_type in _AGNO_UPLOAD_TYPES and fits_inline(attachment):
                files.append(
                    ("files", (attachment.file_name, await attachment.read(), attachment.content_type))
                )
            else:
                as_text.append(attachment)
        message = await message_with_attachments_as_text(call.message, tuple(as_text))
        form = {
            "message": message,
            "stream": "true",
            "session_id": call.session_id,
            "user_id": call.user_id,
            "metadata": json.dumps(call.trace_metadata()),
        }
        async with self._http.stream(
            "POST",
            endpoint.url(path),
            data=form,
            files=files or None,
            headers={**call.trace_headers(), "accept": "text/event-stream"},
            read_timeout=call.idle_timeout_s,
            total_timeout=None,
            max_bytes=None,
        ) as response:
            await raise_for_status(response, what)
            if content_type_of(response) != "text/event-stream":
                # stream=true was ignored (an old AgentOS): the whole run came back as one JSON object.
                body = json_of((await response.aread()).decode("utf-8", "replace"), what)
                content = body.get("content") if isinstance(body, dict) else None
                if isinstance(content, str) and content:
                    yield FinalText(content)
                return
            async for event in sse_events(response):
                payload = json_of(event.data, what)
                if not isinstance(payload, dict):
                    continue
                for out in self._translate(
                    event.event or str(payload.get("event", "")), payload, prefix, what
                ):
                    yield out

    @staticmethod
    def _translate(name: str, payload: dict[str, Any], prefix: str, what: str) -> list[AgentEvent]:
        """One AgentOS event → what the chat shows. A team's stream also carries its members' events
        (unprefixed); only the team's own content is the answer, members' tool calls are progress."""
        if name == f"{prefix}RunContent":
            content = payload.get("content")
            if isinstance(content, str) and content:
                return [TextDelta(content)]
            return []
        if name == f"{prefix}RunCompleted":
            content = payload.get("content")
            if isinstance(content, str) and content:
                return [FinalText(content)]
            if content is not None and not isinstance(content, str):  # structured output
                return [FinalText(json.dumps(content, ensure_ascii=False, indent=2))]
            return []
        if name in (f"{prefix}RunError", f"{prefix}RunCancelled"):
            detail = payload.get("content") or payload.get("error") or "the run ended with an error"
            raise AgentRunFailed(f"{what} reported: {detail}")
        if name.endswith("ToolCallStarted"):
            tool = payload.get("tool") if isinstance(payload.get("tool"), dict) else {}
            tool_name = (tool or {}).get("tool_name") or "a tool"
            who = payload.get("agent_name") or payload.get("team_name") or ""
            return [Progress(f"{who + ' is ' if who else ''}calling {tool_name}")]
        if name == "RunError" and prefix:  # a member failed; the team may still recover
            return [Progress(f"member error: {payload.get('content') or 'unknown'}")]
        if name == "error":
            raise AgentProtocolError(f"{what} sent an error event: {payload}")
        return []
