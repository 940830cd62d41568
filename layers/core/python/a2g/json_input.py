"""The one reader of JSON that clients send: request bodies of every function and WebSocket messages.

`read_json(raw)` parses with limits, so no input reaches a handler that later fails as a 500:
- larger than `max_bytes` → `PayloadTooLarge` (413);
- not JSON, not UTF-8 → `ValidationFailed` code `invalid_json` (400);
- nested deeper than `max_depth` → `ValidationFailed` code `json_too_deep` (400). DynamoDB refuses
  documents nested deeper than 32 levels, and Python's own parser gives up (RecursionError) near 1,000;
- a lone UTF-16 surrogate (`"\\ud800"`) anywhere, in a key or a value → `invalid_json` (400): such a string
  cannot be encoded as UTF-8, so storing it or sending it on fails;
- NUL (`"\\u0000"`) anywhere → `invalid_json` (400), unless `allow_nul` (the log-proxy forwards prompts as
  they are).

The checks cost one C-speed scan of the bytes in the common case: the walk over the parsed value runs only
when the text could nest deeper than the limit or contains a `\\ud8..`-`\\udf..` escape.
"""

from __future__ import annotations

import json
import re
from typing import Any

from a2g.errors import PayloadTooLarge, ValidationFailed

MAX_DEPTH = 32
MAX_BYTES = 1_000_000

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_NUL_ESCAPE = re.compile(rb"\\u0000")


class InvalidJson(ValidationFailed):
    code = "invalid_json"


class JsonTooDeep(ValidationFailed):
    code = "json_too_deep"


def too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request body is larger than {max_bytes} bytes", code="payload_too_large")


def read_json(
    raw: bytes | str | None, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH, allow_nul: bool = False,
    empty: Any = None,
) -> Any:
    """The parsed value of `raw` (`empty` for an empty body); raises the errors listed in the module doc."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else (raw or b"")
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    if not data.strip():
        return empty
    try:
        value = json.loads(data)
    except RecursionError:
        raise JsonTooDeep(f"the JSON is nested deeper than {max_depth} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJson(f"the body is not valid JSON: {_reason(exc)}") from None
    if not allow_nul and _NUL_ESCAPE.search(data):
        raise InvalidJson("the JSON contains a NUL character (\\u0000)")
    may_nest = data.count(b"[") + data.count(b"{") > max_depth
    may_hold_surrogate = _SURROGATE_ESCAPE.search(data) is not None
    if may_nest or may_hold_surrogate:
        _walk(value, max_depth)
    return value


def _reason(exc: Exception) -> str:
    return exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"


def _walk(value: Any, max_depth: int) -> None:
    """Depth and lone surrogates, without recursion (the value may be ~1,000 levels deep)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_string(node)
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth > max_depth:
            raise JsonTooDeep(f"the JSON is nested deeper than {max_depth} levels")
        if isinstance(node, dict):
            for key, item in node.items():
                _check_string(key)
                stack.append((item, depth + 1))
        else:
            stack.extend((item, depth + 1) for item in node)


def _check_string(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidJson("the JSON contains a lone UTF-16 surrogate (e.g. \\ud800), which is not text") from None


__all__ = ["MAX_BYTES", "MAX_DEPTH", "InvalidJson", "JsonTooDeep", "read_json", "too_large"]
