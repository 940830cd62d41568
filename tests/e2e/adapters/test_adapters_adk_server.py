"""The ADK adapter against a real `adk api_server` (LiteLLM → the mock LLM): the session is created under
the platform's session id with the trace ids in its state, the answer streams, and a server that lost
its in-memory sessions (restarted) is handled."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from a2g.adapters.outbound import AsyncOutboundClient
from a2g.agent_adapters import StateUpdate, TextDelta, adapter_for

from tests.e2e.adapters.servers import VENV_BIN, ServerProcess
from tests.e2e.tracing.mock_llm import MockLlm, all_text, free_port
from tests.unit.agent_adapters.adapter_fakes import call, collect

AGENTS_DIR = Path(__file__).parent / "adk_agents"


@pytest.fixture(scope="module")
def adk_server(mock_llm: MockLlm, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    agents = tmp_path_factory.mktemp("adk") / "agents"
    shutil.copytree(AGENTS_DIR, agents, ignore=shutil.ignore_patterns("__pycache__", ".adk"))
    server = ServerProcess(
        # in-memory sessions, like a dev server: a restart forgets them (which the adapter handles)
        [str(VENV_BIN / "adk"), "api_server", str(agents), "--port", str(port), "--no_use_local_storage"],
        cwd=agents, name="adk",
        env={"A2G_TEST_LLM_BASE_URL": mock_llm.base_url, "LITELLM_LOCAL_MODEL_COST_MAP": "True",
             "GOOGLE_GENAI_USE_VERTEXAI": "false", "ADK_DISABLE_TELEMETRY": "1"},
        ready_url=f"http://127.0.0.1:{port}/list-apps",
        timeout=240,  # importing google-adk and LiteLLM takes tens of seconds on a busy machine
    )  # fmt: skip
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _text(events: list) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_adk_session_state_carries_the_trace_and_the_answer_streams(
    adk_server: str, outbound: AsyncOutboundClient, mock_llm: MockLlm
) -> None:
    endpoint = {"base_url": adk_server, "adk_app_name": "helper"}
    events = await collect(adapter_for("ADK", outbound).run(call("ADK", endpoint, message="hello adk")))
    assert _text(events) == "echo: hello adk"
    assert len([e for e in events if isinstance(e, TextDelta)]) >= 3
    assert StateUpdate("adk_session", "ses_1") in events
    assert "Platform trace: trc_1" in all_text(mock_llm.chat_requests()[-1]["body"])

    session = (await outbound.get(f"{adk_server}/apps/helper/users/alice/sessions/ses_1")).json()
    assert session["state"]["a2g_trace_id"] == "trc_1"

    # the second turn reuses the session: the model sees the first exchange
    events = await collect(adapter_for("ADK", outbound).run(
        call("ADK", endpoint, message="and again", state={"adk_session": "ses_1"})))  # fmt: skip
    assert _text(events) == "echo: and again"
    assert "hello adk" in all_text(mock_llm.chat_requests()[-1]["body"])


async def test_a_session_the_server_forgot_is_created_again(
    adk_server: str, outbound: AsyncOutboundClient
) -> None:
    endpoint = {"base_url": adk_server, "adk_app_name": "helper"}
    # the platform believes the session exists (it is remembered), the server never had it
    forgotten = replace(call("ADK", endpoint, message="after a restart"), session_id="ses_never_created",
                        state={"adk_session": "ses_never_created"})  # fmt: skip
    events = await collect(adapter_for("ADK", outbound).run(forgotten))
    assert _text(events) == "echo: after a restart"
