"""Published agents for every approved user, and the catalogue for A2A clients.

GET /api/agents                                      PRODUCTION agents, most recently updated first (paged)
GET /api/agents/{agent_id}                           one published agent (the owner also sees their own)
GET /api/catalog                                     the AI Catalog document (application/ai-catalog+json)
GET /api/catalog/agents/{agent_id}/agent-card.json   a published agent's A2A card at a stable URL
"""

from __future__ import annotations

from typing import Any

from a2g.agents.cards import AI_CATALOG_MEDIA_TYPE
from a2g.agents.schemas import AgentCard, AiCatalog, AiCatalogJSON, PublicAgentPage, VisibleAgent
from a2g.agents.wiring import catalog_service
from a2g.http import ApprovedPrincipal, create_app, lambda_handler_for
from a2g.validation import Cursor, ResourceId
from fastapi import Query
from fastapi.responses import JSONResponse

app = create_app("agents_catalog")
catalog = catalog_service()


@app.get("/api/agents", response_model=PublicAgentPage, summary="Published agents, most recently updated first")
def list_published(
    principal: ApprovedPrincipal,
    cursor: Cursor | None = None,
    limit: int | None = Query(None),
) -> dict[str, Any]:
    return catalog.list_published(cursor=cursor, limit=limit)


@app.get("/api/agents/{agent_id}", response_model=VisibleAgent, summary="One published agent (its owner: any status)")
def get_published(agent_id: ResourceId, principal: ApprovedPrincipal) -> dict[str, Any]:
    return catalog.get_visible(principal, agent_id)


@app.get("/api/catalog", response_class=AiCatalogJSON, response_model=AiCatalog, summary="The AI Catalog document")
def ai_catalog(principal: ApprovedPrincipal, cursor: Cursor | None = None) -> JSONResponse:
    return JSONResponse(catalog.catalog(cursor=cursor), media_type=AI_CATALOG_MEDIA_TYPE)


@app.get("/api/catalog/agents/{agent_id}/agent-card.json", response_model=AgentCard, summary="A published agent's A2A card")
def published_card(agent_id: ResourceId, principal: ApprovedPrincipal) -> dict[str, Any]:
    return catalog.published_card(agent_id)


handler = lambda_handler_for(app)
