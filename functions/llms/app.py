"""The LLM registry: admins manage LLMs (`/api/admin/llms`, keys never returned); signed-in users list the
enabled models and the guide to point an agent at the log-proxy (`/api/llms`)."""

from __future__ import annotations

from typing import Annotated, Any

from a2g.http import AdminPrincipal, ApprovedPrincipal, create_app, lambda_handler_for
from a2g.llms.schemas import LlmList, LlmProbe, LlmView, ModelCatalogue
from a2g.llms.service import LlmCreate, LlmUpdate, build_llm_registry
from a2g.validation import ModelName, ResourceId
from fastapi import Body, Response

app = create_app("llms")
registry = build_llm_registry()


@app.get("/api/admin/llms", response_model=LlmList, summary="Every registered LLM (keys masked)")
def list_llms(_: AdminPrincipal) -> dict[str, Any]:
    return {"items": registry.list_public()}


@app.post("/api/admin/llms", status_code=201, response_model=LlmView, summary="Register an LLM")
def create_llm(_: AdminPrincipal, payload: LlmCreate) -> dict[str, Any]:
    return registry.create(payload)


@app.patch("/api/admin/llms/{llm_id}", response_model=LlmView, summary="Change an LLM (a new api_key replaces the old one)")
def update_llm(_: AdminPrincipal, llm_id: ResourceId, payload: LlmUpdate) -> dict[str, Any]:
    return registry.update(llm_id, payload)


@app.delete("/api/admin/llms/{llm_id}", status_code=204, summary="Remove an LLM and its models")
def delete_llm(_: AdminPrincipal, llm_id: ResourceId) -> Response:
    registry.delete(llm_id)
    return Response(status_code=204)


@app.post("/api/admin/llms/{llm_id}/test", response_model=LlmProbe, summary="Make one small call to the LLM and record its health")
async def test_llm(
    _: AdminPrincipal, llm_id: ResourceId, model: Annotated[ModelName | None, Body(embed=True)] = None
) -> dict[str, Any]:
    return await registry.probe(llm_id, model)


@app.get("/api/llms", response_model=ModelCatalogue, summary="Enabled models and how to point an agent at the log-proxy")
def enabled_models(_: ApprovedPrincipal) -> dict[str, Any]:
    return registry.user_catalogue()


handler = lambda_handler_for(app)
