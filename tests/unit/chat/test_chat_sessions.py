"""Sessions, messages and files: who may do what, and what deleting removes."""

from __future__ import annotations

import pytest
from a2g.chat.service import sanitize_file_name, title_from
from a2g.errors import Conflict, NotFound, PayloadTooLarge, ValidationFailed

from tests.unit.chat.chat_fakes import agent, user, world

# --- who may chat --------------------------------------------------------------------------------------


def test_owner_of_a_development_agent_starts_a_development_session_with_its_own_trace() -> None:
    w = world(agent("agt_dev", owner_id="dev", status="DEVELOPMENT"))
    session, created = w.sessions.start_session(user("dev"), "agt_dev")
    assert created
    assert session.mode == "development"
    assert session.trace_id == "trc_session_1"
    assert w.tracing.created == [("dev", "agt_dev", session.session_id)]
    assert w.chats.get_session("dev", session.session_id) == session


def test_another_users_development_agent_is_not_found() -> None:
    w = world(agent("agt_dev", owner_id="dev", status="DEVELOPMENT"))
    with pytest.raises(NotFound):
        w.sessions.start_session(user("colleague"), "agt_dev")
    assert w.tracing.created == []


def test_any_approved_user_chats_with_a_production_agent_in_operation_mode() -> None:
    w = world(agent("agt_prod", owner_id="dev", status="PRODUCTION"))
    session, _ = w.sessions.start_session(user("colleague"), "agt_prod")
    assert session.mode == "operation"
    assert session.user_id == "colleague"


def test_a_disabled_agent_tells_its_owner_why_and_hides_from_everyone_else() -> None:
    w = world(agent("agt_off", owner_id="dev", status="DISABLED"))
    with pytest.raises(Conflict) as owner_error:
        w.sessions.start_session(user("dev"), "agt_off")
    assert owner_error.value.code == "agent_disabled"
    with pytest.raises(NotFound):
        w.sessions.start_session(user("colleague"), "agt_off")


def test_an_unknown_agent_is_not_found() -> None:
    with pytest.raises(NotFound):
        world().sessions.start_session(user("dev"), "agt_missing")


def test_development_mode_reopens_the_latest_session() -> None:
    w = world(agent("agt_1", owner_id="dev"))
    first, _ = w.sessions.start_session(user("dev"), "agt_1")
    w.clock.advance(seconds=5)
    second, _ = w.sessions.start_session(user("dev"), "agt_1")
    again, created = w.sessions.start_session(user("dev"), "agt_1", reuse_latest=True)
    assert not created
    assert again.session_id == second.session_id != first.session_id
    assert len(w.tracing.created) == 2


# --- reading and deleting ------------------------------------------------------------------------------


def test_another_users_session_is_404_for_get_messages_post_and_delete() -> None:
    w = world(agent("agt_1", owner_id="dev", status="PRODUCTION"))
    session, _ = w.sessions.start_session(user("alice"), "agt_1")
    w.sessions.post_message(user("alice"), session.session_id, role="user", content="hello", attachments=[])
    intruder = user("mallory")
    with pytest.raises(NotFound):
        w.sessions.get_session(intruder, session.session_id)
    with pytest.raises(NotFound):
        w.sessions.list_messages(intruder, session.session_id, None, None)
    with pytest.raises(NotFound):
        w.sessions.post_message(intruder, session.session_id, role="user", content="hi", attachments=[])
    with pytest.raises(NotFound):
        w.sessions.delete_session(intruder, session.session_id)
    assert [m.content for m in w.chats.messages[session.session_id]] == ["hello"]


def test_sessions_are_listed_newest_activity_first_and_paginated() -> None:
    w = world(agent("agt_1", owner_id="dev"))
    ids = []
    for _ in range(3):
        s, _ = w.sessions.start_session(user("dev"), "agt_1")
        ids.append(s.session_id)
        w.clock.advance(seconds=1)
    w.sessions.post_message(user("dev"), ids[0], role="user", content="bump", attachments=[])
    page = w.sessions.list_sessions(user("dev"), "agt_1", 2, None)
    assert [s.session_id for s in page.items] == [ids[0], ids[2]]
    rest = w.sessions.list_sessions(user("dev"), "agt_1", 2, page.next_cursor)
    assert [s.session_id for s in rest.items] == [ids[1]] and rest.next_cursor is None
    with pytest.raises(ValidationFailed):
        w.sessions.list_sessions(user("dev"), "agt_1", 0, None)


def test_the_first_user_message_names_the_session_and_counts() -> None:
    w = world()
    session, _ = w.sessions.start_session(user("dev"), "agt_1")
    w.sessions.post_message(
        user("dev"), session.session_id, role="user", content="# Translate\nthis", attachments=[]
    )
    w.sessions.post_message(user("dev"), session.session_id, role="assistant", content="ok", attachments=[])
    w.sessions.post_message(user("dev"), session.session_id, role="user", content="second", attachments=[])
    stored = w.sessions.get_session(user("dev"), session.session_id)
    assert stored.title == "Translate"
    assert stored.message_count == 3
    messages = w.sessions.list_messages(user("dev"), session.session_id, None, None).items
    assert [(m.role, m.content) for m in messages] == [("user", "# Translate\nthis"), ("assistant", "ok"),
                                                       ("user", "second")]  # fmt: skip
    assert messages[1].agent_id == "agt_1"


def test_an_empty_message_is_refused() -> None:
    w = world()
    session, _ = w.sessions.start_session(user("dev"), "agt_1")
    with pytest.raises(ValidationFailed):
        w.sessions.post_message(user("dev"), session.session_id, role="user", content="   ", attachments=[])


def test_deleting_a_session_removes_messages_files_objects_and_trace_then_messages_are_404() -> None:
    w = world()
    session, _ = w.sessions.start_session(user("dev"), "agt_1")
    file_id = w.upload("dev", session.session_id, "notes.txt", "text/plain", b"hello")
    w.sessions.post_message(
        user("dev"), session.session_id, role="user", content="see file", attachments=[file_id]
    )
    key = w.chats.get_file("dev", file_id).s3_key  # type: ignore[union-attr]
    assert key in w.storage.objects

    w.sessions.delete_session(user("dev"), session.session_id)

    assert w.chats.get_session("dev", session.session_id) is None
    assert session.session_id not in w.chats.messages
    assert w.chats.get_file("dev", file_id) is None
    assert key not in w.storage.objects and w.storage.deleted == [key]
    assert w.tracing.deleted == [session.trace_id]
    with pytest.raises(NotFound):
        w.sessions.post_message(
            user("dev"), session.session_id, role="user", content="still there?", attachments=[]
        )
    with pytest.raises(NotFound):
        w.files.download(user("dev"), file_id)


# --- files ---------------------------------------------------------------------------------------------


def test_upload_is_refused_over_the_cap_for_a_refused_type_and_for_another_users_session() -> None:
    w = world(max_bytes=100)
    session, _ = w.sessions.start_session(user("dev"), "agt_1")
    with pytest.raises(PayloadTooLarge) as too_big:
        w.files.create_upload(user("dev"), session_id=session.session_id, file_name="a.pdf",
                              content_type="application/pdf", size=101)  # fmt: skip
    assert too_big.value.code == "file_too_large"
    with pytest.raises(ValidationFailed) as bad_type:
        w.files.create_upload(user("dev"), session_id=session.session_id, file_name="a.exe",
                              content_type="application/x-msdownload", size=10)  # fmt: skip
    assert bad_type.value.code == "file_type_not_allowed"
    with pytest.raises(ValidationFailed):
        w.files.create_upload(user("dev"), session_id=session.session_id, file_name="a.svg",
                              content_type="text/html", size=10)  # fmt: skip
    with pytest.raises(NotFound):
        w.files.create_upload(user("mallory"), session_id=session.session_id, file_name="a.png",
                              content_type="image/png", size=10)  # fmt: skip
    assert w.storage.presigned_uploads == []


def test_upload_with_path_traversal_is_stored_under_generated_ids() -> None:
    w = world()
    session, _ = w.sessions.start_session(user("dev"), "agt_1")
    created = w.files.create_upload(user("dev"), session_id=session.session_id,
                                    file_name="../../etc/passwd\x00.png", content_type="Image/PNG; q=1", size=10)  # fmt: skip
    file = created["file"]
    assert file["file_name"] == "passwd.png"
    assert file["content_type"] == "image/png"
    key = w.storage.presigned_uploads[0]["key"]
    assert key == f"files/dev/{session.session_id}/{file['file_id']}"
    assert ".." not in key and "passwd" not in key
    assert w.storage.presigned_uploads[0]["size"] == 10
    assert created["upload"]["method"] == "POST" and created["max_bytes"] == 1024


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("....", "file"),
        ("", "file"),
        ("보고서 최종.docx", "보고서 최종.docx"),
        ('a<b>:"c".txt', "abc.txt"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_file_names_are_sanitised(raw: str, clean: str) -> None:
    assert sanitize_file_name(raw) == clean


def test_download_is_for_the_owner_only_and_previewable_for_images_and_videos() -> None:
    w = world()
    session, _ = w.sessions.start_session(user("dev"), "agt_1")
    image = w.upload("dev", session.session_id, "cat.png", "image/png", b"\x89PNG....")
    pdf = w.upload("dev", session.session_id, "doc.pdf", "application/pdf", b"%PDF-1.4")
    got = w.files.download(user("dev"), image)
    assert got["previewable"] is True and "inline=True" in got["url"] and got["expires_in"] == 300
    assert w.files.download(user("dev"), pdf)["previewable"] is False
    with pytest.raises(NotFound):
        w.files.download(user("mallory"), image)


def test_a_message_refers_only_to_uploaded_files_of_its_own_session() -> None:
    w = world()
    one, _ = w.sessions.start_session(user("dev"), "agt_1")
    two, _ = w.sessions.start_session(user("dev"), "agt_1")
    mine = w.upload("dev", one.session_id, "a.txt", "text/plain", b"abc")
    announced = w.files.create_upload(user("dev"), session_id=one.session_id, file_name="b.txt",
                                      content_type="text/plain", size=3)["file"]["file_id"]  # fmt: skip
    with pytest.raises(ValidationFailed) as other_session:
        w.sessions.post_message(user("dev"), two.session_id, role="user", content="x", attachments=[mine])
    assert other_session.value.code == "file_session_mismatch"
    with pytest.raises(ValidationFailed) as not_uploaded:
        w.sessions.post_message(
            user("dev"), one.session_id, role="user", content="x", attachments=[announced]
        )
    assert not_uploaded.value.code == "file_not_uploaded"
    with pytest.raises(NotFound):
        w.sessions.post_message(
            user("dev"), one.session_id, role="user", content="x", attachments=["fil_nope"]
        )
    message = w.sessions.post_message(
        user("dev"), one.session_id, role="user", content="", attachments=[mine]
    )
    assert [a.file_name for a in message.attachments] == ["a.txt"]


def test_an_object_larger_than_announced_is_refused_when_referenced() -> None:
    """S3 enforces the presigned policy; an emulator might not, so the size is checked again."""
    w = world()
    session, _ = w.sessions.start_session(user("dev"), "agt_1")
    file_id = w.upload("dev", session.session_id, "a.txt", "text/plain", b"abc")
    key = w.chats.get_file("dev", file_id).s3_key  # type: ignore[union-attr]
    w.storage.objects[key] = b"abc" * 1000
    with pytest.raises(ValidationFailed) as error:
        w.sessions.post_message(
            user("dev"), session.session_id, role="user", content="x", attachments=[file_id]
        )
    assert error.value.code == "file_size_mismatch"


def test_titles_come_from_the_first_line_or_the_file() -> None:
    assert title_from("\n\n  **Hello**  world \nmore") == "**Hello** world"
    assert title_from("x" * 200).endswith("…") and len(title_from("x" * 200)) == 80


def test_message_ids_increase_strictly_even_within_one_millisecond() -> None:
    from a2g.chat.models import new_message_id

    ids = [new_message_id() for _ in range(2000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(i.startswith("msg_") and len(i) == 30 for i in ids)
