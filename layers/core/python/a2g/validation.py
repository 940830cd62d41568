"""The bounded input types every route, WebSocket action and request schema uses.

Anything a client sends that becomes (part of) a storage key is bounded here once: an id longer than a
DynamoDB key may be (2 KB partition / 1 KB sort key) used to come back as a 500. Text a person typed is kept
free of control characters (NUL and friends), and integers are strict, so `true` is not taken for `1`.

    from a2g.validation import ResourceId, ModelName, Cursor, StrictInt, PlainText, Text

    @app.get("/api/sessions/{session_id}")
    def get_session(session_id: ResourceId, ...): ...          # malformed → 400 validation_error

Plain handlers (WebSocket actions) call `check_id(value, "trace_id")`, which raises `ValidationFailed`.
A well-formed id that names nothing is the service's business: 404.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field, Strict, StringConstraints

from a2g.errors import ValidationFailed

ID_MAX_LENGTH = 128
# Platform ids (`ses_01j...`), usernames (`alice@corp`), LLM/trace/key/file ids: letters, digits and `._@:-`.
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@:-]*$"
MODEL_NAME_MAX_LENGTH = 200
CURSOR_MAX_LENGTH = 1024  # decoded, no key value in it can exceed DynamoDB's 1 KB sort key
CURSOR_PATTERN = r"^[A-Za-z0-9_=-]*$"  # base64url, as every listing writes them

_ID = re.compile(ID_PATTERN)
# C0 controls, DEL and C1 controls. Text keeps tab, newline and carriage return.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_WHITESPACE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _single_line(value: str) -> str:
    if _CONTROL.search(value) or _SURROGATE.search(value):
        raise ValueError("must not contain control characters")
    return value


def _text(value: str) -> str:
    if _CONTROL_BUT_WHITESPACE.search(value) or _SURROGATE.search(value):
        raise ValueError("must not contain control characters other than tab and newline")
    return value


_MODEL_NAME = re.compile(r"^[^\s\x00-\x1f\x7f-\x9f\ud800-\udfff]{1," + str(MODEL_NAME_MAX_LENGTH) + "}$")


def is_model_name(value: Any) -> bool:
    """1-200 characters, no whitespace or control characters (the names LLMs serve, keys of the registry)."""
    return isinstance(value, str) and _MODEL_NAME.fullmatch(value) is not None


def _model_name(value: str) -> str:
    if not is_model_name(value):
        raise ValueError(f"must be 1-{MODEL_NAME_MAX_LENGTH} characters without spaces or control characters")
    return value


ResourceId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=ID_MAX_LENGTH, pattern=ID_PATTERN),
    Field(description=f"an id: 1-{ID_MAX_LENGTH} letters, digits, '.', '_', '@', ':' or '-'",
          examples=["ses_01jdx0k8m2c3v4b5n6q7r8s9t0"]),
]
"""Every id in a path, a query or a body: sessions, files, agents, traces, entries, keys, users, LLMs."""

ModelName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MODEL_NAME_MAX_LENGTH),
    AfterValidator(_model_name),
    Field(description="a model name as an LLM serves it", examples=["gpt-4o-mini"]),
]

Cursor = Annotated[
    str,
    StringConstraints(max_length=CURSOR_MAX_LENGTH, pattern=CURSOR_PATTERN),
    Field(description="`next_cursor` of the previous page"),
]

StrictInt = Annotated[int, Strict()]
"""An integer that must be a JSON integer: `true`, `1.0` and `"1"` are refused."""

StrictNumber = Annotated[float, Strict()]
"""A JSON number (integer or not); `true` and `"1"` are refused."""

PlainText = Annotated[str, AfterValidator(_single_line)]
"""One line a person typed (a title, a name, a file name): no control characters at all."""

Text = Annotated[str, AfterValidator(_text)]
"""Text a person typed (a message, a description): tab and newlines allowed, other control characters not."""


def is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= ID_MAX_LENGTH and _ID.fullmatch(value) is not None


def check_id(value: Any, name: str = "id") -> str:
    """`value` when it is a well-formed id; `ValidationFailed` (400) otherwise."""
    if not is_id(value):
        raise ValidationFailed(
            f"{name}: must be 1-{ID_MAX_LENGTH} letters, digits, '.', '_', '@', ':' or '-'",
            details={"fields": [{"field": name, "message": "not a valid id"}]},
        )
    return str(value)


def check_plain_text(value: str, name: str) -> str:
    try:
        return _single_line(value)
    except ValueError as exc:
        raise ValidationFailed(f"{name}: {exc}") from None


__all__ = [
    "CURSOR_MAX_LENGTH", "ID_MAX_LENGTH", "ID_PATTERN", "MODEL_NAME_MAX_LENGTH", "Cursor", "ModelName",
    "PlainText", "ResourceId", "StrictInt", "StrictNumber", "Text", "check_id", "check_plain_text", "is_id",
    "is_model_name",
]
