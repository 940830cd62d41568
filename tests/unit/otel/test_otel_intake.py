"""The OTLP intake with fakes: spans made by the real OpenTelemetry SDK, encoded by the real OTLP encoder."""

from __future__ import annotations

import gzip
import json
import time
from typing import Any

import pytest
from a2g.errors import NotFound, PayloadTooLarge, Unauthenticated, ValidationFailed
from a2g.identity.principal import Principal
from a2g.otel import decode, mapping
from a2g.otel.intake import OtelIntake
from a2g.otel.mapping import iso_ns
from a2g.tracing.repository import ActiveRun, TraceMeta
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

OWNER = Principal(user_id="usr_owner", role="USER", team="t1", api_key_id="key_1")
OTHER = Principal(user_id="usr_other", role="USER", team="t1", api_key_id="key_2")


class FakeTraces:
    def __init__(self, runs: list[ActiveRun] | None = None) -> None:
        self.active_runs = runs or []

    def get_trace(self, trace_id: str) -> TraceMeta | None:
        if trace_id.startswith("trs_"):  # a playground chat session's own trace
            return TraceMeta(trace_id, "usr_owner", "session", "agt_1", "ses_1", "2026-01-01T00:00:00.000Z")
        return TraceMeta(trace_id, "usr_owner", "agent", "agt_1", None, "2026-01-01T00:00:00.000Z") \
            if trace_id.startswith("trc_") else None

    def runs(self, agent_trace_id: str) -> list[ActiveRun]:
        return self.active_runs


class FakeEntries:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, dict[str, Any]]] = {}

    def put_many(self, trace_id: str, entries: list[dict[str, Any]], ttl: int) -> None:
        for e in entries:
            self.items.setdefault(trace_id, {})[e["entry_id"]] = json.loads(json.dumps(e))

    def put(self, trace_ids: list[str], entry: dict[str, Any], ttl: int) -> None:
        for t in trace_ids:
            self.put_many(t, [entry], ttl)

    def delete(self, trace_id: str, entry_id: str) -> None:
        self.items.get(trace_id, {}).pop(entry_id, None)

    def newest(self, trace_id: str, id_prefix: str, limit: int) -> list[dict[str, Any]]:
        found = [e for k, e in self.items.get(trace_id, {}).items() if k.startswith(id_prefix)]
        return sorted(found, key=lambda e: e["entry_id"], reverse=True)[:limit]


class FakePublisher:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.targets: list[tuple[str, str]] = []  # (trace the message went to, its type)

    def publish(self, trace_id: str, owner: str, message: dict[str, Any]) -> int:
        self.messages.append(message)
        self.targets.append((trace_id, message["type"]))
        return 1


def _intake() -> tuple[OtelIntake, FakeEntries, FakePublisher]:
    entries, publisher = FakeEntries(), FakePublisher()
    keys = {"a2g_sk_owner": OWNER, "a2g_sk_other": OTHER}
    return OtelIntake(keys.get, lambda key: None, FakeTraces(), entries, publisher, 7, 1_000_000), entries, publisher


def _agent_run_spans(resource: dict[str, Any] | None = None) -> list[Any]:
    """A GenAI-convention agent with a sub-agent that calls a tool and the model (as ADK emits them)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create(resource or {"service.name": "demo"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("invoke_agent coordinator",
                                      attributes={"gen_ai.operation.name": "invoke_agent",
                                                  "gen_ai.agent.name": "coordinator"}):
        with tracer.start_as_current_span("invoke_agent weather_agent",
                                          attributes={"gen_ai.operation.name": "invoke_agent",
                                                      "gen_ai.agent.name": "weather_agent"}):
            with tracer.start_as_current_span("chat gpt-mock", attributes={
                    "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-mock",
                    "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [
                        {"type": "text", "content": "weather in Seoul?"}]}]),
                    "gen_ai.usage.input_tokens": 12, "gen_ai.usage.output_tokens": 3}):
                time.sleep(0.01)
            with tracer.start_as_current_span("execute_tool get_weather", attributes={
                    "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather",
                    "gen_ai.tool.call.arguments": '{"city": "Seoul"}', "gen_ai.tool.call.result": "sunny"}):
                pass
        with tracer.start_as_current_span("some_internal_step"):
            pass
    return list(exporter.get_finished_spans())


def _protobuf(spans: list[Any]) -> bytes:
    return encode_spans(spans).SerializeToString()


def test_protobuf_spans_become_a_tree_of_agent_llm_and_tool_entries() -> None:
    intake, entries, publisher = _intake()
    result = intake.export(OWNER, _protobuf(_agent_run_spans()), decode.PROTOBUF, None, "trc_1", None)
    assert (result.accepted, result.rejected) == (5, 0)
    stored = entries.items["trc_1"]
    by_name = {e["span"]["name"]: e for e in stored.values()}
    root, sub = by_name["invoke_agent coordinator"], by_name["invoke_agent weather_agent"]
    llm, tool, step = by_name["chat gpt-mock"], by_name["execute_tool get_weather"], by_name["some_internal_step"]
    assert (root["kind"], sub["kind"], llm["kind"], tool["kind"], step["kind"]) == (
        "agent_run", "agent_run", "llm_call", "tool_call", "step")
    assert sub["span"]["parent_span_id"] == root["span"]["span_id"]
    assert llm["span"]["parent_span_id"] == sub["span"]["span_id"]
    assert (llm["agent_id"], tool["agent_id"], step["agent_id"]) == ("weather_agent", "weather_agent", "coordinator")
    assert llm["model"] == "gpt-mock" and llm["usage"]["input_tokens"] == 12
    assert llm["request"]["messages"] == [{"role": "user", "content": "weather in Seoul?"}]
    assert tool["tool"] == {"name": "get_weather", "call_id": None, "arguments": {"city": "Seoul"},
                            "result": "sunny"}
    assert llm["latency_ms"] >= 10
    assert {m["entry"]["entry_id"] for m in publisher.messages} == set(stored)


def test_json_and_gzip_bodies_read_the_same_as_protobuf() -> None:
    from google.protobuf import json_format

    spans = _agent_run_spans()
    document = json_format.MessageToDict(encode_spans(spans))
    import base64

    for rs in document["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for s in ss["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in s:
                        s[key] = base64.b64decode(s[key]).hex()
    from_json = decode.decode_request(json.dumps(document).encode(), "application/json", 1_000_000)
    from_pb = decode.decode_request(_protobuf(spans), decode.PROTOBUF, 1_000_000)
    assert [(s.span_id, s.parent_span_id, s.name, s.attributes) for s in from_json] == [
        (s.span_id, s.parent_span_id, s.name, s.attributes) for s in from_pb]
    zipped = gzip.compress(_protobuf(spans))
    assert decode.decompress(zipped, "gzip", 1_000_000) == _protobuf(spans)


def test_llm_span_joins_the_proxy_entry_of_the_same_call_in_either_order() -> None:
    spans = _agent_run_spans()
    llm_span = next(s for s in spans if s.name == "chat gpt-mock")
    proxy_entry = {"entry_id": "log_01", "trace_id": "trc_1", "at": iso_ns(llm_span.start_time + 2_000_000),
                   "api": "chat", "kind": "chat.completions", "model": "gpt-mock", "status": "ok",
                   "agent_id": "guessed", "agent_id_source": "inferred", "latency_ms": 8.0,
                   "request": {"messages": [{"role": "system", "content": "be brief"},
                                            {"role": "user", "content": "weather in Seoul?"}]},
                   "output_text": "sunny", "usage": {"input_tokens": 12, "output_tokens": 3}}
    # Proxy entry first.
    intake, entries, publisher = _intake()
    entries.put(["trc_1"], proxy_entry, 1)
    intake.export(OWNER, _protobuf(spans), decode.PROTOBUF, None, "trc_1", None)
    stored = entries.items["trc_1"]
    assert not any(e.get("kind") == "llm_call" for e in stored.values())  # not shown twice
    joined = stored["log_01"]
    assert (joined["agent_id"], joined["agent_id_source"], joined["inferred_agent_id"]) == (
        "weather_agent", "span", "guessed")
    assert joined["span"]["span_id"] == format(llm_span.context.span_id, "016x")
    assert joined["output_text"] == "sunny"
    # Span first: the LLM span is kept, then joined when the proxy's entry is there at the next export.
    intake, entries, publisher = _intake()
    intake.export(OWNER, _protobuf([llm_span]), decode.PROTOBUF, None, "trc_1", None)
    assert any(e.get("kind") == "llm_call" for e in entries.items["trc_1"].values())
    entries.put(["trc_1"], proxy_entry, 1)
    intake.export(OWNER, _protobuf([s for s in spans if s is not llm_span]), decode.PROTOBUF, None, "trc_1", None)
    stored = entries.items["trc_1"]
    assert not any(e.get("kind") == "llm_call" for e in stored.values())
    assert stored["log_01"]["agent_id"] == "weather_agent"
    assert any(m["type"] == "trace.entry_removed" for m in publisher.messages)


def test_a_call_of_another_model_or_time_is_not_joined() -> None:
    spans = _agent_run_spans()
    llm_span = next(s for s in spans if s.name == "chat gpt-mock")
    intake, entries, _ = _intake()
    entries.put(["trc_1"], {"entry_id": "log_02", "at": iso_ns(llm_span.start_time), "api": "chat",
                            "model": "other-model", "status": "ok", "request": {}}, 1)
    entries.put(["trc_1"], {"entry_id": "log_03", "at": iso_ns(llm_span.start_time - 60 * 10**9), "api": "chat",
                            "model": "gpt-mock", "status": "ok", "request": {}}, 1)
    intake.export(OWNER, _protobuf(spans), decode.PROTOBUF, None, "trc_1", None)
    assert "span" not in entries.items["trc_1"]["log_02"] and "span" not in entries.items["trc_1"]["log_03"]
    assert any(e.get("kind") == "llm_call" for e in entries.items["trc_1"].values())


def test_openinference_spans_are_read() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("oi")
    # As the OpenAI Agents SDK's instrumentor emits them: the workflow (an AGENT root naming no agent), the agent
    # (AGENT with agent.name), a turn (CHAIN), then the model call and the tool.
    with tracer.start_as_current_span("Agent workflow", attributes={"openinference.span.kind": "AGENT"}), \
            tracer.start_as_current_span("Triage", attributes={"openinference.span.kind": "AGENT",
                                                               "agent.name": "Triage", "graph.node.id": "Triage"}), \
            tracer.start_as_current_span("turn", attributes={"openinference.span.kind": "CHAIN"}):
        with tracer.start_as_current_span("response", attributes={
                "openinference.span.kind": "LLM", "llm.model_name": "gpt-mock",
                "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "hi",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.content": "hello", "llm.token_count.prompt": 4,
                "llm.token_count.completion": 2}):
            pass
        with tracer.start_as_current_span("lookup", attributes={
                "openinference.span.kind": "TOOL", "tool.name": "lookup", "input.value": '{"q": 1}',
                "tool.parameters": '{"type": "object", "properties": {"q": {"type": "integer"}}}',
                "output.value": "found"}):
            pass
    intake, entries, _ = _intake()
    intake.export(OWNER, _protobuf(list(exporter.get_finished_spans())), decode.PROTOBUF, None, "trc_1", None)
    by_name = {e["span"]["name"]: e for e in entries.items["trc_1"].values()}
    assert by_name["Triage"]["agent_name"] == "Triage"
    assert [by_name[n]["kind"] for n in ("Agent workflow", "turn")] == ["step", "step"]
    assert by_name["lookup"]["agent_id"] == "Triage"
    assert by_name["response"]["agent_id"] == "Triage"
    assert by_name["response"]["request"]["messages"] == [{"role": "user", "content": "hi"}]
    assert by_name["response"]["output_text"] == "hello"
    assert by_name["response"]["usage"] == {"input_tokens": 4, "output_tokens": 2, "total_tokens": 6}
    assert by_name["lookup"]["tool"]["arguments"] == {"q": 1} and by_name["lookup"]["tool"]["result"] == "found"


def test_trace_id_from_header_or_resource_attribute_and_partial_success() -> None:
    intake, entries, _ = _intake()
    intake.export(OWNER, _protobuf(_agent_run_spans()), decode.PROTOBUF, None, None, "trc_h")
    assert len(entries.items["trc_h"]) == 5
    spans = _agent_run_spans({"a2g.trace_id": "trc_r"}) + _agent_run_spans({"service.name": "no-trace"})
    result = intake.export(OWNER, _protobuf(spans), decode.PROTOBUF, None, None, None)
    assert (result.accepted, result.rejected) == (5, 5) and len(entries.items["trc_r"]) == 5
    with pytest.raises(ValidationFailed) as refused:
        intake.export(OWNER, _protobuf(_agent_run_spans()), decode.PROTOBUF, None, None, None)
    assert refused.value.code == "trace_id_required"


def test_refusals_store_nothing() -> None:
    intake, entries, _ = _intake()
    body = _protobuf(_agent_run_spans())
    with pytest.raises(NotFound):
        intake.export(OTHER, body, decode.PROTOBUF, None, "trc_1", None)  # not the key user's trace
    with pytest.raises(NotFound):
        intake.export(OWNER, body, decode.PROTOBUF, None, "missing", None)
    with pytest.raises(decode.BadOtlpBody):
        intake.export(OWNER, b"\xff\xff\xff not protobuf", decode.PROTOBUF, None, "trc_1", None)
    with pytest.raises(decode.BadOtlpBody):
        intake.export(OWNER, b"not gzip", decode.PROTOBUF, "gzip", "trc_1", None)
    with pytest.raises(ValidationFailed):
        intake.export(OWNER, b"{not json", "application/json", None, "trc_1", None)
    with pytest.raises(PayloadTooLarge):  # a gzip bomb stops at the cap
        intake.export(OWNER, gzip.compress(b"\0" * 2_000_000), decode.PROTOBUF, "gzip", "trc_1", None)
    with pytest.raises(Unauthenticated):
        intake.principal("Bearer a2g_sk_unknown")
    with pytest.raises(Unauthenticated):
        intake.principal(None)
    assert entries.items == {}


def test_long_attributes_are_cut_and_marked() -> None:
    spans = decode.decode_request(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{
        "traceId": "ab" * 16, "spanId": "cd" * 8, "name": "x", "startTimeUnixNano": "1", "endTimeUnixNano": "2",
        "attributes": [{"key": "big", "value": {"stringValue": "y" * 50_000}}]}]}]}]}).encode(),
        "application/json", 1_000_000)
    assert spans[0].cut and spans[0].attributes["big"].endswith(decode.CUT_MARK)
    assert len(spans[0].attributes["big"]) < 20_000
    entry = mapping.span_entry(spans[0], "trc_1", None)
    assert entry["cut"] is True and entry["kind"] == "step"


@pytest.mark.parametrize("document", [
    {"resourceSpans": {}},
    {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz" * 16, "spanId": "cd" * 8}]}]}]},
    {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "ab" * 16, "spanId": "cd" * 8,
                                                    "status": {"code": []}, "kind": "x", "name": 5,
                                                    "startTimeUnixNano": "soon"}]}]}]},
    {"resourceSpans": [{"resource": [], "scopeSpans": [{"spans": [{"traceId": "ab" * 16, "spanId": "cd" * 8,
                                                                   "attributes": [{"key": 1}]}]}]}]},
    {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "ab" * 16, "spanId": "cd" * 8, "attributes": [
        {"key": "a", "value": {"arrayValue": {"values": 3}}}]}]}]}]},
    [1, 2],
])
def test_malformed_json_documents_are_400s_never_crashes(document: Any) -> None:
    intake, entries, _ = _intake()
    try:
        result = intake.export(OWNER, json.dumps(document).encode(), "application/json", None, "trc_1", None)
    except ValidationFailed as refused:
        assert refused.status == 400
    else:  # what survived the checks was stored as a generic step
        assert result.accepted == 1 and [e["kind"] for e in entries.items["trc_1"].values()] == ["step"]


def test_the_body_cap_is_its_own_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from a2g.settings import Settings

    monkeypatch.setenv("A2G_OTEL_MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("A2G_LOG_PROXY_MAX_BODY_BYTES", "9000000")
    settings = Settings()
    assert (settings.otel_max_body_bytes, settings.log_proxy_max_body_bytes) == (4096, 9_000_000)
    monkeypatch.setenv("A2G_OTEL_MAX_BODY_BYTES", "0")
    with pytest.raises(ValueError):
        Settings()
    intake = OtelIntake(lambda key: OWNER, lambda key: None, FakeTraces(), FakeEntries(), None, 7, 4096)
    big = gzip.compress(json.dumps({"resourceSpans": [], "pad": "x" * 5000}).encode())
    with pytest.raises(PayloadTooLarge):
        intake.export(OWNER, big, "application/json", "gzip", "trc_1", None)


def _langgraph_metadata(node: str, namespace: str, **extra: Any) -> str:
    return json.dumps({"ls_integration": "langgraph", "langgraph_node": node, "langgraph_checkpoint_ns": namespace,
                       **extra})


def test_langgraph_agents_are_the_top_graph_nodes() -> None:
    """As OpenInference's LangChain instrumentor emits a langgraph-supervisor run (every runnable a CHAIN, or
    AGENT when its name contains "agent"): the agents are the top graph's nodes, not their inner nodes, and a
    subgraph's own root run (same name, `checkpoint_ns`) does not nest the agent in itself."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("oi")
    chain = {"openinference.span.kind": "CHAIN"}
    sup, expert = "supervisor:1", "research_expert:2"
    with tracer.start_as_current_span("LangGraph", attributes={**chain, "metadata": '{"ls_integration": "langgraph"}'}):
        with tracer.start_as_current_span("supervisor", attributes={**chain, "metadata": _langgraph_metadata(
                "supervisor", sup)}), tracer.start_as_current_span("supervisor", attributes={
                **chain, "metadata": _langgraph_metadata("supervisor", sup, checkpoint_ns=sup)}), \
                tracer.start_as_current_span("agent", attributes={
                    "openinference.span.kind": "AGENT",
                    "metadata": _langgraph_metadata("agent", sup + "|agent:3", checkpoint_ns=sup)}), \
                tracer.start_as_current_span("ChatOpenAI", attributes={
                    "openinference.span.kind": "LLM", "llm.model_name": "gpt-mock",
                    "metadata": _langgraph_metadata("agent", sup + "|agent:3", checkpoint_ns=sup)}):
            pass
        with tracer.start_as_current_span("research_expert", attributes={**chain, "metadata": _langgraph_metadata(
                "research_expert", expert)}), tracer.start_as_current_span("call_agent", attributes={
                "openinference.span.kind": "AGENT", "metadata": _langgraph_metadata("research_expert", expert)}), \
                tracer.start_as_current_span("research_expert", attributes={**chain, "metadata": _langgraph_metadata(
                    "research_expert", expert, checkpoint_ns=expert, lc_agent_name="research_expert",
                    ls_integration="langchain_create_agent")}), \
                tracer.start_as_current_span("tools", attributes={**chain, "metadata": _langgraph_metadata(
                    "tools", expert + "|tools:4", lc_agent_name="research_expert")}), \
                tracer.start_as_current_span("look_up_fact", attributes={
                    "openinference.span.kind": "TOOL", "tool.name": "look_up_fact", "metadata": _langgraph_metadata(
                        "tools", expert + "|tools:4", lc_agent_name="research_expert")}):
            pass
    intake, entries, _ = _intake()
    intake.export(OWNER, _protobuf(list(exporter.get_finished_spans())), decode.PROTOBUF, None, "trc_1", None)
    stored = list(entries.items["trc_1"].values())
    assert sorted(e["agent_name"] for e in stored if e["kind"] == "agent_run") == ["research_expert", "supervisor"]
    by_name = {e["span"]["name"]: e for e in stored if e["kind"] != "agent_run"}
    assert by_name["ChatOpenAI"]["agent_id"] == "supervisor" and by_name["agent"]["kind"] == "step"
    assert by_name["look_up_fact"]["agent_id"] == "research_expert" and by_name["tools"]["kind"] == "step"
    assert by_name["LangGraph"]["kind"] == "step" and by_name["LangGraph"]["agent_id"] is None


def test_an_unnamed_create_agent_has_no_agent_named_after_its_nodes() -> None:
    span = decode.Span("ab" * 16, "cd" * 8, None, "model", 1, 2, {
        "openinference.span.kind": "CHAIN", "metadata": json.dumps({
            "ls_integration": "langchain_create_agent", "langgraph_node": "model",
            "langgraph_checkpoint_ns": "model:1"})}, {})
    assert mapping.classify(span) == mapping.STEP and mapping.own_agent_name(span, mapping.STEP) is None


def _proxy_entry(llm_span: Any, **extra: Any) -> dict[str, Any]:
    return {"entry_id": "log_01", "trace_id": "trc_1", "at": iso_ns(llm_span.start_time + 2_000_000),
            "api": "chat", "kind": "chat.completions", "model": "gpt-mock", "status": "ok", "latency_ms": 8.0,
            "request": {"messages": [{"role": "user", "content": "weather in Seoul?"}]}, "output_text": "sunny",
            **extra}


def test_spans_during_a_chat_run_land_on_the_session_trace_too() -> None:
    """As the log-proxy does (recorder._tag): an entry that started during the one chat run of the agent is also
    the session trace's, tagged with the session; the merge and the removal happen on both traces."""
    spans = _agent_run_spans()
    llm_span = next(s for s in spans if s.name == "chat gpt-mock")
    first = min(s.start_time for s in spans)
    run = ActiveRun("ses_1", "trs_1", iso_ns(first - 10**9), int(first / 1e9) + 600)
    entries, publisher = FakeEntries(), FakePublisher()
    intake = OtelIntake(lambda key: OWNER, lambda key: None, FakeTraces([run]), entries, publisher, 7, 1_000_000)
    # The LLM span arrives before the proxy's entry, the rest after it (the usual order: a child ends first).
    intake.export(OWNER, _protobuf([llm_span]), decode.PROTOBUF, None, "trc_1", None)
    llm_id = "spn_" + format(llm_span.context.span_id, "016x")
    assert llm_id in entries.items["trs_1"] and entries.items["trs_1"][llm_id]["session_id"] == "ses_1"
    proxy = _proxy_entry(llm_span, session_id="ses_1")
    entries.put(["trc_1", "trs_1"], proxy, 1)  # what the proxy wrote
    intake.export(OWNER, _protobuf([s for s in spans if s is not llm_span]), decode.PROTOBUF, None, "trc_1", None)
    for trace_id in ("trc_1", "trs_1"):
        stored = entries.items[trace_id]
        assert llm_id not in stored and stored["log_01"]["agent_id"] == "weather_agent", trace_id
        assert sorted(e["agent_name"] for e in stored.values() if e.get("kind") == "agent_run") == [
            "coordinator", "weather_agent"]
    assert ("trs_1", "trace.entry_removed") in publisher.targets and ("trc_1", "trace.entry_removed") in publisher.targets
    assert {t for t, kind in publisher.targets if kind == "trace.entry"} == {"trc_1", "trs_1"}


def test_no_session_copy_outside_a_run_or_when_two_runs_overlap() -> None:
    spans = _agent_run_spans()
    first = min(s.start_time for s in spans)
    ended = ActiveRun("ses_0", "trs_0", iso_ns(first - 10 * 10**9), 0, ended_at=iso_ns(first - 5 * 10**9))
    overlapping = [ActiveRun(f"ses_{i}", f"trs_{i}", iso_ns(first - 10**9), int(first / 1e9) + 600) for i in (1, 2)]
    for runs in ([ended], overlapping):
        entries = FakeEntries()
        OtelIntake(lambda key: OWNER, lambda key: None, FakeTraces(runs), entries, None, 7, 1_000_000).export(
            OWNER, _protobuf(spans), decode.PROTOBUF, None, "trc_1", None)
        assert list(entries.items) == ["trc_1"]
        assert not any(e.get("session_id") for e in entries.items["trc_1"].values())


def test_spans_exported_to_a_session_trace_join_the_proxy_entries_there() -> None:
    spans = _agent_run_spans()
    llm_span = next(s for s in spans if s.name == "chat gpt-mock")
    intake, entries, publisher = _intake()
    entries.put(["trc_1", "trs_1"], _proxy_entry(llm_span, session_id="ses_1"), 1)
    intake.export(OWNER, _protobuf(spans), decode.PROTOBUF, None, "trs_1", None)
    stored = entries.items["trs_1"]
    assert stored["log_01"]["agent_id"] == "weather_agent" and stored["log_01"]["agent_id_source"] == "span"
    assert not any(e.get("kind") == "llm_call" for e in stored.values())
    assert "span" not in entries.items["trc_1"]["log_01"]  # the agent trace is not the session's to change
    assert {t for t, _ in publisher.targets} == {"trs_1"}


def test_gateway_task_ids_from_headers_or_attributes_label_the_span_entries() -> None:
    from a2g.otel.intake import gateway_call_of

    assert gateway_call_of({"x-a2g-context-id": "ses_9", "x-a2g-task-id": "tsk_1"}) == {
        "context_id": "ses_9", "task_id": "tsk_1"}
    assert gateway_call_of({}) is None
    with pytest.raises(ValidationFailed) as bad:
        gateway_call_of({"x-a2g-task-id": "not an id!"})
    assert bad.value.code == "invalid_correlation_header"
    spans = _agent_run_spans(resource={"service.name": "demo", "a2g.task_id": "tsk_from_resource",
                                       "a2g.context_id": "bad id with spaces"})
    llm_span = next(s for s in spans if s.name == "chat gpt-mock")
    intake, entries, _ = _intake()
    entries.put(["trc_1"], _proxy_entry(llm_span), 1)  # the agent did not forward the ids to its LLM call
    intake.export(OWNER, _protobuf(spans), decode.PROTOBUF, None, "trc_1", None,
                  {"context_id": "ses_9", "task_id": "tsk_from_header"})
    stored = entries.items["trc_1"]
    parents = {e.get("parent", {}).get("task_id") for e in stored.values()}
    assert parents == {"tsk_from_resource"}  # the resource says it per span; the malformed context id is ignored
    assert {e["parent"]["context_id"] for e in stored.values()} == {"ses_9"}
    assert stored["log_01"]["parent"] == {"kind": "agent_call", "context_id": "ses_9", "task_id": "tsk_from_resource"}


def test_the_gateway_context_picks_the_session_among_overlapping_runs() -> None:
    spans = _agent_run_spans()
    first = min(s.start_time for s in spans)
    runs = [ActiveRun(f"ses_{i}", f"trs_{i}", iso_ns(first - 10**9), int(first / 1e9) + 600) for i in (1, 2)]
    entries = FakeEntries()
    OtelIntake(lambda key: OWNER, lambda key: None, FakeTraces(runs), entries, None, 7, 1_000_000).export(
        OWNER, _protobuf(spans), decode.PROTOBUF, None, "trc_1", None, {"context_id": "ses_2"})
    assert sorted(entries.items) == ["trc_1", "trs_2"]
    assert {e["session_id"] for e in entries.items["trs_2"].values()} == {"ses_2"}
