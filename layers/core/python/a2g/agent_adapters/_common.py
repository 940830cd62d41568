"""Pieces every adapter shares: Server-Sent Events parsing, HTTP error reporting, attachment rendering."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from a2g.agent_adapters.base import Attachment
from a2g.agent_adapters.errors import AgentProtocolError, AgentUnavailable
from a2g.log import logger

# Text files are pasted into the prompt up to this many characters (the rest is cut, saying so).
TEXT_ATTACHMENT_MAX_CHARS = 100_000
# Files up to this size travel inside the request (base64); larger ones as their download URL.
INLINE_ATTACHMENT_MAX_BYTES = 4 * 1024 * 1024
_ERROR_BODY_PREVIEW = 500


@dataclass(frozen=True)
class SseEvent:
    event: str  # "" when the stream gave no event name (the default "message" event)
    data: str
    id: str | None = None


async def sse_events(response: httpx.Response) -> AsyncIterator[SseEvent]:
    """The events of a `text/event-stream` body, per the WHATWG rules (multi-line data, comments, CRLF)."""
    event, event_id = "", None
    data_lines: list[str] = []
    async for raw in response.aiter_lines():
        line = raw.rstrip("\r")
        if not line:
            if data_lines:
                yield SseEvent(event, "\n".join(data_lines), event_id)
            event, data_lines = "", []
            continue
        if line.startswith(":"):
            continue  # comment / keep-alive
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data_lines.append(value)
        elif name == "event":
            event = value
        elif name == "id":
            event_id = value
    if data_lines:  # a stream that ended without the final blank line
        yield SseEvent(event, "\n".join(data_lines), event_id)


def json_of(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise AgentProtocolError(f"{what} sent something that is not JSON: {text[:120]!r}") from None


async def body_preview(response: httpx.Response) -> str:
    """At most a few hundred characters of an error body, read without loading a huge answer."""
    collected = b""
    try:
        async for chunk in response.aiter_bytes():
            collected += chunk
            if len(collected) >= _ERROR_BODY_PREVIEW:
                break
    except Exception as exc:  # noqa: BLE001 - a preview must never hide the real error
        logger.debug("could not read the error body", extra={"error": str(exc)})
    text = collected[:_ERROR_BODY_PREVIEW].decode("utf-8", "replace").strip()
    try:  # FastAPI-style {"detail": ...} reads better than the raw JSON
        parsed = json.loads(text)
        if isinstance(parsed, dict):
            detail = parsed.get("detail") or parsed.get("message") or parsed.get("error")
            if isinstance(detail, str):
                return detail
    except (ValueError, RecursionError):
        pass
    return text


async def raise_for_status(response: httpx.Response, what: str) -> None:
    if response.is_success:
        return
    preview = await body_preview(response)
    suffix = f": {preview}" if preview else ""
    raise AgentUnavailable(
        f"{what} answered HTTP {response.status_code}{suffix}",
        details={"status": response.status_code},
    )


def content_type_of(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";", 1)[0].strip().lower()


async def text_of_attachment(attachment: Attachment) -> str:
    """A text file's content, decoded and capped, framed so the model knows where it starts and ends."""
    raw = await attachment.read()
    text = raw.decode("utf-8", "replace")
    if len(text) > TEXT_ATTACHMENT_MAX_CHARS:
        text = text[:TEXT_ATTACHMENT_MAX_CHARS] + "\n[... cut: the file is longer ...]"
    return (
        f'<attachment name="{attachment.file_name}" type="{attachment.content_type}">\n{text}\n</attachment>'
    )


def link_of_attachment(attachment: Attachment) -> str:
    return (
        f"[Attached file: {attachment.file_name} ({attachment.content_type}, {attachment.size} bytes) "
        f"- download: {attachment.url}]"
    )


async def data_url_of(attachment: Attachment) -> str:
    raw = await attachment.read()
    return f"data:{attachment.content_type};base64,{base64.b64encode(raw).decode()}"


def fits_inline(attachment: Attachment) -> bool:
    return attachment.loader is not None and attachment.size <= INLINE_ATTACHMENT_MAX_BYTES


async def message_with_attachments_as_text(message: str, attachments: tuple[Attachment, ...]) -> str:
    """The message plus each attachment as text (text files inlined, others as a download link).

    Used where the protocol has no native file part that every model behind it understands.
    """
    parts = [message] if message else []
    for attachment in attachments:
        if attachment.is_text and fits_inline(attachment):
            parts.append(await text_of_attachment(attachment))
        else:
            parts.append(link_of_attachment(attachment))
    return "\n\n".join(parts)
