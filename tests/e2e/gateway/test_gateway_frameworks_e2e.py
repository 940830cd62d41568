"""A real Google ADK `api_server` and a real LangGraph `langgraph dev` server behind the gateway, run through
their adapters: the a2a-sdk 1.x client streams an answer, a v0.3 follow-up continues the same conversation
(the framework's own session / thread), `tasks/get` reads the task, and the agent's model — reached through
the platform's log-proxy with the owner's key, as a developer would set it up — shows in the owner's trace
joined to the gateway call. (Agno is in test_gateway_e2e.py.)"""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from a2a.client import ClientConfig, create_client
from a2a.types import Message, Part, Role, SendMessageRequest
from google.protobuf.json_format import MessageToDict
from helpers import SignedInUser, admin, create_api_key, register_llm_model

from tests.e2e.adapters.servers import VENV_BIN, ServerProcess
from tests.e2e.chat.chat_e2e_support import create_agent
from tests.e2e.tracing.mock_llm import MockLlm, all_text, free_port

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e

ADAPTERS = Path(__file__).resolve().parents[1] / "adapters"


@pytest.fixture(scope="module")
def traced_model(gw_runtime: RuntimeProcess, gw_llm: MockLlm) -> str:
    """A model in the platform's LLM registry, served by the mock LLM: agents reach it via the log-proxy."""
    return register_llm_model(gw_runtime, gw_llm.base_url, "gw-fw")


@pytest.fixture(scope="module")
def owner_key(owner: SignedInUser) -> str:
    return str(create_api_key(owner, "gw-frameworks")["key"])


def _register(owner: SignedInUser, name: str, framework: str, endpoint: dict[str, Any]) -> dict[str, Any]:
    agent = create_agent(owner, name, framework, endpoint)
    published = owner.post(f"/api/my-agents/{agent['id']}/publish")
    assert published.status_code == 200, published.text
    return agent


def _llm_env(agent: dict[str, Any], key: str, model: str) -> dict[str, str]:
    return {"A2G_TEST_LLM_BASE_URL": agent["log_proxy_base_url"], "A2G_TEST_LLM_API_KEY": key,
            "A2G_TEST_LLM_MODEL": model}  # fmt: skip


@pytest.fixture(scope="module")
def adk_agent(owner: SignedInUser, owner_key: str, traced_model: str,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:  # fmt: skip
    port = free_port()
    agent = _register(owner, "Gateway ADK helper", "ADK",
                      {"base_url": f"http://127.0.0.1:{port}", "adk_app_name": "helper"})  # fmt: skip
    agents = tmp_path_factory.mktemp("gw-adk") / "agents"
    shutil.copytree(ADAPTERS / "adk_agents", agents, ignore=shutil.ignore_patterns("__pycache__", ".adk"))
    server = ServerProcess(
        [str(VENV_BIN / "adk"), "api_server", str(agents), "--port", str(port), "--no_use_local_storage"],
        cwd=agents, name="gw-adk",
        env={**_llm_env(agent, owner_key, traced_model), "LITELLM_LOCAL_MODEL_COST_MAP": "True",
             "GOOGLE_GENAI_USE_VERTEXAI": "false", "ADK_DISABLE_TELEMETRY": "1"},
        ready_url=f"http://127.0.0.1:{port}/list-apps", timeout=240,
    )  # fmt: skip
    yield agent
    server.stop()


@pytest.fixture(scope="module")
def langgraph_agent(owner: SignedInUser, owner_key: str, traced_model: str,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:  # fmt: skip
    port = free_port()
    agent = _register(owner, "Gateway LangGraph echo", "LANGGRAPH",
                      {"base_url": f"http://127.0.0.1:{port}", "langgraph_assistant_id": "agent"})  # fmt: skip
    app = tmp_path_factory.mktemp("gw-langgraph") / "app"
    shutil.copytree(ADAPTERS / "langgraph_app", app, ignore=shutil.ignore_patterns("__pycache__", ".langgraph_api"))
    server = ServerProcess(
        [str(VENV_BIN / "langgraph"), "dev", "--no-browser", "--no-reload", "--port", str(port),
         "--config", str(app / "langgraph.json")],
        cwd=app, name="gw-langgraph",
        env={**_llm_env(agent, owner_key, traced_model), "LANGGRAPH_CLI_NO_ANALYTICS": "1",
             "LANGGRAPH_NO_VERSION_CHECK": "1", "LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false"},
        ready_url=f"http://127.0.0.1:{port}/ok", timeout=240,
    )  # fmt: skip
    yield agent
    server.stop()


def _url(rt: RuntimeProcess, agent_id: str) -> str:
    return f"{rt.base_url}/api/a2a/agents/{agent_id}"


async def _stream_with_the_sdk(url: str, key: str, text: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(headers={"authorization": f"Bearer {key}"}, timeout=120) as http:
        client = await create_client(url, client_config=ClientConfig(streaming=True, httpx_client=http),
                                     relative_card_path="/.well-known/agent-card.json")  # fmt: skip
        message = Message(message_id=f"m-{secrets.token_hex(4)}", role=Role.ROLE_USER, parts=[Part(text=text)])
        return [MessageToDict(e) async for e in client.send_message(SendMessageRequest(message=message))]


def _rpc(rt: RuntimeProcess, agent_id: str, key: str, method: str, params: Any) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
    response = httpx.post(_url(rt, agent_id), json=body, headers={"authorization": f"Bearer {key}"}, timeout=120)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _owner_entries(owner: SignedInUser, trace_id: str, session_id: str, calls: int) -> list[dict[str, Any]]:
    """The owner's agent-trace entries of this gateway session, once `calls` agent_calls are there."""
    deadline, mine = time.monotonic() + 30, []
    while time.monotonic() < deadline:
        items = owner.get("/api/logs", params={"trace_id": trace_id, "limit": 100}).json()["items"]
        mine = [e for e in items if e.get("session_id") == session_id]
        if len([e for e in mine if e.get("kind") == "agent_call"]) >= calls:
            break
        time.sleep(0.3)
    return mine


@pytest.mark.parametrize("which", ["adk_agent", "langgraph_agent"])
async def test_a_real_framework_agent_is_an_a2a_agent_and_its_llm_calls_join_the_gateway_call(
    which: str, request: pytest.FixtureRequest, gw_runtime: RuntimeProcess, caller_key: str,
    caller: SignedInUser, owner: SignedInUser, gw_llm: MockLlm,
) -> None:  # fmt: skip
    agent = request.getfixturevalue(which)
    events = await _stream_with_the_sdk(_url(gw_runtime, agent["id"]), caller_key, f"hello {which}")
    kinds = [next(iter(e)) for e in events]
    assert kinds[0] == "task" and "artifactUpdate" in kinds, kinds
    assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED", events[-1]
    answer = ""
    for update in (e["artifactUpdate"] for e in events if "artifactUpdate" in e):
        chunk = "".join(p.get("text", "") for p in update["artifact"]["parts"])
        answer = answer + chunk if update.get("append") else chunk
    assert answer == f"echo: hello {which}"
    context_id, first_task = events[0]["task"]["contextId"], events[0]["task"]["id"]

    # a v0.3 follow-up in the same context is the same framework session: the model sees the first turn
    follow = _rpc(gw_runtime, agent["id"], caller_key, "message/send",
                  {"message": {"kind": "message", "messageId": f"m-{secrets.token_hex(4)}", "role": "user",
                               "contextId": context_id, "parts": [{"kind": "text", "text": "and again"}]}})  # fmt: skip
    task = follow["result"]
    assert task["status"]["state"] == "completed" and task["contextId"] == context_id, follow
    assert task["artifacts"][0]["parts"][0]["text"] == "echo: and again"
    assert f"hello {which}" in all_text(gw_llm.chat_requests()[-1]["body"])
    got = _rpc(gw_runtime, agent["id"], caller_key, "tasks/get", {"id": first_task})["result"]
    assert got["id"] == first_task and got["status"]["state"] == "completed"

    # the caller's history has both turns
    messages = caller.get(f"/api/sessions/{context_id}/messages").json()["items"]
    assert [m["content"] for m in messages] == [f"hello {which}", f"echo: hello {which}", "and again",
                                                "echo: and again"]  # fmt: skip
    # the owner's agent trace: two agent_calls, and the framework's LLM calls tagged with the same session
    entries = _owner_entries(owner, agent["trace_id"], context_id, calls=2)
    calls = [e for e in entries if e.get("kind") == "agent_call"]
    llm = [e for e in entries if e.get("kind") == "chat.completions"]
    assert {c["a2a"]["task_id"] for c in calls} == {first_task, task["id"]}
    assert len(llm) >= 2 and {e["user_id"] for e in llm} == {owner.user_id}
    assert all(c["user_id"] == caller.user_id for c in calls)

    # the admin's statistics count both calls for this agent and the caller's team (pre-aggregated at the end)
    boss = admin(gw_runtime)
    try:
        stats = boss.get("/api/admin/stats/gateway")
        assert stats.status_code == 200, stats.text
        pairs = [p for p in stats.json()["by_agent_and_team"] if p["agent_id"] == agent["id"]]
        assert [(p["team"], p["calls"], p["errors"]) for p in pairs] == [(caller.user["team"], 2, 0)], pairs
        mine = next(a for a in stats.json()["by_agent"] if a["agent_id"] == agent["id"])
        assert mine["name"] == agent["name"] and mine["avg_latency_ms"] > 0
        assert caller.get("/api/admin/stats/gateway").status_code == 403
    finally:
        boss.close()
