"""Single sign-on through the local runtime against a real OpenID Connect provider (npm oidc-provider, which
requires PKCE here): the whole browser flow, first-login roles, the last-admin guard, callback tampering, and
the fixed-certificate mode (A2G_OIDC_CERT_PEM) in place of JWKS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

pytestmark = pytest.mark.e2e

USERS = {"boss": {"name": "Big Boss", "team": "platform"},
         "kim": {"name": "Kim Min", "team": "검색팀", "email": "min.kim@corp.example"}}


def _free_port() -> int:
    from a2g_local.dynamodb import free_port

    return free_port()


@dataclass
class SsoSetup:
    provider: Any
    runtime: Any
    signing_key: rsa.RSAPrivateKey
    pem_runtime_port: int

    @property
    def base_url(self) -> str:
        return str(self.runtime.base_url)


@pytest.fixture(scope="module")
def sso(oidc_provider: Callable[..., Any], runtime_launcher: Callable[..., Any]) -> SsoSetup:
    jwks_port, pem_port = _free_port(), _free_port()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    provider = oidc_provider(
        [f"http://127.0.0.1:{p}/api/auth/callback" for p in (jwks_port, pem_port)], USERS, signing_key_pem=key_pem
    )
    runtime = runtime_launcher(env=provider.platform_env(A2G_PORT=str(jwks_port), INITIAL_ADMIN_IDS="boss"))
    runtime.require_functions("AuthFunction", "AuthorizerFunction", "AdminUsersFunction")
    return SsoSetup(provider, runtime, key, pem_port)


def _set_cookies(response: httpx.Response) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]


def _refresh_cookie_set(response: httpx.Response) -> bool:
    return any(c.startswith("a2g_refresh=") and "Max-Age=0" not in c for c in _set_cookies(response))


def _access_token(base_url: str, browser: httpx.Client) -> dict[str, Any]:
    response = browser.post(base_url + "/api/auth/refresh")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_config_offers_sso_and_refuses_dev_login(sso: SsoSetup) -> None:
    config = httpx.get(sso.base_url + "/api/auth/config").json()
    assert config == {"sso_enabled": True, "dev_login_enabled": False, "login_url": "/api/auth/login"}
    refused = httpx.post(sso.base_url + "/api/auth/dev-login", json={"username": "boss"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "dev_login_disabled"
    assert "a2g_refresh" not in refused.headers.get("set-cookie", "")


def test_login_redirects_to_the_provider_with_pkce(sso: SsoSetup) -> None:
    response = httpx.get(sso.base_url + "/api/auth/login")
    assert response.status_code == 302
    location = urlparse(response.headers["location"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert f"{location.scheme}://{location.netloc}" == sso.provider.issuer
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"] == sso.base_url + "/api/auth/callback"
    assert query["state"] and query["nonce"] and query["state"] != query["nonce"]
    state_cookie = [c for c in _set_cookies(response) if c.startswith("a2g_oidc_state=")]
    assert state_cookie and "HttpOnly" in state_cookie[0] and "Path=/api/auth/callback" in state_cookie[0]


def test_the_whole_sign_in_and_first_login_roles(sso: SsoSetup, sign_in_with_browser: Callable[..., Any]) -> None:
    kim = sign_in_with_browser(sso.base_url, "kim")
    assert kim.callback_response.status_code == 302
    assert kim.callback_response.headers["location"] == "/"  # into the app, with no token in the URL
    assert _refresh_cookie_set(kim.callback_response)
    kim_session = _access_token(sso.base_url, kim.browser)
    me = httpx.get(sso.base_url + "/api/auth/me", headers=_bearer(kim_session["access_token"])).json()
    assert (me["user_id"], me["display_name"], me["team"], me["role"]) == ("kim", "Kim Min", "검색팀", "PENDING")
    assert me["email"] == "min.kim@corp.example"

    boss = sign_in_with_browser(sso.base_url, "boss")
    boss_token = _access_token(sso.base_url, boss.browser)["access_token"]
    boss_me = httpx.get(sso.base_url + "/api/auth/me", headers=_bearer(boss_token)).json()
    assert boss_me["role"] == "ADMIN"  # listed in INITIAL_ADMIN_IDS

    approved = httpx.post(sso.base_url + "/api/admin/users/kim/approve", headers=_bearer(boss_token))
    assert approved.status_code == 200
    assert _access_token(sso.base_url, kim.browser)["user"]["role"] == "USER"

    # The only admin cannot demote themself.
    demote = httpx.patch(sso.base_url + "/api/admin/users/boss", json={"role": "USER"}, headers=_bearer(boss_token))
    assert demote.status_code == 409 and demote.json()["error"]["code"] == "last_admin"
    assert httpx.get(sso.base_url + "/api/auth/me", headers=_bearer(boss_token)).json()["role"] == "ADMIN"

    # Signing in again keeps the role an admin gave (the provider's claims do not override it).
    again = sign_in_with_browser(sso.base_url, "kim")
    assert _access_token(sso.base_url, again.browser)["user"]["role"] == "USER"


def test_return_to_is_honoured_for_local_paths_only(
    sso: SsoSetup, sign_in_with_browser: Callable[..., Any]
) -> None:
    local = sign_in_with_browser(sso.base_url, "kim", login_path="/api/auth/login?return_to=/agents%3Ftab%3D2")
    assert local.callback_response.headers["location"] == "/agents?tab=2"
    evil = sign_in_with_browser(sso.base_url, "kim", login_path="/api/auth/login?return_to=https://evil.example/")
    assert evil.callback_response.headers["location"] == "/"


def _with_query(url: str, **changes: str) -> str:
    parts = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunparse(parts._replace(query=urlencode(query)))


@pytest.mark.parametrize("attack", ["forged_state", "foreign_issuer", "provider_error"])
def test_tampered_callbacks_sign_nobody_in(
    sso: SsoSetup, sign_in_with_browser: Callable[..., Any], attack: str
) -> None:
    tamper = {
        "forged_state": lambda url: _with_query(url, state="forged-state"),
        "foreign_issuer": lambda url: _with_query(url, iss="https://evil.example"),
        "provider_error": lambda url: _with_query(url, error="access_denied"),
    }[attack]
    result = sign_in_with_browser(sso.base_url, "kim", tamper_callback=tamper)
    assert result.callback_response.status_code == 302
    assert result.callback_response.headers["location"].startswith("/?auth_error=")
    assert not _refresh_cookie_set(result.callback_response)
    assert result.browser.post(sso.base_url + "/api/auth/refresh").status_code == 401


def test_a_callback_url_works_once_and_only_in_the_browser_that_started_it(
    sso: SsoSetup, sign_in_with_browser: Callable[..., Any]
) -> None:
    captured: list[str] = []

    def capture(url: str) -> str:
        captured.append(url)
        return url

    first = sign_in_with_browser(sso.base_url, "kim", tamper_callback=capture)
    assert _refresh_cookie_set(first.callback_response)
    # Replayed in the same browser: the state was used up.
    first.browser.cookies.set("a2g_oidc_state", parse_qs(urlparse(captured[0]).query)["state"][0],
                              domain="127.0.0.1", path="/api/auth/callback")
    replay = first.browser.get(captured[0])
    assert replay.headers["location"] == "/?auth_error=sso_state_expired" and not _refresh_cookie_set(replay)
    # Sent to someone else (login CSRF): their browser never started this sign-in.
    victim = httpx.get(captured[0], follow_redirects=False)
    assert victim.headers["location"] == "/?auth_error=sso_state_mismatch" and not _refresh_cookie_set(victim)


def test_a_platform_token_hmac_signed_with_the_providers_public_key_is_refused(sso: SsoSetup) -> None:
    public_pem = sso.provider.public_key_pem.encode()

    def b64(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    now = int(datetime.now(UTC).timestamp())
    claims = {"iss": sso.base_url, "aud": "a2g", "typ": "access", "sub": "boss", "role": "ADMIN", "team": "x",
              "iat": now, "exp": now + 600}
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': sso.provider.kid})}.{b64(claims)}"
    signature = base64.urlsafe_b64encode(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    forged = f"{signing_input}.{signature.rstrip(b'=').decode()}"
    response = httpx.get(sso.base_url + "/api/admin/users", headers=_bearer(forged))
    assert response.status_code in (401, 403)


def _certificate_for(key: rsa.RSAPrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-oidc-provider")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def test_fixed_certificate_in_place_of_jwks(
    sso: SsoSetup, runtime_factory: Callable[..., Any], sign_in_with_browser: Callable[..., Any]
) -> None:
    runtime = runtime_factory(env=sso.provider.platform_env(
        A2G_PORT=str(sso.pem_runtime_port), INITIAL_ADMIN_IDS="boss",
        A2G_OIDC_CERT_PEM=_certificate_for(sso.signing_key),
    ))
    result = sign_in_with_browser(runtime.base_url, "kim")
    assert result.callback_response.headers["location"] == "/"
    session = _access_token(runtime.base_url, result.browser)
    assert (session["user"]["user_id"], session["user"]["team"]) == ("kim", "검색팀")
