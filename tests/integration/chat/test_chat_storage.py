"""ChatRepository / UsageRepository against DynamoDB Local, S3FileStorage against moto's S3 server."""

from __future__ import annotations

from typing import Any

import boto3
import httpx
import pytest
from a2g.chat.models import AttachmentRef, ChatMessage, ChatSession, StoredFile, new_message_id
from a2g.chat.repository import ChatRepository, UsageRepository, encode_cursor
from a2g.chat.storage import S3FileStorage
from a2g.errors import ValidationFailed
from a2g.ids import new_id
from botocore.config import Config


def _session(user_id: str, agent_id: str, at: str, title: str = "") -> ChatSession:
    return ChatSession(
        session_id=new_id("ses"), user_id=user_id, agent_id=agent_id, trace_id=new_id("trc"),
        mode="development", title=title, created_at=at, updated_at=at,
    )  # fmt: skip


def _message(session: ChatSession, role: str, content: str, **extra: Any) -> ChatMessage:
    return ChatMessage(
        message_id=new_message_id(), session_id=session.session_id, user_id=session.user_id,
        role=role, content=content, created_at="2026-11-02T10:00:00.000Z", **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def test_sessions_round_trip_and_list_newest_activity_first_with_cursors(chat_tables: str) -> None:
    repo = ChatRepository()
    user = new_id("usr")
    first = _session(user, "agt_a", "2026-11-02T10:00:00.000Z")
    second = _session(user, "agt_a", "2026-11-02T10:00:01.000Z")
    third = _session(user, "agt_a", "2026-11-02T10:00:02.000Z")
    elsewhere = _session(user, "agt_b", "2026-11-02T10:00:03.000Z")
    for s in (first, second, third, elsewhere):
        repo.put_session(s)

    assert repo.get_session(user, first.session_id) == first
    assert repo.get_session("someone-else", first.session_id) is None
    assert repo.touch_session(
        user, first.session_id, at="2026-11-02T10:05:00.000Z", new_messages=2, title="Hi"
    )

    page = repo.list_sessions(user, "agt_a", 2, None)
    assert [s.session_id for s in page.items] == [first.session_id, third.session_id]
    assert page.items[0].title == "Hi" and page.items[0].message_count == 2
    rest = repo.list_sessions(user, "agt_a", 2, page.next_cursor)
    assert [s.session_id for s in rest.items] == [second.session_id]
    assert rest.next_cursor is None

    assert repo.save_agent_state(user, third.session_id, {"a2a_context_id": "ctx-1"})
    assert repo.get_session(user, third.session_id).agent_state == {"a2a_context_id": "ctx-1"}  # type: ignore[union-attr]

    repo.delete_session(user, second.session_id)
    assert repo.get_session(user, second.session_id) is None
    assert not repo.touch_session(
        user, second.session_id, at="2026-11-02T11:00:00.000Z", new_messages=1, title=None
    )
    assert not repo.save_agent_state(user, second.session_id, {"x": "y"})


def test_a_forged_cursor_cannot_page_another_users_sessions(chat_tables: str) -> None:
    repo = ChatRepository()
    victim = new_id("usr")
    repo.put_session(_session(victim, "agt_a", "2026-11-02T10:00:00.000Z"))
    forged = encode_cursor({"pk": {"S": f"USER#{victim}"}, "sk": {"S": "SESSION#x"},
                            "gsi1pk": {"S": f"USER#{victim}#AGENT#agt_a"}, "gsi1sk": {"S": "z"}})  # fmt: skip
    with pytest.raises(ValidationFailed):
        repo.list_sessions("attacker", "agt_a", 10, forged)
    with pytest.raises(ValidationFailed):
        repo.list_sessions("attacker", "agt_a", 10, "not-base64-json!")


def test_messages_keep_order_attachments_and_errors_and_are_deleted_with_the_session(
    chat_tables: str,
) -> None:
    repo = ChatRepository()
    session = _session(new_id("usr"), "agt_a", "2026-11-02T10:00:00.000Z")
    repo.put_session(session)
    ref = AttachmentRef("fil_1", "보고서.pdf", "application/pdf", 1234)
    written = [
        _message(session, "user", "hello **world**", attachments=(ref,)),
        _message(session, "assistant", "hi", agent_id="agt_a", duration_ms=321),
        _message(
            session,
            "assistant",
            "**The agent could not be reached.**",
            status="error",
            error_code="agent_unavailable",
            error_message="refused",
        ),
    ]
    for m in written:
        repo.put_message(m)
    page = repo.list_messages(session.user_id, session.session_id, 2, None)
    assert page.items == written[:2]
    assert repo.list_messages(session.user_id, session.session_id, 2, page.next_cursor).items == written[2:]
    assert repo.recent_messages(session.user_id, session.session_id, 2) == written[1:]
    assert repo.list_messages("intruder", session.session_id, 10, None).items == []
    assert repo.delete_messages(session.session_id) == 3
    assert repo.list_messages(session.user_id, session.session_id, 10, None).items == []


def test_a_huge_message_is_cut_under_the_item_limit(chat_tables: str) -> None:
    repo = ChatRepository()
    session = _session(new_id("usr"), "agt_a", "2026-11-02T10:00:00.000Z")
    repo.put_session(session)
    repo.put_message(_message(session, "assistant", "x" * 390_000))
    (stored,) = repo.list_messages(session.user_id, session.session_id, 10, None).items
    assert len(stored.content) < 310_000 and stored.content.endswith("was cut ...]")


def test_files_are_found_by_owner_and_by_session(chat_tables: str) -> None:
    repo = ChatRepository()
    user = new_id("usr")
    files = [
        StoredFile(
            new_id("fil"),
            user,
            "ses_1",
            f"f{i}.txt",
            "text/plain",
            3,
            f"files/{user}/ses_1/{i}",
            "2026-11-02T10:00:00.000Z",
        )
        for i in range(3)
    ]
    other = StoredFile(
        new_id("fil"), user, "ses_2", "o.txt", "text/plain", 3, "k", "2026-11-02T10:00:00.000Z"
    )
    for f in (*files, other):
        repo.put_file(f)
    assert repo.get_file(user, files[0].file_id) == files[0]
    assert repo.get_file("intruder", files[0].file_id) is None
    assert sorted(f.file_id for f in repo.files_of_session(user, "ses_1")) == sorted(f.file_id for f in files)
    assert repo.files_of_session("intruder", "ses_1") == []
    repo.delete_files(files)
    assert repo.files_of_session(user, "ses_1") == [] and repo.get_file(user, other.file_id) == other


def test_usage_history_counts_atomically_and_lists_a_users_agents(chat_tables: str) -> None:
    usage = UsageRepository()
    user = new_id("usr")
    usage.record_use(user, "agt_a", "2026-11-01T09:00:00.000Z")
    usage.record_use(user, "agt_a", "2026-11-02T09:00:00.000Z")
    usage.record_use(user, "agt_b", "2026-11-02T10:00:00.000Z")
    uses = {u.agent_id: u for u in usage.uses_of(user)}
    assert uses["agt_a"].uses == 2
    assert uses["agt_a"].first_used_at == "2026-11-01T09:00:00.000Z"
    assert uses["agt_a"].last_used_at == "2026-11-02T09:00:00.000Z"
    assert uses["agt_b"].uses == 1
    usage.record_use(user, "agt_own", "2026-11-03T10:00:00.000Z", popular=False)  # an owner's own chat
    assert {u.agent_id for u in usage.uses_of(user)} == {"agt_a", "agt_b", "agt_own"}
    popularity = usage.agent_popularity("2026-11")
    assert popularity.get("agt_b", 0) >= 1 and "agt_own" not in popularity
    # the usage items share the user's partition with sessions and files, and never leak into them
    ChatRepository().put_session(_session(user, "agt_a", "2026-11-02T10:00:00.000Z"))
    assert len(usage.uses_of(user)) == 3


def test_first_uses_count_users_per_agent_and_co_usage(chat_tables: str) -> None:
    usage = UsageRepository()
    a, b, c = (new_id("agt") for _ in range(3))
    first, second = new_id("usr"), new_id("usr")
    usage.record_use(first, a, "2026-11-01T09:00:00.000Z", team="ops")
    usage.record_use(first, a, "2026-11-01T10:00:00.000Z", team="ops")  # a repeat: no new user
    usage.record_use(first, b, "2026-11-02T09:00:00.000Z", team="ops")
    usage.record_use(second, a, "2026-11-02T09:00:00.000Z", team="sales")
    usage.record_use(second, c, "2026-11-02T10:00:00.000Z", team="sales", popular=False)  # an owner's chat
    assert {k: v for k, v in usage.agent_users().items() if k in (a, b, c)} == {a: 2, b: 1}
    assert {k: v for k, v in usage.agent_users("ops").items() if k in (a, b, c)} == {a: 1, b: 1}
    assert usage.co_users(a) == {b: 1} and usage.co_users(b) == {a: 1}
    assert usage.co_users(c) == {}


# --- S3 ------------------------------------------------------------------------------------------------


def _storage(s3: dict[str, Any]) -> S3FileStorage:
    def make() -> Any:
        return boto3.client("s3", endpoint_url=s3["endpoint"], region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test",
                            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))  # fmt: skip

    return S3FileStorage(s3["bucket"], internal_client=make(), presign_client=make())


def test_presigned_upload_then_download_read_and_delete(s3_server: dict[str, Any]) -> None:
    storage = _storage(s3_server)
    data = "안녕하세요 - a Korean text file\n".encode()
    key = f"files/usr_1/ses_1/{new_id('fil')}"
    post = storage.presign_upload(key, content_type="text/plain", size=len(data), expires_s=60)
    assert post["fields"]["key"] == key and post["fields"]["Content-Type"] == "text/plain"
    upload = httpx.post(post["url"], data=post["fields"], files={"file": ("x.txt", data, "text/plain")})
    assert upload.status_code in (200, 204), upload.text

    assert storage.object_size(key) == len(data)
    assert storage.read(key, max_bytes=1000) == data
    url = storage.presign_download(key, file_name="보고서 ../x.txt", content_type="text/plain", inline=False,
                                   expires_s=60)  # fmt: skip
    download = httpx.get(url)
    assert download.status_code == 200 and download.content == data
    assert download.headers["content-disposition"].startswith("attachment; filename=")
    assert "UTF-8''" in download.headers["content-disposition"]

    storage.delete([key])
    assert storage.object_size(key) is None
    assert httpx.get(url).status_code in (403, 404)  # S3 says 403 for a missing key without ListBucket


def test_a_tampered_download_url_is_refused(s3_server: dict[str, Any]) -> None:
    storage = _storage(s3_server)
    key = f"files/usr_1/ses_1/{new_id('fil')}"
    s3_server["client"].put_object(Bucket=s3_server["bucket"], Key=key, Body=b"secret")
    url = storage.presign_download(
        key, file_name="a.txt", content_type="text/plain", inline=True, expires_s=60
    )
    other = url.replace(key, key[:-1] + ("x" if key[-1] != "x" else "y"))
    assert httpx.get(other).status_code == 403
