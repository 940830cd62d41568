"""Google ADK's own OpenTelemetry spans (built-in tracing) exported with the real OTLP/HTTP exporter to the
local runtime while its model goes through the log-proxy to the mock LLM: a root agent hands off to a
sub-agent, and the trace holds the program's agent names with each LLM call once, joined with the proxy's."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from tests.e2e.tracing.conftest import Developer
from tests.e2e.tracing.mock_llm import MockLlm
from tests.e2e.tracing.runtime_helpers import TracingRuntime

pytestmark = pytest.mark.e2e

EXPERT_FACT = "Sea otters hold hands while they sleep."


def _concierge_and_expert(body: dict[str, Any]) -> dict[str, Any] | None:
    messages = body.get("messages") or []
    system = " ".join(str(m.get("content")) for m in messages if m.get("role") == "system")
    if 'internal name is "concierge"' in system:
        return {"tool_calls": [{"id": "call_to_expert", "type": "function", "function": {
            "name": "transfer_to_agent", "arguments": json.dumps({"agent_name": "otter_expert"})}}]}
    if 'internal name is "otter_expert"' in system:
        return {"content": EXPERT_FACT}
    return None



def test_adk_agent_and_sub_agent_spans_join_the_proxy_entries(tracing_runtime: TracingRuntime,
                                                              developer: Developer, e2e_llm: MockLlm) -> None:
    from google.adk.agents import LlmAgent
    from google.adk.models.lite_llm import LiteLlm
    from google.adk.runners import Runner
    from google.adk.sessions import InMemorySessionService
    from google.genai import types

    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_adk_otel")
    exporter = OTLPSpanExporter(endpoint=f"{tracing_runtime.base_url}/api/otel/{trace_id}/v1/traces",
                                headers={"authorization": f"Bearer {developer.api_key}"}, timeout=30)
    provider = TracerProvider(resource=Resource.create({"service.name": "otter_desk"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    if trace.get_tracer_provider() is not provider:
        pytest.skip("another test set this process's global tracer provider first")

    def model() -> Any:
        return LiteLlm(model=f"openai/{developer.model}",
                       api_base=f"{tracing_runtime.base_url}/api/log-proxy/{trace_id}/v1", api_key=developer.api_key)

    expert = LlmAgent(name="otter_expert", model=model(), description="Knows everything about otters.",
                      instruction="Answer questions about otters.")
    concierge = LlmAgent(name="concierge", model=model(), instruction="Route each request to the right agent.",
                         sub_agents=[expert])
    e2e_llm.script = _concierge_and_expert
    try:
        async def run() -> list[tuple[str, str]]:
            sessions = InMemorySessionService()
            runner = Runner(agent=concierge, app_name="otter_desk", session_service=sessions)
            session = await sessions.create_session(app_name="otter_desk", user_id="admin")
            message = types.Content(role="user", parts=[types.Part(text="Tell me about otters")])
            replies = []
            async for event in runner.run_async(user_id="admin", session_id=session.id, new_message=message):
                if event.content and event.content.parts and event.content.parts[0].text:
                    replies.append((event.author, event.content.parts[0].text))
            return replies

        assert ("otter_expert", EXPERT_FACT) in asyncio.run(run())
    finally:
        e2e_llm.script = None
    provider.force_flush()
    headers = {"authorization": f"Bearer {developer.token}"}
    deadline = time.monotonic() + 20
    while True:
        entries = httpx.get(tracing_runtime.base_url + "/api/logs", params={"trace_id": trace_id, "limit": 200},
                            headers=headers, timeout=30).json()["items"]
        proxy_calls = [e for e in entries if e.get("api") == "chat"]
        if len(proxy_calls) == 2 and all(e.get("agent_id_source") == "span" for e in proxy_calls):
            break
        assert time.monotonic() < deadline, json.dumps(entries, indent=1)[:4000]
        time.sleep(0.3)
    agents = {e["agent_name"] for e in entries if e["kind"] == "agent_run"}
    assert {"concierge", "otter_expert"} <= agents
    assert not [e for e in entries if e["kind"] == "llm_call"], "an LLM call appears twice"
    by_text = {e.get("output_text") or json.dumps(e.get("tool_calls")): e["agent_id"] for e in proxy_calls}
    assert by_text[EXPERT_FACT] == "otter_expert"
    assert [agent for text, agent in by_text.items() if "transfer_to_agent" in text] == ["concierge"]
    spans = {e["span"]["span_id"]: e for e in entries if "span" in e}
    expert_call = next(e for e in proxy_calls if e.get("output_text") == EXPERT_FACT)
    ancestor, names = spans.get(expert_call["span"]["parent_span_id"]), []
    while ancestor is not None:  # the expert's call sits under the expert's agent span
        names.append(ancestor.get("agent_name"))
        ancestor = spans.get(ancestor["span"].get("parent_span_id"))
    assert names and "otter_expert" in names
