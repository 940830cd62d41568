"""The sign-in cookies, set and cleared in one place so their attributes never drift apart.

- `a2g_refresh`: the refresh token. HttpOnly (page scripts, and so XSS, cannot read it), Secure when the
  platform is served over https, SameSite=Strict (never sent on requests started by another site) and scoped
  to `/api/auth`, so it travels only to refresh and logout, not with every API call.
- `a2g_oidc_state`: binds an SSO login to the browser that started it (login-CSRF protection). SameSite=Lax,
  because the identity provider's redirect back to the callback is a cross-site top-level navigation, which
  Strict cookies would not accompany. Scoped to the callback and short-lived.
"""

from __future__ import annotations

from starlette.responses import Response

from a2g.identity.sessions import RefreshGrant

REFRESH_COOKIE = "a2g_refresh"
REFRESH_COOKIE_PATH = "/api/auth"
STATE_COOKIE = "a2g_oidc_state"
STATE_COOKIE_PATH = "/api/auth/callback"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def set_refresh_cookie(response: Response, grant: RefreshGrant, *, secure: bool) -> None:
    response.set_cookie(
        REFRESH_COOKIE, grant.token, max_age=grant.max_age, path=REFRESH_COOKIE_PATH, secure=secure,
        httponly=True, samesite="strict",
    )


def clear_refresh_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(
        REFRESH_COOKIE, path=REFRESH_COOKIE_PATH, secure=secure, httponly=True, samesite="strict"
    )


def set_state_cookie(response: Response, state: str, max_age: int, *, secure: bool) -> None:
    response.set_cookie(
        STATE_COOKIE, state, max_age=max_age, path=STATE_COOKIE_PATH, secure=secure, httponly=True,
        samesite="lax",
    )


def clear_state_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(STATE_COOKIE, path=STATE_COOKIE_PATH, secure=secure, httponly=True, samesite="lax")
