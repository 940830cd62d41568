"""Request bodies and response models of the playground's HTTP routes, and the WebSocket `invoke` action."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from a2g.chat.models import ChatMode, MessageStatus, Role
from a2g.chat.service import MAX_ATTACHMENTS_PER_MESSAGE, MAX_MESSAGE_CHARS
from a2g.http.schemas import Page, ResponseModel
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
    # Echoed on every push of this run, so a client can tell two runs in one session apart (and Stop one).
    request_id: PlainText | None = Field(None, max_length=100)
    # Edit and resend / regenerate: the id of the session's last user message, which this message replaces
    # with its answer (both are deleted once this one is saved; `run_started` lists them in `replaced`).
    replaces: ResourceId | None = None


# ---- responses ------------------------------------------------------------------------------------------


class SessionView(ResponseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "session_id": "ses_01HX...", "agent_id": "agt_01HX...", "user_id": "alice", "trace_id": "trc_01HX...",
        "mode": "development", "title": "Booking a room", "message_count": 2,
        "created_at": "2026-05-01T09:00:00Z", "updated_at": "2026-05-01T09:01:00Z",
    }]})

    session_id: str
    agent_id: str
    user_id: str
    trace_id: str = Field(description="the session's own trace: subscribe to it for this chat's LLM calls")
    mode: ChatMode = Field(description="development (the owner's playground) or operation (a published agent)")
    title: str
    message_count: int
    created_at: str
    updated_at: str


REOPENED = {200: {"description": "`reuse_latest`: the latest session with this agent, reopened",
                  "model": SessionView}}
"""`responses=` of starting a session: 201 when new, 200 when an existing one is reopened."""


class SessionPage(Page):
    items: list[SessionView]


class AttachmentView(ResponseModel):
    file_id: str
    file_name: str
    content_type: str
    size: int
    previewable: bool = Field(description="an image or video the browser can show inline")


class MessageError(ResponseModel):
    code: str | None
    message: str


class MessageView(ResponseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "message_id": "msg_01HX...", "session_id": "ses_01HX...", "role": "user", "content": "Book room 4 at 10",
        "attachments": [], "status": "complete", "error": None, "created_at": "2026-05-01T09:00:00Z",
    }]})

    message_id: str
    session_id: str
    role: Role
    content: str = Field(description="markdown")
    attachments: list[AttachmentView]
    status: MessageStatus
    error: MessageError | None = Field(description="why the agent's answer failed (status `error`)")
    created_at: str
    agent_id: str | None = Field(None, description="assistant messages: the agent that answered")
    duration_ms: int | None = Field(None, description="assistant messages: how long the agent took")


class MessagePage(Page):
    items: list[MessageView]


class FileView(AttachmentView):
    session_id: str
    created_at: str


class PresignedUpload(ResponseModel):
    method: Literal["POST"]
    url: str = Field(description="POST a multipart form here: every `fields` entry, then `file` last")
    fields: dict[str, str]
    expires_in: int = Field(description="seconds")


class UploadTicket(ResponseModel):
    """The file's record and a presigned S3 POST for its bytes (they never pass through the API)."""

    file: FileView
    upload: PresignedUpload
    max_bytes: int


class FileDownload(FileView):
    url: str = Field(description="a short-lived download URL")
    expires_in: int = Field(description="seconds")


__all__ = [
    "REOPENED",
    "AttachmentView",
    "CreateUploadBody",
    "FileDownload",
    "FileView",
    "InvokeBody",
    "MessagePage",
    "MessageView",
    "PostMessageBody",
    "PresignedUpload",
    "SessionPage",
    "SessionView",
    "StartSessionBody",
    "UploadTicket",
]
