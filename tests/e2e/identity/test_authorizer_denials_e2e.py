"""A refused credential is answered 401 with a code that says why, on every route behind the authorizer.

The HTTP API's Lambda authorizer never denies (API Gateway would answer every denial with the same bare
`403 {"message": "Forbidden"}`); it lets the request through carrying only the reason, and the function
answers it through the one error mapper before any handler runs (a2g.identity.principal).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from a2g.clock import FixedClock
from a2g.identity.tokens import AccessTokenCodec
from a2g_local.template import load_template
from helpers import SignedInUser, admin, api_key_headers, approved_user, create_api_key, unique_username

REPO_ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.e2e

UNKNOWN_KEY = "a2g_sk_" + "x" * 43


def _expired_token(runtime: Any) -> str:
    codec = AccessTokenCodec(runtime.env["A2G_TOKEN_SECRET"], runtime.env["A2G_PUBLIC_URL"], 900,
                             FixedClock(datetime.now(UTC) - timedelta(hours=2)))
    return codec.issue("admin", "ADMIN", "platform").token


def _error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"]["message"], str) and body["error"]["message"]
    return response.status_code, body["error"]["code"]


@pytest.fixture(scope="module")
def boss(runtime: Any) -> SignedInUser:
    runtime.require_functions("AuthFunction", "AuthorizerFunction", "ApiKeysFunction")
    return admin(runtime)


def test_a_wrong_key_a_revoked_key_an_expired_and_a_malformed_token_are_told_apart(
    runtime: Any, boss: SignedInUser,
) -> None:
    dave = approved_user(runtime, unique_username("denials"), by=boss)
    revoked = create_api_key(dave)
    assert dave.delete(f"/api/api-keys/{revoked['id']}").status_code == 204
    me = runtime.url("/api/auth/me")
    cases = {
        "wrong key": api_key_headers(UNKNOWN_KEY),
        "mistyped key": api_key_headers("a2g_sk_short"),
        "revoked key": api_key_headers(revoked["key"]),
        "expired token": {"Authorization": f"Bearer {_expired_token(runtime)}"},
        "malformed token": {"Authorization": "Bearer not.a.token"},
        "not a bearer credential": {"Authorization": "Basic YTpi"},
        # The authorizer has no identity source, so API Gateway calls it even without the header (template.yaml)
        "no credential at all": {},
    }
    answers = {name: _error(httpx.get(me, headers=headers, timeout=30)) for name, headers in cases.items()}
    assert answers == {
        "wrong key": (401, "invalid_api_key"),
        "mistyped key": (401, "invalid_api_key"),
        "revoked key": (401, "revoked_api_key"),
        "expired token": (401, "token_expired"),
        "malformed token": (401, "invalid_token"),
        "not a bearer credential": (401, "credential_required"),
        "no credential at all": (401, "credential_required"),
    }
    # The valid credentials still work, and the refusals changed nothing.
    assert httpx.get(me, headers={"Authorization": f"Bearer {dave.token}"}, timeout=30).status_code == 200
    assert dave.get("/api/api-keys?include_revoked=true").json()["items"][0]["status"] == "revoked"


def _authorized_routes() -> list[tuple[str, str]]:
    template = load_template(REPO_ROOT / "template.yaml")
    routes = []
    for route in template.http_routes:
        if route.authorizer is None:
            continue
        path = re.sub(r"\{[^}]+\}", "denial-probe", route.path)
        for method in (["GET", "POST"] if route.method == "ANY" else [route.method]):
            routes.append((method, path))
    return routes


def test_every_route_behind_the_authorizer_refuses_a_refused_credential_before_acting(
    runtime: Any, boss: SignedInUser,
) -> None:
    """No function may act on a request the authorizer refused, not even a route that never reads its caller:
    each answers 401 with the code, whatever the body (a valid-looking one included)."""
    routes = _authorized_routes()
    assert len(routes) > 30  # the template was read, not an empty list
    expired = {"Authorization": f"Bearer {_expired_token(runtime)}"}
    wrong: list[str] = []
    with httpx.Client(timeout=60) as client:
        for method, path in routes:
            for headers, code in ((api_key_headers(UNKNOWN_KEY), "invalid_api_key"), (expired, "token_expired")):
                body: dict[str, Any] | None = {"name": "probe"} if method in ("POST", "PATCH", "PUT") else None
                response = client.request(method, runtime.url(path), headers=headers, json=body)
                try:
                    answer = _error(response)
                except (ValueError, KeyError, AssertionError):
                    answer = (response.status_code, response.text[:80])
                if answer != (401, code):
                    wrong.append(f"{method} {path}: {answer}")
    assert not wrong, wrong
