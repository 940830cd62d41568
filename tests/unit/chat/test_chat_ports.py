"""The playground reads the agent registry's real `Agent` through its narrow port."""

from __future__ import annotations

from datetime import UTC, datetime

from a2g.agent_adapters import AgentEndpoint
from a2g.agents.model import Agent, AgentStatus, Endpoint, Framework
from a2g.chat.ports import AgentRef


def test_a_registry_agent_becomes_an_agent_ref_and_its_endpoint_an_adapter_endpoint() -> None:
    now = datetime.now(UTC)
    agent = Agent(
        id="agt_1", owner_id="dev", name="Team", framework=Framework.AGNO, status=AgentStatus.PRODUCTION,
        endpoint=Endpoint(base_url="http://agno.internal:7777", agno_team_id="crew"),
        created_at=now, updated_at=now, trace_id="trc_agent",
    )  # fmt: skip
    ref = AgentRef.from_registry(agent)
    assert (ref.agent_id, ref.owner_id, ref.framework, ref.status, ref.trace_id, ref.name) == (
        "agt_1", "dev", "AGNO", "PRODUCTION", "trc_agent", "Team",
    )  # fmt: skip
    endpoint = AgentEndpoint.from_any(ref.endpoint)
    assert endpoint.base_url == "http://agno.internal:7777" and endpoint.agno_team_id == "crew"
    assert endpoint.url("/teams/crew/runs") == "http://agno.internal:7777/teams/crew/runs"


def test_a2a_endpoint_fields_travel_through() -> None:
    endpoint = AgentEndpoint.from_any(
        {"base_url": "http://a2a.internal/rpc/", "a2a_protocol_version": "0.3", "a2a_streaming": False}
    )
    assert endpoint.a2a_protocol_version == "0.3" and endpoint.a2a_streaming is False
    assert endpoint.url("x") == "http://a2a.internal/rpc/x"
