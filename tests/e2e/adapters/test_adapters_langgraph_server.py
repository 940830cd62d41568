"""The LangGraph adapter against a real `langgraph dev` server (in-memory runtime, ChatOpenAI → the mock
LLM): the thread follows the platform session, the trace id reaches graph nodes through the run config,
tokens stream, and the state's last AI message is the answer."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from a2g.adapters.outbound import AsyncOutboundClient
from a2g.agent_adapters import FinalText, StateUpdate, TextDelta, adapter_for
from a2g.agent_adapters.langgraph import thread_id_for

from tests.e2e.adapters.servers import VENV_BIN, ServerProcess
from tests.e2e.tracing.mock_llm import MockLlm, all_text, free_port
from tests.unit.agent_adapters.adapter_fakes import call, collect

APP_DIR = Path(__file__).parent / "langgraph_app"


@pytest.fixture(scope="module")
def langgraph_server(mock_llm: MockLlm, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    app = tmp_path_factory.mktemp("langgraph") / "app"  # the dev server writes .langgraph_api/ beside it
    shutil.copytree(APP_DIR, app, ignore=shutil.ignore_patterns("__pycache__", ".langgraph_api"))
    server = ServerProcess(
        [str(VENV_BIN / "langgraph"), "dev", "--no-browser", "--no-reload", "--port", str(port),
         "--config", str(app / "langgraph.json")],
        cwd=app, name="langgraph",
        env={"A2G_TEST_LLM_BASE_URL": mock_llm.base_url, "LANGGRAPH_CLI_NO_ANALYTICS": "1",
             "LANGGRAPH_NO_VERSION_CHECK": "1", "LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false"},
        ready_url=f"http://127.0.0.1:{port}/ok",
        timeout=240,
    )  # fmt: skip
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _text(events: list) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_tokens_stream_in_the_sessions_thread_with_the_trace_in_config(
    langgraph_server: str, outbound: AsyncOutboundClient, mock_llm: MockLlm
) -> None:
    endpoint = {"base_url": langgraph_server, "langgraph_assistant_id": "agent"}
    events = await collect(
        adapter_for("LANGGRAPH", outbound).run(call("LANGGRAPH", endpoint, message="hello graph"))
    )
    assert _text(events) == "echo: hello graph"
    assert len([e for e in events if isinstance(e, TextDelta)]) >= 3
    assert FinalText("echo: hello graph") in events
    thread = thread_id_for("ses_1")
    assert StateUpdate("langgraph_thread", thread) in events
    assert "Platform trace: trc_1" in all_text(mock_llm.chat_requests()[-1]["body"])

    stored = (await outbound.get(f"{langgraph_server}/threads/{thread}")).json()
    assert stored["metadata"]["a2g_session_id"] == "ses_1"

    # the second turn continues the thread: the model sees the first exchange
    events = await collect(adapter_for("LANGGRAPH", outbound).run(
        call("LANGGRAPH", endpoint, message="second", state={"langgraph_thread": thread})))  # fmt: skip
    assert _text(events) == "echo: second"
    assert "hello graph" in all_text(mock_llm.chat_requests()[-1]["body"])


async def test_the_last_ai_message_of_the_state_is_the_answer(
    langgraph_server: str, outbound: AsyncOutboundClient
) -> None:
    endpoint = {"base_url": langgraph_server, "langgraph_assistant_id": "relay"}
    relay_call = replace(call("LANGGRAPH", endpoint, message="work on it"), session_id="ses_relay")
    events = await collect(adapter_for("LANGGRAPH", outbound).run(relay_call))
    assert "echo: work on it" in _text(events)  # the worker's tokens were shown live
    assert [e.text for e in events if isinstance(e, FinalText)][-1] == "Final: the worker has answered"


async def test_a_thread_the_server_lost_is_created_again(
    langgraph_server: str, outbound: AsyncOutboundClient
) -> None:
    endpoint = {"base_url": langgraph_server, "langgraph_assistant_id": "agent"}
    lost = replace(call("LANGGRAPH", endpoint, message="after restart"), session_id="ses_lost",
                   state={"langgraph_thread": thread_id_for("ses_lost")})  # fmt: skip
    events = await collect(adapter_for("LANGGRAPH", outbound).run(lost))
    assert _text(events) == "echo: after restart"
