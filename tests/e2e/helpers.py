"""Signing in to a running local runtime, for every e2e test (any folder).

    from helpers import admin, approved_user, create_api_key, dev_login, pending_user

    alice = approved_user(runtime, "alice")        # a USER (dev-login, approved by the admin, token refreshed)
    alice.get("/api/my-agents")                    # httpx.Response, with her Bearer token
    key = create_api_key(alice)["key"]             # a2g_sk_... ; use as `Authorization: Bearer <key>`
    boss = admin(runtime)                          # the runtime's initial admin ("admin" in tests/e2e/conftest.py)
    token = dev_login(runtime.base_url, "bob")     # just an access token (bob is PENDING until approved)

`runtime` is anything with a `base_url` (the `runtime` fixture, or an extra runtime). Usernames should be
unique per test because the session runtime is shared: `unique_username("alice")` gives `alice-1a2b3c4d`.

`tests/e2e` is on `sys.path` once pytest has loaded `tests/e2e/conftest.py` (rootdir "prepend" imports);
a folder's own conftest can make sure with `sys.path.insert(0, str(Path(__file__).parents[1]))`, as
`tests/e2e/identity/conftest.py` does.
"""

from __future__ import annotations

import secrets
from typing import Any, Protocol

import httpx

DEFAULT_ADMIN = "admin"  # INITIAL_ADMIN_IDS of the runtimes tests/e2e/conftest.py starts
TIMEOUT = 30.0


class HasBaseUrl(Protocol):
    base_url: str


def unique_username(prefix: str = "user") -> str:
    return f"{prefix}-{secrets.token_hex(4)}"


class SignedInUser:
    """A signed-in person: their access token, their refresh cookie, and request helpers that send both."""

    def __init__(self, base_url: str, body: dict[str, Any], client: httpx.Client):
        self.base_url = base_url
        self._client = client  # holds the HttpOnly refresh cookie (path /api/auth)
        self._apply(body)

    def _apply(self, body: dict[str, Any]) -> None:
        self.token: str = body["access_token"]
        self.user: dict[str, Any] = body["user"]

    @property
    def user_id(self) -> str:
        return str(self.user["user_id"])

    @property
    def role(self) -> str:
        return str(self.user["role"])

    @property
    def team(self) -> str:
        return str(self.user["team"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def cookies(self) -> httpx.Cookies:
        return self._client.cookies

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **(kwargs.pop("headers", None) or {})}
        return self._client.request(method, path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def refresh(self) -> SignedInUser:
        """Trade the refresh cookie for a new access token (picks up role/team changes); returns self."""
        response = self._client.post("/api/auth/refresh")
        _expect(response, 200, "refresh")
        self._apply(response.json())
        return self

    def logout(self) -> None:
        _expect(self._client.post("/api/auth/logout"), 204, "logout")

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:
        return f"SignedInUser({self.user_id!r}, role={self.role!r})"


def _expect(response: httpx.Response, status: int, what: str) -> None:
    if response.status_code != status:
        raise AssertionError(f"{what}: expected {status}, got {response.status_code}: {response.text[:500]}")


def sign_in(runtime: HasBaseUrl | str, username: str, team: str = "e2e") -> SignedInUser:
    """Dev sign-in as `username` (created PENDING on first sign-in unless an initial admin)."""
    base_url = runtime if isinstance(runtime, str) else runtime.base_url
    client = httpx.Client(base_url=base_url, timeout=TIMEOUT)
    response = client.post("/api/auth/dev-login", json={"username": username, "team": team})
    _expect(response, 200, f"dev-login as {username}")
    return SignedInUser(base_url, response.json(), client)


def dev_login(base_url: str, username: str, team: str = "e2e") -> str:
    """Just the access token of a dev sign-in."""
    user = sign_in(base_url, username, team)
    user.close()
    return user.token


def admin(runtime: HasBaseUrl | str, username: str = DEFAULT_ADMIN) -> SignedInUser:
    """The runtime's initial administrator, signed in."""
    user = sign_in(runtime, username, "platform")
    if user.role != "ADMIN":
        raise AssertionError(f"{username!r} is {user.role}, not ADMIN: is it in INITIAL_ADMIN_IDS?")
    return user


def register_llm_model(runtime: HasBaseUrl | str, base_url: str, prefix: str,
                       api_key: str = "sk-upstream-e2e") -> str:
    """A fresh model name in the platform's LLM registry, served at `base_url` (a mock LLM), registered by the
    admin: an agent reaches it through its log-proxy."""
    model = f"{prefix}-{secrets.token_hex(3)}"
    boss = admin(runtime)
    try:
        registered = boss.post("/api/admin/llms", json={"name": model, "base_url": base_url, "api_key": api_key,
                                                        "models": [model]})
        assert registered.status_code == 201, registered.text
    finally:
        boss.close()
    return model


def pending_user(runtime: HasBaseUrl | str, username: str | None = None, team: str = "e2e") -> SignedInUser:
    """A freshly signed-in user still waiting for approval."""
    return sign_in(runtime, username or unique_username("pending"), team)


def approved_user(
    runtime: HasBaseUrl | str, username: str | None = None, team: str = "e2e", *,
    by: SignedInUser | None = None,
) -> SignedInUser:
    """A USER: signs in, is approved by the admin (or `by`), and refreshes to get a USER token."""
    user = sign_in(runtime, username or unique_username("user"), team)
    if user.role == "PENDING":
        approver = by or admin(runtime)
        _expect(approver.post(f"/api/admin/users/{user.user_id}/approve"), 200, f"approving {user.user_id}")
        if by is None:
            approver.close()
        user.refresh()
    return user


def create_api_key(user: SignedInUser, name: str = "e2e") -> dict[str, Any]:
    """A new API key of `user`: the response body, whose `key` (a2g_sk_...) is shown only this once."""
    response = user.post("/api/api-keys", json={"name": name})
    _expect(response, 201, "creating an API key")
    return dict(response.json())


def api_key_headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
