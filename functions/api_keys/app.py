"""A user's platform API keys: create (the key is shown once), list masked, the active one, revoke."""

from __future__ import annotations

from typing import Any

from a2g.http import ApprovedPrincipal, create_app, lambda_handler_for
from a2g.identity.schemas import ActiveApiKey, ApiKeyList, NewApiKey
from a2g.identity.web import NO_STORE
from a2g.identity.wiring import api_key_service
from a2g.validation import PlainText, ResourceId
from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field

app = create_app("api_keys")
keys = api_key_service()


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: PlainText | None = Field(None, max_length=64, examples=["my laptop"])


@app.get("/api/api-keys", response_model=ApiKeyList, summary="My API keys, masked (revoked ones on request)")
def list_keys(principal: ApprovedPrincipal, include_revoked: bool = False) -> dict[str, Any]:
    return {"items": keys.list(principal, include_revoked)}


@app.post("/api/api-keys", status_code=201, response_model=NewApiKey, summary="Create an API key (shown once)")
def create_key(principal: ApprovedPrincipal, response: Response, body: NewKey | None = None) -> dict[str, Any]:
    response.headers.update(NO_STORE)  # the body holds the key itself
    return keys.create(principal, body.name if body else None)


@app.get("/api/api-keys/active", response_model=ActiveApiKey, summary="My newest active key, masked")
def active_key(principal: ApprovedPrincipal) -> dict[str, Any]:
    return {"key": keys.active(principal)}


@app.delete("/api/api-keys/{key_id}", status_code=204, response_model=None, summary="Revoke an API key")
def revoke_key(key_id: ResourceId, principal: ApprovedPrincipal) -> Response:
    keys.revoke(principal, key_id)
    return Response(status_code=204)


handler = lambda_handler_for(app)
