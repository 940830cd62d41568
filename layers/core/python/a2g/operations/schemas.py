"""Response models of the administrators' statistics and audit routes (`a2g.operations.stats`, `.audit`)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from a2g.http.schemas import ResponseModel


class UsageSums(ResponseModel):
    calls: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    avg_latency_ms: float | None


class UsageGroup(UsageSums):
    key: str | None = Field(description="the day, team, user, model or agent id of this group")
    name: str | None = Field(None, description="the agent's name (group_by=agent, while it exists) or the user's "
                             "display name (group_by=user); null otherwise")


class UsageStats(ResponseModel):
    model_config = ConfigDict(populate_by_name=True, json_schema_extra={"examples": [{
        "from": "2026-04-02", "to": "2026-05-01", "group_by": "model",
        "totals": {"calls": 12, "errors": 1, "prompt_tokens": 900, "completion_tokens": 300, "total_tokens": 1200,
                   "avg_latency_ms": 640.5},
        "groups": [{"key": "gpt-4o-mini", "calls": 12, "errors": 1, "prompt_tokens": 900, "completion_tokens": 300,
                    "total_tokens": 1200, "avg_latency_ms": 640.5}],
    }]})

    from_: str = Field(alias="from", description="first day, YYYY-MM-DD")
    to: str
    group_by: str
    totals: UsageSums
    groups: list[UsageGroup]


class GatewaySums(ResponseModel):
    calls: int
    errors: int = Field(description="calls whose task did not complete")
    avg_latency_ms: float | None


class GatewayAgentSums(GatewaySums):
    agent_id: str
    name: str | None = Field(description="the agent's name, if it still exists")


class GatewayTeamSums(GatewaySums):
    team: str | None = Field(description="the calling team (null: callers without a team)")


class GatewayPairSums(GatewayAgentSums):
    team: str | None


class GatewayStats(ResponseModel):
    """Calls of agents through the A2A gateway (and MCP's ask_agent), pre-aggregated per day × calling team ×
    agent when each call ends."""

    model_config = ConfigDict(populate_by_name=True, json_schema_extra={"examples": [{
        "from": "2026-04-02", "to": "2026-05-01", "totals": {"calls": 3, "errors": 0, "avg_latency_ms": 812.0},
        "by_agent": [{"agent_id": "agt_1", "name": "Planner", "calls": 3, "errors": 0, "avg_latency_ms": 812.0}],
        "by_team": [{"team": "search", "calls": 3, "errors": 0, "avg_latency_ms": 812.0}],
        "by_agent_and_team": [{"agent_id": "agt_1", "name": "Planner", "team": "search", "calls": 3, "errors": 0,
                               "avg_latency_ms": 812.0}],
    }]})  # fmt: skip

    from_: str = Field(alias="from", description="first day, YYYY-MM-DD")
    to: str
    totals: GatewaySums
    by_agent: list[GatewayAgentSums]
    by_team: list[GatewayTeamSums]
    by_agent_and_team: list[GatewayPairSums]


class DayUsers(ResponseModel):
    date: str
    active_users: int
    calls: int


class UserStats(ResponseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    days: list[DayUsers]
    distinct_active_users: int


class MostUsedAgent(ResponseModel):
    agent_id: str
    name: str | None
    calls: int
    total_tokens: int


class DayRange(ResponseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str


class AgentStats(ResponseModel):
    total: int
    by_status: dict[str, int]
    by_framework: dict[str, int]
    most_used: list[MostUsedAgent]
    most_used_window: DayRange


class AuditEvent(ResponseModel):
    at: str
    event_id: str
    action: str = Field(examples=["agent.disabled"])
    actor: str
    agent_id: str | None
    agent_name: str | None = Field(None, description="the agent's name (as recorded, if it was deleted)")
    owner_id: str | None
    owner_name: str | None = Field(None, description="the owner's display name")
    details: dict[str, Any]


class AuditPage(ResponseModel):
    items: list[AuditEvent]
    cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last")


__all__ = ["AgentStats", "AuditEvent", "AuditPage", "DayUsers", "MostUsedAgent", "UsageStats", "UserStats"]
