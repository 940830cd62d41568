"""Sub-agent inference with the trace's memory, on request bodies the SDKs really sent
(`fixtures/sub_agent_requests.json`: pydantic-ai delegating from a tool, an Agno broadcast team, a LangGraph
supervisor and swarm), replayed the way the recorder does: infer with the memory, then remember the call."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from a2g.tracing.agent_inference import DelegationMemory, infer_agent_id

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "sub_agent_requests.json").read_text())


def _replay(memory: DelegationMemory, calls: list[dict[str, Any]], trace_id: str = "trc_1",
            header: str | None = None, corrected: list[tuple[str, str]] | None = None,
            ) -> list[tuple[str | None, str | None]]:
    """Who made each call; `corrected` collects (call index, name) of the calls a later request named."""
    who = []
    for index, call in enumerate(calls):
        body = call["request"]
        agent_id, source = infer_agent_id(body, header, memory, trace_id)
        renamed = memory.remember(trace_id, call["tool_calls"], messages=body["messages"], agent_id=agent_id,
                                  source=source, entry_id=f"log_{trace_id}_{index}")
        if corrected is not None:
            corrected.extend((int(entry_id.rsplit("_", 1)[1]), name) for entry_id, name in renamed)
        who.append((agent_id, source))
    return who


def test_pydantic_ai_agent_called_from_a_tool_is_named_by_the_tool() -> None:
    assert _replay(DelegationMemory(), FIXTURES["pydantic"]) == [
        (None, None), ("researcher", "delegation"), (None, None)]


def test_a_delegated_task_repeated_by_the_delegating_agent_itself_is_still_that_agent() -> None:
    calls = copy.deepcopy(FIXTURES["pydantic"])
    # the boss passes the user's own question on: its next turn quotes it as its user message again
    task = calls[0]["request"]["messages"][1]["content"]
    calls[0]["tool_calls"][0]["function"]["arguments"] = json.dumps({"question": task})
    calls[1]["request"]["messages"][1]["content"] = task
    assert _replay(DelegationMemory(), calls) == [(None, None), ("researcher", "delegation"), (None, None)]


def test_an_ordinary_tool_argument_names_no_agent() -> None:
    memory = DelegationMemory()
    weather = [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Seoul"}'}}]
    memory.remember("trc_1", weather, messages=[{"role": "system", "content": "You help."}])
    other = {"messages": [{"role": "system", "content": "You translate."}, {"role": "user", "content": "Seoul"}]}
    assert infer_agent_id(other, None, memory, "trc_1") == ("get_weather", "delegation")  # exactly its argument
    quoted = {"messages": [{"role": "system", "content": "You translate."},
                           {"role": "user", "content": "say hello to Seoul"}]}
    assert infer_agent_id(quoted, None, memory, "trc_1") == (None, None)  # a short value quoted is no task


def test_agno_broadcast_members_are_told_apart_by_their_roster_role() -> None:
    memory = DelegationMemory()
    # the same task was delegated to the researcher alone earlier on the trace: the roles still decide
    memory.remember("trc_1", [{"id": "c0", "type": "function", "function": {
        "name": "delegate_task_to_member",
        "arguments": json.dumps({"member_id": "researcher", "task": "Find three facts about otters"})}}])
    who = _replay(memory, FIXTURES["agnobroadcast"])
    assert who[0] == who[3] == ("team_leader", "leader")
    assert sorted(who[1:3]) == [("checker", "roster"), ("researcher", "roster")]


def test_langgraph_supervisor_first_call_is_named_from_the_second_run_on() -> None:
    memory = DelegationMemory()
    corrected: list[tuple[int, str]] = []
    first_run = _replay(memory, FIXTURES["lgsup"], corrected=corrected)
    assert first_run == [("supervisor", "leader"), ("researcher", "handoff"), ("editor", "leader")]
    # ...and the researcher's request, which carries the supervisor's answer named `editor`, corrects the guess
    assert corrected == [(0, "editor")]
    assert _replay(memory, FIXTURES["lgsup"])[0] == ("editor", "memory")
    assert _replay(memory, FIXTURES["lgsup"], trace_id="trc_other")[0] == ("supervisor", "leader")  # per trace


def test_langgraph_swarm_first_agent_is_the_entry_agent_until_its_name_was_seen() -> None:
    memory = DelegationMemory()
    corrected: list[tuple[int, str]] = []
    assert _replay(memory, FIXTURES["lgswarm"], corrected=corrected) == [(None, "entry"), ("researcher", "handoff")]
    assert corrected == [(0, "alice")]
    corrected.clear()
    assert _replay(memory, FIXTURES["lgswarm"], corrected=corrected) == [("alice", "memory"),
                                                                          ("researcher", "handoff")]
    assert corrected == [], "an exact name is never corrected"


def test_only_a_guess_is_corrected_and_only_once() -> None:
    memory = DelegationMemory()
    answer = [{"id": "call_1", "type": "function", "function": {"name": "transfer_to_b", "arguments": "{}"}}]
    named = [{"role": "user", "content": "hi"},
             {"role": "assistant", "name": "boss", "content": "", "tool_calls": answer}]
    memory.remember("trc_1", answer, messages=[], agent_id="header-name", source="header", entry_id="log_a")
    assert memory.remember("trc_1", [], messages=named, entry_id="log_b") == []  # the header was exact
    memory.remember("trc_2", answer, messages=[], agent_id="supervisor", source="leader", entry_id="log_c")
    assert memory.remember("trc_2", [], messages=named, entry_id="log_d") == [("log_c", "boss")]
    assert memory.remember("trc_2", [], messages=named, entry_id="log_e") == []  # already corrected


def test_a_cold_instance_learns_the_same_from_the_trace_entries() -> None:
    warm = DelegationMemory()
    entries = []
    for call in FIXTURES["lgsup"]:
        body = call["request"]
        agent_id, source = infer_agent_id(body, None, warm, "trc_1")
        warm.remember("trc_1", call["tool_calls"], messages=body["messages"], agent_id=agent_id, source=source)
        system = "\n".join(m["content"] for m in body["messages"] if m["role"] == "system")
        entries.append({"request": {"system": system, "messages": [m for m in body["messages"]
                                                                   if m["role"] != "system"]},
                        "tool_calls": call["tool_calls"], "agent_id": agent_id, "agent_id_source": source})
    cold = DelegationMemory()
    for entry in entries:
        cold.remember_entry("trc_1", entry)
    assert infer_agent_id(FIXTURES["lgsup"][0]["request"], None, cold, "trc_1") == ("editor", "memory")


def test_a_prompt_seen_under_two_names_is_remembered_as_neither() -> None:
    memory = DelegationMemory()
    prompt = [{"role": "system", "content": "You help."}]
    memory.remember("trc_1", [], messages=prompt, agent_id="alpha", source="header")
    body = {"messages": [*prompt, {"role": "user", "content": "hi"}]}
    assert infer_agent_id(body, None, memory, "trc_1") == ("alpha", "memory")
    memory.remember("trc_1", [], messages=prompt, agent_id="beta", source="header")
    assert infer_agent_id(body, None, memory, "trc_1") == (None, None)
    memory.remember("trc_1", [], messages=prompt, agent_id="supervisor", source="leader")  # a guess teaches nothing
    assert infer_agent_id(body, "gamma", memory, "trc_1") == ("gamma", "header")  # the header always wins


def test_hostile_arguments_and_shapes_are_ignored() -> None:
    memory = DelegationMemory()
    memory.remember("trc_1", [{"id": 5, "function": {"name": "ask_x", "arguments": "[" * 100_000}}, "nope",
                              {"function": None}], messages=[{"role": "system", "content": "s"}, 3, None])
    memory.remember_entry("trc_1", {"request": "nope", "tool_calls": None})
    assert infer_agent_id({"messages": [{"role": "user", "content": "[["}]}, None, memory, "trc_1") == (None, None)
