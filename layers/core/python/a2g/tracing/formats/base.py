"""The neutral call shape every wire format meets at, and the small SSE helpers they share.

A wire-format module (`openai_chat`, `openai_responses`, `anthropic`, `gemini`) turns its own request and
answer into these shapes; the proxy relays bytes and the recorder stores the shapes, so neither knows any
provider's field names:

- `ParsedRequest`: the model, whether the client asked for a stream, and the request summary stored on the
  entry (`messages` or `input`, `system`, `tools`, `params`);
- `CallResult`: output text, tool calls (each `{"id", "type": "function", "function": {"name", "arguments"}}`),
  usage (`input_tokens`, `output_tokens`, `total_tokens`, `cached_tokens`, `reasoning_tokens`) and the stop
  reason, as the format reported it;
- `StreamCollector`: fed every SSE event of a stream in order; says which bytes the client gets, keeps the
  text so far (for the live panel) and ends in a `CallResult`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

USAGE_FIELDS = ("input_tokens", "output_tokens", "total_tokens", "cached_tokens", "reasoning_tokens")


@dataclass
class ParsedRequest:
    model: str | None
    stream: bool
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class CallResult:
    output_text: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, int] | None = None
    stop_reason: str | None = None
    # The answer as the client received it (the JSON, or a streamed answer reassembled), for the entry.
    response: Any = None
    error: dict[str, Any] | None = None  # an error the upstream reported inside a 200 stream


class StreamCollector(Protocol):
    """A collector that changes events sets `rewrites = True`; otherwise the proxy relays each event as the
    upstream sent it and only then feeds it here, so reading it never delays the client."""

    events: int
    text: str

    def process(self, event: bytes) -> bytes | None:
        """The event as the client should see it (None: drop it); remembers what the entry needs."""

    def result(self) -> CallResult: ...


def usage(input_tokens: Any = None, output_tokens: Any = None, total_tokens: Any = None,
          cached_tokens: Any = None, reasoning_tokens: Any = None) -> dict[str, int] | None:
    """The neutral usage dict; None when the format reported nothing."""
    values = [input_tokens, output_tokens, total_tokens, cached_tokens, reasoning_tokens]
    numbers = [int(v) if isinstance(v, int | float) and not isinstance(v, bool) else None for v in values]
    if all(v is None for v in numbers):
        return None
    result = {name: (v or 0) for name, v in zip(USAGE_FIELDS, numbers, strict=True)}
    if numbers[2] is None:
        result["total_tokens"] = result["input_tokens"] + result["output_tokens"]
    return result


def tool_call(call_id: Any, name: Any, arguments: Any) -> dict[str, Any]:
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments if arguments is not None else {}, separators=(",", ":"))
    return {"id": call_id if isinstance(call_id, str) else None, "type": "function",
            "function": {"name": name if isinstance(name, str) else "", "arguments": arguments}}


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def loads(data: bytes | str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None


def split_events(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Complete SSE events (each with its blank-line terminator) and the incomplete rest."""
    events = []
    start = 0
    while True:
        lf = buffer.find(b"\n\n", start)
        crlf = buffer.find(b"\r\n\r\n", start)
        if lf < 0 and crlf < 0:
            break
        end = crlf + 4 if crlf >= 0 and (lf < 0 or crlf < lf) else lf + 2
        events.append(buffer[start:end])
        start = end
    return events, buffer[start:]


def event_data(event: bytes) -> bytes | None:
    lines = [line[5:].lstrip(b" ") for line in event.splitlines() if line.startswith(b"data:")]
    return b"\n".join(lines) if lines else None


class CaptureLimit:
    """Keeps at most `limit` bytes of a stream's data for the entry; says whether it had to stop."""

    def __init__(self, limit: int = 5_000_000):
        self.limit, self.size, self.truncated = limit, 0, False

    def take(self, n: int) -> bool:
        if self.size + n > self.limit:
            self.truncated = True
            return False
        self.size += n
        return True


def text_of(parts: list[str]) -> str | None:
    return "".join(parts) if parts else None
