"""The playground end to end on the local runtime: a user chats over the WebSocket with an Agno agent and
an A2A agent (real servers, streamed answers), history and permissions over HTTP, attachments through
presigned S3 URLs, an agent that is down, a browser that drops, and history surviving a restart."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from helpers import (
    SignedInUser,
    approved_user,
    create_api_key,
    pending_user,
    register_llm_model,
    sign_in,
)

from tests.e2e.adapters.a2a_test_agent import A2aTestServer
from tests.e2e.chat.chat_e2e_support import ChatSocket, create_agent, upload, wait_for_messages
from tests.e2e.tracing.mock_llm import MockLlm, free_port

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e


def _start(user: SignedInUser, agent_id: str, **body: Any) -> dict[str, Any]:
    response = user.post(f"/api/agents/{agent_id}/sessions", json=body)
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def _socket(rt: RuntimeProcess, user: SignedInUser) -> ChatSocket:
    return ChatSocket(rt.ws_connect_url(token=user.token))


def _assert_streamed_run(run: Any, text: str) -> None:
    assert run.pushes[0]["type"] == "run_started"
    assert len(run.of("chunk")) >= 2, run.pushes  # streamed in pieces, not one block at the end
    assert run.streamed == text
    assert run.final["type"] == "message", run.final
    assert run.final["message"]["role"] == "assistant" and run.final["message"]["content"] == text


def test_a_user_chats_with_an_a2a_agent_with_a_streamed_answer_and_history(
    chat_runtime: RuntimeProcess, developer: SignedInUser, a2a_agent: dict[str, Any],
    a2a_agent_server: A2aTestServer,
) -> None:  # fmt: skip
    session = _start(developer, a2a_agent["id"])
    assert session["mode"] == "development" and session["trace_id"]
    socket = _socket(chat_runtime, developer)
    try:
        run = socket.invoke(session["session_id"], "hello over a2a", request_id="req-1")
        _assert_streamed_run(run, "echo: hello over a2a")
        assert all(p.get("request_id") == "req-1" for p in run.pushes)
        second = socket.invoke(session["session_id"], "second turn")
        _assert_streamed_run(second, "echo: second turn")
    finally:
        socket.close()

    # the agent got the session's trace id and kept one A2A context for the conversation
    seen = a2a_agent_server.executor.seen[-2:]
    assert [s["metadata"]["a2g_trace_id"] for s in seen] == [session["trace_id"]] * 2
    assert seen[0]["context_id"] == seen[1]["context_id"]

    messages = developer.get(f"/api/sessions/{session['session_id']}/messages").json()["items"]
    assert [(m["role"], m["content"]) for m in messages] == [
        ("user", "hello over a2a"), ("assistant", "echo: hello over a2a"),
        ("user", "second turn"), ("assistant", "echo: second turn"),
    ]  # fmt: skip
    got = developer.get(f"/api/sessions/{session['session_id']}").json()
    assert got["title"] == "hello over a2a" and got["message_count"] == 4

    # development mode reopens the latest session
    reopened = developer.post(f"/api/agents/{a2a_agent['id']}/sessions", json={"reuse_latest": True})
    assert reopened.status_code == 200 and reopened.json()["session_id"] == session["session_id"]


def test_a_user_chats_with_an_agno_agent_with_a_streamed_answer(
    chat_runtime: RuntimeProcess, developer: SignedInUser, agno_agent: dict[str, Any]
) -> None:
    session = _start(developer, agno_agent["id"])
    socket = _socket(chat_runtime, developer)
    try:
        run = socket.invoke(session["session_id"], "hello agno")
    finally:
        socket.close()
    _assert_streamed_run(run, "echo: hello agno")
    messages = developer.get(f"/api/sessions/{session['session_id']}/messages").json()["items"]
    assert [m["content"] for m in messages] == ["hello agno", "echo: hello agno"]


def test_sessions_are_private_and_operation_mode_needs_a_published_agent(
    chat_runtime: RuntimeProcess, developer: SignedInUser, colleague: SignedInUser, a2a_agent: dict[str, Any]
) -> None:
    mine = _start(developer, a2a_agent["id"])
    sid = mine["session_id"]
    assert developer.post(f"/api/sessions/{sid}/messages", json={"content": "kept"}).status_code == 201

    # another user: the session and its messages do not exist for them
    assert colleague.get(f"/api/sessions/{sid}").status_code == 404
    assert colleague.get(f"/api/sessions/{sid}/messages").status_code == 404
    assert colleague.post(f"/api/sessions/{sid}/messages", json={"content": "x"}).status_code == 404
    assert colleague.delete(f"/api/sessions/{sid}").status_code == 404
    assert colleague.get(f"/api/agents/{a2a_agent['id']}/sessions").json()["items"] == []
    # ...nor can they chat with a development agent, over HTTP or the WebSocket
    refused = colleague.post(f"/api/agents/{a2a_agent['id']}/sessions", json={})
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    socket = _socket(chat_runtime, colleague)
    try:
        run = socket.invoke(sid, "let me in")
    finally:
        socket.close()
    assert run.pushes == [{"type": "error", "session_id": sid, "request_id": None, "message": None,
                           "error": {"code": "not_found", "message": "chat session not found"}}]  # fmt: skip
    assert [m["content"] for m in developer.get(f"/api/sessions/{sid}/messages").json()["items"]] == ["kept"]

    # published: any approved user chats, in operation mode, in sessions of their own
    published = developer.post(f"/api/my-agents/{a2a_agent['id']}/publish")
    assert published.status_code == 200, published.text
    try:
        theirs = _start(colleague, a2a_agent["id"])
        assert theirs["mode"] == "operation" and theirs["user_id"] == colleague.user_id
        socket = _socket(chat_runtime, colleague)
        try:
            run = socket.invoke(theirs["session_id"], "hi from a colleague")
        finally:
            socket.close()
        assert run.final["message"]["content"] == "echo: hi from a colleague"
        listed = colleague.get(f"/api/agents/{a2a_agent['id']}/sessions").json()["items"]
        assert [s["session_id"] for s in listed] == [theirs["session_id"]]
    finally:
        developer.post(f"/api/my-agents/{a2a_agent['id']}/withdraw")

    # a pending user is refused outright
    pending = pending_user(chat_runtime)
    try:
        assert pending.get(f"/api/agents/{a2a_agent['id']}/sessions").status_code == 403
    finally:
        pending.close()


def test_attachments_round_trip_through_presigned_urls_and_reach_the_agent(
    chat_runtime: RuntimeProcess, developer: SignedInUser, colleague: SignedInUser, a2a_agent: dict[str, Any],
    a2a_agent_server: A2aTestServer,
) -> None:  # fmt: skip
    session = _start(developer, a2a_agent["id"])
    sid = session["session_id"]
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489") + b"\x00" * 64
    image = upload(developer, sid, "../../secret/작은 그림.png", "image/png", png)
    assert image["file_name"] == "작은 그림.png" and image["previewable"] is True

    socket = _socket(chat_runtime, developer)
    try:
        run = socket.invoke(sid, "what is in the picture?", attachments=[image["file_id"]])
    finally:
        socket.close()
    assert run.final["type"] == "message", run.pushes
    assert run.pushes[0]["message"]["attachments"][0]["file_id"] == image["file_id"]
    (part,) = a2a_agent_server.executor.seen[-1]["files"]
    assert part["filename"] == "작은 그림.png" and part["mediaType"] == "image/png"

    download = developer.get(f"/api/files/{image['file_id']}")
    assert download.status_code == 200 and download.json()["previewable"] is True
    fetched = httpx.get(download.json()["url"], timeout=30)
    assert fetched.status_code == 200 and fetched.content == png
    assert fetched.headers["content-type"] == "image/png"
    assert colleague.get(f"/api/files/{image['file_id']}").status_code == 404

    # S3 holds the browser to what it announced: more bytes than declared are refused by the policy
    announced = developer.post("/api/files", json={"session_id": sid, "file_name": "small.png",
                                                   "content_type": "image/png", "size": 10})  # fmt: skip
    assert announced.status_code == 201
    policy = announced.json()["upload"]
    liar = httpx.post(policy["url"], data=policy["fields"], files={"file": ("small.png", b"x" * 5000, "image/png")},
                      timeout=30)  # fmt: skip
    assert liar.status_code in (400, 403), liar.text
    not_uploaded = developer.post(f"/api/sessions/{sid}/messages",
                                  json={"content": "x", "attachments": [announced.json()["file"]["file_id"]]})  # fmt: skip
    assert not_uploaded.status_code == 400 and not_uploaded.json()["error"]["code"] == "file_not_uploaded"

    # bad uploads: over the cap, a refused type, another user's session
    too_big = developer.post("/api/files", json={"session_id": sid, "file_name": "big.pdf",
                                                 "content_type": "application/pdf", "size": 10**10})  # fmt: skip
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "file_too_large"
    refused = developer.post("/api/files", json={"session_id": sid, "file_name": "run.exe",
                                                 "content_type": "application/x-msdownload", "size": 10})  # fmt: skip
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "file_type_not_allowed"
    foreign = colleague.post("/api/files", json={"session_id": sid, "file_name": "a.png",
                                                 "content_type": "image/png", "size": 10})  # fmt: skip
    assert foreign.status_code == 404

    # deleting the session deletes its messages and files, S3 objects included
    assert developer.delete(f"/api/sessions/{sid}").status_code == 204
    assert developer.get(f"/api/sessions/{sid}/messages").status_code == 404
    assert developer.get(f"/api/files/{image['file_id']}").status_code == 404
    assert httpx.get(download.json()["url"], timeout=30).status_code in (403, 404)
    socket = _socket(chat_runtime, developer)
    try:
        gone = socket.invoke(sid, "anyone?")
    finally:
        socket.close()
    assert gone.final["type"] == "error" and gone.final["error"]["code"] == "not_found"


def test_an_agent_that_is_down_gets_a_clear_message_and_the_users_message_is_kept(
    chat_runtime: RuntimeProcess, developer: SignedInUser
) -> None:
    dead = create_agent(developer, "Nobody home", "A2A", {"base_url": f"http://127.0.0.1:{free_port()}/"})
    session = _start(developer, dead["id"])
    socket = _socket(chat_runtime, developer)
    try:
        run = socket.invoke(session["session_id"], "is anyone there?")
    finally:
        socket.close()
    assert run.pushes[0]["type"] == "run_started"
    assert run.final["type"] == "error", run.pushes
    assert run.final["error"]["code"] in ("agent_unavailable", "upstream_error", "upstream_unreachable")
    messages = developer.get(f"/api/sessions/{session['session_id']}/messages").json()["items"]
    assert [(m["role"], m["status"]) for m in messages] == [("user", "complete"), ("assistant", "error")]
    assert messages[0]["content"] == "is anyone there?"
    assert "could not be reached" in messages[1]["content"]


def test_a_browser_that_drops_mid_run_still_gets_the_answer_from_history(
    chat_runtime: RuntimeProcess, developer: SignedInUser, agno_agent: dict[str, Any], chat_llm: MockLlm
) -> None:
    session = _start(developer, agno_agent["id"])
    chat_llm.pause_s = 0.4  # a slow model: the tab is closed while the answer is still coming
    try:
        socket = _socket(chat_runtime, developer)
        socket.send_invoke(session["session_id"], "long question")
        first = socket.connection.recv(timeout=60)
        assert '"run_started"' in first
        socket.close()
        messages = wait_for_messages(developer, session["session_id"], 2, timeout=90)
    finally:
        chat_llm.pause_s = 0.05
    assert [(m["role"], m["content"]) for m in messages] == [("user", "long question"),
                                                             ("assistant", "echo: long question")]  # fmt: skip


def test_history_survives_a_restart_of_the_local_runtime(
    runtime_factory: Any, a2a_agent_server: A2aTestServer
) -> None:
    rt = runtime_factory(in_memory=False)
    rt.require_functions(*("SessionsFunction", "WsInvokeFunction", "MyAgentsFunction"))
    user = approved_user(rt)
    agent = create_agent(user, "Echo A2A (disk)", "A2A", {"base_url": a2a_agent_server.url})
    session = _start(user, agent["id"])
    socket = _socket(rt, user)
    try:
        run = socket.invoke(session["session_id"], "remember me")
    finally:
        socket.close()
    assert run.final["type"] == "message"
    before = user.get(f"/api/sessions/{session['session_id']}/messages").json()["items"]
    user.close()

    restarted = rt.restart()
    # the same person signs in again on the restarted runtime (their account is on disk too)
    again = sign_in(restarted, user.user_id)
    try:
        after = again.get(f"/api/sessions/{session['session_id']}/messages")
        assert after.status_code == 200, after.text
        assert after.json()["items"] == before
        assert [m["content"] for m in before] == ["remember me", "echo: remember me"]
        listed = again.get(f"/api/agents/{agent['id']}/sessions").json()["items"]
        assert [s["session_id"] for s in listed] == [session["session_id"]]
        # and the conversation goes on
        socket = _socket(restarted, again)
        try:
            more = socket.invoke(session["session_id"], "still there?")
        finally:
            socket.close()
        assert more.final["message"]["content"] == "echo: still there?"
    finally:
        again.close()


def test_the_agents_llm_calls_land_in_the_sessions_live_trace(
    chat_runtime: RuntimeProcess, developer: SignedInUser, chat_llm: MockLlm
) -> None:
    """The developer's agent calls its LLM through the log-proxy with its agent trace (pasted once); while
    the platform's chat runs it, those calls also land in the chat session's own trace."""
    model = register_llm_model(chat_runtime, chat_llm.base_url, "chat-e2e")
    key = create_api_key(developer, "chat-e2e")["key"]
    server = A2aTestServer(chat_llm.base_url)
    agent = create_agent(developer, "Traced A2A", "A2A", {"base_url": server.url})
    server.executor.use_llm(agent["log_proxy_base_url"], key, model)
    server.start()
    try:
        session = _start(developer, agent["id"])
        socket = _socket(chat_runtime, developer)
        try:
            run = socket.invoke(session["session_id"], "trace this")
        finally:
            socket.close()
        assert run.final["type"] == "message", run.pushes
        assert run.final["message"]["content"] == "echo: trace this"
        deadline = time.monotonic() + 20
        entries: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not entries:
            logs = developer.get("/api/logs", params={"trace_id": session["trace_id"]})
            assert logs.status_code == 200, logs.text
            entries = logs.json()["items"]
            time.sleep(0.2)
        assert entries, "the agent's LLM call did not reach the session trace"
        assert entries[0]["model"] == model
    finally:
        server.stop()
