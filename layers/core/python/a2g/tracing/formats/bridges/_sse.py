"""Server-sent events, incrementally: bytes in any chunking → (event name, data) pairs; and back to bytes."""

from __future__ import annotations

import json
from typing import Any

from a2g.tracing.formats.bridges._errors import BridgeError

DONE = "[DONE]"


class SseReader:
    """Feed raw upstream bytes; get each complete event's `(event, data)` (data as text, lines joined)."""

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[tuple[str | None, str]]:
        self._buffer += chunk
        if b"\r" in self._buffer:  # a CRLF may be split across two chunks: normalise the whole rest
            self._buffer = self._buffer.replace(b"\r\n", b"\n")
        events: list[tuple[str | None, str]] = []
        while True:
            end = self._buffer.find(b"\n\n")
            if end < 0:
                return events
            raw, self._buffer = self._buffer[:end], self._buffer[end + 2 :]
            parsed = _parse(raw)
            if parsed is not None:
                events.append(parsed)

    def close(self) -> list[tuple[str | None, str]]:
        """The last event when the upstream ended without its blank line."""
        raw, self._buffer = self._buffer.strip(b"\n"), b""
        parsed = _parse(raw) if raw else None
        return [parsed] if parsed is not None else []


def _parse(raw: bytes) -> tuple[str | None, str] | None:
    name: str | None = None
    data: list[str] = []
    for line in raw.decode("utf-8", "replace").split("\n"):
        if not line or line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            data.append(value)
        elif field == "event":
            name = value
    if not data:
        return None
    return name, "\n".join(data)


def load(data: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise BridgeError(f"the upstream sent a stream event that is not JSON: {data[:80]!r}") from exc
    if not isinstance(value, dict):
        raise BridgeError("the upstream sent a stream event that is not a JSON object")
    return value


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def event(name: str | None, data: dict[str, Any]) -> bytes:
    """One SSE event; `name` None for data-only streams (chat, gemini)."""
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {dumps(data)}\n\n".encode()


DONE_EVENT = b"data: [DONE]\n\n"
