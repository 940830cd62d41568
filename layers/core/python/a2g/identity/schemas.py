"""Response models of the identity routes (sign-in, the caller, users, API keys): what `User.to_public`,
`SignedIn.body` and `key_view` return, for the OpenAPI document and the check on the way out."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from a2g.http.schemas import Page, ResponseModel

RoleName = Literal["PENDING", "USER", "ADMIN"]


class UserView(ResponseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "user_id": "alice", "username": "alice", "display_name": "alice", "email": None, "team": "platform",
        "role": "USER", "pending": False, "created_at": "2026-05-01T09:00:00Z", "updated_at": "2026-05-01T09:05:00Z",
        "last_login_at": "2026-05-02T08:00:00Z", "approved_at": "2026-05-01T09:05:00Z", "approved_by": "admin",
    }]})

    user_id: str = Field(description="the username, lower-cased")
    username: str
    display_name: str
    email: str | None
    team: str
    role: RoleName
    pending: bool = Field(description="true while an administrator has not approved the user")
    created_at: str
    updated_at: str
    last_login_at: str | None
    approved_at: str | None
    approved_by: str | None


class Me(UserView):
    auth_kind: str = Field(description="how the caller authenticated: `token` (signed in) or `api_key`",
                           examples=["token"])


class UserPage(Page):
    items: list[UserView]


class AuthConfig(ResponseModel):
    sso_enabled: bool = Field(description="single sign-on (OpenID Connect) is configured")
    dev_login_enabled: bool = Field(description="local dev sign-in is offered (never when SSO is configured)")
    login_url: str | None = Field(description="where to send the browser for single sign-on")


class SignedInBody(ResponseModel):
    """A new access token (the refresh token travels in the HttpOnly cookie only)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "access_token": "eyJhbGciOiJIUzI1NiJ9...", "token_type": "Bearer", "expires_in": 900,
        "expires_at": 1777630500, "user": {"user_id": "alice", "role": "USER"},
    }]})

    access_token: str = Field(description="send as `Authorization: Bearer <token>`; lives `expires_in` seconds")
    token_type: Literal["Bearer"]
    expires_in: int
    expires_at: int = Field(description="Unix time")
    user: UserView


class ApiKeyView(ResponseModel):
    """A key as its owner sees it after creation: masked, never the key itself."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "key_01HX...", "name": "my laptop", "masked": "a2g_sk_...x1Yz", "created_at": "2026-05-01T09:00:00Z",
        "last_used_at": None, "revoked_at": None, "status": "active",
    }]})

    id: str
    name: str | None
    masked: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None
    status: Literal["active", "revoked"]


class NewApiKey(ApiKeyView):
    key: str = Field(description="the key itself: shown this once, stored only as a hash",
                     examples=["a2g_sk_3kTq..."])


class ApiKeyList(ResponseModel):
    items: list[ApiKeyView]


class ActiveApiKey(ResponseModel):
    key: ApiKeyView | None = Field(description="the newest active key (masked), or null when there is none")


__all__ = [
    "ActiveApiKey", "ApiKeyList", "ApiKeyView", "AuthConfig", "Me", "NewApiKey", "RoleName", "SignedInBody",
    "UserPage", "UserView",
]
