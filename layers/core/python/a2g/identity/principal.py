"""Who is calling: built only from the authorizer's context, never from the request body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Role = Literal["PENDING", "USER", "ADMIN"]


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role
    team: str
    auth_kind: Literal["token", "api_key"] = "token"
    api_key_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "ADMIN"

    @property
    def is_approved(self) -> bool:
        return self.role in ("USER", "ADMIN")

    def to_context(self) -> dict[str, str]:
        """The authorizer context (API Gateway allows only flat string/number/bool values)."""
        ctx = {"user_id": self.user_id, "role": self.role, "team": self.team, "auth_kind": self.auth_kind}
        if self.api_key_id:
            ctx["api_key_id"] = self.api_key_id
        return ctx

    @classmethod
    def from_context(cls, ctx: dict[str, Any] | None) -> Principal | None:
        if not ctx or not ctx.get("user_id"):
            return None
        return cls(
            user_id=str(ctx["user_id"]),
            role=str(ctx.get("role", "PENDING")),  # type: ignore[arg-type]
            team=str(ctx.get("team", "")),
            auth_kind=str(ctx.get("auth_kind", "token")),  # type: ignore[arg-type]
            api_key_id=ctx.get("api_key_id") or None,
        )


OUTAGE_CONTEXT = {"outage": "storage"}
"""The authorizer's context when it could not reach storage to check the credential (a2g.identity.authorizer)."""


def principal_from_event(event: dict[str, Any]) -> Principal | None:
    """Read the principal an authorizer attached to an HTTP API v2 or WebSocket event; a request the authorizer
    could not check for a storage outage is refused here with 503 storage_unavailable."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    # HTTP API v2 simple responses nest the context under "lambda"; WebSocket (REST-style) puts it flat.
    ctx = authorizer.get("lambda", authorizer)
    if isinstance(ctx, dict) and ctx.get("outage") == OUTAGE_CONTEXT["outage"]:
        from a2g.errors import StorageUnavailable

        raise StorageUnavailable()
    return Principal.from_context(ctx)


def require_session(principal: Principal, action: str = "this") -> None:
    """Refuse API-key callers: some operations belong to a signed-in person only.

    A leaked key must not be able to mint more keys, revoke its owner's other keys or administer users.
    """
    if principal.auth_kind != "token":
        from a2g.errors import Forbidden

        raise Forbidden(f"{action} needs a signed-in session, not an API key", code="session_required")
