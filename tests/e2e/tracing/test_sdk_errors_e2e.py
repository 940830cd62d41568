"""Each SDK's own error class for what the upstream does wrong, through the log-proxy (pass-through): a 500, a
429 the SDK retries after the `Retry-After` it was given, and a stream cut mid-way — and every failed call is a
failed entry that never shows the LLM's address. (401 and the other 429 cases: test_formats_e2e.py.)"""

from __future__ import annotations

import json
import time

import anthropic
import openai
import pytest
from google.genai import errors as genai_errors
from google.genai import types as genai_types

from tests.e2e.tracing.conftest import Developer
from tests.e2e.tracing.mock_providers import MockProviders
from tests.e2e.tracing.runtime_helpers import TracingRuntime
from tests.e2e.tracing.test_formats_e2e import _anthropic, _entries, _genai, _openai

pytestmark = pytest.mark.e2e


def _no_address(providers: MockProviders, *texts: str) -> None:
    for text in texts:
        assert str(providers.port) not in text and "127.0.0.1" not in text, text


def test_a_500_is_each_sdks_server_error(tracing_runtime: TracingRuntime, developer: Developer,
                                         providers: MockProviders) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_500")
    with pytest.raises(openai.InternalServerError) as oa:
        _openai(tracing_runtime, developer, trace_id).responses.create(model="fmt-gpt-failing", input="x")
    assert oa.value.status_code == 500 and oa.value.body["message"] == "the mock is on fire"
    with pytest.raises(anthropic.InternalServerError) as an:
        _anthropic(tracing_runtime, developer, trace_id).messages.create(
            model="fmt-claude-failing", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    assert an.value.body["error"]["type"] == "api_error"
    gemini = _genai(tracing_runtime, developer, trace_id)
    with pytest.raises(genai_errors.ServerError) as ge:
        gemini.models.generate_content(model="fmt-gemini-failing", contents="x")
    assert ge.value.code == 500 and ge.value.status == "INTERNAL"

    entries = _entries(tracing_runtime, developer, trace_id, 3)
    assert sorted(e["api"] for e in entries) == ["gemini", "messages", "responses"]
    assert {(e["status"], e["http_status"]) for e in entries} == {("error", 500)}
    _no_address(providers, json.dumps(entries))


def test_a_429_is_retried_after_its_retry_after(tracing_runtime: TracingRuntime, developer: Developer,
                                                providers: MockProviders, monkeypatch: pytest.MonkeyPatch) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_429")
    import anthropic._base_client as anthropic_client

    slept: list[float] = []  # what the SDK decided to wait (its own back-off would be 0.5 s with jitter)
    real_sleep = time.sleep
    monkeypatch.setattr(anthropic_client.time, "sleep", lambda s: (slept.append(s), real_sleep(s))[1])
    before = providers.count("/v1/messages")
    with pytest.raises(anthropic.RateLimitError) as limited:
        _anthropic(tracing_runtime, developer, trace_id, max_retries=1).messages.create(
            model="fmt-claude-limited", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    monkeypatch.undo()
    assert limited.value.response.headers["retry-after"] == "1"
    assert providers.count("/v1/messages") - before == 2  # tried once more, after the second it was told
    assert slept == [1.0]

    # google-genai retries a 429 by its own back-off (it reads no Retry-After); the header still reaches it.
    before = providers.count(":generateContent")
    gemini = _genai(tracing_runtime, developer, trace_id)
    gemini_retrying = type(gemini)(api_key=developer.api_key, http_options=genai_types.HttpOptions(
        base_url=gemini._api_client._http_options.base_url, api_version="v1beta",
        retry_options=genai_types.HttpRetryOptions(attempts=2, initial_delay=0.1, max_delay=0.2)))
    with pytest.raises(genai_errors.ClientError) as ge:
        gemini_retrying.models.generate_content(model="fmt-gemini-limited", contents="x")
    assert ge.value.code == 429 and ge.value.response.headers["retry-after"] == "1"
    assert providers.count(":generateContent") - before == 2
    entries = _entries(tracing_runtime, developer, trace_id, 4)
    assert {e["http_status"] for e in entries} == {429}


def test_a_cut_stream_is_each_sdks_error_and_a_failed_entry(tracing_runtime: TracingRuntime, developer: Developer,
                                                            providers: MockProviders) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_cut_all")
    client = _openai(tracing_runtime, developer, trace_id)
    with pytest.raises(openai.APIError) as oa, client.responses.stream(model="fmt-gpt-broken",
                                                                       input="a b c d e") as stream:
        for _ in stream:  # the error comes while the stream is read
            pass
    gemini = _genai(tracing_runtime, developer, trace_id)  # kept: a dropped client closes itself
    with pytest.raises(genai_errors.APIError) as ge:
        for _ in gemini.models.generate_content_stream(
                model="fmt-gemini-broken", contents="a b c d e"):
            pass
    _no_address(providers, str(oa.value), str(ge.value))
    entries = _entries(tracing_runtime, developer, trace_id, 2)
    assert sorted(e["api"] for e in entries) == ["gemini", "responses"]
    for entry in entries:
        assert entry["status"] == "error" and entry["stream"] is True
        assert entry["error"]["code"] == "upstream_stream_interrupted"
    _no_address(providers, json.dumps(entries))
