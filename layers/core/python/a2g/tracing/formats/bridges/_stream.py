"""The incremental stream translator: upstream SSE bytes → hub chat chunks → the client's SSE bytes.

Each format contributes a decoder (its upstream events → chat chunks) and an encoder (chat chunks → its client
events); chat itself has both here. One translator per call; it keeps the state the call needs (open content
blocks, tool-call indexes, usage seen so far) and nothing else.
"""

from __future__ import annotations

from typing import Any, Protocol

from a2g.tracing.formats.bridges import _hub, _sse
from a2g.tracing.formats.bridges._errors import BridgeError


class Decoder(Protocol):
    def event(self, name: str | None, data: dict[str, Any]) -> list[dict[str, Any]]: ...

    def end(self) -> list[dict[str, Any]]: ...


class Encoder(Protocol):
    def chunk(self, chunk: dict[str, Any]) -> list[bytes]: ...

    def end(self) -> list[bytes]: ...

    def error(self, message: str, kind: str) -> bytes: ...


class StreamTranslator:
    """`feed(upstream bytes) -> client bytes` as events complete; `close()` at the upstream's end.

    `complete` tells whether the upstream finished the answer (a finish reason was seen); `close()` on a stream
    that ended before that ends the client's stream with an error event instead of a normal end. The pipeline
    reports a failure of its own (the connection dropped) in the client's format with `error(message)`.
    """

    __slots__ = ("_closed", "_decoder", "_encoder", "_reader", "complete", "failed")

    def __init__(self, decoder: Decoder, encoder: Encoder) -> None:
        self._reader = _sse.SseReader()
        self._decoder = decoder
        self._encoder = encoder
        self.complete = False
        self.failed = False
        self._closed = False

    def feed(self, data: bytes) -> bytes:
        return self._translate(self._reader.feed(data))

    def close(self) -> bytes:
        if self._closed:
            return b""
        out = self._translate(self._reader.close())
        self._closed = True
        if self.failed:
            return out
        out += self._emit(self._decoder.end())
        if self.failed:
            return out
        if not self.complete:
            return out + self.error("the LLM's stream ended before the answer was complete")
        return out + b"".join(self._encoder.end())

    def error(self, message: str, kind: str = "api_error") -> bytes:
        """A mid-stream error event in the client's format (for a cut or failed upstream)."""
        self.failed = True
        return self._encoder.error(message, kind)

    def _translate(self, events: list[tuple[str | None, str]]) -> bytes:
        chunks: list[dict[str, Any]] = []
        for name, data in events:
            if data == _sse.DONE:
                continue
            chunks.extend(self._decoder.event(name, _sse.load(data)))
        return self._emit(chunks) if chunks else b""

    def _emit(self, chunks: list[dict[str, Any]]) -> bytes:
        out: list[bytes] = []
        for chunk in chunks:
            error = chunk.get("error")
            if error is not None:
                self.failed = True
                message = error.get("message") if isinstance(error, dict) else None
                kind = error.get("type") if isinstance(error, dict) else None
                out.append(self._encoder.error(str(message or "the upstream failed"), str(kind or "api_error")))
                continue
            if any(c.get("finish_reason") for c in chunk.get("choices") or () if isinstance(c, dict)):
                self.complete = True
            out.extend(self._encoder.chunk(chunk))
        return b"".join(out)


class ChatDecoder:
    """An upstream speaking chat: its chunks are already hub chunks."""

    def event(self, name: str | None, data: dict[str, Any]) -> list[dict[str, Any]]:
        if "error" in data and "choices" not in data:
            error = data["error"]
            if not isinstance(error, dict):
                error = {"message": str(error)}
            return [_hub.error_chunk(str(error.get("message") or "the upstream failed"),
                                     str(error.get("type") or "api_error"), error.get("code"))]
        if not isinstance(data.get("choices", []), list):
            raise BridgeError("a chat stream chunk's choices must be a list")
        return [data]

    def end(self) -> list[dict[str, Any]]:
        return []


class ChatEncoder:
    """A chat client: chunks as `data:` events and `[DONE]`; usage only when the client asked for it."""

    def __init__(self, include_usage: bool = True) -> None:
        self._include_usage = include_usage

    def chunk(self, chunk: dict[str, Any]) -> list[bytes]:
        if not self._include_usage:
            if not chunk.get("choices") and chunk.get("usage"):
                return []
            if "usage" in chunk:
                chunk = {k: v for k, v in chunk.items() if k != "usage"}
        return [_sse.event(None, chunk)]

    def end(self) -> list[bytes]:
        return [_sse.DONE_EVENT]

    def error(self, message: str, kind: str) -> bytes:
        return _sse.event(None, {"error": {"message": message, "type": kind, "param": None, "code": None}})


def chat_include_usage(request: dict[str, Any] | None) -> bool:
    options = (request or {}).get("stream_options")
    return bool(isinstance(options, dict) and options.get("include_usage"))
