"""Stop (`cancel`) and edit / regenerate (`invoke` with `replaces`): what is kept, what is replaced, who may."""

from __future__ import annotations

from typing import Any

from a2g.agent_adapters import FinalText, TextDelta
from a2g.chat.cancel import stop_matches

from tests.unit.chat.chat_fakes import World, user, world


def _start(w: World, owner: str = "dev") -> str:
    session, _ = w.sessions.start_session(user(owner), "agt_1")
    return session.session_id


def _body(session_id: str, message: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"action": "invoke", "session_id": session_id, "message": message, **extra}


def _slow_answer(n: int = 40, pause: float = 0.02) -> list[Any]:
    events: list[Any] = []
    for i in range(n):
        events += [TextDelta(f"w{i} "), pause]
    return events


async def test_stop_ends_the_run_keeps_what_streamed_and_saves_it_as_stopped() -> None:
    w = world()
    session_id = _start(w)
    w.adapter.events = [*_slow_answer(), FinalText("never shown")]
    # the user presses Stop while the answer streams (the cancel action, as another invocation would)
    w.stops.on_read = lambda n: n == 3 and w.cancel_service().handle(
        user("dev"), {"action": "cancel", "session_id": session_id, "request_id": "r1"})

    outcome = await w.invoke_service().handle(user("dev"), "c", _body(session_id, request_id="r1"))

    assert outcome.status == "stopped"
    streamed = "".join(p["delta"] for p in w.pusher.pushed if p["type"] == "chunk")
    assert streamed and streamed.startswith("w0 ") and len(streamed.split()) < 40  # cut short
    saved = w.chats.messages[session_id]
    assert [(m.role, m.status) for m in saved] == [("user", "complete"), ("assistant", "stopped")]
    assert saved[1].content == streamed  # what the user saw, not the final text
    final = w.pusher.pushed[-1]
    assert final["type"] == "message" and final["message"]["status"] == "stopped"
    assert final["message"]["error"] is None and final["message"]["content"] == streamed
    assert w.stops.stops == {}  # the run cleared the Stop it acted on
    assert w.tracing.active == {}  # and the run is marked done on the agent's trace


async def test_the_run_looks_for_a_stop_throttled_not_per_chunk() -> None:
    w = world()
    session_id = _start(w)
    w.adapter.events = [TextDelta("x") for _ in range(500)]
    await w.invoke_service().handle(user("dev"), "c", _body(session_id))
    assert w.stops.reads < 50  # 500 chunks in well under a second, polled every 20 ms at most


async def test_a_silent_agent_is_stopped_too() -> None:
    w = world()
    session_id = _start(w)
    w.adapter.events = [1.5, TextDelta("late")]
    w.stops.on_read = lambda n: n == 2 and w.cancel_service().handle(
        user("dev"), {"action": "cancel", "session_id": session_id})

    outcome = await w.invoke_service().handle(user("dev"), "c", _body(session_id))

    assert outcome.status == "stopped"
    assert w.chats.messages[session_id][-1].content == "" and w.chats.messages[session_id][-1].status == "stopped"


async def test_a_stop_for_another_run_or_an_earlier_one_does_not_stop_this_run() -> None:
    w = world()
    session_id = _start(w)
    w.stops.request_stop("dev", session_id, "old-run", "2000-01-01T00:00:00.000Z")
    w.adapter.events = _slow_answer(10, 0.01)
    outcome = await w.invoke_service().handle(user("dev"), "c", _body(session_id, request_id="new-run"))
    assert outcome.status == "complete"

    assert not stop_matches(("old", "2030-01-01T00:00:00.000Z"), "new", "2000-01-01T00:00:00.000Z")
    assert stop_matches(("r", "2000-01-01T00:00:00.000Z"), "r", "2030-01-01T00:00:00.000Z")
    assert not stop_matches((None, "2000-01-01T00:00:00.000Z"), None, "2000-01-01T00:00:01.000Z")
    assert stop_matches((None, "2000-01-01T00:00:02.000Z"), None, "2000-01-01T00:00:01.000Z")


def test_only_the_sessions_owner_can_stop_it_and_bad_requests_are_refused() -> None:
    w = world()
    session_id = _start(w)
    other = w.cancel_service().handle(user("mallory"), {"action": "cancel", "session_id": session_id})
    assert other["type"] == "error" and other["error"]["code"] == "not_found" and other["action"] == "cancel"
    assert w.stops.stops == {}
    for principal, body, code in [
        (None, {"session_id": session_id}, "unauthenticated"),
        (user("dev", role="PENDING"), {"session_id": session_id}, "pending_approval"),
        (user("dev"), {"session_id": "x" * 300}, "validation_error"),
        (user("dev"), {"session_id": session_id, "request_id": "r" * 101}, "validation_error"),
        (user("dev"), None, "validation_error"),
    ]:
        reply = w.cancel_service().handle(principal, body)
        assert reply["type"] == "error" and reply["error"]["code"] == code, (body, reply)
        assert reply["request_id"] is None or len(reply["request_id"]) <= 100
    assert w.stops.stops == {}
    ok = w.cancel_service().handle(user("dev"), {"action": "cancel", "session_id": session_id, "request_id": "r"})
    assert ok == {"type": "stopping", "session_id": session_id, "request_id": "r"}
    assert w.stops.stops[("dev", session_id)][0] == "r"


async def test_edit_and_resend_replaces_the_last_question_and_its_answer() -> None:
    w = world()
    session_id = _start(w)
    w.adapter.events = [TextDelta("first answer")]
    await w.invoke_service().handle(user("dev"), "c", _body(session_id, "first"))
    w.adapter.events = [TextDelta("old answer")]
    await w.invoke_service().handle(user("dev"), "c", _body(session_id, "typo question"))
    old_question = w.chats.messages[session_id][2]
    w.pusher.pushed.clear()
    w.adapter.events = [TextDelta("new answer")]

    outcome = await w.invoke_service().handle(
        user("dev"), "c", _body(session_id, "fixed question", replaces=old_question.message_id))

    assert outcome.status == "complete"
    assert [m.content for m in w.chats.messages[session_id]] == [
        "first", "first answer", "fixed question", "new answer"]
    started = w.pusher.pushed[0]
    assert started["type"] == "run_started" and len(started["replaced"]) == 2
    assert old_question.message_id in started["replaced"]
    # the agent's history is the conversation as it now reads: the replaced turn is not in it
    assert [t.content for t in w.adapter.calls[-1].history] == ["first", "first answer"]
    assert w.chats.get_session("dev", session_id).message_count == 4  # type: ignore[union-attr]
    # the new question was saved before the old one went (nothing typed is lost on a failure in between)
    events = w.chats.events
    assert events.index("message:user:complete", len(events) - 6) < events.index(f"delete:{old_question.message_id}")


async def test_only_the_last_question_can_be_replaced() -> None:
    w = world()
    session_id = _start(w)
    w.adapter.events = [TextDelta("a")]
    await w.invoke_service().handle(user("dev"), "c", _body(session_id, "one"))
    await w.invoke_service().handle(user("dev"), "c", _body(session_id, "two"))
    first = w.chats.messages[session_id][0]
    answer = w.chats.messages[session_id][1]
    for replaces in (first.message_id, answer.message_id, "msg_unknown"):
        outcome = await w.invoke_service().handle(user("dev"), "c", _body(session_id, "x", replaces=replaces))
        assert outcome.status == "rejected" and outcome.error["code"] == "not_last_message"  # type: ignore[index]
    assert len(w.chats.messages[session_id]) == 4  # nothing changed
    # another user cannot replace the owner's question either: their session lookup already fails
    last = w.chats.messages[session_id][2]
    outcome = await w.invoke_service().handle(user("mallory"), "c", _body(session_id, "x", replaces=last.message_id))
    assert outcome.status == "rejected" and outcome.error["code"] == "not_found"  # type: ignore[index]
    assert len(w.chats.messages[session_id]) == 4


async def test_a_stopped_answer_stays_in_the_agents_history() -> None:
    w = world()
    session_id = _start(w)
    w.adapter.events = _slow_answer(30)
    w.stops.on_read = lambda n: n == 2 and w.cancel_service().handle(user("dev"), {"session_id": session_id})
    await w.invoke_service().handle(user("dev"), "c", _body(session_id, "q1"))
    w.stops.on_read = None
    w.adapter.events = [TextDelta("ok")]
    await w.invoke_service().handle(user("dev"), "c", _body(session_id, "q2"))
    history = w.adapter.calls[-1].history
    assert [t.role for t in history] == ["user", "assistant"] and history[1].content.startswith("w0 ")
