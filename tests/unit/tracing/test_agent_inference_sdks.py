"""Sub-agent inference on request bodies the SDKs really sent (captured from the OpenAI Agents SDK 0.20 through
a mock Responses upstream: `fixtures/openai_agents_handoff_responses.json`), read the way the recorder reads
them (the bridges' chat view of a Responses body)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from a2g.tracing.agent_inference import infer_agent_id
from a2g.tracing.formats import bridges

FIXTURES = Path(__file__).parent / "fixtures"


def _agents_bodies() -> list[dict[str, Any]]:
    return list(json.loads((FIXTURES / "openai_agents_handoff_responses.json").read_text()))


def _infer(body: dict[str, Any], header: str | None = None) -> tuple[str | None, str | None]:
    return infer_agent_id(bridges.request_to_chat("responses", body), header)


def test_openai_agents_triage_offering_handoffs_is_the_entry_agent_not_a_supervisor() -> None:
    triage, _ = _agents_bodies()
    assert triage["tools"][0]["name"] == "transfer_to_billing_agent"  # what made it "supervisor" before
    assert _infer(triage) == (None, "entry")


def test_openai_agents_sub_agent_is_named_exactly_by_the_sdks_handoff_answer() -> None:
    _, billing = _agents_bodies()
    assert _infer(billing) == ("Billing Agent", "handoff")  # not the tool's spelling, billing_agent


def test_the_header_still_wins_over_the_sdk_reading() -> None:
    triage, billing = _agents_bodies()
    assert _infer(triage, "triage") == ("triage", "header")
    assert _infer(billing, "billing") == ("billing", "header")


def test_a_langgraph_supervisor_offering_transfer_tools_is_still_the_supervisor() -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], "parallel_tool_calls": False, "tools": [
        {"type": "function", "function": {"name": "transfer_to_math_expert", "description": "Ask agent 'math_expert' for help"}}]}
    assert infer_agent_id(body) == ("supervisor", "leader")


def test_an_sdk_handoff_answer_that_is_not_a_handoff_output_names_nobody() -> None:
    _, billing = _agents_bodies()
    # the same `{"assistant": ...}` text as the output of an ordinary tool call is not a hand-off
    billing["input"][1]["name"] = "lookup_invoice"
    assert _infer(billing) == (None, None)
