"""A call in flight, seen from the playground: a browser's WebSocket subscribed to a chat SESSION's trace sees the
agent's LLM call as `running` (its request, then its text growing) while the slow upstream still streams, and
then the finished entry replacing it (same entry id)."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import pytest
from helpers import SignedInUser, create_api_key, register_llm_model
from websockets.sync.client import connect

from tests.e2e.adapters.a2a_test_agent import A2aTestServer
from tests.e2e.chat.chat_e2e_support import ChatSocket, create_agent
from tests.e2e.tracing.mock_llm import MockLlm

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def slow_llm() -> Iterator[MockLlm]:
    llm = MockLlm(chunks=6, pause_s=0.5).start()  # ~3 s of streaming: long enough to be seen running
    yield llm
    llm.stop()


def test_a_session_trace_subscriber_sees_the_call_running_then_finished(
        chat_runtime: RuntimeProcess, developer: SignedInUser, slow_llm: MockLlm) -> None:
    model = register_llm_model(chat_runtime, slow_llm.base_url, "live-e2e")
    key = create_api_key(developer, "live-e2e")["key"]
    server = A2aTestServer(slow_llm.base_url)
    agent = create_agent(developer, "Live A2A", "A2A", {"base_url": server.url})
    server.executor.use_llm(agent["log_proxy_base_url"], key, model)
    server.start()
    try:
        started = developer.post(f"/api/agents/{agent['id']}/sessions", json={})
        assert started.status_code in (200, 201), started.text
        session = started.json()
        trace_url = chat_runtime.ws_connect_url(token=developer.token, trace_id=session["trace_id"])
        with connect(trace_url, open_timeout=30) as trace_ws:
            chat = ChatSocket(chat_runtime.ws_connect_url(token=developer.token))
            try:
                chat.send_invoke(session["session_id"], "watch me stream slowly please")
                seen: list[dict[str, Any]] = []
                deadline = time.monotonic() + 60
                while not any(m["type"] == "trace.entry" for m in seen):
                    message = json.loads(trace_ws.recv(timeout=max(0.01, deadline - time.monotonic())))
                    if message.get("type") in ("trace.running", "trace.entry"):
                        seen.append(message)
                run = chat.read_run()
            finally:
                chat.close()
    finally:
        server.stop()
    assert run.final["type"] == "message", run.pushes
    answer = run.final["message"]["content"]
    running = [m for m in seen if m["type"] == "trace.running"]
    finished = seen[-1]
    assert running, seen
    first = running[0]["entry"]
    assert first["status"] == "running" and first["model"] == model and first["api"] == "chat"
    assert first["trace_id"] == session["trace_id"] and first["session_id"] == session["session_id"]
    assert first["request"]["messages"][0]["content"] == "watch me stream slowly please"
    assert {m["entry"]["entry_id"] for m in running} == {first["entry_id"]}
    # the text grew while the upstream was still streaming: some push before the last one held part of it
    partial = [m["entry"].get("output_text") or "" for m in running]
    assert any(text and text != answer and answer.startswith(text) for text in partial), partial
    assert finished["entry"]["entry_id"] == first["entry_id"]
    assert finished["entry"]["status"] == "ok" and finished["entry"]["output_text"] == answer
