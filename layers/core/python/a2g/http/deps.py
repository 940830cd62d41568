"""FastAPI dependencies that give handlers the caller's identity from the authorizer context."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from a2g.errors import Forbidden, Unauthenticated
from a2g.identity.principal import Principal, principal_from_event


def _principal(request: Request) -> Principal:
    event = request.scope.get("aws.event") or {}
    principal = principal_from_event(event)
    if principal is None:
        raise Unauthenticated("sign in or send an API key")
    return principal


def _approved(principal: Principal = Depends(_principal)) -> Principal:
    if not principal.is_approved:
        raise Forbidden("your account is waiting for an administrator's approval", code="pending_approval")
    return principal


def _admin(principal: Principal = Depends(_approved)) -> Principal:
    if not principal.is_admin:
        raise Forbidden("administrators only")
    return principal


AnyPrincipal = Annotated[Principal, Depends(_principal)]
"""Any signed-in caller, PENDING included (e.g. `/api/auth/me`)."""
ApprovedPrincipal = Annotated[Principal, Depends(_approved)]
"""A USER or ADMIN; PENDING callers get 403."""
AdminPrincipal = Annotated[Principal, Depends(_admin)]
"""ADMIN only."""
