"""The log-proxy speaks what agents speak: the real OpenAI (Responses), Anthropic and google-genai SDKs through
the local runtime, each against a mock upstream of its own provider (passed through unchanged), every call one
entry of the same shape; errors each SDK raises as its own class; calls shown live while they run."""

from __future__ import annotations

import json
import time
from typing import Any

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types
from websockets.sync.client import connect

from tests.e2e.tracing.conftest import Developer
from tests.e2e.tracing.mock_providers import ARGS, MockProviders
from tests.e2e.tracing.runtime_helpers import TracingRuntime

pytestmark = pytest.mark.e2e
WEATHER = {"name": "get_weather", "description": "weather of a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}


def _base(runtime: TracingRuntime, trace_id: str) -> str:
    return f"{runtime.base_url}/api/log-proxy/{trace_id}"


def _openai(runtime: TracingRuntime, dev: Developer, trace_id: str, **kw: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=_base(runtime, trace_id) + "/v1", api_key=kw.pop("key", dev.api_key),
                         max_retries=kw.pop("max_retries", 0), **kw)


def _anthropic(runtime: TracingRuntime, dev: Developer, trace_id: str, **kw: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=_base(runtime, trace_id), api_key=kw.pop("key", dev.api_key),
                               max_retries=kw.pop("max_retries", 0), **kw)


def _genai(runtime: TracingRuntime, dev: Developer, trace_id: str, key: str | None = None) -> genai.Client:
    return genai.Client(api_key=key or dev.api_key, http_options=genai_types.HttpOptions(
        base_url=_base(runtime, trace_id), api_version="v1beta", retry_options=genai_types.HttpRetryOptions(attempts=1)))


def _entries(runtime: TracingRuntime, dev: Developer, trace_id: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 15
    items: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        items = httpx.get(runtime.base_url + "/api/logs", params={"trace_id": trace_id},
                          headers={"authorization": f"Bearer {dev.token}"}).json()["items"]
        if len(items) >= count:
            break
        time.sleep(0.1)
    assert len(items) == count, items
    return items


def _usage_ok(entry: dict[str, Any]) -> None:
    usage = entry["usage"]
    assert usage["input_tokens"] >= 7 and usage["output_tokens"] >= 4 and usage["total_tokens"] >= 11
    assert usage["cached_tokens"] == 2


def test_openai_responses_plain_streamed_and_tools(tracing_runtime: TracingRuntime, developer: Developer,
                                                   providers: MockProviders) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_resp")
    client = _openai(tracing_runtime, developer, trace_id)
    plain = client.responses.create(model="fmt-gpt", input="hello responses", instructions="be brief")
    assert plain.output_text == "echo: hello responses"
    assert providers.requests[-1]["headers"]["authorization"] == "Bearer upstream-key-openai"
    with client.responses.stream(model="fmt-gpt", input="streamed words here") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == "echo: streamed words here"
    tool = client.responses.create(model="fmt-gpt", input="what is the weather in Seoul",
                                   tools=[{"type": "function", **WEATHER}])
    call = next(item for item in tool.output if item.type == "function_call")
    assert call.name == "get_weather" and json.loads(call.arguments) == ARGS

    first, second, third = _entries(tracing_runtime, developer, trace_id, 3)
    assert {e["api"] for e in (first, second, third)} == {"responses"}
    assert {e["provider"] for e in (first, second, third)} == {"openai"}
    assert first["request"]["input"] == "hello responses" and first["request"]["system"] == "be brief"
    assert first["output_text"] == "echo: hello responses" and first["stop_reason"] == "completed"
    assert first["usage"]["reasoning_tokens"] == 1
    _usage_ok(first)
    assert second["stream"] is True and second["output_text"] == "echo: streamed words here"
    assert second["stream_events"] == 9 and second["ttft_ms"] is not None
    _usage_ok(second)
    assert third["tool_calls"][0]["function"]["name"] == "get_weather"
    assert json.loads(third["tool_calls"][0]["function"]["arguments"]) == ARGS


def test_anthropic_messages_create_stream_and_tool_use(tracing_runtime: TracingRuntime, developer: Developer,
                                                       providers: MockProviders) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_claude")
    client = _anthropic(tracing_runtime, developer, trace_id)
    message = client.messages.create(model="fmt-claude", max_tokens=64, system="you are terse",
                                     messages=[{"role": "user", "content": "hello claude"}])
    assert message.content[0].text == "echo: hello claude" and message.stop_reason == "end_turn"
    upstream = providers.requests[-1]["headers"]
    assert upstream["x-api-key"] == "upstream-key-anthropic" and upstream["anthropic-version"]
    assert "authorization" not in upstream
    assert "fmt-claude" in [m.id for m in client.models.list()]  # Anthropic's list shape on the shared path
    with client.messages.stream(model="fmt-claude", max_tokens=64,
                                messages=[{"role": "user", "content": "streamed words here"}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "echo: streamed words here" and final.usage.output_tokens == 5
    tool = client.messages.create(model="fmt-claude", max_tokens=64, tools=[{
        "name": "get_weather", "description": "weather", "input_schema": WEATHER["parameters"]}],
        messages=[{"role": "user", "content": "weather in Seoul?"}])
    assert tool.stop_reason == "tool_use" and tool.content[0].input == ARGS
    with client.messages.stream(model="fmt-claude", max_tokens=64, tools=[{
            "name": "get_weather", "description": "weather", "input_schema": WEATHER["parameters"]}],
            messages=[{"role": "user", "content": "weather again"}]) as stream:
        partial_json = [e.partial_json for e in stream if e.type == "input_json"]
        streamed_tool = stream.get_final_message()
    assert streamed_tool.content[0].input == ARGS and streamed_tool.stop_reason == "tool_use"
    assert len(partial_json) == 2 and json.loads("".join(partial_json)) == ARGS  # the arguments came in pieces

    entries = _entries(tracing_runtime, developer, trace_id, 4)
    assert {e["api"] for e in entries} == {"messages"} and {e["provider"] for e in entries} == {"anthropic"}
    first, second, third, fourth = entries
    assert first["request"]["system"] == "you are terse" and first["output_text"] == "echo: hello claude"
    assert first["stop_reason"] == "end_turn"
    _usage_ok(first)
    assert second["output_text"] == "echo: streamed words here" and second["stream"] is True
    _usage_ok(second)
    assert third["tool_calls"][0]["function"]["name"] == "get_weather" and third["stop_reason"] == "tool_use"
    assert json.loads(fourth["tool_calls"][0]["function"]["arguments"]) == ARGS
    assert fourth["stream"] is True and fourth["stop_reason"] == "tool_use"
    assert fourth["request"]["tools"][0]["name"] == "get_weather"


def test_google_genai_generate_and_stream(tracing_runtime: TracingRuntime, developer: Developer,
                                          providers: MockProviders) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_gemini")
    client = _genai(tracing_runtime, developer, trace_id)
    reply = client.models.generate_content(model="fmt-gemini", contents="hello gemini",
                                           config=genai_types.GenerateContentConfig(system_instruction="be kind"))
    assert reply.text == "echo: hello gemini"
    assert providers.requests[-1]["headers"]["x-goog-api-key"] == "upstream-key-gemini"
    pieces = [c.text for c in client.models.generate_content_stream(model="fmt-gemini",
                                                                      contents="streamed words here")]
    assert "".join(p for p in pieces if p) == "echo: streamed words here" and len(pieces) == 4
    assert "alt=sse" in providers.requests[-1]["query"]
    tool = client.models.generate_content(model="fmt-gemini", contents="weather in Seoul")
    assert tool.function_calls[0].name == "get_weather" and tool.function_calls[0].args == ARGS

    first, second, third = _entries(tracing_runtime, developer, trace_id, 3)
    assert {e["api"] for e in (first, second, third)} == {"gemini"}
    assert first["model"] == "fmt-gemini" and first["request"]["system"] == "be kind"
    assert first["output_text"] == "echo: hello gemini" and first["stop_reason"] == "STOP"
    _usage_ok(first)
    assert second["output_text"] == "echo: streamed words here" and second["stream_events"] == 4
    assert second["usage"]["reasoning_tokens"] == 1
    assert third["tool_calls"][0]["function"]["name"] == "get_weather"


def test_each_sdk_raises_its_own_errors(tracing_runtime: TracingRuntime, developer: Developer,
                                        providers: MockProviders) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_errors")
    bad = "a2g_sk_" + "0" * 43
    with pytest.raises(openai.AuthenticationError) as oa:
        _openai(tracing_runtime, developer, trace_id, key=bad).responses.create(model="fmt-gpt", input="x")
    assert oa.value.code == "invalid_api_key"
    with pytest.raises(anthropic.AuthenticationError) as an:
        _anthropic(tracing_runtime, developer, trace_id, key=bad).messages.create(
            model="fmt-claude", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    assert an.value.body["error"]["type"] == "authentication_error"
    bad_gemini = _genai(tracing_runtime, developer, trace_id, key=bad)  # kept: a dropped client closes itself
    with pytest.raises(genai_errors.ClientError) as ge:
        bad_gemini.models.generate_content(model="fmt-gemini", contents="x")
    assert ge.value.code == 401 and ge.value.status == "UNAUTHENTICATED"

    # 429 passed through with its headers: each SDK's rate-limit error, and one retry after Retry-After.
    before = providers.count("/v1/responses")
    with pytest.raises(openai.RateLimitError) as limited:
        _openai(tracing_runtime, developer, trace_id, max_retries=1).responses.create(model="fmt-gpt-limited",
                                                                                      input="x")
    assert limited.value.response.headers["retry-after"] == "1"
    assert limited.value.response.headers["x-ratelimit-remaining-requests"] == "0"
    assert providers.count("/v1/responses") - before == 2  # the SDK waited and tried once more
    with pytest.raises(anthropic.RateLimitError) as claude_limited:
        _anthropic(tracing_runtime, developer, trace_id).messages.create(
            model="fmt-claude-limited", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    assert claude_limited.value.response.headers["anthropic-ratelimit-requests-remaining"] == "0"
    gemini = _genai(tracing_runtime, developer, trace_id)
    with pytest.raises(genai_errors.ClientError) as gemini_limited:
        gemini.models.generate_content(model="fmt-gemini-limited", contents="x")
    assert gemini_limited.value.code == 429 and gemini_limited.value.status == "RESOURCE_EXHAUSTED"

    # The LLM refusing the platform's stored key is not the developer's bad key: 502, naming the LLM.
    with pytest.raises(openai.APIStatusError) as refused:
        _openai(tracing_runtime, developer, trace_id).responses.create(model="fmt-gpt-refused", input="x")
    assert refused.value.status_code == 502
    body = refused.value.response.json()["error"]
    assert body["code"] == "upstream_auth_failed" and "mock-openai" in body["message"]
    assert str(providers.port) not in refused.value.response.text  # never the LLM's address

    # Unknown routes and models answer in the client's own format, and are recorded on the trace.
    unknown = httpx.post(_base(tracing_runtime, trace_id) + "/v1beta/models/nope:generateContent",
                         headers={"x-goog-api-key": developer.api_key}, json={"contents": []})
    assert unknown.status_code == 404 and unknown.json()["error"]["status"] == "NOT_FOUND"
    with pytest.raises(anthropic.NotFoundError) as no_model:
        _anthropic(tracing_runtime, developer, trace_id).messages.create(
            model="nope", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    assert no_model.value.body["type"] == "error" and no_model.value.body["error"]["type"] == "not_found_error"
    batches = httpx.post(_base(tracing_runtime, trace_id) + "/v1/messages/batches", json={},
                         headers={"x-api-key": developer.api_key, "anthropic-version": "2023-06-01"})
    assert batches.status_code == 404 and batches.json()["error"]["type"] == "not_found_error"
    entries = _entries(tracing_runtime, developer, trace_id, 8)
    assert sorted(e["http_status"] for e in entries) == [404, 404, 404, 429, 429, 429, 429, 502]
    assert any(e["error"]["code"] == "unknown_url" for e in entries)


def test_websocket_sees_running_then_the_finished_entry(tracing_runtime: TracingRuntime, developer: Developer,
                                                        providers: MockProviders) -> None:
    """A call still running after the proxy's running-entry delay (0.2 s; the mock pauses 0.1 s before each
    of its events) is on the panel while it runs, and its finished entry replaces it."""
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_live")
    client = _anthropic(tracing_runtime, developer, trace_id)
    query = f"?token={developer.token}&trace_id={trace_id}"
    with connect(tracing_runtime.ws_url + query, open_timeout=10) as ws:
        with client.messages.stream(model="fmt-claude", max_tokens=64,
                                    messages=[{"role": "user", "content": "live words slowly"}]) as stream:
            assert "".join(stream.text_stream) == "echo: live words slowly"
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + 15
        while not any(m["type"] == "trace.entry" for m in seen):
            message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
            if message.get("type") in ("trace.running", "trace.entry"):
                seen.append(message)
    running, finished = seen[0], seen[-1]
    assert any(m["entry"].get("partial") for m in seen[1:-1])  # its text as it streamed
    assert running["type"] == "trace.running" and running["entry"]["status"] == "running"
    assert running["entry"]["request"]["messages"][0]["content"] == "live words slowly"
    assert running["entry"]["api"] == "messages" and running["entry"]["model"] == "fmt-claude"
    assert finished["entry"]["entry_id"] == running["entry"]["entry_id"]
    assert finished["entry"]["status"] == "ok" and finished["entry"]["output_text"] == "echo: live words slowly"


def test_translated_calls_reach_an_llm_of_another_provider(tracing_runtime: TracingRuntime, developer: Developer,
                                                            providers: MockProviders) -> None:
    """An Anthropic-SDK and an ADK/google-genai agent on an OpenAI-compatible LLM, and an OpenAI agent on Claude."""
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_bridge")
    claude_sdk = _anthropic(tracing_runtime, developer, trace_id)
    message = claude_sdk.messages.create(model=developer.model, max_tokens=32,
                                         messages=[{"role": "user", "content": "bridged hello"}])
    assert message.content[0].text == "echo: bridged hello"
    with claude_sdk.messages.stream(model=developer.model, max_tokens=32,
                                    messages=[{"role": "user", "content": "bridged stream"}]) as stream:
        assert "".join(stream.text_stream) == "echo: bridged stream"
    gemini_sdk = _genai(tracing_runtime, developer, trace_id)
    assert gemini_sdk.models.generate_content(model=developer.model, contents="gemini here").text == "echo: gemini here"
    openai_sdk = _openai(tracing_runtime, developer, trace_id)
    reply = openai_sdk.chat.completions.create(model="fmt-claude", messages=[{"role": "user", "content": "to claude"}])
    assert reply.choices[0].message.content == "echo: to claude"
    assert providers.requests[-1]["path"].endswith("/v1/messages")  # sent in Anthropic's format
    with pytest.raises(openai.BadRequestError) as unsupported:
        openai_sdk.embeddings.create(model="fmt-claude", input="x")
    assert unsupported.value.code == "unsupported_translation"

    entries = _entries(tracing_runtime, developer, trace_id, 5)
    assert [e["api"] for e in entries] == ["messages", "messages", "gemini", "chat", "embeddings"]
    assert [e["provider"] for e in entries] == ["openai", "openai", "openai", "anthropic", "anthropic"]
    assert entries[1]["output_text"] == "echo: bridged stream" and entries[1]["stream"] is True
    assert entries[3]["output_text"] == "echo: to claude" and entries[3]["usage"]["input_tokens"] >= 7


def test_a_cut_anthropic_stream_ends_in_the_sdks_error_and_a_failed_entry(
        tracing_runtime: TracingRuntime, developer: Developer, providers: MockProviders) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_cut")
    client = _anthropic(tracing_runtime, developer, trace_id)
    with pytest.raises(anthropic.APIError) as cut, client.messages.stream(
            model="fmt-claude-broken", max_tokens=32, messages=[{"role": "user", "content": "a b c d e"}]) as stream:
        "".join(stream.text_stream)
    assert "mock-anthropic" in str(cut.value) and str(providers.port) not in str(cut.value)
    [entry] = _entries(tracing_runtime, developer, trace_id, 1)
    assert entry["status"] == "error" and entry["error"]["code"] == "upstream_stream_interrupted"
    assert str(providers.port) not in json.dumps(entry["error"])
