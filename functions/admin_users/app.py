"""Administrators manage users: list (paged, by role), approve PENDING users, change role and team."""

from __future__ import annotations

from typing import Any, Literal

from a2g.http import AdminPrincipal, create_app, lambda_handler_for
from a2g.identity.schemas import UserPage, UserView
from a2g.identity.wiring import user_directory
from a2g.validation import Cursor, PlainText, ResourceId
from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

app = create_app("admin_users")
users = user_directory()

RoleName = Literal["PENDING", "USER", "ADMIN"]


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: RoleName | None = None
    team: PlainText | None = Field(None, max_length=64)


@app.get("/api/admin/users", response_model=UserPage, summary="Users, paged, optionally of one role")
def list_users(
    admin: AdminPrincipal,
    role: RoleName | None = None,
    limit: int = Query(50, ge=1, le=100),
    cursor: Cursor | None = None,
) -> dict[str, Any]:
    page = users.list(admin, role, limit, cursor)
    return {"items": [u.to_public() for u in page.items], "next_cursor": page.next_cursor}


@app.post("/api/admin/users/{user_id}/approve", response_model=UserView, summary="Approve a PENDING user (becomes USER)")
def approve_user(user_id: ResourceId, admin: AdminPrincipal) -> dict[str, Any]:
    return users.approve(admin, user_id).to_public()


@app.patch("/api/admin/users/{user_id}", response_model=UserView, summary="Change a user's role or team")
def update_user(user_id: ResourceId, body: UserPatch, admin: AdminPrincipal) -> dict[str, Any]:
    return users.update(admin, user_id, role=body.role, team=body.team).to_public()


handler = lambda_handler_for(app)
