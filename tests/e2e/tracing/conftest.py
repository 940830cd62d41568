"""E2E fixtures for tracing: the shared local runtime (tests/e2e/conftest.py `runtime`), the mock LLM, a
signed-in admin with an API key, an LLM registered through the admin API, and an agent trace owned by the admin.

The agent registry's API does not exist yet, so the agent trace is created with `TraceRepository.create_trace`
against the runtime's own DynamoDB (the same call the registry will make when an agent is created).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.e2e.tracing.mock_llm import MockLlm
from tests.e2e.tracing.mock_providers import MockProviders
from tests.e2e.tracing.runtime_helpers import TracingRuntime


@pytest.fixture(scope="session")
def tracing_runtime(runtime: Any) -> TracingRuntime:
    return TracingRuntime(runtime.base_url, runtime.ws_url, dict(runtime.env))


@pytest.fixture(scope="session")
def e2e_llm() -> Iterator[MockLlm]:
    llm = MockLlm(slow_seconds=3.0).start()
    yield llm
    llm.stop()


@dataclass
class Developer:
    token: str
    api_key: str
    trace_id: str
    model: str


@pytest.fixture(scope="session")
def developer(tracing_runtime: TracingRuntime, e2e_llm: MockLlm) -> Developer:
    token = tracing_runtime.sign_in("admin")
    headers = {"authorization": f"Bearer {token}"}
    for name, models, timeout in (("mock", ["e2e-gpt", "broken-stream", "error-model"], 30),
                                  ("slow", ["slow-model"], 1)):
        created = httpx.post(tracing_runtime.base_url + "/api/admin/llms", headers=headers, json={
            "name": name, "base_url": e2e_llm.base_url, "api_key": "sk-e2e-upstream-key-9876",
            "models": models, "timeout_seconds": timeout})
        assert created.status_code == 201, created.text
    return Developer(token, tracing_runtime.api_key(token), tracing_runtime.create_trace("admin", agent_id="agt_e2e"),
                     "e2e-gpt")


@pytest.fixture(scope="session")
def providers(tracing_runtime: TracingRuntime, developer: Developer) -> Iterator[MockProviders]:
    """The three mock providers, registered once per session: the format tests and the agent-SDK tests share
    them (registering the same models twice is refused, 409 model_taken)."""
    mock = MockProviders().start()
    headers = {"authorization": f"Bearer {developer.token}"}
    for name, provider, base, models in (
        ("mock-openai", "openai", mock.root + "/v1", ["fmt-gpt", "fmt-gpt-limited", "fmt-gpt-refused",
                                                     "fmt-gpt-failing", "fmt-gpt-broken"]),
        ("mock-anthropic", "anthropic", mock.root, ["fmt-claude", "fmt-claude-limited", "fmt-claude-broken",
                                                    "fmt-claude-failing"]),
        ("mock-gemini", "gemini", mock.root, ["fmt-gemini", "fmt-gemini-limited", "fmt-gemini-failing",
                                              "fmt-gemini-broken"]),
    ):
        created = httpx.post(tracing_runtime.base_url + "/api/admin/llms", headers=headers, json={
            "name": name, "provider": provider, "base_url": base, "api_key": f"upstream-key-{provider}",
            "models": models, "timeout_seconds": 30})
        assert created.status_code == 201, created.text
        assert created.json()["provider"] == provider
    yield mock
    mock.stop()
