"""Signing in and staying signed in: SSO (OIDC + PKCE), local dev sign-in, refresh, sign-out, "who am I".

Every successful sign-in ends the same way: a short-lived access token in the response body (kept in the
app's memory, sent as `Authorization: Bearer`) and a rotating refresh token for an HttpOnly cookie (see
sessions.py and docs/identity.md). After SSO the browser is redirected into the app with no token in the
URL; the app then calls `POST /api/auth/refresh` to obtain its first access token.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from a2g.clock import Clock, epoch
from a2g.errors import Forbidden, NotFound, Unauthenticated
from a2g.identity.oidc import OidcClient
from a2g.identity.ports import OidcLoginState, OidcStateStore, User
from a2g.identity.principal import Principal
from a2g.identity.sessions import RefreshGrant, RefreshSessions
from a2g.identity.tokens import AccessTokenCodec, IssuedToken
from a2g.identity.users import UserDirectory
from a2g.log import logger

OIDC_STATE_TTL = timedelta(minutes=10)
LOGIN_PATH = "/api/auth/login"
_SAFE_RETURN = re.compile(r"^/(?![/\\])[\x21-\x7e]{0,511}$")


def safe_return_to(value: str | None) -> str:
    """Only a path on this site (no scheme, no `//host`), so the login cannot be turned into an open redirect."""
    if value and _SAFE_RETURN.fullmatch(value) and "\\" not in value:
        return value
    return "/"


@dataclass(frozen=True)
class SignedIn:
    access: IssuedToken
    refresh: RefreshGrant
    user: User
    return_to: str = "/"

    def body(self) -> dict[str, Any]:
        return {
            "access_token": self.access.token,
            "token_type": "Bearer",
            "expires_in": self.access.expires_in,
            "expires_at": self.access.expires_at,
            "user": self.user.to_public(),
        }


@dataclass(frozen=True)
class SsoStart:
    """Where to send the browser, and the state to bind to it (a short-lived cookie)."""

    redirect_url: str
    state: str
    state_max_age: int


class AuthService:
    def __init__(
        self, *, users: UserDirectory, tokens: AccessTokenCodec, sessions: RefreshSessions,
        states: OidcStateStore, oidc: OidcClient | None, dev_login_enabled: bool, clock: Clock,
    ):
        self._users = users
        self._tokens = tokens
        self._sessions = sessions
        self._states = states
        self._oidc = oidc
        # A configured provider always wins: dev sign-in would otherwise let anyone claim any username.
        self._dev_login = dev_login_enabled and oidc is None
        self._clock = clock

    def config(self) -> dict[str, Any]:
        """What the sign-in page offers (public)."""
        return {
            "sso_enabled": self._oidc is not None,
            "dev_login_enabled": self._dev_login,
            "login_url": LOGIN_PATH if self._oidc is not None else None,
        }

    # --- local dev sign-in -----------------------------------------------------------------------------

    def dev_login(self, username: str, team: str | None) -> SignedIn:
        if not self._dev_login:
            raise Forbidden(
                "dev sign-in is disabled here; sign in through single sign-on", code="dev_login_disabled"
            )
        user = self._users.sign_in(username, team=team)
        logger.info("dev sign-in", extra={"user_id": user.user_id, "role": user.role})
        return self._signed_in(user)

    # --- single sign-on --------------------------------------------------------------------------------

    def begin_sso(self, return_to: str | None) -> SsoStart:
        oidc = self._require_oidc()
        state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        expires = self._clock.now() + OIDC_STATE_TTL
        url = oidc.authorization_url(state=state, nonce=nonce, code_verifier=verifier)
        self._states.put(
            OidcLoginState(
                state=state, code_verifier=verifier, nonce=nonce, return_to=safe_return_to(return_to),
                expires_at=epoch(expires),
            )
        )
        return SsoStart(redirect_url=url, state=state, state_max_age=int(OIDC_STATE_TTL.total_seconds()))

    def complete_sso(
        self, *, code: str | None, state: str | None, browser_state: str | None, error: str | None,
        issuer: str | None = None,
    ) -> SignedIn:
        oidc = self._require_oidc()
        # RFC 9207: a provider that names itself in the response must be ours (mix-up attack protection).
        if issuer is not None and issuer.rstrip("/") != oidc.issuer:
            raise Unauthenticated("the sign-in response came from another identity provider", code="sso_failed")
        if error:
            logger.info("identity provider reported an error", extra={"error": error[:64]})
            raise Unauthenticated("the identity provider did not sign you in", code="sso_failed")
        if not code or not state:
            raise Unauthenticated("sign-in response is incomplete", code="sso_failed")
        # The state must come back to the browser that started the login (login CSRF protection)...
        # Bytes: compare_digest refuses (TypeError) non-ASCII text, which a forged cookie may hold.
        if not browser_state or not hmac.compare_digest(browser_state.encode(), state.encode()):
            raise Unauthenticated("this sign-in was started elsewhere; start again", code="sso_state_mismatch")
        # ...and be one we issued, unused and recent.
        login = self._states.take(state)
        if login is None or login.expires_at <= epoch(self._clock.now()):
            raise Unauthenticated("this sign-in has expired; start again", code="sso_state_expired")
        id_token = oidc.exchange_code(code, login.code_verifier)
        identity = oidc.identity(oidc.verify_id_token(id_token, nonce=login.nonce))
        user = self._users.sign_in(
            identity.username, display_name=identity.display_name, team=identity.team,
            oidc_subject=identity.subject, email=identity.email,
        )
        logger.info("sso sign-in", extra={"user_id": user.user_id, "role": user.role})
        return replace(self._signed_in(user), return_to=login.return_to)

    # --- the platform session --------------------------------------------------------------------------

    def refresh(self, refresh_token: str | None) -> SignedIn:
        grant = self._sessions.rotate(refresh_token)
        try:
            user = self._users.get(grant.user_id)
        except NotFound as exc:
            self._sessions.end(grant.token)
            raise Unauthenticated("your account no longer exists", code="session_expired") from exc
        # A fresh access token carries the user's current role: this is how an approval takes effect.
        return SignedIn(access=self._issue(user), refresh=grant, user=user)

    def logout(self, refresh_token: str | None) -> None:
        self._sessions.end(refresh_token)

    def me(self, principal: Principal) -> dict[str, Any]:
        try:
            user = self._users.get(principal.user_id)
        except NotFound as exc:
            raise Unauthenticated("your account no longer exists") from exc
        return {**user.to_public(), "auth_kind": principal.auth_kind}

    # --- helpers ---------------------------------------------------------------------------------------

    def _require_oidc(self) -> OidcClient:
        if self._oidc is None:
            raise NotFound("single sign-on is not configured", code="sso_disabled")
        return self._oidc

    def _issue(self, user: User) -> IssuedToken:
        return self._tokens.issue(user.user_id, user.role, user.team)

    def _signed_in(self, user: User) -> SignedIn:
        return SignedIn(access=self._issue(user), refresh=self._sessions.start(user.user_id), user=user)
