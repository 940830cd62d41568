"""The response model of operation mode's ranked catalogue (`a2g.ranking.service`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from a2g.agents.schemas import PublicAgentView
from a2g.http.schemas import ResponseModel
from a2g.ranking.reasons import ReasonCode

MatchLevel = Literal["good", "partial", "none"]


class RankingReason(ResponseModel):
    """One reason for an agent's place; the app words each code in the user's language."""

    code: ReasonCode = Field(
        description=(
            "matches_skills {skills: [names]} — the request's words match these skills; "
            "matches_words {words: [words]} — the request's words occur in the agent; "
            "close_in_meaning {} — similar in meaning above the calibrated threshold; "
            "weak_match {} — ranked for completeness, not a good match; "
            "you_use_often {uses} / you_used_recently {uses} — the caller's own use; "
            "used_with {agent_id, agent_name} — people who use that agent (which the caller uses) use this; "
            "similar_to {agent_id, agent_name} — nearly the same as an agent the caller uses; "
            "popular_in_team {} / popular {} — used a lot lately in the caller's team / by everyone; "
            "in_catalogue {} — nothing more to say"
        )
    )
    params: dict[str, Any] = Field(description="the code's parameters (see `code`)")


class AgentOwner(ResponseModel):
    name: str = Field(description="the owner's display name")
    team: str = Field(description="the owner's team")


class RankedAgent(ResponseModel):
    agent: PublicAgentView
    score: float
    reason: str = Field(description="the reasons in English, for logs and older clients; apps word `reasons`")
    reasons: list[RankingReason] = Field(description="why the agent ranks here, the strongest first")
    match: MatchLevel | None = Field(
        description="how well the agent fits the request (calibrated thresholds); null without a request"
    )
    owner: AgentOwner | None = Field(description="who publishes the agent; null when unknown")
    team_users: int = Field(description="how many people of the caller's team have used the agent")


class RankedAgents(ResponseModel):
    items: list[RankedAgent]
    query: str | None = Field(description="the requirement ranked against (trimmed), or null")
    match: MatchLevel | None = Field(
        description=(
            'the best `match` over the items: "none" means no agent is a good match for the request '
            "(the app shows \"no good match\"); null without a request"
        )
    )


__all__ = ["AgentOwner", "MatchLevel", "RankedAgent", "RankedAgents", "RankingReason"]
