"""The OpenID Connect relying party: PKCE, discovery, and every id_token an attacker could hand it."""

from __future__ import annotations

import base64
import hashlib
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from a2g.clock import SystemClock
from a2g.errors import Unauthenticated, UpstreamFailed
from a2g.identity.oidc import OidcClient, OidcSettings, pkce_challenge
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from identity_fakes import CLIENT_ID, FakeIdentityProvider, ec_key, hs256_by_hand, unsigned_token


def _settings(idp: FakeIdentityProvider, **overrides: object) -> OidcSettings:
    base: dict[str, object] = {
        "issuer": idp.issuer, "client_id": CLIENT_ID, "client_secret": "client-secret",
        "redirect_url": "http://127.0.0.1:3000/api/auth/callback", "scopes": "openid profile",
        "username_claim": "preferred_username", "name_claim": "name", "team_claim": "team", "cert_pem": None,
    }
    base.update(overrides)
    return OidcSettings(**base)  # type: ignore[arg-type]


@pytest.fixture
def idp() -> FakeIdentityProvider:
    return FakeIdentityProvider()


@pytest.fixture
def client(idp: FakeIdentityProvider) -> OidcClient:
    return OidcClient(_settings(idp), idp, SystemClock())


def _refused(client: OidcClient, token: str, nonce: str = "n") -> Unauthenticated:
    with pytest.raises(Unauthenticated) as err:
        client.verify_id_token(token, nonce=nonce)
    assert err.value.code == "sso_failed"
    return err.value


def test_authorization_url_uses_pkce_s256_state_and_nonce(client: OidcClient) -> None:
    url = client.authorization_url(state="st", nonce="no", code_verifier="v" * 64)
    parsed = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == "https://idp.example.test/auth"
    assert query["code_challenge_method"] == "S256"
    expected = base64.urlsafe_b64encode(hashlib.sha256(b"v" * 64).digest()).rstrip(b"=").decode()
    assert query["code_challenge"] == expected == pkce_challenge("v" * 64)
    assert (query["state"], query["nonce"], query["response_type"], query["client_id"]) == (
        "st", "no", "code", CLIENT_ID
    )
    assert "v" * 64 not in url  # the verifier itself never leaves the server


def test_code_exchange_sends_the_verifier_and_authenticates_the_client(
    client: OidcClient, idp: FakeIdentityProvider
) -> None:
    code, _ = idp.authorize(client.authorization_url(state="s", nonce="n", code_verifier="ver" * 20))
    token = client.exchange_code(code, "ver" * 20)
    request = idp.token_requests[-1]
    assert request["data"]["code_verifier"] == "ver" * 20
    assert request["data"]["grant_type"] == "authorization_code"
    assert request["basic_auth"] == (CLIENT_ID, "client-secret")
    assert client.verify_id_token(token, nonce="n")["preferred_username"] == "alice"


def test_valid_id_token_maps_configured_claims(client: OidcClient, idp: FakeIdentityProvider) -> None:
    claims = client.verify_id_token(idp.sign(idp.claims()), nonce="n")
    identity = client.identity(claims)
    assert (identity.username, identity.display_name, identity.team, identity.subject, identity.email) == (
        "alice", "Alice Kim", "search", "sub-alice", "alice@example.test"
    )


def test_claim_mapping_follows_settings(idp: FakeIdentityProvider) -> None:
    client = OidcClient(
        _settings(idp, username_claim="employee_id", name_claim="display", team_claim="groups"), idp, SystemClock()
    )
    claims = client.verify_id_token(
        idp.sign(idp.claims(employee_id="E123", display="Kim", groups=["ml-team", "all"])), nonce="n"
    )
    identity = client.identity(claims)
    assert (identity.username, identity.display_name, identity.team) == ("E123", "Kim", "ml-team")


def test_missing_username_claim_is_refused(client: OidcClient, idp: FakeIdentityProvider) -> None:
    claims = client.verify_id_token(idp.sign(idp.claims(preferred_username=None)), nonce="n")
    with pytest.raises(Unauthenticated):
        client.identity(claims)


def test_alg_none_is_refused(client: OidcClient, idp: FakeIdentityProvider) -> None:
    _refused(client, unsigned_token(idp.claims()))


def test_hs256_signed_with_the_providers_public_key_is_refused(
    client: OidcClient, idp: FakeIdentityProvider
) -> None:
    forged = hs256_by_hand({"alg": "HS256", "kid": idp.kid}, idp.claims(), idp.public_pem.encode())
    _refused(client, forged)


def test_hs256_signed_with_the_client_secret_is_refused(client: OidcClient, idp: FakeIdentityProvider) -> None:
    # Some providers can issue HS256 id_tokens keyed with the client secret; we accept asymmetric ones only.
    import jwt

    _refused(client, jwt.encode(idp.claims(), "client-secret" * 3, algorithm="HS256"))


def test_expired_id_token_is_refused(client: OidcClient, idp: FakeIdentityProvider) -> None:
    now = int(time.time())
    _refused(client, idp.sign(idp.claims(iat=now - 3600, exp=now - 120)))


def test_id_token_from_the_future_is_refused(client: OidcClient, idp: FakeIdentityProvider) -> None:
    now = int(time.time())
    _refused(client, idp.sign(idp.claims(iat=now + 3600, exp=now + 7200)))


@pytest.mark.parametrize(
    "overrides",
    [{"iss": "https://evil.example"}, {"aud": "another-client"}, {"aud": [CLIENT_ID, "other"]},
     {"exp": None}, {"sub": None}],
)
def test_wrong_issuer_audience_or_missing_claims_are_refused(
    client: OidcClient, idp: FakeIdentityProvider, overrides: dict
) -> None:
    _refused(client, idp.sign(idp.claims(**overrides)))


def test_several_audiences_need_azp_naming_us(client: OidcClient, idp: FakeIdentityProvider) -> None:
    claims = client.verify_id_token(idp.sign(idp.claims(aud=[CLIENT_ID, "other"], azp=CLIENT_ID)), nonce="n")
    assert claims["azp"] == CLIENT_ID


def test_nonce_must_match_this_login(client: OidcClient, idp: FakeIdentityProvider) -> None:
    _refused(client, idp.sign(idp.claims(nonce="from-another-login")), nonce="n")
    _refused(client, idp.sign(idp.claims(nonce=None)), nonce="n")


def test_unknown_kid_is_refused_after_one_refetch(client: OidcClient, idp: FakeIdentityProvider) -> None:
    other = FakeIdentityProvider()
    client.verify_id_token(idp.sign(idp.claims()), nonce="n")  # loads the JWKS
    client._jwks_at = (client._jwks_at or 0) - 3600  # pretend the cached set is old enough to refetch
    fetches = idp.jwks_fetches
    _refused(client, other.sign(other.claims(), kid="unknown-kid"))
    assert idp.jwks_fetches == fetches + 1


def test_unknown_kid_does_not_refetch_more_than_once_a_minute(
    client: OidcClient, idp: FakeIdentityProvider
) -> None:
    client.verify_id_token(idp.sign(idp.claims()), nonce="n")
    fetches = idp.jwks_fetches
    for _ in range(5):
        _refused(client, idp.sign(idp.claims(), kid="nope"))
    assert idp.jwks_fetches == fetches


def test_right_kid_wrong_key_is_refused(client: OidcClient, idp: FakeIdentityProvider) -> None:
    impostor = FakeIdentityProvider()
    _refused(client, impostor.sign(idp.claims(), kid=idp.kid))


def test_ec_token_against_an_rsa_jwk_is_refused(client: OidcClient, idp: FakeIdentityProvider) -> None:
    _refused(client, idp.sign(idp.claims(), alg="ES256", key=ec_key()))


@pytest.mark.parametrize("garbage", ["", "garbage", "a.b.c", "x.y", "eyJhbGciOiJSUzI1NiJ9.e30."])
def test_garbage_is_refused(client: OidcClient, garbage: str) -> None:
    _refused(client, garbage)


def test_discovery_naming_another_issuer_is_refused(idp: FakeIdentityProvider) -> None:
    client = OidcClient(_settings(idp, issuer="https://configured.example"), idp, SystemClock())
    with pytest.raises(UpstreamFailed):
        client.authorization_url(state="s", nonce="n", code_verifier="v" * 50)


def _self_signed_cert(idp: FakeIdentityProvider) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(idp.key.public_key())
        .serial_number(1).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .sign(idp.key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_fixed_pem_certificate_replaces_jwks(idp: FakeIdentityProvider) -> None:
    pem = _self_signed_cert(idp)
    client = OidcClient(_settings(idp, cert_pem=pem.replace("\n", "\\n")), idp, SystemClock())
    claims = client.verify_id_token(idp.sign(idp.claims(), kid="whatever-the-provider-says"), nonce="n")
    assert claims["sub"] == "sub-alice"
    assert idp.jwks_fetches == 0
    impostor = FakeIdentityProvider()
    _refused(client, impostor.sign(idp.claims()))
    forged = hs256_by_hand({"alg": "HS256"}, idp.claims(), pem.encode())
    _refused(client, forged)


def test_fixed_pem_public_key_works_too(idp: FakeIdentityProvider) -> None:
    client = OidcClient(_settings(idp, cert_pem=idp.public_pem), idp, SystemClock())
    assert client.verify_id_token(idp.sign(idp.claims(), omit_kid=True), nonce="n")["sub"] == "sub-alice"
