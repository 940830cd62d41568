"""ChatsTable storage (docs/data-model.md) with PynamoDB.

| item     | pk                     | sk                    | gsi1pk / gsi1sk                                          |
|----------|------------------------|-----------------------|----------------------------------------------------------|
| session  | `USER#<user_id>`       | `SESSION#<session_id>`| `USER#<user_id>#AGENT#<agent_id>` / `<updated_at>#<id>`  |
| message  | `SESSION#<session_id>` | `MSG#<message_id>`    | -                                                        |
| file     | `USER#<user_id>`       | `FILE#<file_id>`      | `SESSION#<session_id>` / `FILE#<file_id>`                |
| usage    | `USER#<user_id>`       | `USES#<agent_id>`     | -                                                        |
| stop     | `USER#<user_id>`       | `STOP#<session_id>`   | - (ttl: a Stop the run loop reads, a2g.chat.cancel)      |
| popular  | `POPULAR#<yyyy-mm>#ALL` or `...#TEAM#<team>` | `AGENT#<agent_id>` | -                          |

The owner is part of the key of every session and file, so "get mine" is a GetItem and another user's id
simply is not found. Every access is a GetItem, a Query or a conditional write; nothing Scans.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, UpdateError

from a2g.chat.models import AgentUse, AttachmentRef, ChatMessage, ChatSession, Page, StoredFile
from a2g.db import Gsi1, PlatformModel, table_meta
from a2g.errors import ValidationFailed
from a2g.json_input import read_json

# DynamoDB items are capped at 400 KB; a message's text is kept well under it.
MAX_STORED_CONTENT_CHARS = 300_000


def _session_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def _session_index_pk(user_id: str, agent_id: str) -> str:
    return f"USER#{user_id}#AGENT#{agent_id}"


def _session_index_sk(updated_at: str, session_id: str) -> str:
    return f"{updated_at}#{session_id}"


def _is_condition_failure(exc: Exception) -> bool:
    cause = getattr(exc, "cause_response_code", None) or ""
    return "ConditionalCheckFailed" in str(cause) or "ConditionalCheckFailed" in str(exc)


# --- cursors ------------------------------------------------------------------------------------------
# A cursor is DynamoDB's LastEvaluatedKey, base64url JSON. Decoding checks that it points into the
# partition being queried, so a forged cursor cannot page through another user's items.


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, **expected: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = read_json(base64.urlsafe_b64decode(padded.encode()), max_depth=3)
    except (ValueError, TypeError, ValidationFailed):
        raise ValidationFailed("the cursor is not valid", code="invalid_cursor") from None
    if not isinstance(key, dict):
        raise ValidationFailed("the cursor is not valid", code="invalid_cursor")
    for attribute, value in expected.items():
        if (key.get(attribute) or {}).get("S") != value:
            raise ValidationFailed("the cursor is not valid", code="invalid_cursor")
    return key


# --- items --------------------------------------------------------------------------------------------


class SessionItem(PlatformModel):
    Meta = table_meta("chats")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi1 = Gsi1()
    session_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    agent_id = UnicodeAttribute()
    trace_id = UnicodeAttribute()
    mode = UnicodeAttribute()
    title = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    message_count = NumberAttribute(default=0)
    agent_state = MapAttribute[str, Any](null=True)  # type: ignore[no-untyped-call]

    def to_session(self) -> ChatSession:
        state = self.agent_state.as_dict() if self.agent_state is not None else {}
        return ChatSession(
            session_id=self.session_id,
            user_id=self.user_id,
            agent_id=self.agent_id,
            trace_id=self.trace_id,
            mode=self.mode,  # type: ignore[arg-type]
            title=self.title or "",
            created_at=self.created_at,
            updated_at=self.updated_at,
            message_count=int(self.message_count or 0),
            agent_state={str(k): str(v) for k, v in state.items()},
        )


class AttachmentAttribute(MapAttribute[str, Any]):
    file_id = UnicodeAttribute()
    file_name = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()


class MessageItem(PlatformModel):
    Meta = table_meta("chats")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    message_id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    role = UnicodeAttribute()
    content = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()
    attachments = ListAttribute(of=AttachmentAttribute, null=True)
    status = UnicodeAttribute(default="complete")
    error_code = UnicodeAttribute(null=True)
    error_message = UnicodeAttribute(null=True)
    agent_id = UnicodeAttribute(null=True)
    duration_ms = NumberAttribute(null=True)

    def to_message(self) -> ChatMessage:
        return ChatMessage(
            message_id=self.message_id,
            session_id=self.session_id,
            user_id=self.user_id,
            role=self.role,  # type: ignore[arg-type]
            content=self.content or "",
            created_at=self.created_at,
            attachments=tuple(
                AttachmentRef(a.file_id, a.file_name, a.content_type, int(a.size))
                for a in self.attachments or []
            ),
            status=self.status,  # type: ignore[arg-type]
            error_code=self.error_code,
            error_message=self.error_message,
            agent_id=self.agent_id,
            duration_ms=None if self.duration_ms is None else int(self.duration_ms),
        )


class FileItem(PlatformModel):
    Meta = table_meta("chats")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    gsi1 = Gsi1()
    file_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    file_name = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    s3_key = UnicodeAttribute()
    created_at = UnicodeAttribute()

    def to_file(self) -> StoredFile:
        return StoredFile(
            file_id=self.file_id,
            user_id=self.user_id,
            session_id=self.session_id,
            file_name=self.file_name,
            content_type=self.content_type,
            size=int(self.size),
            s3_key=self.s3_key,
            created_at=self.created_at,
        )


class UsageItem(PlatformModel):
    Meta = table_meta("chats")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = UnicodeAttribute(null=True)
    agent_id = UnicodeAttribute(null=True)
    uses = NumberAttribute(default=0)
    last_used_at = UnicodeAttribute(null=True)
    first_used_at = UnicodeAttribute(null=True)


# Ranking's popularity signal: uses of an agent per calendar month, by everyone and per team, ADDed on each
# invoke beside the user's own usage row. Monthly buckets keep "popular" recent, bound each partition to the
# agents used that month, and expire by TTL; ranking reads the current and the previous month.
POPULARITY_TTL_SECONDS = 100 * 86_400


def popularity_pk(month: str, team: str | None) -> str:
    """`POPULAR#<yyyy-mm>#ALL` (everyone) or `POPULAR#<yyyy-mm>#TEAM#<team>`."""
    return f"POPULAR#{month}#TEAM#{team}" if team else f"POPULAR#{month}#ALL"


class PopularityItem(PlatformModel):
    Meta = table_meta("chats")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # AGENT#<agent_id>
    agent_id = UnicodeAttribute(null=True)
    uses = NumberAttribute(default=0)
    ttl = NumberAttribute(null=True)


# Ranking's colleague signals, ADDed on a user's FIRST use of an agent only: how many users (everyone and
# per team) use each agent — `AGENTUSERS#ALL` / `AGENTUSERS#TEAM#<team>`, sk `AGENT#<agent_id>` — and, per
# agent, how many users it shares with each other agent — `COUSE#<agent_id>`, sk `AGENT#<other>` (item–item
# co-usage). Never decremented: "users who have used it".
CO_USE_MAX_AGENTS = 50  # a user's other agents counted at a first use (bounds its writes)


def agent_users_pk(team: str | None) -> str:
    return f"AGENTUSERS#TEAM#{team}" if team else "AGENTUSERS#ALL"


def co_use_pk(agent_id: str) -> str:
    return f"COUSE#{agent_id}"


class CountItem(PlatformModel):
    Meta = table_meta("chats")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # AGENT#<agent_id>
    agent_id = UnicodeAttribute(null=True)
    users = NumberAttribute(default=0)


# --- repositories -------------------------------------------------------------------------------------


class ChatRepository:
    """Sessions, messages and file records."""

    # sessions ------------------------------------------------------------------------------------------

    def put_session(self, session: ChatSession) -> None:
        SessionItem(
            pk=_session_pk(session.user_id),
            sk=f"SESSION#{session.session_id}",
            gsi1pk=_session_index_pk(session.user_id, session.agent_id),
            gsi1sk=_session_index_sk(session.updated_at, session.session_id),
            session_id=session.session_id,
            user_id=session.user_id,
            agent_id=session.agent_id,
            trace_id=session.trace_id,
            mode=session.mode,
            title=session.title,
            created_at=session.created_at,
            updated_at=session.updated_at,
            message_count=session.message_count,
            agent_state=session.agent_state or None,
        ).save(condition=SessionItem.pk.does_not_exist())

    def get_session(self, user_id: str, session_id: str) -> ChatSession | None:
        if not session_id or "#" in session_id:
            return None
        try:
            return SessionItem.get(_session_pk(user_id), f"SESSION#{session_id}").to_session()
        except SessionItem.DoesNotExist:
            return None

    def list_sessions(self, user_id: str, agent_id: str, limit: int, cursor: str | None) -> Page:
        """The user's sessions with one agent, most recently active first."""
        index_pk = _session_index_pk(user_id, agent_id)
        result = SessionItem.gsi1.query(
            index_pk,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=decode_cursor(cursor, gsi1pk=index_pk, pk=_session_pk(user_id)),
        )
        items = [item.to_session() for item in result]
        return Page(items, encode_cursor(result.last_evaluated_key) if len(items) >= limit else None)

    def touch_session(
        self, user_id: str, session_id: str, *, at: str, new_messages: int, title: str | None
    ) -> bool:
        """Record activity (updated time, message count, first title); False when the session is gone."""
        item = SessionItem(pk=_session_pk(user_id), sk=f"SESSION#{session_id}")
        actions: list[Any] = [
            SessionItem.updated_at.set(at),
            SessionItem.gsi1sk.set(_session_index_sk(at, session_id)),
            SessionItem.message_count.add(new_messages),
        ]
        if title:
            actions.append(SessionItem.title.set(title))
        try:
            item.update(actions=actions, condition=SessionItem.pk.exists())
        except UpdateError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def save_agent_state(self, user_id: str, session_id: str, state: dict[str, str]) -> bool:
        item = SessionItem(pk=_session_pk(user_id), sk=f"SESSION#{session_id}")
        try:
            item.update(actions=[SessionItem.agent_state.set(state)], condition=SessionItem.pk.exists())
        except UpdateError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def delete_session(self, user_id: str, session_id: str) -> None:
        SessionItem(pk=_session_pk(user_id), sk=f"SESSION#{session_id}").delete()

    # messages ------------------------------------------------------------------------------------------

    def put_message(self, message: ChatMessage) -> None:
        content = message.content
        if len(content) > MAX_STORED_CONTENT_CHARS:
            content = content[:MAX_STORED_CONTENT_CHARS] + "\n\n[... the rest of this message was cut ...]"
        MessageItem(
            pk=f"SESSION#{message.session_id}",
            sk=f"MSG#{message.message_id}",
            message_id=message.message_id,
            session_id=message.session_id,
            user_id=message.user_id,
            role=message.role,
            content=content,
            created_at=message.created_at,
            attachments=[
                AttachmentAttribute(  # type: ignore[no-untyped-call]
                    file_id=a.file_id, file_name=a.file_name, content_type=a.content_type, size=a.size
                )
                for a in message.attachments
            ]
            or None,
            status=message.status,
            error_code=message.error_code,
            error_message=message.error_message,
            agent_id=message.agent_id,
            duration_ms=message.duration_ms,
        ).save()

    def list_messages(self, user_id: str, session_id: str, limit: int, cursor: str | None) -> Page:
        """Oldest first, so a chat renders top to bottom and `next_cursor` continues downwards."""
        pk = f"SESSION#{session_id}"
        result = MessageItem.query(
            pk,
            MessageItem.sk.startswith("MSG#"),
            limit=limit,
            last_evaluated_key=decode_cursor(cursor, pk=pk),
        )
        items = [item.to_message() for item in result if item.user_id == user_id]
        return Page(items, encode_cursor(result.last_evaluated_key) if len(items) >= limit else None)

    def recent_messages(self, user_id: str, session_id: str, limit: int) -> list[ChatMessage]:
        """The last `limit` messages, oldest first (the history stateless agents are given)."""
        result = MessageItem.query(
            f"SESSION#{session_id}", MessageItem.sk.startswith("MSG#"), scan_index_forward=False, limit=limit
        )
        items = [item.to_message() for item in result if item.user_id == user_id]
        items.reverse()
        return items

    def delete_message(self, user_id: str, session_id: str, message_id: str) -> bool:
        """One message of the caller's session (edit and regenerate replace the last question and answer)."""
        try:
            MessageItem(pk=f"SESSION#{session_id}", sk=f"MSG#{message_id}").delete(
                condition=MessageItem.user_id == user_id
            )
        except DeleteError as exc:
            if _is_condition_failure(exc):
                return False
            raise
        return True

    def delete_messages(self, session_id: str) -> int:
        deleted = 0
        with MessageItem.batch_write() as batch:
            for item in MessageItem.query(f"SESSION#{session_id}", attributes_to_get=["pk", "sk"]):
                batch.delete(item)
                deleted += 1
        return deleted

    # files ---------------------------------------------------------------------------------------------

    def put_file(self, file: StoredFile) -> None:
        FileItem(
            pk=f"USER#{file.user_id}",
            sk=f"FILE#{file.file_id}",
            gsi1pk=f"SESSION#{file.session_id}",
            gsi1sk=f"FILE#{file.file_id}",
            file_id=file.file_id,
            user_id=file.user_id,
            session_id=file.session_id,
            file_name=file.file_name,
            content_type=file.content_type,
            size=file.size,
            s3_key=file.s3_key,
            created_at=file.created_at,
        ).save(condition=FileItem.pk.does_not_exist())

    def get_file(self, user_id: str, file_id: str) -> StoredFile | None:
        if not file_id or "#" in file_id:
            return None
        try:
            return FileItem.get(f"USER#{user_id}", f"FILE#{file_id}").to_file()
        except FileItem.DoesNotExist:
            return None

    def files_of_session(self, user_id: str, session_id: str) -> list[StoredFile]:
        return [
            item.to_file()
            for item in FileItem.gsi1.query(f"SESSION#{session_id}", FileItem.gsi1sk.startswith("FILE#"))
            if item.user_id == user_id
        ]

    def delete_files(self, files: Iterable[StoredFile]) -> None:
        with FileItem.batch_write() as batch:
            for file in files:
                batch.delete(FileItem(pk=f"USER#{file.user_id}", sk=f"FILE#{file.file_id}"))


class StopItem(PlatformModel):
    Meta = table_meta("chats")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # STOP#<session_id>
    request_id = UnicodeAttribute(null=True)
    requested_at = UnicodeAttribute()
    ttl = NumberAttribute(null=True)


STOP_TTL_SECONDS = 3600  # a Stop no run picked up is gone after an hour (runs last 15 minutes at most)


class RunStopRepository:
    """Stop requests of chat runs (`USER#<user_id>` / `STOP#<session_id>`), written by the `cancel` action and
    read by the run loop in another Lambda invocation. The owner is in the key: a Stop written by anyone else
    lands in their own partition, which no run of this user reads."""

    def request_stop(self, user_id: str, session_id: str, request_id: str | None, at: str) -> None:
        expires = int(datetime.fromisoformat(at).timestamp()) + STOP_TTL_SECONDS
        StopItem(pk=f"USER#{user_id}", sk=f"STOP#{session_id}", request_id=request_id, requested_at=at,
                 ttl=expires).save()  # fmt: skip

    def stop_of(self, user_id: str, session_id: str) -> tuple[str | None, str] | None:
        """(request id, requested at) of the latest Stop for the session, or None. Strongly consistent."""
        try:
            item = StopItem.get(f"USER#{user_id}", f"STOP#{session_id}", consistent_read=True)
        except StopItem.DoesNotExist:
            return None
        return item.request_id, item.requested_at

    def clear_stop(self, user_id: str, session_id: str) -> None:
        StopItem(pk=f"USER#{user_id}", sk=f"STOP#{session_id}").delete()


class UsageRepository:
    """Per-user, per-agent usage history (`USER#<user_id>` / `USES#<agent_id>`), read by ranking."""

    def record_use(self, user_id: str, agent_id: str, at: str, team: str | None = None,
                   popular: bool = True) -> None:
        """One more use, atomically (ADD), with the time of the latest and of the first; and, when `popular`,
        one more in the agent's popularity counters of `at`'s month (everyone, and `team` when given)."""
        usage = UsageItem(pk=f"USER#{user_id}", sk=f"USES#{agent_id}")
        usage.update(
            actions=[
                UsageItem.uses.add(1),
                UsageItem.last_used_at.set(at),
                UsageItem.first_used_at.set(UsageItem.first_used_at | at),
                UsageItem.user_id.set(user_id),
                UsageItem.agent_id.set(agent_id),
            ]
        )
        if not popular:
            return
        if int(usage.uses or 0) == 1:  # this user's first use of the agent (ADD returned the new count)
            self._count_new_user(user_id, agent_id, team)
        month = at[:7]
        expires = int(datetime.fromisoformat(at).timestamp()) + POPULARITY_TTL_SECONDS
        for scope in (None, team) if team else (None,):
            PopularityItem(pk=popularity_pk(month, scope), sk=f"AGENT#{agent_id}").update(
                actions=[
                    PopularityItem.uses.add(1),
                    PopularityItem.agent_id.set(agent_id),
                    PopularityItem.ttl.set(expires),
                ]
            )

    def _count_new_user(self, user_id: str, agent_id: str, team: str | None) -> None:
        """On a user's first use of an agent: one more user of it (everyone, and `team`), and one more
        user shared with each other agent this user uses ("people who use X also use Y", both ways).
        First uses are rare, so the few writes here are paid once per user and agent."""
        for scope in (None, team) if team else (None,):
            CountItem(pk=agent_users_pk(scope), sk=f"AGENT#{agent_id}").update(
                actions=[CountItem.users.add(1), CountItem.agent_id.set(agent_id)]
            )
        others = [u.agent_id for u in self.uses_of(user_id) if u.agent_id != agent_id][:CO_USE_MAX_AGENTS]
        for other in others:
            for source, target in ((other, agent_id), (agent_id, other)):
                CountItem(pk=co_use_pk(source), sk=f"AGENT#{target}").update(
                    actions=[CountItem.users.add(1), CountItem.agent_id.set(target)]
                )

    def agent_users(self, team: str | None = None) -> dict[str, int]:
        """How many users (of `team`, or everyone) have used each agent: one Query."""
        return {
            item.agent_id or item.sk.removeprefix("AGENT#"): int(item.users or 0)
            for item in CountItem.query(agent_users_pk(team))
        }

    def co_users(self, agent_id: str) -> dict[str, int]:
        """For each other agent, how many users used both it and `agent_id`: one Query."""
        return {
            item.agent_id or item.sk.removeprefix("AGENT#"): int(item.users or 0)
            for item in CountItem.query(co_use_pk(agent_id))
        }

    def agent_popularity(self, month: str, team: str | None = None) -> dict[str, int]:
        """Uses per agent in `month` (`yyyy-mm`), by everyone or by `team`: one Query."""
        return {
            item.agent_id or item.sk.removeprefix("AGENT#"): int(item.uses or 0)
            for item in PopularityItem.query(popularity_pk(month, team))
        }

    def uses_of(self, user_id: str) -> list[AgentUse]:
        """Every agent the user has chatted with: one Query on the user's partition."""
        return [
            AgentUse(
                user_id=user_id,
                agent_id=item.agent_id or item.sk.removeprefix("USES#"),
                uses=int(item.uses or 0),
                last_used_at=item.last_used_at or "",
                first_used_at=item.first_used_at,
            )
            for item in UsageItem.query(f"USER#{user_id}", UsageItem.sk.startswith("USES#"))
        ]
