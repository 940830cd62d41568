"""The log-proxy when its storage is down: a lookup that is not cached answers 503 `storage_unavailable` in
OpenAI's error format with Retry-After (not 500), and such a failure after the trace was verified is recorded."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest
from botocore.exceptions import EndpointConnectionError
from pynamodb.exceptions import GetError

from tests.unit.tracing.tracing_fakes import ALICE_KEY


def _outage() -> Exception:
    return GetError("Failed to get item", cause=EndpointConnectionError(endpoint_url="http://127.0.0.1:1/"))


def _broken(*_: Any) -> Any:
    raise _outage()


def test_an_uncached_trace_lookup_with_the_store_down_is_503_in_openai_format(proxy_server: Any) -> None:
    proxy_server.fakes.traces.get_trace = _broken  # the store behind the trace-owner lookup is down
    response = httpx.post(proxy_server.base_url("trc_any") + "/chat/completions", timeout=10,
                          headers={"authorization": f"Bearer {ALICE_KEY}"},
                          json={"model": "mock-gpt", "messages": [{"role": "user", "content": "hi"}]})
    assert response.status_code == 503
    assert response.json() == {"error": {"message": "the platform's storage is unavailable, retry shortly",
                                         "type": "server_error", "param": None, "code": "storage_unavailable"}}
    assert response.headers["retry-after"] == "5"
    assert "127.0.0.1" not in response.text


def test_an_uncached_model_lookup_with_the_store_down_is_503_and_recorded_as_a_failed_call(proxy_server: Any) -> None:
    trace_id = proxy_server.fakes.traces.create_trace("alice", "agent", agent_id="agt_1")
    proxy_server.fakes.models.resolve_model = _broken
    client = openai.OpenAI(base_url=proxy_server.base_url(trace_id), api_key=ALICE_KEY, max_retries=0)
    with pytest.raises(openai.APIStatusError) as raised:
        client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 503 and raised.value.code == "storage_unavailable"
    [entry] = proxy_server.wait_entries(1)
    assert entry["status"] == "error" and entry["http_status"] == 503
    assert entry["error"]["code"] == "storage_unavailable"
