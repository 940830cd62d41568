"""The one Lambda authorizer's logic, for both event kinds API Gateway sends it.

- HTTP API (payload format 2.0, simple responses): the credential is `Authorization: Bearer <credential>`; the
  answer is `{"isAuthorized": bool, "context": {...}}`. PENDING users are authorized, so `/api/auth/me` works;
  every route that needs approval refuses them itself (`ApprovedPrincipal`, `AdminPrincipal`).
- WebSocket `$connect` (REQUEST authorizer): browsers cannot set headers on a WebSocket, so the credential is
  the `token` query parameter (an `Authorization` header is accepted too, for non-browser clients). The answer
  is an IAM policy allowing the connection's `methodArn`; PENDING users are refused by `$connect` itself:
  nothing over the WebSocket is for them.

The credential is a platform access token or a platform API key (recognised by its `a2g_sk_` prefix). Keys
are looked up without the in-process cache, so a revoked key is refused on the very next request. An access
token carries the role it was issued with (for up to its 15 minutes); the authorizer replaces it with the
user's current role and team, read at most every `ROLE_CACHE_SECONDS` (5 s) per user, so a demotion or a
removed user is refused everywhere within 5 s, not when the token expires.
The context carries user id, role, team, and how the caller authenticated; handlers read identity only from it.

An HTTP API request whose credential is refused is not denied (API Gateway would answer every denial with the
same `403 {"message": "Forbidden"}`): it is allowed with the marker `{"denied": "<code>"}` and no identity, and
the functions answer it `401 {"error": {"code", "message"}}` before any handler runs
(`a2g.identity.principal.check_authorizer_verdict`). The codes: `credential_required`, `invalid_api_key`,
`revoked_api_key`, `invalid_token`, `token_expired`, `account_removed`. A WebSocket `$connect` is handled
the same way: the `$connect` function (functions/ws_connect) refuses it with 401 and the code, or 403
`pending_approval`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from a2g.errors import Unauthenticated, is_storage_outage
from a2g.identity.api_keys import KEY_PREFIX, ApiKeyAuthenticator, bearer_credential, is_api_key
from a2g.identity.ports import UserStore
from a2g.identity.principal import DENIAL_MESSAGES, OUTAGE_CONTEXT, Principal, denial_context
from a2g.identity.tokens import AccessTokenCodec
from a2g.log import logger

ROLE_CACHE_SECONDS = 5.0
_MAX_CACHED_USERS = 4096


class RequestAuthorizer:
    def __init__(
        self, tokens: AccessTokenCodec, api_keys: ApiKeyAuthenticator, users: UserStore | None = None, *,
        role_cache_seconds: float = ROLE_CACHE_SECONDS, monotonic: Callable[[], float] = time.monotonic,
    ):
        """`users`: where a token's role is checked against the current one (None: the token is trusted as
        issued, for tests of the token path alone)."""
        self._tokens = tokens
        self._api_keys = api_keys
        self._users = users
        self._role_ttl = min(role_cache_seconds, ROLE_CACHE_SECONDS)
        self._monotonic = monotonic
        self._roles: dict[str, tuple[float, tuple[str, str] | None]] = {}

    def principal_for(self, credential: str | None) -> Principal | None:
        """Who a bearer credential speaks for, or None when it is missing, invalid, expired or revoked."""
        try:
            return self.verify(credential)
        except Unauthenticated:
            return None

    def verify(self, credential: str | None) -> Principal:
        """Who a bearer credential speaks for; `Unauthenticated` with one of `DENIAL_MESSAGES`' codes otherwise."""
        if not credential:
            raise Unauthenticated(DENIAL_MESSAGES["credential_required"], code="credential_required")
        try:
            # A key's prefix says what was meant: a mistyped key is a wrong key, not a malformed token.
            if is_api_key(credential) or credential.startswith(KEY_PREFIX):
                return self._api_keys.verify(credential, cached=False)
            principal = self._current(self._tokens.verify(credential))
        except Unauthenticated as exc:
            logger.info("credential refused", extra={"reason": exc.code})
            raise
        if principal is None:
            raise Unauthenticated(DENIAL_MESSAGES["account_removed"], code="account_removed")
        return principal

    def _current(self, principal: Principal) -> Principal | None:
        """The token's principal with the user's current role and team; None when the user is gone."""
        if self._users is None:
            return principal
        now = self._monotonic()
        hit = self._roles.get(principal.user_id)
        # A token that disagrees with the cached role may be newer than the cache (issued after a promotion):
        # read again. Only users in the middle of a change pay for it.
        if hit is None or hit[0] <= now or hit[1] != (principal.role, principal.team):
            user = self._users.get(principal.user_id)
            if len(self._roles) >= _MAX_CACHED_USERS:
                self._roles.clear()
            hit = (now + self._role_ttl, (user.role, user.team) if user is not None else None)
            self._roles[principal.user_id] = hit
        current = hit[1]
        if current is None:
            logger.info("token refused: the user no longer exists", extra={"user_id": principal.user_id})
            return None
        role, team = current
        if (role, team) == (principal.role, principal.team):
            return principal
        return replace(principal, role=role, team=team)  # type: ignore[arg-type]


def _headers(event: dict[str, Any]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}


def is_websocket_event(event: dict[str, Any]) -> bool:
    context = event.get("requestContext") or {}
    return bool(event.get("methodArn")) and (
        context.get("eventType") == "CONNECT" or context.get("routeKey") == "$connect"
        or event.get("version") != "2.0"
    )


def handle_authorizer_event(event: dict[str, Any], authorizer: RequestAuthorizer) -> dict[str, Any]:
    websocket = is_websocket_event(event)
    try:
        return _websocket(event, authorizer) if websocket else _http(event, authorizer)
    except Exception as exc:
        if not is_storage_outage(exc):
            raise
        # An authorizer that fails is a 500 from API Gateway, and a denial is a 403 that tells the client its
        # credential is wrong: both lie during an outage. So the request is let through carrying only the
        # outage marker: no identity, and `principal_from_event` answers 503 storage_unavailable for it
        # before any handler runs (every authorized route reads its principal; tests/unit/identity).
        logger.warning("authorizer could not reach storage: passing the outage on", extra={"websocket": websocket})
        if websocket:
            return _policy("storage-unavailable", "Allow", str(event.get("methodArn") or "*"), dict(OUTAGE_CONTEXT))
        return {"isAuthorized": True, "context": dict(OUTAGE_CONTEXT)}


def _http(event: dict[str, Any], authorizer: RequestAuthorizer) -> dict[str, Any]:
    credential = bearer_credential(_headers(event).get("authorization"))
    if credential is None:
        # The identity source may be delivered only in `identitySource` (e.g. by some emulators).
        for source in event.get("identitySource") or []:
            credential = bearer_credential(str(source))
            if credential:
                break
    try:
        principal = authorizer.verify(credential)
    except Unauthenticated as exc:
        # Not a denial: API Gateway would answer it as `403 {"message": "Forbidden"}`, the same for a wrong key
        # and an expired token. The request goes on carrying only the reason, no identity, and
        # `check_authorizer_verdict` answers it 401 with that code before any handler runs (docs/deploy.md).
        return {"isAuthorized": True, "context": denial_context(exc.code)}
    return {"isAuthorized": True, "context": principal.to_context()}


def _websocket(event: dict[str, Any], authorizer: RequestAuthorizer) -> dict[str, Any]:
    """Never a Deny either: API Gateway answers a denied `$connect` with a bare 403, the same for a wrong key,
    an expired token and an account awaiting approval. A refused credential is allowed with only its reason
    (`{"denied": code}`), a PENDING user with their identity, and the `$connect` function refuses both, 401
    with the code or 403 `pending_approval`: that route's own status (and body) is what the client gets.
    No connection exists until `$connect` answers 2xx, so no other route can see such a caller."""
    query = event.get("queryStringParameters") or {}
    credential = query.get("token") or bearer_credential(_headers(event).get("authorization"))
    method_arn = str(event.get("methodArn") or "*")
    try:
        principal = authorizer.verify(credential)
    except Unauthenticated as exc:
        return _policy("anonymous", "Allow", method_arn, denial_context(exc.code))
    return _policy(principal.user_id, "Allow", method_arn, principal.to_context())


def _policy(principal_id: str, effect: str, resource: str, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": context,
    }
