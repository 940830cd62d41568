"""OTLP intake on the local runtime: spans exported by the real OpenTelemetry SDK and its OTLP/HTTP exporter,
the model called with the real OpenAI SDK through the log-proxy to the mock LLM; the spans and the proxy's
entry become one tree, received over a real WebSocket and in the history, with no call twice."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import httpx
import openai
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from websockets.sync.client import connect

from tests.e2e.tracing.conftest import Developer
from tests.e2e.tracing.runtime_helpers import TracingRuntime

pytestmark = pytest.mark.e2e


def _provider(endpoint: str, api_key: str, resource: dict[str, Any] | None = None,
              headers: dict[str, str] | None = None) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create(resource or {"service.name": "otel-e2e"}))
    exporter = OTLPSpanExporter(endpoint=endpoint, headers={"authorization": f"Bearer {api_key}", **(headers or {})},
                                timeout=30)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def _messages(ws: Any, until: Any, timeout: float = 30.0) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while not until(received):
        received.append(json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic()))))
    return received


def _history(runtime: TracingRuntime, dev: Developer, trace_id: str) -> list[dict[str, Any]]:
    page = httpx.get(runtime.base_url + "/api/logs", params={"trace_id": trace_id, "limit": 200},
                     headers={"authorization": f"Bearer {dev.token}"}, timeout=30)
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


def test_exported_spans_and_proxy_entry_join_into_one_tree(tracing_runtime: TracingRuntime,
                                                           developer: Developer) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_otel")
    provider = _provider(f"{tracing_runtime.base_url}/api/otel/{trace_id}/v1/traces", developer.api_key)
    tracer = provider.get_tracer("otel-e2e")
    client = openai.OpenAI(base_url=f"{tracing_runtime.base_url}/api/log-proxy/{trace_id}/v1",
                           api_key=developer.api_key, max_retries=0)
    ws_url = f"{tracing_runtime.ws_url}?token={developer.token}&trace_id={trace_id}"
    with connect(ws_url, open_timeout=10) as ws:
        with tracer.start_as_current_span("invoke_agent planner", attributes={  # noqa: SIM117 - nested as the agents are
                "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"}):
            with tracer.start_as_current_span("invoke_agent researcher", attributes={
                    "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "researcher"}):
                question = "what is the tallest mountain?"
                with tracer.start_as_current_span("chat e2e-gpt", attributes={
                        "gen_ai.operation.name": "chat", "gen_ai.request.model": "e2e-gpt",
                        "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [
                            {"type": "text", "content": question}]}])}):
                    reply = client.chat.completions.create(model="e2e-gpt",
                                                           messages=[{"role": "user", "content": question}])
                    # The proxy's entry is written right after the answer; the span is exported when it ends.
                    _messages(ws, lambda got: any(m.get("type") == "trace.entry" for m in got))
                with tracer.start_as_current_span("execute_tool search", attributes={
                        "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search",
                        "gen_ai.tool.call.arguments": '{"q": "tallest mountain"}',
                        "gen_ai.tool.call.result": "Everest"}):
                    pass
        provider.force_flush()
        # The planner's span ends last, so its entry is the last one pushed.
        live = _messages(ws, lambda got: any(m.get("type") == "trace.entry"
                                             and m["entry"].get("agent_name") == "planner" for m in got))
    assert reply.choices[0].message.content.startswith("echo:")
    pushed = {m["entry"]["entry_id"]: m["entry"] for m in live if m.get("type") == "trace.entry"}
    proxy_entry = next(e for e in pushed.values() if e.get("api") == "chat" and "span" in e)
    assert proxy_entry["agent_id"] == "researcher" and proxy_entry["agent_id_source"] == "span"
    entries = _history(tracing_runtime, developer, trace_id)
    kinds = sorted(e.get("kind") for e in entries)
    assert kinds == ["agent_run", "agent_run", "chat.completions", "tool_call"]  # the LLM call once
    by_kind = {e["kind"]: e for e in entries}
    agents = {e["agent_name"]: e for e in entries if e["kind"] == "agent_run"}
    llm = by_kind["chat.completions"]
    assert llm["span"]["parent_span_id"] == agents["researcher"]["span"]["span_id"]
    assert agents["researcher"]["span"]["parent_span_id"] == agents["planner"]["span"]["span_id"]
    assert llm["response"]["choices"][0]["message"]["content"] == reply.choices[0].message.content
    assert by_kind["tool_call"]["tool"]["result"] == "Everest" and by_kind["tool_call"]["agent_id"] == "researcher"


def test_header_and_resource_attribute_name_the_trace_json_and_gzip(tracing_runtime: TracingRuntime,
                                                                    developer: Developer) -> None:
    base = f"{tracing_runtime.base_url}/api/otel/v1/traces"
    by_header = tracing_runtime.create_trace("admin", agent_id="agt_otel_h")
    provider = _provider(base, developer.api_key, headers={"x-a2g-trace-id": by_header,  # and a gateway task's ids
                                                           "x-a2g-context-id": "ctx_otel", "x-a2g-task-id": "tsk_otel"})
    with provider.get_tracer("t").start_as_current_span("invoke_agent solo", attributes={
            "gen_ai.operation.name": "invoke_agent"}):
        pass
    provider.force_flush()
    by_resource = tracing_runtime.create_trace("admin", agent_id="agt_otel_r")
    from opentelemetry.exporter.otlp.proto.http import Compression

    exporter = OTLPSpanExporter(endpoint=base, headers={"authorization": f"Bearer {developer.api_key}"},
                                compression=Compression.Gzip)
    provider = TracerProvider(resource=Resource.create({"a2g.trace_id": by_resource}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("t").start_as_current_span("a plain step"):
        pass
    provider.force_flush()
    # OTLP JSON, as exporters that speak http/json send it.
    body = {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"spans": [{
        "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "lookup",
        "startTimeUnixNano": str(time.time_ns()), "endTimeUnixNano": str(time.time_ns() + 5_000_000),
        "attributes": [{"key": "openinference.span.kind", "value": {"stringValue": "TOOL"}},
                       {"key": "tool.name", "value": {"stringValue": "lookup"}}]}]}]}]}
    answer = httpx.post(f"{tracing_runtime.base_url}/api/otel/{by_resource}/v1/traces", json=body,
                        headers={"authorization": f"Bearer {developer.api_key}"}, timeout=30)
    assert answer.status_code == 200 and answer.json() == {}
    assert [(e["agent_name"], e["parent"]) for e in _history(tracing_runtime, developer, by_header)] == [
        ("solo", {"kind": "agent_call", "context_id": "ctx_otel", "task_id": "tsk_otel"})]
    assert sorted(e["kind"] for e in _history(tracing_runtime, developer, by_resource)) == ["step", "tool_call"]


def test_bad_bodies_keys_and_foreign_traces_are_refused_with_nothing_stored(tracing_runtime: TracingRuntime,
                                                                            developer: Developer) -> None:
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_otel_bad")
    foreign = tracing_runtime.create_trace("someone-else", agent_id="agt_foreign")
    url = f"{tracing_runtime.base_url}/api/otel/{trace_id}/v1/traces"
    auth = {"authorization": f"Bearer {developer.api_key}"}
    protobuf = {**auth, "content-type": "application/x-protobuf"}
    bad = httpx.post(url, content=b"\xff\xff\xff\xff garbage", headers=protobuf, timeout=30)
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/x-protobuf"
    assert b"invalid_otlp_body" in bad.content
    assert httpx.post(url, content=b"{nope", headers={**auth, "content-type": "application/json"},
                      timeout=30).json()["error"]["code"] == "invalid_json"
    assert httpx.post(url, content=b"x", headers={**protobuf, "content-encoding": "gzip"},
                      timeout=30).status_code == 400
    malformed = httpx.post(url, json={"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": "ab" * 16, "spanId": "cd" * 8, "name": "x"}]}]}]}, headers={**auth, "x-a2g-task-id": "no such/id"},
        timeout=30)
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "invalid_correlation_header"
    assert httpx.post(url, json={}, timeout=30).status_code == 401
    assert httpx.post(url, json={}, headers={"authorization": "Bearer a2g_sk_not_a_key"}, timeout=30).status_code == 401
    provider = _provider(f"{tracing_runtime.base_url}/api/otel/{foreign}/v1/traces", developer.api_key)
    with provider.get_tracer("t").start_as_current_span("invoke_agent intruder"):
        pass
    refused = httpx.post(f"{tracing_runtime.base_url}/api/otel/{foreign}/v1/traces", json={"resourceSpans": [
        {"scopeSpans": [{"spans": [{"traceId": "ab" * 16, "spanId": "cd" * 8, "name": "x"}]}]}]},
        headers=auth, timeout=30)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "trace_not_found"
    assert _history(tracing_runtime, developer, trace_id) == []


def _start_chat_run(runtime: TracingRuntime, agent_trace_id: str, session_id: str, session_trace_id: str) -> None:
    """What the playground's chat does when it runs the agent for a session (a run item on the agent trace)."""
    import subprocess
    import sys

    from tests.e2e.tracing.runtime_helpers import ROOT

    script = ("import sys,time;from datetime import UTC,datetime;"
              "from a2g.tracing.repository import ActiveRun,TraceRepository;"
              "now=datetime.now(UTC);at=now.strftime('%Y-%m-%dT%H:%M:%S.')+f'{now.microsecond//1000:03d}Z';"
              "TraceRepository().put_run(sys.argv[1],ActiveRun(sys.argv[2],sys.argv[3],at,int(time.time())+300))")
    subprocess.run([sys.executable, "-c", script, agent_trace_id, session_id, session_trace_id],
                   env={**os.environ, **runtime.env()}, check=True, cwd=ROOT, capture_output=True)


def test_spans_during_a_chat_run_join_the_session_trace_live(tracing_runtime: TracingRuntime,
                                                             developer: Developer) -> None:
    agent_trace = tracing_runtime.create_trace("admin", agent_id="agt_otel_chat")
    session_trace = tracing_runtime.create_trace("admin", kind="session", agent_id="agt_otel_chat",
                                                 session_id="ses_otel_chat")
    _start_chat_run(tracing_runtime, agent_trace, "ses_otel_chat", session_trace)
    provider = _provider(f"{tracing_runtime.base_url}/api/otel/{agent_trace}/v1/traces", developer.api_key)
    tracer = provider.get_tracer("otel-e2e")
    client = openai.OpenAI(base_url=f"{tracing_runtime.base_url}/api/log-proxy/{agent_trace}/v1",
                           api_key=developer.api_key, max_retries=0)
    live: dict[str, dict[str, Any]] = {}  # the panel's view: entries as pushed, merged ones removed
    applied = [0]

    def settled(got: list[dict[str, Any]]) -> bool:
        for message in got[applied[0]:]:
            if message.get("type") == "trace.entry":
                live[message["entry"]["entry_id"]] = message["entry"]
            elif message.get("type") == "trace.entry_removed":
                live.pop(message["entry_id"], None)
        applied[0] = len(got)
        return any(e.get("agent_name") == "planner" for e in live.values()) and any(
            e.get("api") == "chat" and e.get("agent_id_source") == "span" for e in live.values())

    # The session's panel listens to the session trace only.
    with connect(f"{tracing_runtime.ws_url}?token={developer.token}&trace_id={session_trace}", open_timeout=10) as ws:
        with tracer.start_as_current_span("invoke_agent planner", attributes={  # noqa: SIM117
                "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"}):
            with tracer.start_as_current_span("chat e2e-gpt", attributes={
                    "gen_ai.operation.name": "chat", "gen_ai.request.model": "e2e-gpt"}):
                client.chat.completions.create(model="e2e-gpt", messages=[{"role": "user", "content": "plan a trip"}])
        provider.force_flush()
        _messages(ws, settled)
    assert sorted(e["kind"] for e in live.values()) == ["agent_run", "chat.completions"], live
    for trace_id in (agent_trace, session_trace):
        entries = _history(tracing_runtime, developer, trace_id)
        assert sorted(e["kind"] for e in entries) == ["agent_run", "chat.completions"], (trace_id, entries)
        call = next(e for e in entries if e["kind"] == "chat.completions")
        assert (call["agent_id"], call["agent_id_source"], call["session_id"]) == ("planner", "span", "ses_otel_chat")
        assert next(e for e in entries if e["kind"] == "agent_run")["session_id"] == "ses_otel_chat"
