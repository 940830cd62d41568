"""Sign-in and the platform session: /api/auth/{config,login,callback,dev-login,refresh,logout,me}.

Browser-facing steps answer with redirects and cookies (see a2g.identity.web for the cookie attributes);
API steps answer JSON. Rules live in a2g.identity.service.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from a2g.errors import PlatformError, map_exception
from a2g.http import AnyPrincipal, create_app, lambda_handler_for
from a2g.http.openapi import PUBLIC, REDIRECT, error_responses
from a2g.identity.schemas import AuthConfig, Me, SignedInBody
from a2g.identity.web import (
    NO_STORE,
    REFRESH_COOKIE,
    STATE_COOKIE,
    clear_refresh_cookie,
    clear_state_cookie,
    set_refresh_cookie,
    set_state_cookie,
)
from a2g.identity.wiring import auth_service, cookie_secure
from fastapi import Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

app = create_app("auth")
auth = auth_service()
SECURE_COOKIES = cookie_secure()


class DevLogin(BaseModel):
    username: str = Field(min_length=1, max_length=64, examples=["alice"])
    team: str | None = Field(None, max_length=64, examples=["platform"])


@app.get("/api/auth/config", response_model=AuthConfig, openapi_extra=PUBLIC)
def config() -> dict[str, Any]:
    """Public: which sign-in methods the sign-in page should offer."""
    return auth.config()


@app.get("/api/auth/login", response_model=None, status_code=302, responses={**REDIRECT, **error_responses(404)},
         openapi_extra=PUBLIC)
def login(return_to: str | None = Query(None, max_length=2048)) -> Response:
    """Start single sign-on: redirect to the identity provider (PKCE S256, state and nonce kept server-side)."""
    start = auth.begin_sso(return_to)
    response = RedirectResponse(start.redirect_url, status_code=302, headers=NO_STORE)
    set_state_cookie(response, start.state, start.state_max_age, secure=SECURE_COOKIES)
    return response


@app.get("/api/auth/callback", response_model=None, status_code=302, responses=REDIRECT, openapi_extra=PUBLIC)
def callback(
    request: Request,
    code: str | None = Query(None, max_length=4096),
    state: str | None = Query(None, max_length=256, pattern=r"^[A-Za-z0-9_-]+$"),  # a storage key
    error: str | None = Query(None, max_length=256),
    iss: str | None = Query(None, max_length=2048),
) -> Response:
    """Finish single sign-on; the browser lands in the app with a refresh cookie and no token in the URL."""
    try:
        signed_in = auth.complete_sso(
            code=code, state=state, browser_state=request.cookies.get(STATE_COOKIE), error=error, issuer=iss
        )
    except PlatformError as exc:  # a person is looking at this: send them to the app with a reason
        response = RedirectResponse(f"/?auth_error={quote(exc.code)}", status_code=302, headers=NO_STORE)
    else:
        response = RedirectResponse(signed_in.return_to, status_code=302, headers=NO_STORE)
        set_refresh_cookie(response, signed_in.refresh, secure=SECURE_COOKIES)
    clear_state_cookie(response, secure=SECURE_COOKIES)
    return response


@app.post("/api/auth/dev-login", response_model=SignedInBody, openapi_extra=PUBLIC)
def dev_login(body: DevLogin) -> Response:
    """Local sign-in without an identity provider; refused whenever one is configured."""
    signed_in = auth.dev_login(body.username, body.team)
    response = JSONResponse(signed_in.body(), headers=NO_STORE)
    set_refresh_cookie(response, signed_in.refresh, secure=SECURE_COOKIES)
    return response


@app.post("/api/auth/refresh", response_model=SignedInBody, responses=error_responses(401), openapi_extra=PUBLIC)
def refresh(request: Request) -> Response:
    """A new access token for the refresh cookie, which is rotated; 401 (and the cookie cleared) otherwise."""
    try:
        signed_in = auth.refresh(request.cookies.get(REFRESH_COOKIE))
    except PlatformError as exc:
        status, body, headers = map_exception(exc)
        response = JSONResponse(body, status_code=status, headers={**headers, **NO_STORE})
        if status == 401:
            clear_refresh_cookie(response, secure=SECURE_COOKIES)
        return response
    response = JSONResponse(signed_in.body(), headers=NO_STORE)
    set_refresh_cookie(response, signed_in.refresh, secure=SECURE_COOKIES)
    return response


@app.post("/api/auth/logout", status_code=204, response_model=None, openapi_extra=PUBLIC)
def logout(request: Request) -> Response:
    """End this sign-in: its refresh tokens are deleted and the cookie cleared. Access tokens expire by themselves."""
    auth.logout(request.cookies.get(REFRESH_COOKIE))
    response = Response(status_code=204, headers=NO_STORE)
    clear_refresh_cookie(response, secure=SECURE_COOKIES)
    return response


@app.get("/api/auth/me", response_model=Me)
def me(principal: AnyPrincipal) -> dict[str, Any]:
    """Who the caller is; PENDING users learn here that they wait for approval."""
    return auth.me(principal)


handler = lambda_handler_for(app)
