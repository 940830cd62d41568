"""Sub-agent inference rules, entry cutting for WebSocket messages, stream reassembly, SSE filtering."""

from __future__ import annotations

import json
from typing import Any

from a2g.tracing.agent_inference import DelegationMemory, infer_agent_id
from a2g.tracing.entries import PUSH_LIMIT_BYTES, cut_entry
from a2g.tracing.formats.base import split_events as _split_events
from a2g.tracing.formats.openai_chat import ChatStream, assemble_stream


def _call(name: str, **args: Any) -> dict[str, Any]:
    return {"id": "c1", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}


def _tool(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": {}}}


def test_header_wins() -> None:
    body = {"messages": [{"role": "system", "content": 'Your internal name is "planner".'}]}
    assert infer_agent_id(body, "billing-agent") == ("billing-agent", "header")


def test_adk_and_agno_names_in_the_prompt() -> None:
    adk = {"messages": [{"role": "system", "content": 'You are an agent. Your internal name is "researcher".'}]}
    assert infer_agent_id(adk) == ("researcher", "prompt")
    agno = {"messages": [{"role": "developer", "content": "<additional_information>\n- Your name is: Writer.\n"}]}
    assert infer_agent_id(agno) == ("Writer", "prompt")


def test_langgraph_supervisor_and_worker() -> None:
    supervisor_tools = [_tool("transfer_to_research_expert"), _tool("transfer_to_math_expert")]
    # langgraph-supervisor's first call of a run: no name on the wire, parallel tool calls disabled (it always does)
    first = {"messages": [{"role": "system", "content": "You manage experts."},
                          {"role": "user", "content": "what is 2+2"}], "tools": supervisor_tools,
             "parallel_tool_calls": False}
    assert infer_agent_id(first) == ("supervisor", "leader")
    # a swarm's first agent (or a hand-built supervisor) offers transfers too, and says nothing more
    assert infer_agent_id({**first, "parallel_tool_calls": None}) == (None, "entry")
    handed = [
        {"role": "user", "content": "what is 2+2"},
        {"role": "assistant", "name": "boss", "content": None, "tool_calls": [_call("transfer_to_math_expert")]},
        {"role": "tool", "tool_call_id": "c1", "content": "Successfully transferred to math_expert"},
    ]
    worker = {"messages": [{"role": "system", "content": "You do maths."}, *handed], "tools": [_tool("add")]}
    assert infer_agent_id(worker) == ("math_expert", "handoff")
    back = {"messages": [*handed, {"role": "assistant", "name": "math_expert", "content": "4"},
                         {"role": "assistant", "name": "math_expert", "content": None,
                          "tool_calls": [_call("transfer_back_to_boss")]}], "tools": supervisor_tools}
    assert infer_agent_id(back) == ("boss", "leader")  # the supervisor's own name from its earlier hand-off


def test_langgraph_swarm_peer_offering_transfers_is_not_a_supervisor() -> None:
    handed = [
        {"role": "user", "content": "tell me about otters"},
        {"role": "assistant", "name": "triage", "content": None,
         "tool_calls": [_call("transfer_to_otter_expert")]},
        {"role": "tool", "tool_call_id": "c1", "content": "Successfully transferred to otter_expert"},
    ]
    expert = {"messages": handed, "tools": [_tool("transfer_to_triage")]}
    assert infer_agent_id(expert) == ("otter_expert", "handoff")
    back = [*handed, {"role": "assistant", "name": "otter_expert", "content": None,
                      "tool_calls": [_call("transfer_to_triage")]}]
    triage = {"messages": back, "tools": [_tool("transfer_to_otter_expert")]}
    assert infer_agent_id(triage) == ("triage", "handoff")


def test_nested_supervisor_handed_control_is_named_by_the_handoff() -> None:
    body = {"messages": [{"role": "user", "content": "plan a trip"},
                         {"role": "assistant", "name": "top", "content": None,
                          "tool_calls": [_call("transfer_to_travel_team")]}],
            "tools": [_tool("transfer_to_flights"), _tool("transfer_to_hotels")]}
    assert infer_agent_id(body) == ("travel_team", "handoff")


def test_adk_transfer_tool_offered_does_not_make_a_supervisor() -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], "tools": [_tool("transfer_to_agent")]}
    assert infer_agent_id(body) == (None, None)


def test_adk_transfer_to_agent_in_conversation() -> None:
    body = {"messages": [{"role": "user", "content": "book a flight"},
                         {"role": "assistant", "content": None,
                          "tool_calls": [_call("transfer_to_agent", agent_name="flight_agent")]}]}
    assert infer_agent_id(body) == ("flight_agent", "handoff")


def test_agno_leader_and_member_through_delegation_memory() -> None:
    memory = DelegationMemory()
    leader = {"messages": [{"role": "developer", "content": "<team_members>\n<member id=\"researcher\">"},
                           {"role": "user", "content": "write about otters"}],
              "tools": [_tool("delegate_task_to_member")]}
    assert infer_agent_id(leader, None, memory, "trc_1") == ("team_leader", "leader")
    memory.remember("trc_1", [_call("delegate_task_to_member", member_id="researcher",
                                    task="Find three facts about otters")])
    member = {"messages": [{"role": "system", "content": "<your_role>\nResearch\n</your_role>"},
                           {"role": "user", "content": "<task>\nFind three facts about otters\n</task>"}]}
    assert infer_agent_id(member, None, memory, "trc_1") == ("researcher", "delegation")
    assert infer_agent_id(member, None, memory, "trc_other") == (None, None)  # memory is per trace


def test_plain_agent_has_no_id() -> None:
    assert infer_agent_id({"messages": [{"role": "user", "content": "hi"}]}) == (None, None)
    assert infer_agent_id(None) == (None, None)


def test_cut_entry_fits_the_websocket_limit_and_says_so() -> None:
    entry = {"entry_id": "log_1", "trace_id": "trc_1", "status": "ok",
             "request": {"messages": [{"role": "user", "content": "x" * 5000} for _ in range(60)]},
             "response": {"choices": [{"message": {"content": "y" * 100_000}}]}}
    cut = cut_entry(entry)
    assert cut["truncated"] is True and cut["entry_id"] == "log_1"
    assert len(json.dumps(cut).encode()) <= PUSH_LIMIT_BYTES
    small = {"entry_id": "log_2", "request": {"messages": []}}
    assert cut_entry(small) is small


def test_assemble_stream_rebuilds_content_tool_calls_and_usage() -> None:
    chunks = [
        {"id": "x", "model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}]},
        {"choices": [{"index": 0, "delta": {"content": "lo"}}]},
        {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "c", "function": {
            "name": "f", "arguments": "{\"a\""}}]}}]},
        {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]},
                      "finish_reason": "tool_calls"}]},
        {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}},
    ]
    out = assemble_stream(chunks)
    message = out["choices"][0]["message"]
    assert message["content"] == "Hello" and message["tool_calls"][0]["function"]["arguments"] == '{"a": 1}'
    assert out["usage"] == {"prompt_tokens": 3, "completion_tokens": 2}
    assert out["choices"][0]["finish_reason"] == "tool_calls"


def test_sse_state_drops_injected_usage_and_null_usage_fields() -> None:
    raw = (b'data: {"id":"a","choices":[{"index":0,"delta":{"content":"hi"}}],"usage":null}\n\n'
           b'data: {"usage": null, "id":"b","choices":[]}\n\n'
           b': keep-alive\n\n'
           b'data: {"id":"c","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1}}\n\n'
           b"data: [DONE]\n\npartial")
    events, rest = _split_events(raw)
    assert rest == b"partial" and len(events) == 5
    state = ChatStream(injected_usage=True)
    out = [state.process(e) for e in events]
    assert out[0] == b'data: {"id":"a","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n'
    assert out[1] == b'data: {"id":"b","choices":[]}\n\n'
    assert out[2] == b": keep-alive\n\n" and out[3] is None and out[4] == b"data: [DONE]\n\n"
    assert state.result().usage == {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
                                    "cached_tokens": 0, "reasoning_tokens": 0}
    untouched = ChatStream(injected_usage=False)
    assert untouched.process(events[3]) == events[3]  # the client asked for usage: it gets it


def test_split_events_handles_crlf() -> None:
    events, rest = _split_events(b"data: 1\r\n\r\ndata: 2\n\n")
    assert events == [b"data: 1\r\n\r\n", b"data: 2\n\n"] and rest == b""
