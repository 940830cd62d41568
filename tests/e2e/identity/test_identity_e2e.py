"""Identity through the local runtime: dev sign-in, approval, roles, API keys, refresh rotation, the attack list
of issue 3 (each answered 401/403/404 with nothing changed), and WebSocket $connect."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from a2g.clock import FixedClock
from a2g.identity.tokens import AccessTokenCodec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from helpers import (
    SignedInUser,
    admin,
    api_key_headers,
    approved_user,
    create_api_key,
    pending_user,
    sign_in,
    unique_username,
)
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

pytestmark = pytest.mark.e2e

REFUSED = (401, 403)


@pytest.fixture(scope="module")
def boss(runtime: Any) -> SignedInUser:
    runtime.require_functions("AuthFunction", "AuthorizerFunction", "AdminUsersFunction", "ApiKeysFunction")
    return admin(runtime)


def _me(runtime: Any, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(runtime.url("/api/auth/me"), headers=headers, timeout=30)


def _set_cookies(response: httpx.Response) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]


def _find_user(boss: SignedInUser, user_id: str, role: str | None = None) -> dict[str, Any] | None:
    cursor = None
    while True:
        params = {"limit": 100, **({"role": role} if role else {}), **({"cursor": cursor} if cursor else {})}
        page = boss.get("/api/admin/users", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        for user in body["items"]:
            if user["user_id"] == user_id:
                return dict(user)
        cursor = body["next_cursor"]
        if not cursor:
            return None


# --- the story of issue 3's "done when" -------------------------------------------------------------------


def test_config_offers_dev_login_when_no_provider_is_configured(runtime: Any, boss: SignedInUser) -> None:
    response = httpx.get(runtime.url("/api/auth/config"))
    assert response.json() == {"sso_enabled": False, "dev_login_enabled": True, "login_url": None}
    assert httpx.get(runtime.url("/api/auth/login")).status_code == 404  # no SSO to start


def test_sign_in_wait_for_approval_then_use_an_api_key(runtime: Any, boss: SignedInUser) -> None:
    alice = pending_user(runtime, unique_username("alice"), team="search")
    me = alice.get("/api/auth/me")
    assert me.status_code == 200
    assert (me.json()["role"], me.json()["pending"], me.json()["team"]) == ("PENDING", True, "search")

    # A PENDING user can learn who they are, nothing more.
    refused = alice.post("/api/api-keys", json={"name": "too early"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "pending_approval"
    assert alice.get("/api/api-keys").status_code == 403

    assert _find_user(boss, alice.user_id, role="PENDING") is not None
    approved = boss.post(f"/api/admin/users/{alice.user_id}/approve")
    assert approved.status_code == 200
    assert (approved.json()["role"], approved.json()["approved_by"]) == ("USER", boss.user_id)
    assert _find_user(boss, alice.user_id, role="PENDING") is None

    # The approval reaches her current token within 5 s (the authorizer reads her role); a refresh shows it.
    alice.refresh()
    assert alice.role == "USER"
    assert alice.get("/api/api-keys").json() == {"items": []}  # and nothing was created while she waited

    created = create_api_key(alice, "laptop")
    key = created["key"]
    via_key = _me(runtime, api_key_headers(key))
    assert via_key.status_code == 200
    assert (via_key.json()["user_id"], via_key.json()["auth_kind"]) == (alice.user_id, "api_key")
    listed = alice.get("/api/api-keys").json()["items"]
    assert [k["id"] for k in listed] == [created["id"]]
    assert key not in json.dumps(listed) and listed[0]["masked"].endswith(key[-4:])
    assert alice.get("/api/api-keys/active").json()["key"]["id"] == created["id"]


def test_refresh_cookie_is_httponly_strict_and_scoped(runtime: Any, boss: SignedInUser) -> None:
    response = httpx.post(runtime.url("/api/auth/dev-login"), json={"username": unique_username("cookie")})
    (cookie,) = [c for c in _set_cookies(response) if c.startswith("a2g_refresh=")]
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=strict"
    assert attributes["path"] == "Path=/api/auth"
    assert "secure" not in attributes  # the local runtime is plain http; https deployments get Secure
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["access_token"] not in cookie


def test_refresh_rotates_and_a_replayed_token_ends_the_sign_in(runtime: Any, boss: SignedInUser) -> None:
    user = sign_in(runtime, unique_username("rotate"))
    stolen = user.cookies.get("a2g_refresh")
    user.refresh()
    current = user.cookies.get("a2g_refresh")
    assert current != stolen
    runtime.set_clock_offset(30)  # past the few seconds in which a double refresh counts as two tabs
    try:
        replay = httpx.post(runtime.url("/api/auth/refresh"), cookies={"a2g_refresh": stolen})
        assert replay.status_code == 401 and replay.json()["error"]["code"] == "session_reused"
        after = httpx.post(runtime.url("/api/auth/refresh"), cookies={"a2g_refresh": current})
        assert after.status_code == 401  # the whole family was revoked: the thief signed the owner out too
    finally:
        runtime.set_clock_offset(0)


def test_logout_ends_the_session(runtime: Any, boss: SignedInUser) -> None:
    user = sign_in(runtime, unique_username("logout"))
    cookie = user.cookies.get("a2g_refresh")
    response = user._client.post("/api/auth/logout")
    assert response.status_code == 204
    assert any(c.startswith("a2g_refresh=") and "Max-Age=0" in c for c in _set_cookies(response))
    assert httpx.post(runtime.url("/api/auth/refresh"), cookies={"a2g_refresh": cookie}).status_code == 401


def test_refresh_without_a_cookie_is_401(runtime: Any, boss: SignedInUser) -> None:
    response = httpx.post(runtime.url("/api/auth/refresh"))
    assert response.status_code == 401 and response.json()["error"]["code"] == "session_expired"


# --- role transitions -------------------------------------------------------------------------------------


def test_role_and_team_transitions(runtime: Any, boss: SignedInUser) -> None:
    bob = approved_user(runtime, unique_username("bob"), team="a", by=boss)
    assert bob.get("/api/admin/users").status_code == 403

    promoted = boss.patch(f"/api/admin/users/{bob.user_id}", json={"role": "ADMIN", "team": "b"})
    assert promoted.status_code == 200 and (promoted.json()["role"], promoted.json()["team"]) == ("ADMIN", "b")
    bob.refresh()
    assert (bob.role, bob.team) == ("ADMIN", "b")
    assert bob.get("/api/admin/users").status_code == 200

    demoted = bob.patch(f"/api/admin/users/{bob.user_id}", json={"role": "USER"})  # another admin remains
    assert demoted.status_code == 200
    bob.refresh()
    assert bob.get("/api/admin/users").status_code == 403
    assert bob.get("/api/auth/me").json()["team"] == "b"

    assert boss.patch("/api/admin/users/no-such-user", json={"team": "x"}).status_code == 404
    assert boss.patch(f"/api/admin/users/{bob.user_id}", json={"role": "ROOT"}).status_code == 400
    assert boss.patch(f"/api/admin/users/{bob.user_id}", json={"user_id": "x"}).status_code == 400
    assert boss.post(f"/api/admin/users/{bob.user_id}/approve").status_code == 409  # not pending


def test_admin_listing_pages(runtime: Any, boss: SignedInUser) -> None:
    for _ in range(3):
        pending_user(runtime).close()
    first = boss.get("/api/admin/users", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = boss.get("/api/admin/users", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert {u["user_id"] for u in first["items"]}.isdisjoint({u["user_id"] for u in second["items"]})
    assert boss.get("/api/admin/users", params={"cursor": "forged"}).status_code == 400


# --- API keys ---------------------------------------------------------------------------------------------


def test_api_key_lifecycle(runtime: Any, boss: SignedInUser) -> None:
    carol = approved_user(runtime, unique_username("carol"), by=boss)
    first = create_api_key(carol, "one")
    time.sleep(0.01)
    second = create_api_key(carol, "two")
    assert [k["id"] for k in carol.get("/api/api-keys").json()["items"]] == [second["id"], first["id"]]
    assert carol.get("/api/api-keys/active").json()["key"]["id"] == second["id"]

    key_headers = api_key_headers(second["key"])
    assert httpx.get(runtime.url("/api/api-keys"), headers=key_headers).status_code == 200
    # A key cannot mint or revoke keys: that needs a signed-in person.
    minted = httpx.post(runtime.url("/api/api-keys"), headers=key_headers, json={"name": "more"})
    assert minted.status_code == 403
    assert len(carol.get("/api/api-keys").json()["items"]) == 2

    assert carol.delete(f"/api/api-keys/{second['id']}").status_code == 204
    assert _me(runtime, key_headers).status_code in REFUSED  # at once: the authorizer never caches keys
    assert carol.delete(f"/api/api-keys/{second['id']}").status_code == 404
    assert carol.get("/api/api-keys/active").json()["key"]["id"] == first["id"]
    statuses = {k["id"]: k["status"] for k in carol.get("/api/api-keys?include_revoked=true").json()["items"]}
    assert statuses == {first["id"]: "active", second["id"]: "revoked"}
    assert _me(runtime, api_key_headers(first["key"])).status_code == 200
    used = carol.get("/api/api-keys").json()["items"][0]
    assert used["id"] == first["id"] and used["last_used_at"] is not None


# --- attacks: each refused, nothing changed ----------------------------------------------------------------


def _forged_tokens(runtime: Any) -> dict[str, str]:
    """Tokens that claim to be the admin, each broken in one way an attacker would try."""
    secret = runtime.env["A2G_TOKEN_SECRET"]
    issuer = runtime.env["A2G_PUBLIC_URL"]
    now = datetime.now(UTC)
    real = AccessTokenCodec(secret, issuer, 900, FixedClock(now))
    genuine = real.issue("admin", "ADMIN", "platform").token
    header = jwt.get_unverified_header(genuine)
    claims = jwt.decode(genuine, options={"verify_signature": False})
    public_pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def signed(extra_claims: dict[str, Any] | None = None, **headers: Any) -> str:
        return jwt.encode({**claims, **(extra_claims or {})}, secret, algorithm="HS256", headers={**header, **headers})

    import base64
    import hashlib
    import hmac

    def b64(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    none_token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    signing_input = f"{b64({'alg': 'HS256', 'kid': header['kid']})}.{b64(claims)}"
    hs_public = signing_input + "." + base64.urlsafe_b64encode(
        hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    ).rstrip(b"=").decode()
    expired = AccessTokenCodec(secret, issuer, 900, FixedClock(now - timedelta(hours=2))).issue(
        "admin", "ADMIN", "platform"
    ).token
    return {
        "alg_none": none_token,
        "hs256_signed_with_a_public_key": hs_public,
        "expired": expired,
        "wrong_issuer": signed({"iss": "https://evil.example"}),
        "wrong_audience": signed({"aud": "someone-else"}),
        "unknown_kid": signed(kid="a2g-000000000000"),
        "other_secret": jwt.encode(claims, "x" * 48, algorithm="HS256", headers=header),
        "garbage": "garbage.garbage.garbage",
    }


@pytest.mark.parametrize(
    "kind",
    ["alg_none", "hs256_signed_with_a_public_key", "expired", "wrong_issuer", "wrong_audience", "unknown_kid",
     "other_secret", "garbage"],
)
def test_forged_admin_tokens_are_refused_and_change_nothing(runtime: Any, boss: SignedInUser, kind: str) -> None:
    victim = pending_user(runtime, unique_username(f"victim-{kind.replace('_', '')[:10]}"))
    headers = {"Authorization": f"Bearer {_forged_tokens(runtime)[kind]}"}
    attempt = httpx.post(runtime.url(f"/api/admin/users/{victim.user_id}/approve"), headers=headers)
    assert attempt.status_code in REFUSED
    assert httpx.get(runtime.url("/api/admin/users"), headers=headers).status_code in REFUSED
    assert _me(runtime, headers).status_code in REFUSED
    assert victim.get("/api/auth/me").json()["role"] == "PENDING"


def test_a_revoked_key_is_refused(runtime: Any, boss: SignedInUser) -> None:
    dave = approved_user(runtime, unique_username("dave"), by=boss)
    created = create_api_key(dave)
    assert dave.delete(f"/api/api-keys/{created['id']}").status_code == 204
    headers = api_key_headers(created["key"])
    assert _me(runtime, headers).status_code in REFUSED
    assert httpx.get(runtime.url("/api/api-keys"), headers=headers).status_code in REFUSED
    unknown = api_key_headers("a2g_sk_" + "x" * 43)
    assert _me(runtime, unknown).status_code in REFUSED


def test_a_pending_user_on_a_user_route_changes_nothing(runtime: Any, boss: SignedInUser) -> None:
    erin = pending_user(runtime, unique_username("erin"))
    assert erin.post("/api/api-keys", json={"name": "x"}).status_code == 403
    assert erin.get("/api/api-keys/active").status_code == 403
    assert boss.post(f"/api/admin/users/{erin.user_id}/approve").status_code == 200
    assert erin.refresh().get("/api/api-keys").json() == {"items": []}


def test_a_user_on_admin_routes_changes_nothing(runtime: Any, boss: SignedInUser) -> None:
    frank = approved_user(runtime, unique_username("frank"), by=boss)
    waiting = pending_user(runtime, unique_username("waiting"))
    assert frank.get("/api/admin/users").status_code == 403
    assert frank.post(f"/api/admin/users/{waiting.user_id}/approve").status_code == 403
    assert frank.patch(f"/api/admin/users/{frank.user_id}", json={"role": "ADMIN"}).status_code == 403
    assert waiting.get("/api/auth/me").json()["role"] == "PENDING"
    assert frank.refresh().role == "USER"


def test_another_users_keys_are_not_found(runtime: Any, boss: SignedInUser) -> None:
    grace = approved_user(runtime, unique_username("grace"), by=boss)
    heidi = approved_user(runtime, unique_username("heidi"), by=boss)
    created = create_api_key(grace)
    assert heidi.delete(f"/api/api-keys/{created['id']}").status_code == 404
    assert created["id"] not in json.dumps(heidi.get("/api/api-keys?include_revoked=true").json())
    assert _me(runtime, api_key_headers(created["key"])).status_code == 200  # still works
    assert grace.get("/api/api-keys").json()["items"][0]["status"] == "active"


def test_identity_never_comes_from_the_request_body(runtime: Any, boss: SignedInUser) -> None:
    ivan = approved_user(runtime, unique_username("ivan"), by=boss)
    response = ivan.post("/api/api-keys", json={"name": "x", "user_id": "admin"})
    assert response.status_code == 400  # unknown fields are refused, not trusted
    assert ivan.get("/api/api-keys").json() == {"items": []}


# --- WebSocket $connect ----------------------------------------------------------------------------------


def test_ws_connect_with_a_valid_token(runtime: Any, boss: SignedInUser) -> None:
    runtime.require_functions("WsConnectFunction", "WsDefaultFunction")
    user = approved_user(runtime, unique_username("ws"), by=boss)
    with connect(runtime.ws_connect_url(token=user.token), open_timeout=30) as ws:
        ws.send(json.dumps({"action": "ping", "echo": "hello"}))
        assert json.loads(ws.recv(timeout=30)) == {"type": "pong", "echo": "hello"}


@pytest.mark.parametrize("case,status,code", [
    ("missing", 401, "credential_required"), ("expired", 401, "token_expired"), ("garbage", 401, "invalid_token"),
    ("pending", 403, "pending_approval")])
def test_ws_connect_refused(runtime: Any, boss: SignedInUser, case: str, status: int, code: str) -> None:
    """The refused handshake says why: $connect's own status, and its body for a client that reads it."""
    runtime.require_functions("WsConnectFunction")
    if case == "missing":
        url = runtime.ws_connect_url()
    elif case == "expired":
        url = runtime.ws_connect_url(token=_forged_tokens(runtime)["expired"])
    elif case == "garbage":
        url = runtime.ws_connect_url(token="garbage")
    else:
        url = runtime.ws_connect_url(token=pending_user(runtime).token)
    with pytest.raises(InvalidStatus) as err, connect(url, open_timeout=30):
        pass
    assert err.value.response.status_code == status
    assert json.loads(err.value.response.body or b"{}")["error"]["code"] == code
