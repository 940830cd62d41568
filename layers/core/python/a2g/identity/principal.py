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

DENIAL_KEY = "denied"
"""The authorizer's context key for a refused credential: `{"denied": "<code>"}` and nothing else."""

DENIAL_MESSAGES: dict[str, str] = {
    "credential_required": "send your access token or API key as 'Authorization: Bearer <credential>'",
    "invalid_api_key": "this API key is not one the platform knows; check it or create a new one",
    "revoked_api_key": "this API key was revoked; create a new one",
    "invalid_token": "this access token is not valid; sign in again",
    "token_expired": "your access token has expired; refresh it or sign in again",
    "account_removed": "the account this token was issued to no longer exists",
}
"""Why the authorizer refused a credential: the code the client gets with 401, and its sentence."""


def denial_context(code: str) -> dict[str, str]:
    """The context the HTTP API authorizer allows a refused request with (see `check_authorizer_verdict`)."""
    return {DENIAL_KEY: code if code in DENIAL_MESSAGES else "invalid_token"}


def _authorizer_context(event: dict[str, Any]) -> dict[str, Any]:
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    # HTTP API v2 simple responses nest the context under "lambda"; WebSocket (REST-style) puts it flat.
    ctx = authorizer.get("lambda", authorizer) if isinstance(authorizer, dict) else {}
    return ctx if isinstance(ctx, dict) else {}


def check_authorizer_verdict(event: dict[str, Any]) -> None:
    """Refuse a request the authorizer let through only to say why it is refused.

    API Gateway's HTTP API turns a Lambda authorizer's denial into `403 {"message": "Forbidden"}`, which cannot
    tell a wrong key from an expired token. So the authorizer never denies: it allows the request with a marker
    and no identity — `{"denied": code}` for a refused credential, `{"outage": "storage"}` when it could not
    check — and this answers it here, before any handler runs, through the one error mapper: 401 with the code
    (`DENIAL_MESSAGES`), or 503 storage_unavailable. Every HTTP app calls it first (a2g.http.app), and
    `principal_from_event` calls it again, so no handler can act on a marked request.
    """
    ctx = _authorizer_context(event)
    if ctx.get("outage") == OUTAGE_CONTEXT["outage"]:
        from a2g.errors import StorageUnavailable

        raise StorageUnavailable()
    if DENIAL_KEY in ctx:
        from a2g.errors import Unauthenticated

        code = str(ctx.get(DENIAL_KEY) or "")
        if code not in DENIAL_MESSAGES:
            code = "invalid_token"
        raise Unauthenticated(DENIAL_MESSAGES[code], code=code)


def principal_from_event(event: dict[str, Any]) -> Principal | None:
    """Read the principal an authorizer attached to an HTTP API v2 or WebSocket event; a request the authorizer
    refused (401 with its code) or could not check (503 storage_unavailable) raises (`check_authorizer_verdict`)."""
    check_authorizer_verdict(event)
    return Principal.from_context(_authorizer_context(event))


def require_session(principal: Principal, action: str = "this") -> None:
    """Refuse API-key callers: some operations belong to a signed-in person only.

    A leaked key must not be able to mint more keys, revoke its owner's other keys or administer users.
    """
    if principal.auth_kind != "token":
        from a2g.errors import Forbidden

        raise Forbidden(f"{action} needs a signed-in session, not an API key", code="session_required")
