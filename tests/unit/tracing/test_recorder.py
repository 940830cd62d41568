"""The recorder's delivery order: the call's own trace is pushed before the chat-run lookup finishes."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from typing import Any

from a2g.identity.principal import Principal
from a2g.tracing.broadcaster import TraceBroadcaster
from a2g.tracing.recorder import CallOutcome, CallRecorder
from a2g.tracing.repository import ActiveRun

from tests.unit.tracing.tracing_fakes import FakeConnections, FakeLogs, FakePusher, FakeTraces, FakeUsage


class BlockedRunLookup(FakeTraces):
    """A run lookup that does not answer until the test lets it (a slow Query)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.asked = threading.Event()

    def runs_at(self, agent_trace_id: str, at: str, at_epoch: int) -> list[ActiveRun]:
        self.asked.set()
        assert self.release.wait(10), "the test never released the lookup"
        return super().runs_at(agent_trace_id, at, at_epoch)


def test_agent_trace_is_pushed_while_the_run_lookup_is_pending_and_the_session_gets_the_tagged_entry() -> None:
    traces, logs, connections, pusher = BlockedRunLookup(), FakeLogs(), FakeConnections(), FakePusher()
    agent_trace = traces.create_trace("alice", "agent", agent_id="agt_1")
    session_trace = traces.create_trace("alice", "session", agent_id="agt_1", session_id="ses_1")
    traces.put_run(agent_trace, ActiveRun("ses_1", session_trace, "2000-01-01T00:00:00Z", 4_000_000_000, None))
    connections.subscribe("panel", "alice", agent_trace)
    connections.subscribe("history", "alice", session_trace)
    recorder = CallRecorder(logs, FakeUsage(), TraceBroadcaster(connections, pusher), ttl_days=30, runs=traces)
    outcome = CallOutcome(
        trace=traces.get_trace(agent_trace), principal=Principal("alice", "USER", "team-a", "api_key", "key_a"),
        kind="chat.completions", started_at=datetime.now(UTC), latency_ms=12.0, http_status=200,
        request_body={"model": "m", "messages": [{"role": "user", "content": "hi"}]}, model="m",
        response={"choices": [{"message": {"role": "assistant", "content": "hello"}}]},
    )

    async def scenario() -> dict[str, Any]:
        task = asyncio.ensure_future(recorder.record(outcome))
        for _ in range(500):  # the panel's push, while the lookup is still blocked
            if pusher.messages:
                break
            await asyncio.sleep(0.01)
        assert traces.asked.is_set() and not traces.release.is_set()
        assert [c for c, _ in pusher.messages] == ["panel"], "the agent trace was not pushed while the lookup was pending"
        assert logs.entries == [], "nothing is stored before the lookup tags the entry"
        traces.release.set()
        return await task

    entry = asyncio.run(scenario())
    live = pusher.messages[0][1]["entry"]
    assert live["trace_id"] == agent_trace and live["session_id"] is None
    assert [(c, m["trace_id"]) for c, m in pusher.messages] == [("panel", agent_trace), ("history", session_trace)]
    assert pusher.messages[1][1]["entry"]["session_id"] == "ses_1"
    assert entry["session_id"] == "ses_1" and logs.entries[0]["session_id"] == "ses_1"
    assert set(logs.by_trace) == {agent_trace, session_trace}


def test_a_running_call_is_pushed_to_the_agent_trace_and_the_chat_sessions_trace() -> None:
    traces, logs, connections, pusher = FakeTraces(), FakeLogs(), FakeConnections(), FakePusher()
    agent_trace = traces.create_trace("alice", "agent", agent_id="agt_1")
    session_trace = traces.create_trace("alice", "session", agent_id="agt_1", session_id="ses_1")
    traces.put_run(agent_trace, ActiveRun("ses_1", session_trace, "2000-01-01T00:00:00Z", 4_000_000_000, None))
    connections.subscribe("panel", "alice", agent_trace)
    connections.subscribe("playground", "alice", session_trace)
    recorder = CallRecorder(logs, FakeUsage(), TraceBroadcaster(connections, pusher), ttl_days=30, runs=traces)
    outcome = CallOutcome(
        trace=traces.get_trace(agent_trace), principal=Principal("alice", "USER", "team-a", "api_key", "key_a"),
        kind="chat.completions", started_at=datetime.now(UTC), latency_ms=12.0, http_status=200,
        request_body={"model": "m", "messages": [{"role": "user", "content": "hi"}]}, model="m",
        response={"choices": [{"message": {"role": "assistant", "content": "hello"}}]},
    )

    async def scenario() -> None:
        recorder.announce(outcome)
        await asyncio.sleep(0.05)
        recorder.progress(agent_trace, outcome.entry_id, "hel")
        await recorder.record(outcome)

    asyncio.run(scenario())
    seen = [(c, m["type"], m["entry"]["status"], m["entry"].get("session_id")) for c, m in pusher.messages]
    assert seen[:2] == [("panel", "trace.running", "running", None), ("playground", "trace.running", "running", "ses_1")]
    assert [(c, m["entry"].get("output_text")) for c, m in pusher.messages[2:4]] == [("panel", "hel"),
                                                                                   ("playground", "hel")]
    assert [(c, status) for c, _, status, _ in seen[4:]] == [("panel", "ok"), ("playground", "ok")]


def test_a_guessed_first_call_is_renamed_in_the_store_and_on_the_panel_when_a_later_request_names_it() -> None:
    traces, logs, connections, pusher = FakeTraces(), FakeLogs(), FakeConnections(), FakePusher()
    trace_id = traces.create_trace("alice", "agent", agent_id="agt_1")
    connections.subscribe("panel", "alice", trace_id)
    recorder = CallRecorder(logs, FakeUsage(), TraceBroadcaster(connections, pusher), ttl_days=30, runs=traces)
    transfer = {"id": "call_7", "type": "function", "function": {"name": "transfer_to_researcher", "arguments": "{}"}}
    tools = [{"type": "function", "function": {"name": "transfer_to_researcher", "parameters": {}}}]
    principal = Principal("alice", "USER", "team-a", "api_key", "key_a")

    def call(messages: list[dict[str, Any]], answer: dict[str, Any], extra: dict[str, Any]) -> CallOutcome:
        return CallOutcome(trace=traces.get_trace(trace_id), principal=principal, kind="chat.completions",
                           started_at=datetime.now(UTC), latency_ms=5.0, http_status=200, model="m",
                           request_body={"model": "m", "messages": messages, **extra},
                           response={"choices": [{"message": {"role": "assistant", **answer}}]})

    first = call([{"role": "system", "content": "You manage."}, {"role": "user", "content": "otters"}],
                 {"content": None, "tool_calls": [transfer]}, {"tools": tools, "parallel_tool_calls": False})
    second = call([{"role": "system", "content": "You research."}, {"role": "user", "content": "otters"},
                   {"role": "assistant", "name": "editor", "content": "", "tool_calls": [transfer]},
                   {"role": "tool", "tool_call_id": "call_7", "content": "Transferred"}], {"content": "Facts."}, {})

    async def scenario() -> None:
        await recorder.record(first)
        await recorder.record(second)

    asyncio.run(scenario())
    stored = [(e["entry_id"], e["agent_id"], e["agent_id_source"]) for e in logs.by_trace[trace_id]]
    assert stored == [(first.entry_id, "editor", "named_later"), (second.entry_id, "researcher", "handoff")]
    pushed = [(m["entry"]["agent_id"], m["entry"]["agent_id_source"])
              for _, m in pusher.messages if m["entry"]["entry_id"] == first.entry_id]
    assert pushed == [("supervisor", "leader"), ("editor", "named_later")]  # the guess live, then the name

class CountingExecutor:
    """Runs work inline and counts the hand-offs (the recorder's thread pools)."""

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, fn: Any, *args: Any) -> Any:
        import concurrent.futures

        self.submitted += 1
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - handed back to the awaiting coroutine
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, **_: Any) -> None:
        pass


def test_a_trace_known_to_have_no_listeners_costs_no_push_work_until_its_list_is_read_again() -> None:
    """Lambda's wiring (listener lists kept 5 s): while the cached list of a trace is empty, a call builds no
    running entry and hands nothing to the push threads; once the bound has passed the list is read again and
    a panel that subscribed meanwhile gets the call live."""
    traces, logs, connections, pusher = FakeTraces(), FakeLogs(), FakeConnections(), FakePusher()
    trace_id = traces.create_trace("alice", "agent", agent_id="agt_1")
    now = [100.0]
    pushes = CountingExecutor()
    recorder = CallRecorder(logs, FakeUsage(), TraceBroadcaster(connections, pusher, listeners_ttl=5.0,
                                                                fresh_ttl=5.0, monotonic=lambda: now[0]),
                            ttl_days=30, runs=traces, runs_ttl=5.0, monotonic=lambda: now[0],
                            push_executor=pushes)  # type: ignore[arg-type]

    def outcome(text: str) -> CallOutcome:
        return CallOutcome(
            trace=traces.get_trace(trace_id), principal=Principal("alice", "USER", "team-a", "api_key", "key_a"),
            kind="chat.completions", started_at=datetime.now(UTC), latency_ms=5.0, http_status=200,
            request_body={"model": "m", "messages": [{"role": "user", "content": text}]}, model="m",
            response={"choices": [{"message": {"role": "assistant", "content": "ok"}}]})

    async def call(text: str) -> None:
        made = outcome(text)
        recorder.announce(made)
        await asyncio.sleep(0)
        recorder.progress(trace_id, made.entry_id, "o")
        await recorder.record(made)

    async def scenario() -> list[int]:
        handed = []
        await call("first")  # reads the (empty) listener list and the runs: they are cached now
        handed.append(pushes.submitted)
        await call("second")
        await call("third")
        handed.append(pushes.submitted)
        connections.subscribe("panel", "alice", trace_id)
        now[0] += 6.0  # past the bound
        await call("fourth")
        handed.append(pushes.submitted)
        return handed

    first, quiet, later = asyncio.run(scenario())
    assert first >= 1 and quiet == first, "calls on a trace known to have no listeners were handed to pushes"
    assert later > quiet
    panel = [(m["type"], m["entry"].get("partial")) for c, m in pusher.messages if c == "panel"]
    assert panel[0] == ("trace.running", None) and panel[-1] == ("trace.entry", None), panel
    assert len(logs.entries) == 4  # every call stored all the same
