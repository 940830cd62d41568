"""Playground rules: chat sessions and their history, and file attachments.

Sessions belong to one user and one agent and own a live trace. Who may open one is `chat_mode_for`
(ports.py); everything after that is keyed by the caller's own user id, so another user's session or file
is simply "not found". Talking to the agent is invoke.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from a2g.chat.models import AttachmentRef, ChatMessage, ChatSession, Page, Role, StoredFile, new_message_id
from a2g.chat.ports import AgentDirectory, ChatStore, SessionTracing, chat_mode_for
from a2g.chat.storage import FileStorage
from a2g.clock import Clock, iso
from a2g.errors import NotFound, PayloadTooLarge, ValidationFailed
from a2g.identity.principal import Principal
from a2g.ids import new_id
from a2g.log import logger

MAX_MESSAGE_CHARS = 100_000
MAX_ATTACHMENTS_PER_MESSAGE = 10
MAX_TITLE_CHARS = 80
MAX_FILE_NAME_CHARS = 200
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def page_size(limit: int | None, default: int = DEFAULT_PAGE_SIZE) -> int:
    if limit is None:
        return default
    if limit < 1 or limit > MAX_PAGE_SIZE:
        raise ValidationFailed(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    return limit


# Headings, quotes and list bullets at the start of a line are not part of a title.
_MARKDOWN_LINE_PREFIX = re.compile(r"^(?:#{1,6}\s+|>\s*|[-*+]\s+)+")


def title_from(message: str, attachments: tuple[AttachmentRef, ...] = ()) -> str:
    """A session's title: the first line of its first message, or the first attached file's name."""
    for line in message.splitlines():
        line = _MARKDOWN_LINE_PREFIX.sub("", " ".join(line.split())).strip()
        if line:
            return line if len(line) <= MAX_TITLE_CHARS else line[: MAX_TITLE_CHARS - 1].rstrip() + "…"
    return attachments[0].file_name[:MAX_TITLE_CHARS] if attachments else ""


def sanitize_file_name(raw: str) -> str:
    """A display name that cannot be a path: no directories, no control or reserved characters.

    The name is never part of the S3 key (objects are stored under generated ids); this keeps it harmless
    in a Content-Disposition header and in a user's download folder.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*;')
    name = " ".join(name.split()).strip().lstrip(".").strip()
    if len(name) > MAX_FILE_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 16:
            name = stem[: MAX_FILE_NAME_CHARS - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_FILE_NAME_CHARS]
    return name or "file"


def normalize_content_type(raw: str) -> str:
    return (raw or "").split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class FilePolicy:
    """What may be uploaded, and for how long presigned URLs live (settings: A2G_FILES_*)."""

    max_bytes: int
    allowed_types: tuple[str, ...]
    upload_url_ttl_s: int = 600
    download_url_ttl_s: int = 300

    @classmethod
    def from_settings(cls, settings: Any) -> FilePolicy:
        types = tuple(t.strip().lower() for t in str(settings.files_allowed_types).split(",") if t.strip())
        return cls(
            max_bytes=int(settings.files_max_bytes),
            allowed_types=types,
            upload_url_ttl_s=int(settings.files_upload_url_ttl_seconds),
            download_url_ttl_s=int(settings.files_download_url_ttl_seconds),
        )

    def allows(self, content_type: str) -> bool:
        for allowed in self.allowed_types:
            if allowed == content_type:
                return True
            if allowed.endswith("/*") and content_type.startswith(allowed[:-1]):
                return True
        return False


def s3_key_for(user_id: str, session_id: str, file_id: str) -> str:
    """`files/<user_id>/<session_id>/<file_id>` (docs/data-model.md): generated ids only, never the name."""
    return f"files/{quote(user_id, safe='@._-')}/{session_id}/{file_id}"


class FileService:
    def __init__(self, chats: ChatStore, storage: FileStorage, clock: Clock, policy: FilePolicy):
        self._chats = chats
        self._storage = storage
        self._clock = clock
        self.policy = policy

    def create_upload(
        self, user: Principal, *, session_id: str, file_name: str, content_type: str, size: int
    ) -> dict[str, Any]:
        """Record the file and hand out a presigned POST that S3 accepts for exactly this file."""
        if self._chats.get_session(user.user_id, session_id) is None:
            raise NotFound("chat session not found")
        kind = normalize_content_type(content_type)
        if not kind or not self.policy.allows(kind):
            raise ValidationFailed(
                f"files of type {kind or 'unknown'!r} are not accepted",
                code="file_type_not_allowed",
                details={"allowed_types": list(self.policy.allowed_types)},
            )
        if size < 1:
            raise ValidationFailed("the file is empty", code="file_empty")
        if size > self.policy.max_bytes:
            raise PayloadTooLarge(
                f"the file is {size} bytes; the limit is {self.policy.max_bytes} bytes",
                code="file_too_large",
                details={"max_bytes": self.policy.max_bytes},
            )
        file_id = new_id("fil")
        stored = StoredFile(
            file_id=file_id,
            user_id=user.user_id,
            session_id=session_id,
            file_name=sanitize_file_name(file_name),
            content_type=kind,
            size=size,
            s3_key=s3_key_for(user.user_id, session_id, file_id),
            created_at=iso(self._clock.now()),
        )
        self._chats.put_file(stored)
        upload = self._storage.presign_upload(
            stored.s3_key, content_type=kind, size=size, expires_s=self.policy.upload_url_ttl_s
        )
        return {
            "file": stored.to_json(),
            "upload": {
                "method": "POST",
                "url": upload["url"],
                "fields": upload["fields"],
                "expires_in": self.policy.upload_url_ttl_s,
            },
            "max_bytes": self.policy.max_bytes,
        }

    def download(self, user: Principal, file_id: str) -> dict[str, Any]:
        """A short-lived download URL for the owner; anyone else gets "not found"."""
        stored = self._chats.get_file(user.user_id, file_id)
        if stored is None:
            raise NotFound("file not found")
        if self._storage.object_size(stored.s3_key) is None:
            raise NotFound("the file was never uploaded", code="file_not_uploaded")
        return {
            **stored.to_json(),
            "url": self.download_url(stored),
            "expires_in": self.policy.download_url_ttl_s,
        }

    def download_url(self, stored: StoredFile) -> str:
        return self._storage.presign_download(
            stored.s3_key,
            file_name=stored.file_name,
            content_type=stored.content_type,
            inline=stored.previewable,
            expires_s=self.policy.download_url_ttl_s,
        )

    def read(self, stored: StoredFile) -> bytes:
        return self._storage.read(stored.s3_key, max_bytes=self.policy.max_bytes)

    def attachments_for_message(self, user_id: str, session_id: str, file_ids: list[str]) -> list[StoredFile]:
        """The caller's uploaded files of this session, in the order given (duplicates dropped)."""
        unique = list(dict.fromkeys(f for f in file_ids if f))
        if len(unique) > MAX_ATTACHMENTS_PER_MESSAGE:
            raise ValidationFailed(f"at most {MAX_ATTACHMENTS_PER_MESSAGE} attachments per message")
        files = []
        for file_id in unique:
            stored = self._chats.get_file(user_id, file_id)
            if stored is None:
                raise NotFound(f"file {file_id} not found")
            if stored.session_id != session_id:
                raise ValidationFailed(
                    f"file {file_id} belongs to another chat session", code="file_session_mismatch"
                )
            actual = self._storage.object_size(stored.s3_key)
            if actual is None:
                raise ValidationFailed(
                    f"file {stored.file_name} has not been uploaded yet", code="file_not_uploaded"
                )
            if actual != stored.size or actual > self.policy.max_bytes:
                # S3 enforces the presigned policy; an emulator may not, so the size is checked again here.
                raise ValidationFailed(
                    f"file {stored.file_name} is {actual} bytes, not the {stored.size} announced",
                    code="file_size_mismatch",
                )
            files.append(stored)
        return files

    def delete_session_files(self, user_id: str, session_id: str) -> int:
        files = self._chats.files_of_session(user_id, session_id)
        if files:
            self._storage.delete([f.s3_key for f in files])
            self._chats.delete_files(files)
        return len(files)


class SessionService:
    def __init__(
        self,
        chats: ChatStore,
        agents: AgentDirectory,
        tracing: SessionTracing,
        files: FileService,
        clock: Clock,
    ):
        self._chats = chats
        self._agents = agents
        self._tracing = tracing
        self._files = files
        self._clock = clock

    def start_session(
        self, user: Principal, agent_id: str, *, title: str | None = None, reuse_latest: bool = False
    ) -> tuple[ChatSession, bool]:
        """A new session with its own trace; with `reuse_latest` (development mode) the user's most recent
        session with this agent is returned instead when there is one. Returns (session, created)."""
        mode = chat_mode_for(user, self._agents.get(agent_id))
        if reuse_latest:
            latest = self._chats.list_sessions(user.user_id, agent_id, 1, None).items
            if latest:
                return latest[0], False
        session_id = new_id("ses")
        trace_id = self._tracing.create_session_trace(user.user_id, agent_id, session_id)
        now = iso(self._clock.now())
        session = ChatSession(
            session_id=session_id,
            user_id=user.user_id,
            agent_id=agent_id,
            trace_id=trace_id,
            mode=mode,
            title=(title or "").strip()[:MAX_TITLE_CHARS],
            created_at=now,
            updated_at=now,
        )
        self._chats.put_session(session)
        logger.info(
            "chat session started", extra={"session_id": session_id, "agent_id": agent_id, "mode": mode}
        )
        return session, True

    def list_sessions(self, user: Principal, agent_id: str, limit: int | None, cursor: str | None) -> Page:
        """The caller's own sessions with the agent, most recently active first. Only the caller's data is
        read, so it is answered even when the agent has since been withdrawn or deleted."""
        return self._chats.list_sessions(user.user_id, agent_id, page_size(limit), cursor)

    def get_session(self, user: Principal, session_id: str) -> ChatSession:
        session = self._chats.get_session(user.user_id, session_id)
        if session is None:
            raise NotFound("chat session not found")
        return session

    def delete_session(self, user: Principal, session_id: str) -> None:
        """The session, its messages, its files (records and S3 objects) and its trace."""
        session = self.get_session(user, session_id)
        files = self._files.delete_session_files(user.user_id, session_id)
        messages = self._chats.delete_messages(session_id)
        self._chats.delete_session(user.user_id, session_id)
        try:
            self._tracing.delete_trace(session.trace_id)
        except Exception as exc:  # noqa: BLE001 - the chat is gone; the trace's entries expire anyway
            logger.warning(
                "could not delete a session trace", extra={"trace_id": session.trace_id, "error": str(exc)}
            )
        logger.info(
            "chat session deleted", extra={"session_id": session_id, "messages": messages, "files": files}
        )

    def post_message(
        self, user: Principal, session_id: str, *, role: Role, content: str, attachments: list[str]
    ) -> ChatMessage:
        """Store a message without calling the agent (clients that talk to the agent themselves, imports).
        The WebSocket `invoke` action is what calls the agent and stores both sides."""
        session = self.get_session(user, session_id)
        if len(content) > MAX_MESSAGE_CHARS:
            raise PayloadTooLarge(f"a message may have at most {MAX_MESSAGE_CHARS} characters")
        files = self._files.attachments_for_message(user.user_id, session_id, attachments)
        if not content.strip() and not files:
            raise ValidationFailed("the message is empty")
        refs = tuple(f.ref() for f in files)
        message = ChatMessage(
            message_id=new_message_id(),
            session_id=session_id,
            user_id=user.user_id,
            role=role,
            content=content,
            created_at=iso(self._clock.now()),
            attachments=refs,
            agent_id=session.agent_id if role == "assistant" else None,
        )
        title = title_from(content, refs) if role == "user" and not session.title else None
        if not self._chats.touch_session(
            user.user_id, session_id, at=message.created_at, new_messages=1, title=title
        ):
            raise NotFound("chat session not found")
        self._chats.put_message(message)
        return message

    def list_messages(self, user: Principal, session_id: str, limit: int | None, cursor: str | None) -> Page:
        self.get_session(user, session_id)
        return self._chats.list_messages(user.user_id, session_id, page_size(limit, default=100), cursor)
