"""Gateway e2e fixtures: the shared local runtime, a mock LLM, an a2a-sdk agent and an Agno AgentOS (both
answering through the mock LLM), registered by a developer and published; a colleague with an API key."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

E2E_DIR = Path(__file__).resolve().parents[1]
if str(E2E_DIR) not in sys.path:  # tests/e2e/helpers.py
    sys.path.insert(0, str(E2E_DIR))

from helpers import SignedInUser, approved_user, create_api_key

from tests.e2e.adapters.a2a_test_agent import A2aTestServer
from tests.e2e.adapters.agno_test_agent import AgnoTestServer
from tests.e2e.chat.chat_e2e_support import create_agent
from tests.e2e.tracing.mock_llm import MockLlm

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

GATEWAY_FUNCTIONS = ("A2aGatewayFunction", "MyAgentsFunction", "SessionsFunction", "LogsFunction",
                     "AgentsCatalogFunction")


@pytest.fixture(scope="module")
def gw_runtime(runtime: RuntimeProcess) -> RuntimeProcess:
    runtime.require_functions(*GATEWAY_FUNCTIONS)
    return runtime


@pytest.fixture(scope="module")
def gw_llm() -> Iterator[MockLlm]:
    llm = MockLlm(chunks=4, pause_s=0.02).start()
    yield llm
    llm.stop()


@pytest.fixture(scope="module")
def a2a_server(gw_llm: MockLlm) -> Iterator[A2aTestServer]:
    server = A2aTestServer(gw_llm.base_url).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def agno_server(gw_llm: MockLlm) -> Iterator[AgnoTestServer]:
    server = AgnoTestServer(gw_llm.base_url).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def owner(gw_runtime: RuntimeProcess) -> Iterator[SignedInUser]:
    user = approved_user(gw_runtime)
    yield user
    user.close()


@pytest.fixture(scope="module")
def caller(gw_runtime: RuntimeProcess) -> Iterator[SignedInUser]:
    user = approved_user(gw_runtime)
    yield user
    user.close()


@pytest.fixture(scope="module")
def caller_key(caller: SignedInUser) -> str:
    return str(create_api_key(caller, "gateway-e2e")["key"])


def _published(owner: SignedInUser, name: str, framework: str, endpoint: dict[str, Any]) -> dict[str, Any]:
    agent = create_agent(owner, name, framework, endpoint)
    response = owner.post(f"/api/my-agents/{agent['id']}/publish")
    assert response.status_code == 200, response.text
    return {**agent, **response.json()}


@pytest.fixture(scope="module")
def a2a_agent(owner: SignedInUser, a2a_server: A2aTestServer) -> dict[str, Any]:
    return _published(owner, "Gateway echo A2A", "A2A", {"base_url": a2a_server.url})


@pytest.fixture(scope="module")
def agno_agent(owner: SignedInUser, agno_server: AgnoTestServer) -> dict[str, Any]:
    return _published(owner, "Gateway echo Agno", "AGNO",
                      {"base_url": agno_server.url, "agno_agent_id": "echo-agent"})
