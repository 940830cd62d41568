"""Translation on the local runtime: each client SDK against an LLM of another provider, registered through
the admin API, whose mock answers that provider's real payloads; the entry recorded in the client's api with
the LLM's provider."""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import types as gtypes

from tests.e2e.tracing.conftest import Developer
from tests.e2e.tracing.runtime_helpers import TracingRuntime
from tests.unit.tracing.bridges.bridge_payloads import (
    ANTHROPIC_MESSAGE,
    CHAT_MIXED_STREAM,
    EXPECTED_CALLS,
    EXPECTED_TEXT,
    GEMINI_STREAM,
)
from tests.unit.tracing.bridges.sdk_server import SdkServer

pytestmark = pytest.mark.e2e
PARAMS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


@pytest.fixture(scope="module")
def upstreams(tracing_runtime: TracingRuntime, developer: Developer) -> Iterator[dict[str, SdkServer]]:
    """One mock per provider, each registered as an LLM serving the model `bridge-<provider>`."""
    servers = {provider: SdkServer() for provider in ("openai", "anthropic", "gemini")}
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
               for s in servers.values()]
    for thread in threads:
        thread.start()
    headers = {"authorization": f"Bearer {developer.token}"}
    for provider, server in servers.items():
        created = httpx.post(tracing_runtime.base_url + "/api/admin/llms", headers=headers, timeout=30, json={
            "name": f"bridge-{provider}-llm", "provider": provider,
            "base_url": server.url + ("/v1" if provider == "openai" else ""), "api_key": f"sk-{provider}-key",
            "models": [f"bridge-{provider}"], "timeout_seconds": 30})
        assert created.status_code == 201, created.text
    yield servers
    for server in servers.values():
        server.shutdown()
        server.server_close()


def _root(runtime: TracingRuntime, trace_id: str) -> str:
    return f"{runtime.base_url}/api/log-proxy/{trace_id}"


def _entry(runtime: TracingRuntime, dev: Developer, trace_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        items = httpx.get(runtime.base_url + "/api/logs", params={"trace_id": trace_id},
                          headers={"authorization": f"Bearer {dev.token}"}, timeout=30).json()["items"]
        done = [e for e in items if e.get("status") not in (None, "running")]
        if done:
            entry_id = done[-1]["entry_id"]
            return httpx.get(f"{runtime.base_url}/api/logs/{entry_id}", params={"trace_id": trace_id},
                             headers={"authorization": f"Bearer {dev.token}"}, timeout=30).json()
        time.sleep(0.2)
    raise AssertionError("no finished entry")


def _check(entry: dict[str, Any], api: str, provider: str) -> None:
    assert (entry["api"], entry["provider"], entry["status"]) == (api, provider, "ok")
    assert entry["output_text"] == EXPECTED_TEXT
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in entry["tool_calls"]] \
        == EXPECTED_CALLS
    assert entry["usage"]["input_tokens"] == 120 and entry["usage"]["cached_tokens"] == 100


def test_anthropic_sdk_streams_from_an_openai_compatible_llm(tracing_runtime: TracingRuntime, developer: Developer,
                                                             upstreams: dict[str, SdkServer]) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_bridge_a")
    upstreams["openai"].answer(CHAT_MIXED_STREAM)
    client = anthropic.Anthropic(base_url=_root(tracing_runtime, trace_id), api_key=developer.api_key,
                                 max_retries=0)
    with client.messages.stream(model="bridge-openai", max_tokens=100, system="Be brief.",
                                messages=[{"role": "user", "content": "Weather in Paris?"}],
                                tools=[{"name": "get_weather", "input_schema": PARAMS}]) as stream:
        message = stream.get_final_message()
    assert upstreams["openai"].last["path"] == "/v1/chat/completions"
    assert upstreams["openai"].last["headers"]["authorization"] == "Bearer sk-openai-key"
    assert [(b.name, b.input) for b in message.content if b.type == "tool_use"] == EXPECTED_CALLS
    assert message.stop_reason == "tool_use"
    _check(_entry(tracing_runtime, developer, trace_id), "messages", "openai")


def test_openai_chat_sdk_reaches_an_anthropic_llm(tracing_runtime: TracingRuntime, developer: Developer,
                                                  upstreams: dict[str, SdkServer]) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_bridge_b")
    upstreams["anthropic"].answer(ANTHROPIC_MESSAGE)
    client = openai.OpenAI(base_url=_root(tracing_runtime, trace_id) + "/v1", api_key=developer.api_key,
                           max_retries=0)
    completion = client.chat.completions.create(
        model="bridge-anthropic", messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[{"type": "function", "function": {"name": "get_weather", "parameters": PARAMS}}])
    assert upstreams["anthropic"].last["path"] == "/v1/messages"
    assert upstreams["anthropic"].last["headers"]["x-api-key"] == "sk-anthropic-key"
    message = completion.choices[0].message
    assert message.content == EXPECTED_TEXT and completion.choices[0].finish_reason == "tool_calls"
    assert [(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or ()] == EXPECTED_CALLS
    _check(_entry(tracing_runtime, developer, trace_id), "chat", "anthropic")


def test_google_genai_streams_from_an_openai_compatible_llm(tracing_runtime: TracingRuntime, developer: Developer,
                                                            upstreams: dict[str, SdkServer]) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_bridge_c")
    upstreams["openai"].answer(CHAT_MIXED_STREAM)
    client = genai.Client(api_key=developer.api_key,
                          http_options=gtypes.HttpOptions(base_url=_root(tracing_runtime, trace_id)))
    config = gtypes.GenerateContentConfig(
        tools=[gtypes.Tool(function_declarations=[gtypes.FunctionDeclaration(name="get_weather",
                                                                             parameters_json_schema=PARAMS)])],
        automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(disable=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        chunks = list(client.models.generate_content_stream(model="bridge-openai", contents="Weather in Paris?",
                                                            config=config))
        text = "".join(c.text or "" for c in chunks)
    assert text == EXPECTED_TEXT
    assert [(f.name, f.args) for c in chunks for f in c.function_calls or ()] == EXPECTED_CALLS
    assert upstreams["openai"].last["json"]["model"] == "bridge-openai"
    _check(_entry(tracing_runtime, developer, trace_id), "gemini", "openai")


def test_openai_responses_sdk_streams_from_a_gemini_llm(tracing_runtime: TracingRuntime, developer: Developer,
                                                        upstreams: dict[str, SdkServer]) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_bridge_d")
    upstreams["gemini"].answer(GEMINI_STREAM)
    client = openai.OpenAI(base_url=_root(tracing_runtime, trace_id) + "/v1", api_key=developer.api_key,
                           max_retries=0)
    with client.responses.stream(model="bridge-gemini", input="Weather in Paris?",
                                 tools=[{"type": "function", "name": "get_weather", "parameters": PARAMS,
                                         "strict": False}]) as stream:
        response = stream.get_final_response()
    last = upstreams["gemini"].last
    assert last["path"] == "/v1beta/models/bridge-gemini:streamGenerateContent" and last["query"] == {"alt": "sse"}
    assert last["headers"]["x-goog-api-key"] == "sk-gemini-key"
    assert response.output_text == EXPECTED_TEXT
    assert [(o.name, json.loads(o.arguments)) for o in response.output if o.type == "function_call"] \
        == EXPECTED_CALLS
    _check(_entry(tracing_runtime, developer, trace_id), "responses", "gemini")
