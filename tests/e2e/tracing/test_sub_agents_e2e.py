"""Which sub-agent made each call, for multi-agent programs written with the real SDKs through the log-proxy
(the scripted OpenAI-compatible mock decides who delegates to whom): a pydantic-ai agent that calls another
agent from a tool, Agno agents and teams without `add_name_to_context`, and LangGraph supervisors, swarms and
plain graphs, whose first call of a run names nobody on the wire: the run's next request names it, and the
proxy then renames that first entry (source `named_later`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pydantic_ai import RunContext  # module level: pydantic-ai resolves a tool's annotations in its module

from tests.e2e.tracing.conftest import Developer
from tests.e2e.tracing.mock_llm import MockLlm
from tests.e2e.tracing.runtime_helpers import TracingRuntime
from tests.e2e.tracing.test_formats_e2e import _entries

pytestmark = pytest.mark.e2e
TASK = "Find three facts about otters"


def _v1(runtime: TracingRuntime, trace_id: str) -> str:
    return f"{runtime.base_url}/api/log-proxy/{trace_id}/v1"


def _calls(body: dict[str, Any]) -> tuple[list[str], bool]:
    tools = [t.get("function", {}).get("name") for t in body.get("tools") or []]
    messages = body.get("messages") or []
    return tools, bool(messages) and messages[-1].get("role") == "tool"


def _call(name: str, **args: Any) -> dict[str, Any]:
    return {"tool_calls": [{"id": f"call_{name}", "type": "function",
                            "function": {"name": name, "arguments": json.dumps(args)}}]}


@contextmanager
def _scripted(llm: MockLlm, script: Callable[[dict[str, Any]], dict[str, Any] | None]) -> Iterator[None]:
    llm.script = script
    try:
        yield
    finally:
        llm.script = None


def _who(entries: list[dict[str, Any]]) -> list[tuple[str | None, str | None]]:
    return [(e["agent_id"], e["agent_id_source"]) for e in sorted(entries, key=lambda e: e["at"])]


def _who_once_renamed(runtime: TracingRuntime, developer: Developer, trace_id: str,
                      count: int) -> list[tuple[str | None, str | None]]:
    """The agents of the trace's first `count` calls, once the first one has been renamed after the fact (the
    rename is written after the next call's own entry, so it may land a moment after the entries are there)."""
    deadline = time.monotonic() + 10
    while True:
        who = _who(_entries(runtime, developer, trace_id, count))
        if who[0][1] == "named_later" or time.monotonic() > deadline:
            return who
        time.sleep(0.1)


def test_pydantic_ai_agent_delegating_from_a_tool(tracing_runtime: TracingRuntime, developer: Developer,
                                                  e2e_llm: MockLlm) -> None:
    from pydantic_ai import Agent
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_pyd_deleg")

    def model() -> OpenAIChatModel:
        return OpenAIChatModel(developer.model, provider=OpenAIProvider(base_url=_v1(tracing_runtime, trace_id),
                                                                        api_key=developer.api_key))

    researcher = Agent(model(), name="researcher", instructions="You research facts.")
    boss = Agent(model(), name="boss", instructions="You coordinate; use ask_researcher for facts.")

    @boss.tool
    async def ask_researcher(ctx: RunContext[None], question: str) -> str:
        """Ask the researcher."""
        return (await researcher.run(question, usage=ctx.usage)).output

    def script(body: dict[str, Any]) -> dict[str, Any] | None:
        tools, answered = _calls(body)
        if "ask_researcher" in tools and not answered:
            return _call("ask_researcher", question=TASK)
        return {"content": "Otters hold hands."} if answered else None

    with _scripted(e2e_llm, script):
        assert boss.run_sync("Write about otters").output == "Otters hold hands."
    # pydantic-ai puts no agent name on the wire: the root agent is the trace's own, the delegated one is named
    # by the tool that delegated to it (its `ask_` dropped), recognised by the task it was given.
    assert _who(_entries(tracing_runtime, developer, trace_id, 3)) == [
        (None, None), ("researcher", "delegation"), (None, None)]


def test_agno_single_agent_and_teams_without_names_in_context(tracing_runtime: TracingRuntime, developer: Developer,
                                                              e2e_llm: MockLlm) -> None:
    from agno.agent import Agent
    from agno.models.openai import OpenAIChat
    from agno.team import Team
    from agno.team.mode import TeamMode

    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_agno_names")

    def model() -> OpenAIChat:
        return OpenAIChat(id=developer.model, base_url=_v1(tracing_runtime, trace_id), api_key=developer.api_key)

    # A single agent: its name is nowhere on the wire, so it is the trace's own agent.
    writer = Agent(name="Writer", model=model(), instructions="Write well.", telemetry=False)
    assert writer.run("hello agno").content == "echo: hello agno"
    [single] = _entries(tracing_runtime, developer, trace_id, 1)
    assert (single["agent_id"], single["agent_id_source"]) == (None, None)

    def script(body: dict[str, Any]) -> dict[str, Any] | None:
        tools, answered = _calls(body)
        if answered:
            return {"content": "Otters hold hands, say our members."}
        if "delegate_task_to_member" in tools:
            return _call("delegate_task_to_member", member_id="researcher", task=TASK)
        if "delegate_task_to_members" in tools:
            return _call("delegate_task_to_members", task=TASK)
        return None

    researcher = Agent(name="Researcher", id="researcher", role="Finds facts", model=model(), telemetry=False)
    checker = Agent(name="Checker", id="checker", role="Checks facts", model=model(), telemetry=False)
    with _scripted(e2e_llm, script):
        coordinate = Team(name="Editorial", members=[researcher], model=model(), telemetry=False)
        assert "Otters hold hands" in str(coordinate.run("Write one line about otters").content)
        # Broadcast: one task to every member, told apart by the role each one's prompt carries.
        broadcast = Team(name="Panel", members=[researcher, checker], model=model(), telemetry=False,
                         mode=TeamMode.broadcast)
        assert "Otters hold hands" in str(broadcast.run("Check a line about otters").content)
    entries = _entries(tracing_runtime, developer, trace_id, 8)
    who = _who(entries)
    # Coordinate: the member's `<your_role>` is its roster role (the leader's prompt lists the members).
    assert who[1:4] == [("team_leader", "leader"), ("researcher", "roster"), ("team_leader", "leader")]
    assert who[4] == who[7] == ("team_leader", "leader")
    assert sorted(who[5:7]) == [("checker", "roster"), ("researcher", "roster")]


def _langchain(runtime: TracingRuntime, developer: Developer, trace_id: str) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model=developer.model, base_url=_v1(runtime, trace_id), api_key=developer.api_key,
                      max_retries=0)


def _hand_off_once(target: str) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    def script(body: dict[str, Any]) -> dict[str, Any] | None:
        tools, answered = _calls(body)
        transferred = any(m.get("role") == "tool" for m in body.get("messages") or [])
        if f"transfer_to_{target}" in tools and not transferred:
            return _call(f"transfer_to_{target}")
        return {"content": "Otters hold hands."} if answered or transferred else None
    return script


def test_langgraph_supervisor_first_call_is_named_once_the_trace_has_seen_it(
        tracing_runtime: TracingRuntime, developer: Developer, e2e_llm: MockLlm) -> None:
    import warnings

    from langgraph_supervisor import create_supervisor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from langgraph.prebuilt import create_react_agent

    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_lg_sup")
    llm = _langchain(tracing_runtime, developer, trace_id)

    def lookup(query: str) -> str:
        """Look a fact up."""
        return "otters hold hands"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        researcher = create_react_agent(llm, tools=[lookup], name="researcher", prompt="You research.")
    app = create_supervisor([researcher], model=llm, supervisor_name="editor",
                            prompt="You manage a researcher.").compile()
    with _scripted(e2e_llm, _hand_off_once("researcher")):
        app.invoke({"messages": [{"role": "user", "content": "otters"}]})
        first_run = _who_once_renamed(tracing_runtime, developer, trace_id, 3)
        app.invoke({"messages": [{"role": "user", "content": "otters again"}]})
    # The first call of the first run: nothing on the wire names the supervisor, and langgraph-supervisor's
    # default name stands in until the researcher's request carries the supervisor's answer as a message named
    # `editor`: then that first entry is renamed. From then on the trace knows the supervisor's prompt.
    assert first_run == [("editor", "named_later"), ("researcher", "handoff"), ("editor", "leader")]
    second_run = _who(_entries(tracing_runtime, developer, trace_id, 6))[3:]
    assert second_run == [("editor", "memory"), ("researcher", "handoff"), ("editor", "leader")]


def test_langgraph_swarm_and_a_plain_graph(tracing_runtime: TracingRuntime, developer: Developer,
                                           e2e_llm: MockLlm) -> None:
    import warnings

    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.graph import END, START, MessagesState, StateGraph
    from langgraph_swarm import create_handoff_tool, create_swarm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from langgraph.prebuilt import create_react_agent

    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_lg_swarm")
    llm = _langchain(tracing_runtime, developer, trace_id)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alice = create_react_agent(llm, tools=[create_handoff_tool(agent_name="researcher")], name="alice",
                                   prompt="You are Alice, you route.")
        researcher = create_react_agent(llm, tools=[create_handoff_tool(agent_name="alice")], name="researcher",
                                        prompt="You research.")
    swarm = create_swarm([alice, researcher], default_active_agent="alice").compile(checkpointer=InMemorySaver())
    with _scripted(e2e_llm, _hand_off_once("researcher")):
        swarm.invoke({"messages": [{"role": "user", "content": "otters"}]}, {"configurable": {"thread_id": "t1"}})
        first_run = _who_once_renamed(tracing_runtime, developer, trace_id, 2)
        swarm.invoke({"messages": [{"role": "user", "content": "more otters"}]},
                     {"configurable": {"thread_id": "t2"}})
    # A swarm has no supervisor: its first call is the run's entry agent until the next request names it.
    assert first_run == [("alice", "named_later"), ("researcher", "handoff")]
    assert _who(_entries(tracing_runtime, developer, trace_id, 4))[2:] == [("alice", "memory"),
                                                                           ("researcher", "handoff")]

    # A plain graph node sends nothing but its messages: the trace's own agent.
    plain_trace = tracing_runtime.create_trace("admin", agent_id="agt_lg_plain")
    node_llm = _langchain(tracing_runtime, developer, plain_trace)

    def planner(state: MessagesState) -> dict[str, Any]:
        return {"messages": [node_llm.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("planner", planner)
    graph.add_edge(START, "planner")
    graph.add_edge("planner", END)
    graph.compile().invoke({"messages": [{"role": "user", "content": "plan"}]})
    assert _who(_entries(tracing_runtime, developer, plain_trace, 1)) == [(None, None)]
