"""The playground's records: chat sessions, their messages, attached files and per-user usage history.

Plain dataclasses; storage lives in repository.py (keys in docs/data-model.md, ChatsTable), rules in
service.py / invoke.py. `to_json()` is the API's shape (snake_case).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["user", "assistant"]
# "stopped": the user pressed Stop; the message holds what had streamed by then (a2g.chat.cancel).
MessageStatus = Literal["complete", "error", "stopped"]
ChatMode = Literal["development", "operation"]

# What a browser can show inline with a presigned URL; everything else is offered as a download.
PREVIEWABLE_PREFIXES = ("image/", "video/")


def is_previewable(content_type: str) -> bool:
    return content_type.startswith(PREVIEWABLE_PREFIXES)


_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_last_message_id = [0, 0]  # (ms, 80-bit random part) of the previous id made by this process
_message_id_lock = threading.Lock()


def _base32(value: int, length: int) -> str:
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(length)))


def new_message_id() -> str:
    """`msg_` + a ULID that is strictly increasing within this process (monotonic ULID).

    Messages are sorted by id (`MSG#<message_id>`); a user message and the answer saved in the same
    millisecond, as with a fast agent, must still come out in the order they were written, which the
    shared `a2g.ids.new_id` (random within a millisecond) does not promise.
    """
    with _message_id_lock:
        ms = int(time.time() * 1000)
        last_ms, last_random = _last_message_id
        if ms <= last_ms:
            ms, random_part = last_ms, (last_random + 1) & ((1 << 80) - 1)
        else:
            random_part = secrets.randbits(79)  # headroom so increments within a ms never wrap
        _last_message_id[:] = [ms, random_part]
    return f"msg_{_base32(ms, 10)}{_base32(random_part, 16)}"


@dataclass(frozen=True)
class ChatSession:
    session_id: str
    user_id: str
    agent_id: str
    trace_id: str
    mode: ChatMode
    title: str
    created_at: str
    updated_at: str
    message_count: int = 0
    # What agent adapters remembered for this session (an A2A context id, the protocol that worked...).
    agent_state: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "agent_id": self.agent_id,
            "user_id": self.user_id,
            "trace_id": self.trace_id,
            "mode": self.mode,
            "title": self.title,
            "message_count": self.message_count,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class AttachmentRef:
    """A file as a message refers to it (a copy of its metadata, so history renders without lookups)."""

    file_id: str
    file_name: str
    content_type: str
    size: int

    def to_json(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_name": self.file_name,
            "content_type": self.content_type,
            "size": self.size,
            "previewable": is_previewable(self.content_type),
        }


@dataclass(frozen=True)
class ChatMessage:
    message_id: str
    session_id: str
    user_id: str  # the session's owner (also for assistant messages): defence in depth on reads
    role: Role
    content: str  # markdown
    created_at: str
    attachments: tuple[AttachmentRef, ...] = ()
    status: MessageStatus = "complete"
    error_code: str | None = None
    error_message: str | None = None
    agent_id: str | None = None
    duration_ms: int | None = None  # assistant messages: how long the agent took

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "message_id": self.message_id,
            "session_id": self.session_id,
            "role": self.role,
            "content": self.content,
            "attachments": [a.to_json() for a in self.attachments],
            "status": self.status,
            "error": (
                {"code": self.error_code, "message": self.error_message or ""}
                if self.status == "error"
                else None
            ),
            "created_at": self.created_at,
        }
        if self.agent_id:
            body["agent_id"] = self.agent_id
        if self.duration_ms is not None:
            body["duration_ms"] = self.duration_ms
        return body


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    user_id: str
    session_id: str
    file_name: str  # sanitised, for display and Content-Disposition only; never part of the S3 key
    content_type: str
    size: int  # as declared at upload; the presigned policy makes S3 refuse any other length
    s3_key: str
    created_at: str

    @property
    def previewable(self) -> bool:
        return is_previewable(self.content_type)

    def ref(self) -> AttachmentRef:
        return AttachmentRef(self.file_id, self.file_name, self.content_type, self.size)

    def to_json(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "session_id": self.session_id,
            "file_name": self.file_name,
            "content_type": self.content_type,
            "size": self.size,
            "previewable": self.previewable,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class AgentUse:
    """How often and how recently a user chatted with an agent (the ranking engine reads these)."""

    user_id: str
    agent_id: str
    uses: int
    last_used_at: str
    first_used_at: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None
