"""Real agent frameworks instrumented from PyPI, exported with `opentelemetry-exporter-otlp-proto-http` to the local
runtime, their model going through the log-proxy to the mock LLM: Google ADK with a sub-agent (its own tracing),
the OpenAI Agents SDK with a hand-off and a function tool (`openinference-instrumentation-openai-agents`), an Agno
team (`openinference-instrumentation-agno`) and a LangGraph supervisor (`openinference-instrumentation-langchain`).

Each program runs in its own process, as an agent does, behind the trace panel's setup-guide code for its
framework taken verbatim from frontend/src/components/trace/otelSnippets.json (the lines a developer copies). The
trace then holds a tree whose agents and tools are exactly the program's, each LLM call once (the proxy's entry
with the span's agent and parent), and a WebSocket client subscribed to the trace receives the same tree live.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.e2e.tracing.conftest import Developer
from tests.e2e.tracing.mock_llm import MockLlm
from tests.e2e.tracing.runtime_helpers import ROOT, TracingRuntime

pytestmark = pytest.mark.e2e

GUIDE = ROOT / "frontend/src/components/trace/otelSnippets.json"
PROGRAMS = Path(__file__).parent / "otel_programs"
Script = Callable[[dict[str, Any]], dict[str, Any] | None]


def guide_code(tab: str, endpoint: str, api_key: str, trace_id: str) -> str:
    """The setup guide's tab as the panel shows it (the same `{{name}}` filling as otelSnippets.ts)."""
    guide = json.loads(GUIDE.read_text())
    values = {"endpoint": endpoint, "api_key": api_key, "trace_id": trace_id}

    def fill(text: str, extra: dict[str, str]) -> str:
        for name, value in {**values, **extra}.items():
            text = text.replace("{{" + name + "}}", value)
        assert "{{" not in text, text
        return text

    code = next(t["code"] for t in guide["tabs"] if t["id"] == tab)
    return fill(code, {"exporter": fill(guide["exporter"], {})})


# --- the mock LLM's side of each program ---------------------------------------------------------------------

def _offered(body: dict[str, Any]) -> set[str]:
    return {t.get("function", {}).get("name") for t in body.get("tools") or []}


def _results(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content")) for m in body.get("messages") or [] if m.get("role") == "tool")


def _call(call_id: str, name: str, **arguments: Any) -> dict[str, Any]:
    return {"tool_calls": [{"id": call_id, "type": "function",
                            "function": {"name": name, "arguments": json.dumps(arguments)}}]}


INVOICE_ANSWER = "Invoice INV-7 was paid on 2026-11-30."
FACT_ANSWER = "Otters hold hands while sleeping, says our researcher."
RESEARCHER_FACT = "Otters hold hands while sleeping."


def triage_then_billing(body: dict[str, Any]) -> dict[str, Any] | None:
    offered = _offered(body)
    if "transfer_to_billing_agent" in offered:
        return _call("call_handoff", "transfer_to_billing_agent")
    if "lookup_invoice" in offered:
        if "paid on" in _results(body):
            return {"content": INVOICE_ANSWER}
        return _call("call_invoice", "lookup_invoice", invoice_id="INV-7")
    return None


def leader_and_researcher(body: dict[str, Any]) -> dict[str, Any] | None:
    offered = _offered(body)
    if "delegate_task_to_member" in offered:
        if _results(body):
            return {"content": FACT_ANSWER}
        return _call("call_delegate", "delegate_task_to_member", member_id="researcher",
                     task="Find one fact about otters")
    if "find_facts" in offered:
        if "hold hands" in _results(body):
            return {"content": RESEARCHER_FACT}
        return _call("call_facts", "find_facts", topic="otters")
    return None


def supervisor_and_researcher(body: dict[str, Any]) -> dict[str, Any] | None:
    offered = _offered(body)
    called = {(c.get("function") or {}).get("name") for m in body.get("messages") or []
              if m.get("role") == "assistant" for c in m.get("tool_calls") or []}
    if "transfer_to_research_expert" in offered:
        if "transfer_back_to_supervisor" in called:
            return {"content": FACT_ANSWER}
        return _call("call_transfer", "transfer_to_research_expert")
    if "look_up_fact" in offered:
        if "look_up_fact" in called:
            return {"content": RESEARCHER_FACT}
        return _call("call_fact", "look_up_fact", topic="otters")
    return None


# --- running a program and reading its trace -----------------------------------------------------------------

def _history(runtime: TracingRuntime, dev: Developer, trace_id: str) -> list[dict[str, Any]]:
    page = httpx.get(runtime.base_url + "/api/logs", params={"trace_id": trace_id, "limit": 200},
                     headers={"authorization": f"Bearer {dev.token}"}, timeout=30)
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


def _settled(entries: list[dict[str, Any]], agents: set[str], llm_calls: int) -> bool:
    """Every LLM call joined with its span and every agent's run present: the export is complete."""
    proxy = [e for e in entries if e.get("api") not in (None, "otel")]
    names = {e.get("agent_name") for e in entries if e.get("kind") == "agent_run"}
    return (len(proxy) == llm_calls and all(e.get("agent_id_source") == "span" for e in proxy)
            and agents <= names and not [e for e in entries if e.get("kind") == "llm_call"])


def run_program(runtime: TracingRuntime, dev: Developer, llm: MockLlm, *, tab: str, program: str, script: Script,
                agents: set[str], llm_calls: int) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """Runs guide tab + program; returns what it printed, the stored entries and the entries received live."""
    trace_id = runtime.create_trace("admin", agent_id=f"agt_otel_{tab.replace('-', '_')}")
    code = guide_code(tab, f"{runtime.base_url}/api/otel/{trace_id}", dev.api_key, trace_id)
    source = code + "\n\n" + (PROGRAMS / program).read_text()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "OPENAI_"))}
    env.update({"A2G_LLM_BASE_URL": f"{runtime.base_url}/api/log-proxy/{trace_id}/v1", "A2G_API_KEY": dev.api_key,
                "A2G_MODEL": dev.model, "OPENAI_API_KEY": "unused-the-model-client-gets-its-key",
                "LITELLM_LOCAL_MODEL_COST_MAP": "True", "AGNO_TELEMETRY": "false", "LANGSMITH_TRACING": "false"})
    live: dict[str, Any] = {}
    llm.script = script
    try:
        with tempfile.TemporaryDirectory() as folder, connect(
                f"{runtime.ws_url}?token={dev.token}&trace_id={trace_id}", open_timeout=10, max_queue=None) as ws:
            path = Path(folder) / "agent.py"
            path.write_text(source)
            with open(Path(folder) / "out.txt", "w+") as out:
                process = subprocess.Popen([sys.executable, str(path)], cwd=folder, env=env, stdout=out,
                                           stderr=subprocess.STDOUT)
                deadline = time.monotonic() + 240
                while True:
                    try:
                        message = json.loads(ws.recv(timeout=0.5))
                    except TimeoutError:
                        message = {}
                    if message.get("type") == "trace.entry":
                        live[message["entry"]["entry_id"]] = message["entry"]
                    elif message.get("type") == "trace.entry_removed":
                        live.pop(message["entry_id"], None)
                    if process.poll() is not None:
                        if _settled(list(live.values()), agents, llm_calls):
                            break
                        deadline = min(deadline, time.monotonic() + 20)  # the last export follows the exit
                    if time.monotonic() > deadline:
                        process.kill()
                        out.seek(0)
                        stored = json.dumps(_history(runtime, dev, trace_id), indent=1)
                        pytest.fail(f"not settled; program output:\n{out.read()[-3000:]}\nstored: {stored[:12000]}")
                out.seek(0)
                printed = out.read()
            assert process.returncode == 0, printed[-4000:]
    finally:
        llm.script = None
    entries = _history(runtime, dev, trace_id)
    return json.loads(printed.strip().splitlines()[-1]), entries, live


def _tree(entries: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """Each LLM call and tool call as (agents above it from the root, what it is), agents by their names."""
    spans = {e["span"]["span_id"]: e for e in entries if isinstance(e.get("span"), dict)}
    out = []
    for entry in entries:
        kind = entry.get("kind")
        if kind not in ("tool_call",) and entry.get("api") in (None, "otel"):
            continue
        if kind == "tool_call":
            what = f"tool {entry['tool']['name']}"
        elif entry.get("tool_calls"):
            what = f"llm -> {entry['tool_calls'][0]['function']['name']}"
        else:
            what = f"llm: {entry.get('output_text')}"
        path, parent = [], spans.get(entry["span"].get("parent_span_id") or "")
        while parent is not None:
            if parent.get("kind") == "agent_run":
                path.append(parent["agent_name"])
            parent = spans.get(parent["span"].get("parent_span_id") or "")
        out.append((*reversed(path), what))
    return sorted(out)


def _outline(entries: list[dict[str, Any]]) -> str:
    """The entries, one line each (what an assertion message shows)."""
    lines = []
    for e in sorted(entries, key=lambda e: e["at"]):
        span = e.get("span") or {}
        lines.append(f"{e['entry_id']} {e.get('kind') or e.get('api')} name={span.get('name')!r} "
                     f"agent_name={e.get('agent_name')!r} agent={e.get('agent_id')!r} span={span.get('span_id')} "
                     f"parent={span.get('parent_span_id')} oi={(e.get('attributes') or {}).get('openinference.span.kind')}")
    return "\n".join(lines)


def _check(entries: list[dict[str, Any]], live: dict[str, Any], llm_calls: int) -> None:
    proxy = [e for e in entries if e.get("api") not in (None, "otel")]
    assert len(proxy) == llm_calls, "every LLM call once, as the proxy's entry"
    assert not [e for e in entries if e.get("kind") == "llm_call"], "no LLM call twice (span entry left beside)"
    assert len({e["span"]["span_id"] for e in proxy}) == llm_calls, "each proxy entry joined a different span"
    for entry in proxy:
        assert entry["agent_id_source"] == "span" and entry["agent_id"], entry
    assert _tree(list(live.values())) == _tree(entries), "the live tree is the stored one"


def test_openai_agents_handoff_and_function_tool(tracing_runtime: TracingRuntime, developer: Developer,
                                                 e2e_llm: MockLlm) -> None:
    printed, entries, live = run_program(
        tracing_runtime, developer, e2e_llm, tab="openai-agents", program="openai_agents_handoff.py",
        script=triage_then_billing, agents={"Triage Agent", "Billing Agent"}, llm_calls=3)
    assert printed == {"last_agent": "Billing Agent", "output": INVOICE_ANSWER}
    _check(entries, live, 3)
    dump = _outline(entries)
    assert {e["agent_name"] for e in entries if e.get("kind") == "agent_run"} == {"Triage Agent", "Billing Agent"}, dump
    assert _tree(entries) == sorted([
        ("Triage Agent", "llm -> transfer_to_billing_agent"),
        ("Triage Agent", "tool handoff to Billing Agent"),  # the instrumentor's name for the hand-off
        ("Billing Agent", "llm -> lookup_invoice"),
        ("Billing Agent", "tool lookup_invoice"),
        ("Billing Agent", f"llm: {INVOICE_ANSWER}"),
    ]), dump
    tool = next(e for e in entries if e.get("kind") == "tool_call" and e["tool"]["name"] == "lookup_invoice")
    assert tool["tool"]["arguments"] == {"invoice_id": "INV-7"} and "paid on" in str(tool["tool"]["result"])
    assert tool["agent_id"] == "Billing Agent"


def test_agno_team_leader_delegates_to_a_member_with_a_tool(tracing_runtime: TracingRuntime, developer: Developer,
                                                           e2e_llm: MockLlm) -> None:
    printed, entries, live = run_program(
        tracing_runtime, developer, e2e_llm, tab="agno", program="agno_team.py", script=leader_and_researcher,
        agents={"Editorial", "Researcher"}, llm_calls=4)
    assert printed == {"output": FACT_ANSWER}
    _check(entries, live, 4)
    dump = _outline(entries)
    assert {e["agent_name"] for e in entries if e.get("kind") == "agent_run"} == {"Editorial", "Researcher"}, dump
    assert _tree(entries) == sorted([
        ("Editorial", "llm -> delegate_task_to_member"),
        ("Editorial", "tool delegate_task_to_member"),
        ("Editorial", "Researcher", "llm -> find_facts"),
        ("Editorial", "Researcher", "tool find_facts"),
        ("Editorial", "Researcher", f"llm: {RESEARCHER_FACT}"),
        ("Editorial", f"llm: {FACT_ANSWER}"),
    ]), dump


def test_langgraph_supervisor_with_a_research_agent(tracing_runtime: TracingRuntime, developer: Developer,
                                                   e2e_llm: MockLlm) -> None:
    printed, entries, live = run_program(
        tracing_runtime, developer, e2e_llm, tab="langgraph", program="langgraph_supervisor.py",
        script=supervisor_and_researcher, agents={"supervisor", "research_expert"}, llm_calls=4)
    assert printed == {"output": FACT_ANSWER}
    _check(entries, live, 4)
    dump = _outline(entries)
    assert {e["agent_name"] for e in entries if e.get("kind") == "agent_run"} == {"supervisor", "research_expert"}, dump
    assert _tree(entries) == sorted([
        # the graph routes from the supervisor's node to the expert's: two nodes of the top graph, side by side
        ("supervisor", "llm -> transfer_to_research_expert"),
        ("supervisor", "tool transfer_to_research_expert"),
        ("research_expert", "llm -> look_up_fact"),
        ("research_expert", "tool look_up_fact"),
        ("research_expert", f"llm: {RESEARCHER_FACT}"),
        ("supervisor", f"llm: {FACT_ANSWER}"),
    ]), dump


EXPERT_FACT = "Sea otters hold hands while they sleep."


def concierge_and_expert(body: dict[str, Any]) -> dict[str, Any] | None:
    system = " ".join(str(m.get("content")) for m in body.get("messages") or [] if m.get("role") == "system")
    if 'internal name is "concierge"' in system:
        return _call("call_to_expert", "transfer_to_agent", agent_name="otter_expert")
    if 'internal name is "otter_expert"' in system:
        return {"content": EXPERT_FACT}
    return None


def test_google_adk_agent_and_sub_agent_with_its_own_tracing(tracing_runtime: TracingRuntime, developer: Developer,
                                                            e2e_llm: MockLlm) -> None:
    printed, entries, live = run_program(
        tracing_runtime, developer, e2e_llm, tab="adk", program="adk_sub_agent.py", script=concierge_and_expert,
        agents={"concierge", "otter_expert"}, llm_calls=2)
    assert ["otter_expert", EXPERT_FACT] in printed["replies"]
    _check(entries, live, 2)
    dump = _outline(entries)
    assert {e["agent_name"] for e in entries if e.get("kind") == "agent_run"} == {"concierge", "otter_expert"}, dump
    assert _tree(entries) == sorted([
        ("concierge", "llm -> transfer_to_agent"),
        ("concierge", "tool transfer_to_agent"),
        ("otter_expert", f"llm: {EXPERT_FACT}"),  # ADK runs the sub-agent beside its parent, in one workflow
    ]), dump
