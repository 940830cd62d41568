"""The WebSocket `invoke` action: save first, stream, save the answer, push; failures become chat messages."""

from __future__ import annotations

import time
from typing import Any

from a2g.agent_adapters import AgentUnavailable, FinalText, Progress, StateUpdate, TextDelta
from a2g.chat.invoke import RunLimits, run_coroutine
from a2g.identity.principal import Principal

from tests.unit.chat.chat_fakes import World, agent, user, world


def _start(w: World, owner: str = "dev", agent_id: str = "agt_1") -> str:
    session, _ = w.sessions.start_session(user(owner), agent_id)
    return session.session_id


def _body(session_id: str, message: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"action": "invoke", "session_id": session_id, "message": message, **extra}


async def test_a_run_saves_the_user_message_first_streams_chunks_and_saves_the_answer() -> None:
    w = world()
    session_id = _start(w)
    seen_before_agent: list[list[str]] = []
    w.adapter.before_first = lambda: seen_before_agent.append(
        [m.role for m in w.chats.messages.get(session_id, [])]
    )
    w.adapter.events = [TextDelta("Hel"), TextDelta("lo "), TextDelta("there"), Progress("calling a tool")]

    outcome = await w.invoke_service().handle(user("dev"), "conn-1", _body(session_id, request_id="r1"))

    assert outcome.status == "complete"
    assert seen_before_agent == [["user"]]  # the user's message was stored before the agent was called
    messages = w.chats.messages[session_id]
    assert [(m.role, m.content, m.status) for m in messages] == [
        ("user", "hello", "complete"),
        ("assistant", "Hello there", "complete"),
    ]
    types = w.pusher.types()
    assert types[0] == "run_started" and types[-1] == "message"
    assert "progress" in types
    streamed = "".join(p["delta"] for p in w.pusher.pushed if p["type"] == "chunk")
    assert streamed == "Hello there"
    final = w.pusher.pushed[-1]
    assert final["message"]["content"] == "Hello there" and final["message"]["role"] == "assistant"
    assert all(p["session_id"] == session_id and p["request_id"] == "r1" for p in w.pusher.pushed)
    assert w.pusher.pushed[0]["message"]["content"] == "hello"


async def test_the_agent_gets_the_session_trace_and_the_run_is_marked_on_the_agent_trace() -> None:
    w = world(agent("agt_1", owner_id="dev", trace_id="trc_agent_9"))
    session_id = _start(w)
    session = w.chats.get_session("dev", session_id)
    w.adapter.events = [TextDelta("ok")]
    during: list[dict[str, Any]] = []
    w.adapter.before_first = lambda: during.append(dict(w.tracing.active))

    await w.invoke_service().handle(user("dev"), "conn-1", _body(session_id))

    call = w.adapter.calls[0]
    assert call.trace_id == session.trace_id  # type: ignore[union-attr]
    assert call.session_id == session_id and call.user_id == "dev"
    assert call.trace_headers() == {"X-A2G-Trace-Id": session.trace_id, "X-A2G-Session-Id": session_id}  # type: ignore[union-attr]
    active = during[0][("trc_agent_9", session_id)]
    assert active["session_trace_id"] == session.trace_id and active["user_id"] == "dev"  # type: ignore[union-attr]
    assert active["ttl_s"] >= 5
    assert w.tracing.active == {}  # marked done afterwards
    assert w.tracing.history == [f"started:trc_agent_9:{session_id}", f"finished:trc_agent_9:{session_id}"]


async def test_each_invoke_counts_one_use_and_touches_the_agent() -> None:
    w = world(agent("agt_1", owner_id="dev", status="PRODUCTION"))
    session_id = _start(w, owner="colleague")
    w.adapter.events = [TextDelta("ok")]
    service = w.invoke_service()
    await service.handle(user("colleague"), "c", _body(session_id))
    w.clock.advance(minutes=3)
    await service.handle(user("colleague"), "c", _body(session_id, "again"))
    use = w.usage.uses[("colleague", "agt_1")]
    assert use.uses == 2
    assert use.last_used_at > use.first_used_at  # type: ignore[operator]
    assert w.agents.touched == ["agt_1", "agt_1"]
    assert w.usage.popularity == {"agt_1": 2}


async def test_an_owners_own_chats_are_history_but_not_popularity() -> None:
    w = world(agent("agt_dev", owner_id="dev"), agent("agt_pub", owner_id="dev", status="PRODUCTION"))
    for agent_id in ("agt_dev", "agt_pub"):
        session_id = _start(w, agent_id=agent_id)
        w.adapter.events = [TextDelta("ok")]
        await w.invoke_service().handle(user("dev"), "c", _body(session_id))
    assert {key for key in w.usage.uses} == {("dev", "agt_dev"), ("dev", "agt_pub")}
    assert w.usage.popularity == {}


async def test_an_agent_that_is_down_leaves_the_user_message_and_an_error_message_in_the_chat() -> None:
    w = world()
    session_id = _start(w)
    w.adapter.events = [AgentUnavailable("http://agent.test could not be reached: ConnectError")]

    outcome = await w.invoke_service().handle(user("dev"), "c", _body(session_id, "are you there?"))

    assert outcome.status == "error"
    user_msg, assistant = w.chats.messages[session_id]
    assert (user_msg.role, user_msg.content) == ("user", "are you there?")
    assert assistant.role == "assistant" and assistant.status == "error"
    assert assistant.error_code == "agent_unavailable"
    assert "could not be reached" in assistant.content
    pushed = w.pusher.pushed[-1]
    assert pushed["type"] == "error" and pushed["error"]["code"] == "agent_unavailable"
    assert pushed["message"]["status"] == "error" and pushed["message"]["message_id"] == assistant.message_id
    assert w.tracing.active == {}


async def test_a_silent_agent_times_out_with_progress_pushed_meanwhile() -> None:
    w = world()
    session_id = _start(w)
    w.adapter.events = [TextDelta("thinking... "), 5.0, TextDelta("never")]
    limits = RunLimits(idle_timeout_s=0.4, run_timeout_s=10.0, progress_interval_s=0.1)

    started = time.monotonic()
    outcome = await w.invoke_service(limits).handle(user("dev"), "c", _body(session_id))
    elapsed = time.monotonic() - started

    assert outcome.status == "error" and outcome.error and outcome.error["code"] == "agent_timeout"
    assert elapsed < 2.0
    assert w.pusher.types().count("progress") >= 2
    assistant = w.chats.messages[session_id][-1]
    assert assistant.status == "error"
    assert assistant.content.startswith("thinking... ")  # the partial answer is kept above the error
    assert "did not answer in time" in assistant.content


async def test_a_run_over_the_overall_limit_is_stopped() -> None:
    w = world()
    session_id = _start(w)
    w.adapter.events = [TextDelta("a"), 0.15, TextDelta("b"), 0.15, TextDelta("c"), 0.15, TextDelta("d")]
    limits = RunLimits(idle_timeout_s=5.0, run_timeout_s=0.3, progress_interval_s=1.0)
    outcome = await w.invoke_service(limits).handle(user("dev"), "c", _body(session_id))
    assert outcome.error and outcome.error["code"] == "agent_timeout"
    assert "stopped after" in (outcome.error["message"])


async def test_a_browser_that_drops_does_not_lose_the_answer() -> None:
    w = world()
    session_id = _start(w)
    w.pusher.gone_after = 1  # run_started arrives, then the tab is closed
    w.adapter.events = [TextDelta("part one, "), 0.05, TextDelta("part two")]

    outcome = await w.invoke_service().handle(user("dev"), "c", _body(session_id))

    assert outcome.status == "complete" and outcome.connection_gone
    assert w.pusher.types() == ["run_started"]
    assert w.chats.messages[session_id][-1].content == "part one, part two"


async def test_another_users_session_is_refused_and_nothing_is_saved_or_called() -> None:
    w = world(agent("agt_1", owner_id="dev", status="PRODUCTION"))
    session_id = _start(w, owner="alice")
    outcome = await w.invoke_service().handle(user("mallory"), "c", _body(session_id))
    assert outcome.status == "rejected" and outcome.error == {
        "code": "not_found",
        "message": "chat session not found",
    }
    assert w.pusher.types() == ["error"]
    assert w.adapter.calls == [] and session_id not in w.chats.messages


async def test_a_message_to_a_deleted_session_is_not_found() -> None:
    w = world()
    session_id = _start(w)
    w.sessions.delete_session(user("dev"), session_id)
    outcome = await w.invoke_service().handle(user("dev"), "c", _body(session_id))
    assert outcome.error and outcome.error["code"] == "not_found"
    assert w.adapter.calls == []


async def test_unauthenticated_pending_and_malformed_requests_are_refused() -> None:
    w = world()
    session_id = _start(w)
    service = w.invoke_service()
    assert (await service.handle(None, "c", _body(session_id))).error["code"] == "unauthenticated"  # type: ignore[index]
    pending = Principal(user_id="dev", role="PENDING", team="t")
    assert (await service.handle(pending, "c", _body(session_id))).error["code"] == "pending_approval"  # type: ignore[index]
    assert (await service.handle(user("dev"), "c", {"action": "invoke"})).error["code"] == "validation_error"  # type: ignore[index]
    assert (await service.handle(user("dev"), "c", None)).error["code"] == "validation_error"  # type: ignore[index]
    assert (await service.handle(user("dev"), "c", _body(session_id, "  "))).error[
        "code"
    ] == "validation_error"  # type: ignore[index]
    assert w.adapter.calls == [] and session_id not in w.chats.messages


async def test_a_withdrawn_agent_keeps_the_colleagues_message_and_explains() -> None:
    w = world(agent("agt_1", owner_id="dev", status="PRODUCTION"))
    session_id = _start(w, owner="colleague")
    w.agents.agents["agt_1"] = agent("agt_1", owner_id="dev", status="DEVELOPMENT")
    outcome = await w.invoke_service().handle(user("colleague"), "c", _body(session_id))
    assert outcome.status == "error"
    assert [m.role for m in w.chats.messages[session_id]] == ["user", "assistant"]
    assert "cannot be used" in w.chats.messages[session_id][-1].content
    assert w.adapter.calls == [] and w.usage.uses == {}


async def test_adapter_state_is_remembered_and_given_back_on_the_next_run() -> None:
    w = world()
    session_id = _start(w)
    w.adapter.events = [StateUpdate("a2a_context_id", "ctx-42"), TextDelta("one")]
    service = w.invoke_service()
    await service.handle(user("dev"), "c", _body(session_id, "first"))
    assert w.chats.get_session("dev", session_id).agent_state == {"a2a_context_id": "ctx-42"}  # type: ignore[union-attr]
    w.adapter.events = [TextDelta("two")]
    await service.handle(user("dev"), "c", _body(session_id, "second"))
    second_call = w.adapter.calls[1]
    assert second_call.state == {"a2a_context_id": "ctx-42"}
    assert [(t.role, t.content) for t in second_call.history] == [("user", "first"), ("assistant", "one")]


async def test_the_final_text_wins_and_a_missing_tail_is_pushed_as_a_chunk() -> None:
    w = world()
    session_id = _start(w)
    w.adapter.events = [TextDelta("worker says hi. "), FinalText("Supervisor: done")]
    await w.invoke_service().handle(user("dev"), "c", _body(session_id))
    assert w.chats.messages[session_id][-1].content == "Supervisor: done"

    w.pusher.pushed.clear()
    w.adapter.events = [TextDelta("Hello"), FinalText("Hello world")]
    await w.invoke_service().handle(user("dev"), "c", _body(session_id))
    assert "".join(p["delta"] for p in w.pusher.pushed if p["type"] == "chunk") == "Hello world"


async def test_an_empty_answer_is_reported() -> None:
    w = world()
    session_id = _start(w)
    w.adapter.events = []
    outcome = await w.invoke_service().handle(user("dev"), "c", _body(session_id))
    assert outcome.error and outcome.error["code"] == "empty_answer"


async def test_attachments_reach_the_adapter_with_their_bytes_and_a_download_url() -> None:
    w = world()
    session_id = _start(w)
    file_id = w.upload("dev", session_id, "cat.png", "image/png", b"\x89PNG-bytes")
    w.adapter.events = [TextDelta("a cat")]
    await w.invoke_service().handle(
        user("dev"), "c", _body(session_id, "what is this?", attachments=[file_id])
    )
    (attachment,) = w.adapter.calls[0].attachments
    assert (attachment.file_name, attachment.content_type, attachment.size) == ("cat.png", "image/png", 10)
    assert await attachment.read() == b"\x89PNG-bytes"
    assert attachment.url.startswith("http://s3.test/")
    saved_user_message = w.chats.messages[session_id][0]
    assert [a.file_id for a in saved_user_message.attachments] == [file_id]
    assert w.pusher.pushed[0]["message"]["attachments"][0]["previewable"] is True


async def test_a_session_deleted_during_the_run_drops_the_answer() -> None:
    w = world()
    session_id = _start(w)
    w.adapter.events = [TextDelta("slow answer")]
    w.adapter.before_first = lambda: w.sessions.delete_session(user("dev"), session_id)
    outcome = await w.invoke_service().handle(user("dev"), "c", _body(session_id))
    assert outcome.assistant_message is None
    assert session_id not in w.chats.messages


async def test_many_small_deltas_are_merged_while_a_push_is_in_flight() -> None:
    class SlowPusher:
        def __init__(self) -> None:
            self.pushed: list[dict[str, Any]] = []

        def push(self, connection_id: str, message: dict[str, Any]) -> None:
            time.sleep(0.02)
            self.pushed.append(message)

    w = world()
    session_id = _start(w)
    w.adapter.events = [TextDelta(f"{i} ") for i in range(200)]
    pusher = SlowPusher()
    await w.invoke_service(pusher=pusher).handle(user("dev"), "c", _body(session_id))
    chunks = [p for p in pusher.pushed if p["type"] == "chunk"]
    assert "".join(c["delta"] for c in chunks) == "".join(f"{i} " for i in range(200))
    assert len(chunks) < 20
    assert pusher.pushed[-1]["type"] == "message"


def test_run_coroutine_works_with_and_without_a_running_loop() -> None:
    async def answer() -> int:
        return 42

    assert run_coroutine(answer()) == 42
    assert run_coroutine(answer()) == 42  # the thread's loop is reused


async def test_run_coroutine_from_inside_a_running_loop_uses_a_thread() -> None:
    async def answer() -> str:
        return "ok"

    assert run_coroutine(answer()) == "ok"


async def test_a_long_korean_answer_is_pushed_cut_under_the_websocket_limit_and_saved_whole() -> None:
    import json

    w = world()
    session_id = _start(w)
    answer = "가나다라마바사" * 20_000  # 140,000 characters, 840 KB once JSON-escaped
    w.adapter.events = [FinalText(answer)]
    await w.invoke_service().handle(user("dev"), "c", _body(session_id))
    for push in w.pusher.pushed:
        assert len(json.dumps(push, separators=(",", ":"))) < 128 * 1024
    final = w.pusher.pushed[-1]["message"]
    assert (
        final["truncated"] is True and answer.startswith(final["content"]) and len(final["content"]) > 10_000
    )
    assert w.chats.messages[session_id][-1].content == answer
