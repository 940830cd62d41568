"""Live tracing on the local runtime: the real OpenAI SDK through the log-proxy, entries arriving on a real
WebSocket, history and clearing, the LLM registry API, a real Agno team, and the error cases."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import openai
import pytest
from websockets.sync.client import connect

from tests.e2e.tracing.conftest import Developer
from tests.e2e.tracing.mock_llm import MockLlm, leader_delegates_once
from tests.e2e.tracing.runtime_helpers import TracingRuntime

pytestmark = pytest.mark.e2e


def _client(runtime: TracingRuntime, dev: Developer, trace_id: str | None = None, key: str | None = None
            ) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{runtime.base_url}/api/log-proxy/{trace_id or dev.trace_id}/v1",
                         api_key=key or dev.api_key, max_retries=0)


def _entries(ws: Any, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(received) < count:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message.get("type") == "trace.entry":
            received.append(message)
    return received


def _ws(runtime: TracingRuntime, token: str, trace_id: str | None = None) -> Any:
    query = f"?token={token}" + (f"&trace_id={trace_id}" if trace_id else "")
    return connect(runtime.ws_url + query, open_timeout=10)


def test_sdk_calls_arrive_live_on_the_websocket(tracing_runtime: TracingRuntime, developer: Developer) -> None:
    client = _client(tracing_runtime, developer)
    with _ws(tracing_runtime, developer.token, developer.trace_id) as ws:
        reply = client.chat.completions.create(model="e2e-gpt", messages=[{"role": "user", "content": "plain"}])
        assert reply.choices[0].message.content == "echo: plain"
        # How fast is the benchmark's business (tests/bench/bench_log_proxy.py); a cold function on a busy
        # machine needs a few seconds for its first entry.
        [first] = _entries(ws, 1, timeout=15.0)
        assert first["trace_id"] == developer.trace_id
        assert first["entry"]["response"]["choices"][0]["message"]["content"] == "echo: plain"

        chunks = list(client.chat.completions.create(
            model="e2e-gpt", messages=[{"role": "user", "content": "streamed words here"}], stream=True))
        assert all(c.usage is None for c in chunks)
        tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
        tool_reply = client.chat.completions.create(
            model="e2e-gpt", messages=[{"role": "user", "content": "use the weather tool"}], tools=tools,
            extra_headers={"X-Agent-Id": "weather-agent"})
        assert tool_reply.choices[0].message.tool_calls[0].function.name == "get_weather"
        streamed, tooled = (m["entry"] for m in _entries(ws, 2))
        assert streamed["stream"] is True and streamed["usage"]["total_tokens"] > 0
        assert tooled["agent_id"] == "weather-agent" and tooled["tool_calls"][0]["function"]["name"] == "get_weather"


def test_history_entry_and_clear(tracing_runtime: TracingRuntime, developer: Developer) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_hist")
    client = _client(tracing_runtime, developer, trace_id)
    for text in ("one", "two", "three"):
        client.chat.completions.create(model="e2e-gpt", messages=[{"role": "user", "content": text}])
    headers = {"authorization": f"Bearer {developer.token}"}
    deadline = time.monotonic() + 5
    while True:
        page = httpx.get(tracing_runtime.base_url + "/api/logs", params={"trace_id": trace_id, "limit": 2},
                         headers=headers).json()
        if len(page["items"]) == 2 and page["next_cursor"] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    rest = httpx.get(tracing_runtime.base_url + "/api/logs", headers=headers,
                     params={"trace_id": trace_id, "limit": 2, "cursor": page["next_cursor"]}).json()
    contents = [e["request"]["messages"][0]["content"] for e in page["items"] + rest["items"]]
    assert contents == ["one", "two", "three"]  # oldest first by default
    newest = httpx.get(tracing_runtime.base_url + "/api/logs", headers=headers,
                       params={"trace_id": trace_id, "order": "desc", "limit": 1}).json()
    assert newest["items"][0]["request"]["messages"][0]["content"] == "three"
    entry_id = page["items"][0]["entry_id"]
    whole = httpx.get(f"{tracing_runtime.base_url}/api/logs/{entry_id}", params={"trace_id": trace_id},
                      headers=headers)
    assert whole.status_code == 200 and whole.json()["entry_id"] == entry_id
    # Up to the second call's time: the third, made later, stays; a time that is not one is refused.
    up_to = (page["items"] + rest["items"])[1]["at"]
    bad = httpx.delete(tracing_runtime.base_url + "/api/logs", params={"trace_id": trace_id, "up_to": "soon"},
                       headers=headers)
    assert bad.status_code == 400, bad.text
    partly = httpx.delete(tracing_runtime.base_url + "/api/logs", params={"trace_id": trace_id, "up_to": up_to},
                          headers=headers)
    assert partly.status_code == 200 and partly.json()["deleted"] == 2, partly.text
    left = httpx.get(tracing_runtime.base_url + "/api/logs", params={"trace_id": trace_id}, headers=headers).json()
    assert [e["request"]["messages"][0]["content"] for e in left["items"]] == ["three"]
    cleared = httpx.delete(tracing_runtime.base_url + "/api/logs", params={"trace_id": trace_id}, headers=headers)
    assert cleared.json()["deleted"] == 1
    assert httpx.get(tracing_runtime.base_url + "/api/logs", params={"trace_id": trace_id},
                     headers=headers).json()["items"] == []


def test_large_entries_are_cut_on_the_websocket_and_fetchable_whole(
    tracing_runtime: TracingRuntime, developer: Developer
) -> None:
    big = "lorem ipsum " * 8000  # ~96 KB
    with _ws(tracing_runtime, developer.token, developer.trace_id) as ws:
        _client(tracing_runtime, developer).chat.completions.create(
            model="e2e-gpt", messages=[{"role": "user", "content": big}])
        [message] = _entries(ws, 1)
    assert message["entry"]["truncated"] is True and len(json.dumps(message)) < 32_000
    whole = httpx.get(f"{tracing_runtime.base_url}/api/logs/{message['entry']['entry_id']}",
                      params={"trace_id": developer.trace_id},
                      headers={"authorization": f"Bearer {developer.token}"}).json()
    assert whole["request"]["messages"][0]["content"] == big


def test_subscribe_action_and_other_users_traces(tracing_runtime: TracingRuntime, developer: Developer) -> None:
    other_trace = tracing_runtime.create_trace("someone-else", agent_id="agt_x")
    # Connecting with another user's trace is refused outright.
    with pytest.raises(Exception) as refused:
        _ws(tracing_runtime, developer.token, other_trace)
    assert "403" in str(refused.value)
    second = tracing_runtime.create_trace("admin", agent_id="agt_sub")
    with _ws(tracing_runtime, developer.token) as ws:
        ws.send(json.dumps({"action": "subscribe", "trace_id": other_trace}))
        assert json.loads(ws.recv(timeout=5))["error"]["code"] == "trace_not_found"
        ws.send(json.dumps({"action": "subscribe", "trace_id": second}))
        assert json.loads(ws.recv(timeout=5)) == {"type": "subscribed", "trace_id": second}
        _client(tracing_runtime, developer, second).chat.completions.create(
            model="e2e-gpt", messages=[{"role": "user", "content": "subscribed"}])
        [message] = _entries(ws, 1)
        assert message["trace_id"] == second
        ws.send(json.dumps({"action": "unsubscribe", "trace_id": second}))
        assert json.loads(ws.recv(timeout=5))["type"] == "unsubscribed"
    # The log-proxy refuses a trace that is not the key's user's; nothing reaches the LLM.
    with pytest.raises(openai.NotFoundError):
        _client(tracing_runtime, developer, other_trace).chat.completions.create(
            model="e2e-gpt", messages=[{"role": "user", "content": "x"}])


def test_llm_registry_api(tracing_runtime: TracingRuntime, developer: Developer) -> None:
    headers = {"authorization": f"Bearer {developer.token}"}
    listed = httpx.get(tracing_runtime.base_url + "/api/admin/llms", headers=headers).json()["items"]
    mock = next(i for i in listed if i["name"] == "mock")
    assert mock["api_key_masked"] == "sk-…9876" and "sk-e2e-upstream-key-9876" not in json.dumps(listed)
    tested = httpx.post(f"{tracing_runtime.base_url}/api/admin/llms/{mock['llm_id']}/test", headers=headers, json={})
    assert tested.json()["ok"] is True
    again = httpx.get(tracing_runtime.base_url + "/api/admin/llms", headers=headers).json()["items"]
    assert next(i for i in again if i["name"] == "mock")["health"]["status"] == "healthy"
    catalogue = httpx.get(tracing_runtime.base_url + "/api/llms", headers=headers).json()
    assert "e2e-gpt" in [m["model"] for m in catalogue["models"]]
    assert "/api/log-proxy/{trace_id}/v1" in catalogue["guide"]["base_url_template"]
    assert "sk-e2e" not in json.dumps(catalogue)
    pending = tracing_runtime.sign_in("not-yet-approved")
    assert httpx.get(tracing_runtime.base_url + "/api/admin/llms",
                     headers={"authorization": f"Bearer {pending}"}).status_code == 403


def test_error_cases(tracing_runtime: TracingRuntime, developer: Developer) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_err")
    client = _client(tracing_runtime, developer, trace_id)
    url = f"{tracing_runtime.base_url}/api/log-proxy/{trace_id}/v1/chat/completions"
    auth = {"authorization": f"Bearer {developer.api_key}", "content-type": "application/json"}
    with pytest.raises(openai.AuthenticationError):
        _client(tracing_runtime, developer, trace_id, key="a2g_sk_" + "0" * 43).chat.completions.create(
            model="e2e-gpt", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.NotFoundError) as unknown:
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
    assert unknown.value.response.json()["error"]["code"] == "model_not_found"
    assert httpx.post(url, content=b"{broken", headers=auth).status_code == 400
    assert httpx.post(url, content=b'{"x":"' + b"y" * 5_100_000 + b'"}', headers=auth).status_code == 413
    with pytest.raises(openai.APIStatusError) as slow:
        client.chat.completions.create(model="slow-model", messages=[{"role": "user", "content": "x"}])
    assert slow.value.status_code == 504
    with pytest.raises(openai.APIError):
        list(client.chat.completions.create(model="broken-stream", stream=True,
                                            messages=[{"role": "user", "content": "a b c d e f g h"}]))
    # Each failure after the key and trace were verified is a failed entry; the proxy still serves calls.
    ok = client.chat.completions.create(model="e2e-gpt", messages=[{"role": "user", "content": "fine"}])
    assert ok.choices[0].message.content == "echo: fine"
    headers = {"authorization": f"Bearer {developer.token}"}
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        items = httpx.get(tracing_runtime.base_url + "/api/logs", params={"trace_id": trace_id},
                          headers=headers).json()["items"]
        if len(items) >= 6:
            break
        time.sleep(0.1)
    statuses = sorted(e["http_status"] for e in items if e["status"] == "error")
    assert statuses == [200, 400, 404, 413, 504]  # the 200 is the stream that broke mid-way
    assert next(e for e in items if e["status"] == "ok")["request"]["messages"][0]["content"] == "fine"


def test_agno_team_shows_two_agents_live(tracing_runtime: TracingRuntime, developer: Developer,
                                         e2e_llm: MockLlm) -> None:
    agno_team = pytest.importorskip("agno.team")
    from agno.agent import Agent
    from agno.models.openai import OpenAIChat

    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_team")
    base_url = f"{tracing_runtime.base_url}/api/log-proxy/{trace_id}/v1"
    e2e_llm.script = leader_delegates_once
    try:
        with _ws(tracing_runtime, developer.token, trace_id) as ws:
            researcher = Agent(name="Researcher", id="researcher", role="Finds facts",
                               model=OpenAIChat(id="e2e-gpt", base_url=base_url, api_key=developer.api_key))
            team = agno_team.Team(name="Editorial", members=[researcher], telemetry=False,
                                  model=OpenAIChat(id="e2e-gpt", base_url=base_url, api_key=developer.api_key))
            result = team.run("Write one line about otters")
            assert "Otters hold hands" in str(result.content)
            agents = {m["entry"]["agent_id"] for m in _entries(ws, 3)}
    finally:
        e2e_llm.script = None
    assert agents == {"team_leader", "researcher"}
