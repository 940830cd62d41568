"""SDK e2e fixtures: the shared local runtime, a mock OpenAI-compatible LLM registered by the admin, and real
a2a-sdk agents on 127.0.0.1 whose model calls go through the platform's log-proxy (as a developer sets up).

The Python SDK is imported from its source folder (`sdks/python/src`); the JS SDK is used from its build
(`sdks/js/dist`, made by `make build`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

E2E_DIR = Path(__file__).resolve().parents[1]
REPO = E2E_DIR.parents[1]
SDK_PY_SRC = REPO / "sdks" / "python" / "src"
for path in (str(E2E_DIR), str(SDK_PY_SRC)):
    if path not in sys.path:
        sys.path.insert(0, path)

from helpers import SignedInUser, approved_user, create_api_key, register_llm_model

from tests.e2e.adapters.a2a_test_agent import A2aTestServer
from tests.e2e.tracing.mock_llm import MockLlm

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

SDK_FUNCTIONS = ("MyAgentsFunction", "A2aRegisterFunction", "SessionsFunction", "LogsFunction",
                 "WsInvokeFunction", "LogProxyFunction", "ApiKeysFunction", "AuthFunction")


@dataclass
class Developer:
    user: SignedInUser
    key: str
    model: str  # a model the admin registered, served by the mock LLM


@pytest.fixture(scope="module")
def sdk_runtime(runtime: RuntimeProcess) -> RuntimeProcess:
    runtime.require_functions(*SDK_FUNCTIONS)
    return runtime


@pytest.fixture(scope="module")
def sdk_llm() -> Iterator[MockLlm]:
    llm = MockLlm(chunks=4, pause_s=0.02).start()
    yield llm
    llm.stop()


@pytest.fixture(scope="module")
def sdk_model(sdk_runtime: RuntimeProcess, sdk_llm: MockLlm) -> str:
    return register_llm_model(sdk_runtime, sdk_llm.base_url, "sdk-e2e", api_key="sk-upstream-sdk")


@pytest.fixture
def developer(sdk_runtime: RuntimeProcess, sdk_model: str) -> Iterator[Developer]:
    """A fresh approved developer with an API key (minted with their session: keys cannot mint keys)."""
    user = approved_user(sdk_runtime)
    try:
        yield Developer(user, str(create_api_key(user, "sdk-e2e")["key"]), sdk_model)
    finally:
        user.close()


@pytest.fixture
def agent_server(sdk_llm: MockLlm) -> Iterator[Callable[[], A2aTestServer]]:
    """Start real a2a-sdk agents (answering "echo: <message>" through their model); stopped after the test."""
    started: list[A2aTestServer] = []

    def start() -> A2aTestServer:
        server = A2aTestServer(sdk_llm.base_url).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
