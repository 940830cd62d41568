"""Request bodies of the playground's HTTP routes and of the WebSocket `invoke` action."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from a2g.chat.service import MAX_ATTACHMENTS_PER_MESSAGE, MAX_MESSAGE_CHARS
from a2g.validation import PlainText, ResourceId, StrictInt, Text


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class StartSessionBody(_Body):
    title: PlainText | None = Field(None, max_length=200)
    # Development mode: reopen the latest session with this agent instead of starting another.
    reuse_latest: StrictBool = False


class PostMessageBody(_Body):
    role: Literal["user", "assistant"] = "user"
    content: Text = Field("", max_length=MAX_MESSAGE_CHARS)
    attachments: list[ResourceId] = Field(default_factory=list, max_length=MAX_ATTACHMENTS_PER_MESSAGE)


class CreateUploadBody(_Body):
    session_id: ResourceId
    file_name: PlainText = Field(min_length=1, max_length=1024)
    content_type: PlainText = Field(min_length=1, max_length=255)
    size: StrictInt = Field(ge=0)


class InvokeBody(BaseModel):
    """`{"action": "invoke", "session_id", "message", "attachments": [file ids], "request_id"?}`."""

    model_config = ConfigDict(extra="ignore")

    action: Literal["invoke"] = "invoke"
    session_id: ResourceId
    message: Text = Field("", max_length=MAX_MESSAGE_CHARS)
    attachments: list[ResourceId] = Field(default_factory=list, max_length=MAX_ATTACHMENTS_PER_MESSAGE)
    # Echoed on every push of this run, so a client can tell two runs in one session apart.
    request_id: PlainText | None = Field(None, max_length=100)


__all__ = ["CreateUploadBody", "InvokeBody", "PostMessageBody", "StartSessionBody"]
