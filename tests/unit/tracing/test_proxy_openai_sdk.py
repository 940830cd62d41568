"""The log-proxy through the real OpenAI SDK: plain, streaming and tool calls; every error case."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from tests.unit.tracing.tracing_fakes import ALICE_KEY, BOB_KEY, LLM_KEY, PENDING_KEY


def _client(served: Any, trace_id: str, key: str = ALICE_KEY, **kw: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=served.base_url(trace_id), api_key=key, max_retries=0, **kw)


@pytest.fixture
def agent_trace(proxy_server: Any) -> str:
    return proxy_server.fakes.traces.create_trace("alice", "agent", agent_id="agt_1")


def test_plain_completion_is_relayed_unchanged_and_recorded(proxy_server: Any, mock_llm: Any,
                                                            agent_trace: str) -> None:
    reply = _client(proxy_server, agent_trace).chat.completions.create(
        model="mock-gpt", messages=[{"role": "user", "content": "hello there"}], temperature=0.2)
    assert reply.choices[0].message.content == "echo: hello there"
    upstream = mock_llm.requests[-1]
    assert upstream["headers"]["authorization"] == f"Bearer {LLM_KEY}"  # the LLM's key, not the platform's
    assert upstream["body"]["temperature"] == 0.2
    [entry] = proxy_server.wait_entries(1)
    assert entry["status"] == "ok" and entry["model"] == "mock-gpt" and entry["trace_id"] == agent_trace
    assert entry["request"]["messages"] == [{"role": "user", "content": "hello there"}]
    assert entry["response"]["choices"][0]["message"]["content"] == "echo: hello there"
    assert entry["usage"]["output_tokens"] == reply.usage.completion_tokens
    assert entry["user_id"] == "alice" and entry["latency_ms"] > 0
    usage = proxy_server.fakes.usage.rows
    day = entry["at"][:10]
    assert list(usage) == [(day, "D#team-a#alice#mock-gpt#agt_1")]  # one row: a day's totals are summed on read
    assert usage[(day, "D#team-a#alice#mock-gpt#agt_1")]["calls"] == 1
    assert usage[(day, "D#team-a#alice#mock-gpt#agt_1")]["errors"] == 0
    assert usage[(day, "D#team-a#alice#mock-gpt#agt_1")]["prompt_tokens"] == reply.usage.prompt_tokens


def test_stream_has_the_same_chunks_as_upstream_and_hides_the_injected_usage(
    proxy_server: Any, mock_llm: Any, agent_trace: str
) -> None:
    body = {"model": "mock-gpt", "messages": [{"role": "user", "content": "one two three four five six"}],
            "stream": True}
    chunks = list(_client(proxy_server, agent_trace).chat.completions.create(**body))
    expected = mock_llm.stream_chunks(body, {"content": "echo: one two three four five six"})
    assert len(chunks) == len(expected)  # the client asked for no usage: it sees none
    assert all(c.usage is None for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "echo: one two three four five six"
    # ...while the upstream was asked for usage, and the entry has it.
    assert mock_llm.requests[-1]["body"]["stream_options"] == {"include_usage": True}
    [entry] = proxy_server.wait_entries(1)
    assert entry["stream"] is True and entry["usage"]["total_tokens"] > 0
    assert entry["response"]["choices"][0]["message"]["content"] == "echo: one two three four five six"
    assert entry["ttft_ms"] is not None and entry["stream_events"] == len(expected)


def test_stream_raw_bytes_have_no_usage_field_when_not_asked(proxy_server: Any, agent_trace: str) -> None:
    with httpx.stream("POST", proxy_server.base_url(agent_trace) + "/chat/completions",
                      headers={"authorization": f"Bearer {ALICE_KEY}"},
                      json={"model": "mock-gpt", "stream": True, "messages": [{"role": "user", "content": "x"}]}
                      ) as response:
        raw = response.read()
    assert response.headers["content-type"].startswith("text/event-stream")
    assert b'"usage"' not in raw and raw.endswith(b"data: [DONE]\n\n")


def test_stream_with_usage_requested_passes_usage_through(proxy_server: Any, agent_trace: str) -> None:
    chunks = list(_client(proxy_server, agent_trace).chat.completions.create(
        model="mock-gpt", messages=[{"role": "user", "content": "hi"}], stream=True,
        stream_options={"include_usage": True}))
    assert chunks[-1].usage is not None and chunks[-1].choices == []


def test_tool_calls_plain_and_streamed(proxy_server: Any, agent_trace: str) -> None:
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}}}}]
    messages = [{"role": "user", "content": "please use the weather tool"}]
    client = _client(proxy_server, agent_trace)
    reply = client.chat.completions.create(model="mock-gpt", messages=messages, tools=tools)
    assert reply.choices[0].message.tool_calls[0].function.name == "get_weather"
    streamed = list(client.chat.completions.create(model="mock-gpt", messages=messages, tools=tools,
                                                   stream=True))
    args = "".join(c.choices[0].delta.tool_calls[0].function.arguments or ""
                   for c in streamed if c.choices and c.choices[0].delta.tool_calls)
    assert json.loads(args) == {"city": "Seoul"}
    entries = proxy_server.wait_entries(2)
    for entry in entries:
        assert entry["request"]["tools"] == tools
        assert entry["tool_calls"][0]["function"]["name"] == "get_weather"
        assert json.loads(entry["tool_calls"][0]["function"]["arguments"]) == {"city": "Seoul"}


def test_embeddings_and_models(proxy_server: Any, agent_trace: str) -> None:
    client = _client(proxy_server, agent_trace)
    vectors = client.embeddings.create(model="mock-gpt", input="hello")
    assert vectors.data[0].embedding == [0.1, 0.2, 0.3]
    assert "mock-gpt" in [m.id for m in client.models.list()]
    [entry] = proxy_server.wait_entries(1)
    assert entry["kind"] == "embeddings" and entry["request"]["input"] == "hello"


def test_entries_are_pushed_to_listeners_and_stale_ones_removed(proxy_server: Any, agent_trace: str) -> None:
    fakes = proxy_server.fakes
    fakes.connections.subscribe("conn-live", "alice", agent_trace)
    fakes.connections.subscribe("conn-gone", "alice", agent_trace)
    fakes.connections.subscribe("conn-forged", "bob", agent_trace)  # never pushed: not the owner
    fakes.pusher.gone.add("conn-gone")
    _client(proxy_server, agent_trace).chat.completions.create(
        model="mock-gpt", messages=[{"role": "user", "content": "live"}])
    proxy_server.wait_entries(1)
    for _ in range(100):
        if len(fakes.pusher.messages) >= 2 and fakes.connections.removed:
            break
        import time

        time.sleep(0.01)
    # The call's running entry when it starts, then the finished one (same entry id) replacing it.
    [(connection, running), (again, message)] = fakes.pusher.messages
    assert connection == again == "conn-live"
    assert running["type"] == "trace.running" and message["type"] == "trace.entry"
    assert running["entry"]["status"] == "running" and message["entry"]["status"] == "ok"
    assert running["entry"]["entry_id"] == message["entry"]["entry_id"]
    assert running["entry"]["request"]["messages"][0]["content"] == "live"
    assert message["entry"]["request"]["messages"][0]["content"] == "live"
    assert fakes.connections.removed == ["conn-gone"]


def test_a_call_that_answers_within_the_running_delay_is_pushed_finished_only(proxy_server: Any,
                                                                               agent_trace: str) -> None:
    """A call that answers within the delay gets no running entry (nothing built or pushed while it is in
    flight); a call still running after the delay is on the panel, running, before its finished entry. (The
    delays are far from the calls' durations, so a loaded machine cannot swap the cases.)"""
    fakes = proxy_server.fakes
    fakes.proxy.running_delay_seconds = 10.0
    fakes.connections.subscribe("conn-live", "alice", agent_trace)
    client = _client(proxy_server, agent_trace)
    client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "quick"}])
    proxy_server.wait_entries(1)
    _wait(lambda: len(fakes.pusher.messages) >= 1)
    [(_, only)] = fakes.pusher.messages
    assert only["type"] == "trace.entry" and only["entry"]["status"] == "ok"

    fakes.proxy.running_delay_seconds = 0.05
    with pytest.raises(openai.APIStatusError):  # slow-model: 2 s, past its 0.5 s timeout: 504
        client.with_options(max_retries=0).chat.completions.create(
            model="slow-model", messages=[{"role": "user", "content": "slow"}])
    proxy_server.wait_entries(2)
    _wait(lambda: len(fakes.pusher.messages) >= 3)
    running, finished = fakes.pusher.messages[1][1], fakes.pusher.messages[2][1]
    assert running["type"] == "trace.running" and running["entry"]["request"]["messages"][0]["content"] == "slow"
    assert finished["type"] == "trace.entry" and finished["entry"]["entry_id"] == running["entry"]["entry_id"]


def _wait(condition: Any, timeout: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_active_run_tags_the_session_and_delivers_to_its_trace(proxy_server: Any, agent_trace: str) -> None:
    from a2g.tracing.service import TraceService

    fakes = proxy_server.fakes
    session_trace = fakes.traces.create_trace("alice", "session", agent_id="agt_1", session_id="ses_1")
    service = TraceService(fakes.traces, fakes.logs, fakes.connections)
    assert service.mark_run_active(agent_trace, "ses_1", 60, session_trace_id=session_trace, user_id="alice")
    fakes.connections.subscribe("conn-session", "alice", session_trace)
    client = _client(proxy_server, agent_trace)
    client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "in chat"}])
    service.mark_run_done(agent_trace, "ses_1")
    client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "terminal"}])
    first, second = proxy_server.wait_entries(2)
    assert first["session_id"] == "ses_1" and second["session_id"] is None
    assert [e["entry_id"] for e in fakes.logs.by_trace[session_trace]] == [first["entry_id"]]
    assert len(fakes.logs.by_trace[agent_trace]) == 2
    # Another user's session can never tag alice's agent trace.
    bob_session = fakes.traces.create_trace("bob", "session", session_id="ses_b")
    assert not service.mark_run_active(agent_trace, "ses_b", 60, session_trace_id=bob_session, user_id="bob")
    assert not service.mark_run_active(agent_trace, "ses_b", 60, session_trace_id=bob_session)


def test_gateway_ids_forwarded_by_the_agent_link_the_call_and_pick_its_run_among_concurrent_ones(
    proxy_server: Any, agent_trace: str,
) -> None:  # fmt: skip
    """Two gateway calls run the agent at once: time alone cannot tell which run an LLM call belongs to; the
    X-A2G-Context-Id the agent forwarded can, and the entry carries the parent link to its agent_call."""
    from a2g.tracing.service import TraceService

    fakes = proxy_server.fakes
    service = TraceService(fakes.traces, fakes.logs, fakes.connections)
    traces = {}
    for session in ("ses_g1", "ses_g2"):
        traces[session] = fakes.traces.create_trace("alice", "session", agent_id="agt_1", session_id=session)
        assert service.mark_run_active(agent_trace, session, 60, session_trace_id=traces[session], user_id="alice")
    ids = {"X-A2G-Context-Id": "ses_g2", "X-A2G-Task-Id": "task-7f3a"}
    client = _client(proxy_server, agent_trace).with_options(default_headers=ids)
    client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "for task 7f3a"}])
    _client(proxy_server, agent_trace).chat.completions.create(
        model="mock-gpt", messages=[{"role": "user", "content": "no ids"}])
    forwarded, plain = sorted(proxy_server.wait_entries(2), key=lambda e: e["request"]["messages"][0]["content"])
    assert forwarded["parent"] == {"kind": "agent_call", "context_id": "ses_g2", "task_id": "task-7f3a"}
    assert forwarded["session_id"] == "ses_g2" and "concurrent_session_ids" not in forwarded
    assert [e["entry_id"] for e in fakes.logs.by_trace.get(traces["ses_g2"], [])] == [forwarded["entry_id"]]
    assert traces["ses_g1"] not in fakes.logs.by_trace or not fakes.logs.by_trace[traces["ses_g1"]]
    assert "parent" not in plain and sorted(plain["concurrent_session_ids"]) == ["ses_g1", "ses_g2"]
    # A context that is not one of the registered runs picks nothing: the header is only the agent's word.
    _client(proxy_server, agent_trace).with_options(default_headers={"X-A2G-Context-Id": "ses_other"}).chat \
        .completions.create(model="mock-gpt", messages=[{"role": "user", "content": "zzz forged"}])
    forged = next(e for e in proxy_server.wait_entries(3) if e["request"]["messages"][0]["content"] == "zzz forged")
    assert forged["parent"]["context_id"] == "ses_other" and forged.get("session_id") is None
    assert sorted(forged["concurrent_session_ids"]) == ["ses_g1", "ses_g2"]
    with pytest.raises(openai.BadRequestError) as bad:
        _client(proxy_server, agent_trace).with_options(default_headers={"X-A2G-Task-Id": "bad id#"}).chat \
            .completions.create(model="mock-gpt", messages=[{"role": "user", "content": "x"}])
    assert _error(bad.value)["code"] == "invalid_correlation_header"


# --- errors: OpenAI's format, right status, logged where a trace is known, nothing else affected -----------


def _error(exc: openai.APIStatusError) -> dict[str, Any]:
    body = exc.response.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    return body["error"]


def test_missing_and_invalid_keys_are_401(proxy_server: Any, agent_trace: str) -> None:
    with pytest.raises(openai.AuthenticationError) as bad:
        _client(proxy_server, agent_trace, key="a2g_sk_" + "z" * 43).chat.completions.create(
            model="mock-gpt", messages=[{"role": "user", "content": "x"}])
    assert _error(bad.value)["code"] == "invalid_api_key"
    response = httpx.post(proxy_server.base_url(agent_trace) + "/chat/completions", json={})
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key"
    with pytest.raises(openai.PermissionDeniedError):
        _client(proxy_server, agent_trace, key=PENDING_KEY).chat.completions.create(
            model="mock-gpt", messages=[{"role": "user", "content": "x"}])
    assert proxy_server.fakes.logs.entries == []  # nothing trustworthy names a trace to write to


def test_another_users_trace_is_404_and_nothing_is_written_to_it(proxy_server: Any, agent_trace: str,
                                                                  mock_llm: Any) -> None:
    before = len(mock_llm.requests)
    with pytest.raises(openai.NotFoundError) as refused:
        _client(proxy_server, agent_trace, key=BOB_KEY).chat.completions.create(
            model="mock-gpt", messages=[{"role": "user", "content": "sneaky"}])
    assert _error(refused.value)["code"] == "trace_not_found"
    with pytest.raises(openai.NotFoundError):
        _client(proxy_server, "trc_does_not_exist").chat.completions.create(
            model="mock-gpt", messages=[{"role": "user", "content": "x"}])
    assert len(mock_llm.requests) == before and proxy_server.fakes.logs.entries == []


@pytest.mark.parametrize("model", ["no-such-model", ""])
def test_unknown_model_is_404_and_logged(proxy_server: Any, agent_trace: str, model: str) -> None:
    with pytest.raises(openai.APIStatusError) as refused:
        _client(proxy_server, agent_trace).chat.completions.create(
            model=model, messages=[{"role": "user", "content": "x"}])
    assert refused.value.status_code == (404 if model else 400)
    [entry] = proxy_server.wait_entries(1)
    assert entry["status"] == "error" and entry["http_status"] == refused.value.status_code


def test_malformed_json_and_oversized_body(proxy_server: Any, agent_trace: str) -> None:
    url = proxy_server.base_url(agent_trace) + "/chat/completions"
    auth = {"authorization": f"Bearer {ALICE_KEY}", "content-type": "application/json"}
    bad = httpx.post(url, content=b"{not json", headers=auth)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_json"
    big = httpx.post(url, content=b'{"model": "mock-gpt", "pad": "' + b"x" * 200_000 + b'"}', headers=auth)
    assert big.status_code == 413 and big.json()["error"]["type"] == "invalid_request_error"
    entries = proxy_server.wait_entries(2)
    assert sorted(e["http_status"] for e in entries) == [400, 413]
    # The proxy still serves the next call.
    ok = _client(proxy_server, agent_trace).chat.completions.create(
        model="mock-gpt", messages=[{"role": "user", "content": "still fine"}])
    assert ok.choices[0].message.content == "echo: still fine"


def test_rate_limit_strict_is_429_with_retry_after(proxy_server: Any, agent_trace: str) -> None:
    proxy_server.fakes.rate.limit = 1
    proxy_server.fakes.proxy.rate_limit_mode = "strict"
    client = _client(proxy_server, agent_trace)
    client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "1"}])
    with pytest.raises(openai.RateLimitError) as throttled:
        client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "2"}])
    assert throttled.value.response.headers["retry-after"] == "7"
    assert _error(throttled.value)["code"] == "rate_limit_exceeded"
    entries = proxy_server.wait_entries(2)
    assert sorted(e["http_status"] for e in entries) == [200, 429]


def test_rate_limit_deferred_refuses_once_the_limit_is_known(proxy_server: Any, agent_trace: str,
                                                             mock_llm: Any) -> None:
    import time

    proxy_server.fakes.rate.limit = 1
    client = _client(proxy_server, agent_trace)
    client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "1"}])
    # The count of the call that crosses the limit runs beside it: that call is still served...
    client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "2"}])
    time.sleep(0.2)
    before = len(mock_llm.requests)
    # ...and from then on the key is refused without reaching the LLM, for the rest of its window.
    with pytest.raises(openai.RateLimitError) as throttled:
        client.chat.completions.create(model="mock-gpt", messages=[{"role": "user", "content": "3"}])
    assert 1 <= int(throttled.value.response.headers["retry-after"]) <= 7
    assert len(mock_llm.requests) == before
    entries = proxy_server.wait_entries(3)
    assert sorted(e["http_status"] for e in entries) == [200, 200, 429]


def test_upstream_timeout_is_504(proxy_server: Any, agent_trace: str) -> None:
    with pytest.raises(openai.APIStatusError) as failed:
        _client(proxy_server, agent_trace).chat.completions.create(
            model="slow-model", messages=[{"role": "user", "content": "x"}])
    assert failed.value.status_code == 504 and _error(failed.value)["code"] == "upstream_timeout"
    [entry] = proxy_server.wait_entries(1)
    assert entry["status"] == "error" and entry["http_status"] == 504


def test_upstream_error_status_is_passed_through(proxy_server: Any, agent_trace: str) -> None:
    with pytest.raises(openai.InternalServerError) as failed:
        _client(proxy_server, agent_trace).chat.completions.create(
            model="error-model", messages=[{"role": "user", "content": "x"}])
    assert failed.value.response.json()["error"]["message"] == "the mock LLM is on fire"
    [entry] = proxy_server.wait_entries(1)
    assert entry["status"] == "error" and entry["error"]["message"] == "the mock LLM is on fire"


def test_unreachable_upstream_is_502(proxy_server: Any, agent_trace: str) -> None:
    from a2g.tracing.proxy import ResolvedModel

    from tests.e2e.tracing.mock_llm import free_port

    proxy_server.fakes.models.models["dead-model"] = ResolvedModel(
        "dead-model", "llm_2", "dead", f"http://127.0.0.1:{free_port()}/v1", None, 5.0)
    with pytest.raises(openai.APIStatusError) as failed:
        _client(proxy_server, agent_trace).chat.completions.create(
            model="dead-model", messages=[{"role": "user", "content": "x"}])
    assert failed.value.status_code == 502 and _error(failed.value)["type"] == "upstream_error"


def test_mid_stream_failure_sends_an_error_event_then_closes(proxy_server: Any, agent_trace: str) -> None:
    stream = _client(proxy_server, agent_trace).chat.completions.create(
        model="broken-stream", messages=[{"role": "user", "content": "a b c d e f g h"}], stream=True)
    received = []
    with pytest.raises(openai.APIError) as failed:
        for chunk in stream:
            received.append(chunk)  # noqa: PERF402 - the loop must raise mid-way
    assert len(received) == 2 and "mid-way" in str(failed.value)
    [entry] = proxy_server.wait_entries(1)
    assert entry["status"] == "error" and entry["error"]["code"] == "upstream_stream_interrupted"
    assert entry["response"]["chunks"] == 2
