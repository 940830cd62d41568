"""Response models of the agent routes: `Agent.public_view` / `owner_view`, scans, the A2A card and the AI
Catalog document (request bodies are in `a2g.agents.model`)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import ConfigDict, Field

from a2g.agents.cards import AI_CATALOG_MEDIA_TYPE
from a2g.http.schemas import Page, ResponseModel

FrameworkName = Literal["AGNO", "ADK", "LANGGRAPH", "A2A", "CUSTOM"]
StatusName = Literal["DEVELOPMENT", "PRODUCTION", "DISABLED"]


class SkillView(ResponseModel):
    id: str | None = None
    name: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list, description="prompts it answers (A2A AgentSkill.examples)")


class EndpointView(ResponseModel):
    """Where the agent lives, with the keys its framework needs (only those that are set)."""

    base_url: str
    agno_agent_id: str | None = None
    agno_team_id: str | None = None
    adk_app_name: str | None = None
    langgraph_assistant_id: str | None = None
    custom_protocol: Literal["openai", "json"] | None = None
    custom_model: str | None = None
    a2a_protocol_version: str | None = None
    a2a_streaming: bool | None = None


_AGENT_EXAMPLE: dict[str, Any] = {
    "id": "agt_01HX...", "owner_id": "alice", "name": "Room booker", "description": "Books meeting rooms",
    "logo_url": None, "color": "#4F46E5", "skills": [{"name": "book", "description": "books a room", "tags": []}],
    "framework": "AGNO", "status": "DEVELOPMENT", "created_at": "2026-05-01T09:00:00Z",
    "updated_at": "2026-05-01T09:00:00Z", "last_used_at": None, "version": 1,
}


class PublicAgentView(ResponseModel):
    """A published agent as every approved user sees it: no endpoint, no trace."""

    model_config = ConfigDict(json_schema_extra={"examples": [_AGENT_EXAMPLE]})

    id: str
    owner_id: str
    name: str
    description: str
    logo_url: str | None
    color: str = Field(description="#RRGGBB")
    skills: list[SkillView]
    framework: FrameworkName
    status: StatusName
    created_at: str
    updated_at: str
    last_used_at: str | None
    version: int = Field(description="send it back on PATCH / publish / withdraw / delete; stale answers 409")


class AgentView(PublicAgentView):
    """An agent as its owner sees it: also the endpoint, the trace and the log-proxy base URL to paste."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        **_AGENT_EXAMPLE, "endpoint": {"base_url": "http://127.0.0.1:7777", "agno_agent_id": "booker"},
        "trace_id": "trc_01HX...", "a2a_card": None, "card_url": None,
        "log_proxy_base_url": "http://127.0.0.1:3000/api/log-proxy/trc_01HX.../v1",
    }]})

    endpoint: EndpointView
    trace_id: str | None
    a2a_card: dict[str, Any] | None = Field(description="the A2A card it registered with, as given")
    card_url: str | None
    log_proxy_base_url: str | None = Field(None, description="the OpenAI base URL to give the agent's LLM client")


class AgentPage(Page):
    items: list[AgentView]


class PublicAgentPage(Page):
    items: list[PublicAgentView]


class VisibleAgent(PublicAgentView):
    """A published agent; to its owner, the owner's view (endpoint, trace) in any status."""

    endpoint: EndpointView | None = None
    trace_id: str | None = None
    a2a_card: dict[str, Any] | None = None
    card_url: str | None = None
    log_proxy_base_url: str | None = None


class ScanCandidate(ResponseModel):
    kind: Literal["agent", "team", "app", "assistant", "card"]
    id: str
    name: str
    description: str
    framework: FrameworkName
    endpoint: EndpointView
    skills: list[SkillView] | None = None
    logo_url: str | None = None
    card_url: str | None = None
    a2a_card: dict[str, Any] | None = None


class ScanResult(ResponseModel):
    """What a server offers: one candidate per agent / team / app / assistant, or the A2A card read."""

    framework: FrameworkName
    base_url: str
    card_url: str | None = None
    candidates: list[ScanCandidate]


class AgentCard(ResponseModel):
    """An A2A Agent Card (v1.0 shape for agents the platform describes; A2A agents' own card as registered)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "Room booker", "description": "Books meeting rooms",
        "supportedInterfaces": [{"url": "http://127.0.0.1:7777", "protocolBinding": "a2g:agno",
                                 "protocolVersion": "1.0"}],
        "version": "1", "skills": [],
    }]})

    name: str
    description: str | None = None


class AiCatalog(ResponseModel):
    """The AI Catalog document (`application/ai-catalog+json`): the published agents' cards; a long catalogue
    ends each page with a nested catalog entry pointing at the next."""

    specVersion: str
    host: dict[str, Any]
    entries: list[dict[str, Any]]


class AiCatalogJSON(JSONResponse):
    media_type = AI_CATALOG_MEDIA_TYPE


class Registered(AgentView):
    """201: a new agent; 200: the same A2A agent registered before, updated in place."""


__all__ = [
    "AgentCard", "AgentPage", "AgentView", "AiCatalog", "AiCatalogJSON", "EndpointView", "PublicAgentPage",
    "PublicAgentView", "Registered", "ScanCandidate", "ScanResult", "SkillView", "VisibleAgent",
]
