"""The response model of operation mode's ranked catalogue (`a2g.ranking.service`)."""

from __future__ import annotations

from pydantic import Field

from a2g.agents.schemas import PublicAgentView
from a2g.http.schemas import ResponseModel


class RankedAgent(ResponseModel):
    agent: PublicAgentView
    score: float
    reason: str = Field(description="a short reason for the place, for people")


class RankedAgents(ResponseModel):
    items: list[RankedAgent]
    query: str | None = Field(description="the requirement ranked against (trimmed), or null")


__all__ = ["RankedAgent", "RankedAgents"]
