"""Stop, and edit and resend, on the local runtime over a real WebSocket: the Stop is a second WebSocket
message handled by another function invocation (ws_cancel) that reaches the running ws_invoke only through
ChatsTable, as on AWS; a slow agent (Agno on a mock LLM that pauses between chunks) is stopped mid-answer."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import pytest
from helpers import SignedInUser

from tests.e2e.chat.chat_e2e_support import ChatSocket, Run
from tests.e2e.tracing.mock_llm import MockLlm

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e

LONG = " ".join(f"word{i}" for i in range(60))


def _start(user: SignedInUser, agent_id: str) -> dict[str, Any]:
    response = user.post(f"/api/agents/{agent_id}/sessions", json={})
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def _read_until(socket: ChatSocket, kinds: set[str], run: Run, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        push = json.loads(socket.connection.recv(timeout=max(0.1, deadline - time.monotonic())))
        run.pushes.append(push)
        if push.get("type") in kinds:
            return dict(push)


def test_stop_ends_a_slow_run_and_keeps_what_streamed(
    chat_runtime: RuntimeProcess, developer: SignedInUser, colleague: SignedInUser,
    agno_agent: dict[str, Any], chat_llm: MockLlm,
) -> None:  # fmt: skip
    session = _start(developer, agno_agent["id"])
    chat_llm.script = lambda body: LONG
    chat_llm.chunks, chat_llm.pause_s = 30, 0.4  # about 12 s for the whole answer
    owner = ChatSocket(chat_runtime.ws_connect_url(token=developer.token))
    other = ChatSocket(chat_runtime.ws_connect_url(token=colleague.token))
    try:
        owner.send_invoke(session["session_id"], "tell me a long story", request_id="story-1")
        run = Run()
        _read_until(owner, {"chunk"}, run)
        _read_until(owner, {"chunk"}, run)  # two pieces have streamed

        # someone else cannot stop it: their Stop is refused and changes nothing
        other.connection.send(json.dumps({"action": "cancel", "session_id": session["session_id"],
                                          "request_id": "story-1"}))  # fmt: skip
        refused = json.loads(other.connection.recv(timeout=30))
        assert refused["type"] == "error" and refused["action"] == "cancel", refused
        assert refused["error"]["code"] == "not_found"

        owner.connection.send(json.dumps({"action": "cancel", "session_id": session["session_id"],
                                          "request_id": "story-1"}))  # fmt: skip
        final = _read_until(owner, {"message", "error"}, run, timeout=60)
    finally:
        chat_llm.script, chat_llm.chunks, chat_llm.pause_s = None, 5, 0.05
        owner.close()
        other.close()

    assert [p["type"] for p in run.pushes].count("stopping") == 1, run.pushes
    assert final["type"] == "message", final
    assert final["message"]["status"] == "stopped" and final["message"]["error"] is None
    streamed = run.streamed
    assert streamed and LONG.startswith(streamed) and len(streamed) < len(LONG)  # cut short
    assert final["message"]["content"] == streamed  # exactly what the browser saw
    messages = developer.get(f"/api/sessions/{session['session_id']}/messages").json()["items"]
    assert [(m["role"], m["status"]) for m in messages] == [("user", "complete"), ("assistant", "stopped")]
    assert messages[1]["content"] == streamed


def test_edit_and_resend_replaces_the_last_question_and_answer_in_history(
    chat_runtime: RuntimeProcess, developer: SignedInUser, agno_agent: dict[str, Any]
) -> None:
    session = _start(developer, agno_agent["id"])
    socket = ChatSocket(chat_runtime.ws_connect_url(token=developer.token))
    try:
        socket.invoke(session["session_id"], "first")
        socket.invoke(session["session_id"], "secnod")
        items = developer.get(f"/api/sessions/{session['session_id']}/messages").json()["items"]
        typo = items[2]
        edited = socket.invoke(session["session_id"], "second", replaces=typo["message_id"])
        stale = socket.invoke(session["session_id"], "again", replaces=typo["message_id"])
    finally:
        socket.close()
    assert edited.pushes[0]["type"] == "run_started"
    assert set(edited.pushes[0]["replaced"]) == {typo["message_id"], items[3]["message_id"]}
    assert edited.final["message"]["content"] == "echo: second"
    assert stale.final["type"] == "error" and stale.final["error"]["code"] == "not_last_message"
    assert stale.final["message"] is None
    messages = developer.get(f"/api/sessions/{session['session_id']}/messages").json()["items"]
    assert [m["content"] for m in messages] == ["first", "echo: first", "second", "echo: second"]
    assert developer.get(f"/api/sessions/{session['session_id']}").json()["message_count"] == 4
