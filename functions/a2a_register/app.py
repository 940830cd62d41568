"""POST /api/a2a/register: an agent registers itself from its A2A card (the SDKs call this with an API key).

Body: an A2A Agent Card (v1.0 or v0.3), or `{"card": {...}}`, or `{"card_url": "https://..."}`, with
optional platform extras `logo_url`, `color`, `framework` (and `endpoint` when framework is not A2A).
201 when the agent is new, 200 when the same agent was registered before and is updated in place.
"""

from __future__ import annotations

from typing import Any

from a2g.agents.cards import check_card_size
from a2g.agents.schemas import Registered
from a2g.agents.wiring import agent_service
from a2g.http import ApprovedPrincipal, create_app, lambda_handler_for
from a2g.http.body import parsed_json
from a2g.http.openapi import UPSTREAM_ERRORS
from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

app = create_app("a2a_register")
agents = agent_service()


_BODY_SCHEMA = {
    "type": "object",
    "description": "An A2A Agent Card (v1.0 or v0.3), or {card: {...}}, or {card_url: ...}; plus optional "
    "logo_url, color (#RRGGBB), framework (and endpoint when framework is not A2A).",
    "properties": {
        "card_url": {"type": "string", "format": "uri"},
        "card": {"type": "object"},
        "logo_url": {"type": "string", "format": "uri"},
        "color": {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$"},
        "framework": {"type": "string", "enum": ["A2A", "AGNO", "ADK", "LANGGRAPH", "CUSTOM"]},
        "endpoint": {"type": "object"},
    },
    "additionalProperties": True,
}


@app.post(
    "/api/a2a/register",
    status_code=201,
    response_model=Registered,
    summary="Register (or update) an agent from its A2A card",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _BODY_SCHEMA}}}},
    responses={200: {"description": "the same agent was registered before: updated in place", "model": Registered},
               **UPSTREAM_ERRORS},
)
async def register(request: Request, response: Response, principal: ApprovedPrincipal) -> dict[str, Any]:
    check_card_size(await request.body())  # 413 before parsing a body of any size
    body = await parsed_json(request)  # the shared reader: bad JSON, too deep, lone surrogates → 400
    # The service fetches cards and probes agents with the blocking outbound client: keep the loop free.
    result = await run_in_threadpool(agents.register, principal, body)
    response.status_code = 201 if result.created else 200
    return agents.view(result.agent)


handler = lambda_handler_for(app)
