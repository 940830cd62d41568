"""A real Agno team (leader + member) whose model points at the log-proxy: its calls carry two agent ids."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.e2e.tracing.mock_llm import leader_delegates_once
from tests.unit.tracing.tracing_fakes import ALICE_KEY

os.environ.setdefault("AGNO_TELEMETRY", "false")
def test_agno_team_calls_are_attributed_to_leader_and_member(proxy_server: Any, mock_llm: Any) -> None:
    agno_team = pytest.importorskip("agno.team")
    from agno.agent import Agent
    from agno.models.openai import OpenAIChat

    trace_id = proxy_server.fakes.traces.create_trace("alice", "agent", agent_id="agt_team")
    mock_llm.script = leader_delegates_once

    def model() -> Any:
        return OpenAIChat(id="mock-gpt", base_url=proxy_server.base_url(trace_id), api_key=ALICE_KEY)

    researcher = Agent(name="Researcher", id="researcher", role="Finds facts", model=model())
    team = agno_team.Team(name="Editorial", members=[researcher], model=model(), telemetry=False)
    result = team.run("Write one line about otters")
    assert "Otters hold hands" in str(result.content)

    entries = proxy_server.wait_entries(3)
    agents = [(e["agent_id"], e["agent_id_source"]) for e in entries]
    assert ("team_leader", "leader") in agents
    assert ("researcher", "roster") in agents  # its `<your_role>` is the roster's role of member `researcher`
    assert len({a for a, _ in agents}) == 2
