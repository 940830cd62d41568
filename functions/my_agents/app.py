"""A developer's own agents.

GET    /api/my-agents                      mine, newest first (`cursor`, `limit`)
POST   /api/my-agents                      create (201); a stable trace is created with it
POST   /api/my-agents/scan                 list what an Agno / ADK / LangGraph server offers, or read an A2A card
GET    /api/my-agents/{agent_id}           one of mine (another user's: 404)
PATCH  /api/my-agents/{agent_id}           partial update; the body carries the `version` read (stale: 409)
DELETE /api/my-agents/{agent_id}           delete (optional `?version=`)
POST   /api/my-agents/{agent_id}/publish   DEVELOPMENT (or DISABLED) → PRODUCTION
POST   /api/my-agents/{agent_id}/withdraw  PRODUCTION (or DISABLED) → DEVELOPMENT
"""

from __future__ import annotations

from typing import Any

from a2g.agents.model import AgentCreate, AgentPatch, ScanRequest, StatusChange
from a2g.agents.schemas import AgentPage, AgentView, ScanResult
from a2g.agents.wiring import agent_service
from a2g.http import ApprovedPrincipal, create_app, lambda_handler_for
from a2g.http.openapi import UPSTREAM_ERRORS
from a2g.validation import Cursor, ResourceId
from fastapi import Query, Response

app = create_app("my_agents")
agents = agent_service()


@app.get("/api/my-agents", response_model=AgentPage, summary="My agents, newest first")
def list_mine(
    principal: ApprovedPrincipal,
    cursor: Cursor | None = None,
    limit: int | None = Query(None),
) -> dict[str, Any]:
    return agents.list_mine(principal, cursor=cursor, limit=limit)


@app.post("/api/my-agents", status_code=201, response_model=AgentView, responses=UPSTREAM_ERRORS, summary="Create an agent (with its stable trace)")
def create(body: AgentCreate, principal: ApprovedPrincipal) -> dict[str, Any]:
    return agents.view(agents.create(principal, body))


@app.post("/api/my-agents/scan", response_model=ScanResult, responses=UPSTREAM_ERRORS, summary="What an Agno / ADK / LangGraph server offers, or an A2A card")
def scan(body: ScanRequest, principal: ApprovedPrincipal) -> dict[str, Any]:
    return agents.scan(principal, body)


@app.get("/api/my-agents/{agent_id}", response_model=AgentView, summary="One of my agents")
def get_mine(agent_id: ResourceId, principal: ApprovedPrincipal) -> dict[str, Any]:
    return agents.view(agents.get_mine(principal, agent_id))


@app.patch("/api/my-agents/{agent_id}", response_model=AgentView, responses=UPSTREAM_ERRORS, summary="Change my agent (send the version read)")
def patch(agent_id: ResourceId, body: AgentPatch, principal: ApprovedPrincipal) -> dict[str, Any]:
    return agents.view(agents.patch(principal, agent_id, body))


@app.delete("/api/my-agents/{agent_id}", status_code=204, response_model=None, summary="Delete my agent")
def delete(agent_id: ResourceId, principal: ApprovedPrincipal, version: int | None = Query(None, ge=1)) -> Response:
    agents.delete(principal, agent_id, version=version)
    return Response(status_code=204)


@app.post("/api/my-agents/{agent_id}/publish", response_model=AgentView, summary="Publish: DEVELOPMENT or DISABLED to PRODUCTION")
def publish(agent_id: ResourceId, principal: ApprovedPrincipal, body: StatusChange | None = None) -> dict[str, Any]:
    return agents.view(agents.publish(principal, agent_id, version=body.version if body else None))


@app.post("/api/my-agents/{agent_id}/withdraw", response_model=AgentView, summary="Withdraw: PRODUCTION or DISABLED to DEVELOPMENT")
def withdraw(agent_id: ResourceId, principal: ApprovedPrincipal, body: StatusChange | None = None) -> dict[str, Any]:
    return agents.view(agents.withdraw(principal, agent_id, version=body.version if body else None))


handler = lambda_handler_for(app)
