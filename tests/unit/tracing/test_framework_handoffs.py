"""Real LangGraph and Google ADK multi-agent programs whose models point at the log-proxy: each recorded call
carries the name of the sub-agent that made it, inferred from the request the framework itself built.

The mock LLM is scripted per agent (it recognises the caller by the tools it offers or by its prompt), and
every entry is matched to its call by what the LLM answered, so the assertions do not depend on the order in
which entries are stored.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest

from tests.unit.tracing.tracing_fakes import ALICE_KEY

# LiteLLM (under ADK) fetches its model cost map from the internet at import unless told to use its own copy.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

MODEL = "mock-gpt"
WORKER_FACT = "Otters hold hands while sleeping."
SUPERVISOR_ANSWER = "Our researcher says otters hold hands while sleeping."
TRIAGE_ANSWER = "Glad the otter expert helped; anything else?"
TABLE_ANSWER = "Booked a table for two at the otter cafe."


def _tool_call(call_id: str, name: str, **arguments: Any) -> dict[str, Any]:
    return {"tool_calls": [{"id": call_id, "type": "function",
                            "function": {"name": name, "arguments": json.dumps(arguments)}}]}


def _offered(body: dict[str, Any]) -> set[str]:
    return {t.get("function", {}).get("name") for t in body.get("tools") or []}


def _called(body: dict[str, Any], tool_name: str) -> bool:
    """Whether the conversation so far contains an assistant call of `tool_name`."""
    return any((call.get("function") or {}).get("name") == tool_name
               for m in body.get("messages") or [] if m.get("role") == "assistant"
               for call in m.get("tool_calls") or [])


def _said(entry: dict[str, Any]) -> str:
    """What the LLM answered in this entry: its tool call as `name(args)`, or its text."""
    if entry["tool_calls"]:
        function = entry["tool_calls"][0]["function"]
        arguments = json.loads(function.get("arguments") or "{}")
        return f"{function['name']}({json.dumps(arguments, sort_keys=True)})"
    return str(entry["response"]["choices"][0]["message"]["content"])


def _attribution(entries: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    said = [_said(e) for e in entries]
    assert len(set(said)) == len(said), f"every scripted answer is given once: {said}"
    return {_said(e): (e["agent_id"], e["agent_id_source"]) for e in entries}


# --- LangGraph supervisor ------------------------------------------------------------------------------------

def supervisor_with_researcher(body: dict[str, Any]) -> dict[str, Any] | None:
    """The supervisor transfers to research_expert, which looks a fact up, answers and is handed back."""
    offered = _offered(body)
    if "transfer_to_research_expert" in offered:
        if _called(body, "transfer_back_to_supervisor"):
            return {"content": SUPERVISOR_ANSWER}
        return _tool_call("call_transfer", "transfer_to_research_expert")
    if "look_up_fact" in offered:
        if _called(body, "look_up_fact"):
            return {"content": WORKER_FACT}
        return _tool_call("call_fact", "look_up_fact", topic="otters")
    return None


# langgraph-supervisor 0.0.31 still builds its supervisor with LangGraph's deprecated create_react_agent.
@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")
def test_langgraph_supervisor_calls_are_attributed_to_supervisor_and_worker(
        proxy_server: Any, mock_llm: Any) -> None:
    supervisor_module = pytest.importorskip("langgraph_supervisor")
    from langchain.agents import create_agent
    from langchain_openai import ChatOpenAI

    trace_id = proxy_server.fakes.traces.create_trace("alice", "agent", agent_id="agt_langgraph")
    mock_llm.script = supervisor_with_researcher
    model = ChatOpenAI(model=MODEL, base_url=proxy_server.base_url(trace_id), api_key=ALICE_KEY)

    def look_up_fact(topic: str) -> str:
        """Look up one fact about a topic."""
        return f"{topic}: they hold hands while sleeping"

    researcher = create_agent(model, tools=[look_up_fact], name="research_expert",
                              system_prompt="You research animals.")
    graph = supervisor_module.create_supervisor([researcher], model=model,
                                                prompt="You manage a research expert.").compile()
    result = graph.invoke({"messages": [{"role": "user", "content": "Tell me about otters"}]})
    assert result["messages"][-1].content == SUPERVISOR_ANSWER

    attribution = _attribution(proxy_server.wait_entries(4))
    assert attribution == {
        'transfer_to_research_expert({})': ("supervisor", "leader"),
        'look_up_fact({"topic": "otters"})': ("research_expert", "handoff"),
        WORKER_FACT: ("research_expert", "handoff"),
        SUPERVISOR_ANSWER: ("supervisor", "leader"),
    }


# --- LangGraph swarm -----------------------------------------------------------------------------------------

def swarm_round_trip(body: dict[str, Any]) -> dict[str, Any] | None:
    """triage hands over to otter_expert, which hands back to triage, which answers."""
    offered = _offered(body)
    if "transfer_to_otter_expert" in offered:  # triage
        if _called(body, "transfer_to_triage"):
            return {"content": TRIAGE_ANSWER}
        return _tool_call("call_to_expert", "transfer_to_otter_expert")
    if "transfer_to_triage" in offered:  # otter_expert
        return _tool_call("call_to_triage", "transfer_to_triage")
    return None


def test_langgraph_swarm_calls_follow_the_active_agent(proxy_server: Any, mock_llm: Any) -> None:
    swarm = pytest.importorskip("langgraph_swarm")
    from langchain.agents import create_agent
    from langchain_openai import ChatOpenAI

    trace_id = proxy_server.fakes.traces.create_trace("alice", "agent", agent_id="agt_swarm")
    mock_llm.script = swarm_round_trip
    model = ChatOpenAI(model=MODEL, base_url=proxy_server.base_url(trace_id), api_key=ALICE_KEY)

    # In a swarm every agent offers transfers to its peers, so offering one does not make a supervisor.
    triage = create_agent(model, tools=[swarm.create_handoff_tool(agent_name="otter_expert")], name="triage",
                          system_prompt="You route questions.")
    expert = create_agent(model, tools=[swarm.create_handoff_tool(agent_name="triage")], name="otter_expert",
                          system_prompt="You know otters.")
    graph = swarm.create_swarm([triage, expert], default_active_agent="triage").compile()
    result = graph.invoke({"messages": [{"role": "user", "content": "Tell me about otters"}]})
    assert result["messages"][-1].content == TRIAGE_ANSWER

    proxy_server.wait_entries(3)
    # The conversation's first request names nobody (no prompt name, no earlier hand-off): a swarm has no
    # supervisor, so it is the run's entry agent until the next request carries its answer as a message named
    # `triage`; then the entry is renamed (written again a moment after the next call's own entry).
    deadline = time.monotonic() + 5
    while (attribution := _attribution(proxy_server.wait_entries(3)))["transfer_to_otter_expert({})"][1] != \
            "named_later" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert attribution == {
        "transfer_to_otter_expert({})": ("triage", "named_later"),
        "transfer_to_triage({})": ("otter_expert", "handoff"),
        TRIAGE_ANSWER: ("triage", "handoff"),
    }


# --- Google ADK ----------------------------------------------------------------------------------------------

def adk_concierge_and_expert(body: dict[str, Any]) -> dict[str, Any] | None:
    """Turn 1: the concierge transfers to otter_expert, which answers. Turn 2 (a table booking) reaches the
    expert, the agent last active, which transfers back to the concierge, which books."""
    messages = body.get("messages") or []
    system = " ".join(str(m.get("content")) for m in messages if m.get("role") == "system")
    booking = any("table" in json.dumps(m.get("content")) for m in messages if m.get("role") == "user")
    if 'internal name is "concierge"' in system:
        if booking:
            return {"content": TABLE_ANSWER}
        return _tool_call("call_to_expert", "transfer_to_agent", agent_name="otter_expert")
    if 'internal name is "otter_expert"' in system:
        if booking:
            return _tool_call("call_to_concierge", "transfer_to_agent", agent_name="concierge")
        return {"content": WORKER_FACT}
    return None


async def test_adk_transfers_are_attributed_to_root_and_sub_agent(proxy_server: Any, mock_llm: Any) -> None:
    pytest.importorskip("google.adk")
    from google.adk.agents import LlmAgent
    from google.adk.agents.run_config import RunConfig, StreamingMode
    from google.adk.models.lite_llm import LiteLlm
    from google.adk.runners import Runner
    from google.adk.sessions import InMemorySessionService
    from google.genai import types

    trace_id = proxy_server.fakes.traces.create_trace("alice", "agent", agent_id="agt_adk")
    mock_llm.script = adk_concierge_and_expert

    def model() -> Any:
        return LiteLlm(model=f"openai/{MODEL}", api_base=proxy_server.base_url(trace_id), api_key=ALICE_KEY)

    expert = LlmAgent(name="otter_expert", model=model(), description="Knows everything about otters.",
                      instruction="Answer questions about otters.")
    concierge = LlmAgent(name="concierge", model=model(), instruction="Route each request to the right agent.",
                         sub_agents=[expert])
    sessions = InMemorySessionService()
    runner = Runner(agent=concierge, app_name="otter_desk", session_service=sessions)
    session = await sessions.create_session(app_name="otter_desk", user_id="alice")
    streaming = RunConfig(streaming_mode=StreamingMode.SSE)  # the proxy's streaming path records these calls

    async def say(text: str) -> list[tuple[str, str]]:
        message = types.Content(role="user", parts=[types.Part(text=text)])
        replies = []
        async for event in runner.run_async(user_id="alice", session_id=session.id, new_message=message,
                                            run_config=streaming):
            if not event.partial and event.content and event.content.parts and event.content.parts[0].text:
                replies.append((event.author, event.content.parts[0].text))
        return replies

    assert ("otter_expert", WORKER_FACT) in await say("Tell me about otters")
    assert ("concierge", TABLE_ANSWER) in await say("Thanks! Now book me a table for two")

    entries = proxy_server.wait_entries(4)
    assert all(e["stream"] for e in entries)
    assert _attribution(entries) == {
        'transfer_to_agent({"agent_name": "otter_expert"})': ("concierge", "prompt"),
        WORKER_FACT: ("otter_expert", "prompt"),
        'transfer_to_agent({"agent_name": "concierge"})': ("otter_expert", "prompt"),
        TABLE_ANSWER: ("concierge", "prompt"),
    }
