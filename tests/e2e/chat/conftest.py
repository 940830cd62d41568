"""Playground e2e fixtures: the shared local runtime, a mock LLM, and real agents on 127.0.0.1 that the
platform talks to for the user: an a2a-sdk agent and an Agno AgentOS (both answering via the mock LLM)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

E2E_DIR = Path(__file__).resolve().parents[1]
if str(E2E_DIR) not in sys.path:  # tests/e2e/helpers.py
    sys.path.insert(0, str(E2E_DIR))

from helpers import SignedInUser, approved_user

from tests.e2e.adapters.a2a_test_agent import A2aTestServer
from tests.e2e.adapters.agno_test_agent import AgnoTestServer
from tests.e2e.chat.chat_e2e_support import create_agent
from tests.e2e.tracing.mock_llm import MockLlm

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

CHAT_FUNCTIONS = ("SessionsFunction", "FilesFunction", "WsInvokeFunction", "MyAgentsFunction", "AuthFunction")


@pytest.fixture(scope="module")
def chat_runtime(runtime: RuntimeProcess) -> RuntimeProcess:
    runtime.require_functions(*CHAT_FUNCTIONS)
    return runtime


@pytest.fixture(scope="module")
def chat_llm() -> Iterator[MockLlm]:
    llm = MockLlm(chunks=5, pause_s=0.05).start()
    yield llm
    llm.stop()


@pytest.fixture(scope="module")
def a2a_agent_server(chat_llm: MockLlm) -> Iterator[A2aTestServer]:
    server = A2aTestServer(chat_llm.base_url).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def agno_server(chat_llm: MockLlm) -> Iterator[AgnoTestServer]:
    server = AgnoTestServer(chat_llm.base_url).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def developer(chat_runtime: RuntimeProcess) -> Iterator[SignedInUser]:
    user = approved_user(chat_runtime)
    yield user
    user.close()


@pytest.fixture(scope="module")
def colleague(chat_runtime: RuntimeProcess) -> Iterator[SignedInUser]:
    user = approved_user(chat_runtime)
    yield user
    user.close()


@pytest.fixture(scope="module")
def a2a_agent(developer: SignedInUser, a2a_agent_server: A2aTestServer) -> dict[str, Any]:
    return create_agent(developer, "Echo A2A", "A2A", {"base_url": a2a_agent_server.url})


@pytest.fixture(scope="module")
def agno_agent(developer: SignedInUser, agno_server: AgnoTestServer) -> dict[str, Any]:
    return create_agent(
        developer, "Echo Agno", "AGNO", {"base_url": agno_server.url, "agno_agent_id": "echo-agent"}
    )
