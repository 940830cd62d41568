"""Platform access tokens: the round trip, and every forged or stale token the authorizer must refuse."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import jwt
import pytest
from a2g.clock import FixedClock
from a2g.errors import Unauthenticated
from a2g.identity.tokens import AccessTokenCodec
from identity_fakes import FakeIdentityProvider, hs256_by_hand, unsigned_token

SECRET = "s" * 40
ISSUER = "http://127.0.0.1:3000"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def codec(clock: FixedClock) -> AccessTokenCodec:
    return AccessTokenCodec(SECRET, ISSUER, 900, clock)


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _header(token: str) -> dict:
    return jwt.get_unverified_header(token)


def test_issued_token_verifies_to_the_same_principal(codec: AccessTokenCodec) -> None:
    issued = codec.issue("alice", "USER", "search")
    principal = codec.verify(issued.token)
    assert (principal.user_id, principal.role, principal.team, principal.auth_kind) == (
        "alice", "USER", "search", "token"
    )
    claims = _claims(issued.token)
    assert claims["iss"] == ISSUER and claims["aud"] == "a2g" and claims["typ"] == "access"
    assert claims["exp"] - claims["iat"] == 900 == issued.expires_in
    assert _header(issued.token)["alg"] == "HS256"


def test_token_expires_after_its_lifetime(codec: AccessTokenCodec, clock: FixedClock) -> None:
    token = codec.issue("alice", "USER", "t").token
    clock.advance(seconds=899)
    assert codec.verify(token).user_id == "alice"
    clock.advance(seconds=20)
    with pytest.raises(Unauthenticated) as err:
        codec.verify(token)
    assert err.value.code == "token_expired"


def test_alg_none_is_refused(codec: AccessTokenCodec) -> None:
    good = _claims(codec.issue("mallory", "ADMIN", "x").token)
    with pytest.raises(Unauthenticated):
        codec.verify(unsigned_token(good))


def test_hs256_signed_with_a_public_key_is_refused(codec: AccessTokenCodec) -> None:
    idp = FakeIdentityProvider()
    good = codec.issue("mallory", "ADMIN", "x").token
    forged = hs256_by_hand(_header(good), _claims(good), idp.public_pem.encode())
    with pytest.raises(Unauthenticated):
        codec.verify(forged)


def test_asymmetric_token_is_refused(codec: AccessTokenCodec) -> None:
    idp = FakeIdentityProvider()
    good = codec.issue("mallory", "ADMIN", "x").token
    forged = jwt.encode(_claims(good), idp.key, algorithm="RS256", headers={"kid": _header(good)["kid"]})
    with pytest.raises(Unauthenticated):
        codec.verify(forged)


@pytest.mark.parametrize("field,value", [("iss", "https://evil.example"), ("aud", "other-app")])
def test_wrong_issuer_or_audience_is_refused(codec: AccessTokenCodec, field: str, value: str) -> None:
    good = codec.issue("alice", "USER", "t").token
    claims = {**_claims(good), field: value}
    forged = jwt.encode(claims, SECRET, algorithm="HS256", headers={"kid": _header(good)["kid"]})
    with pytest.raises(Unauthenticated):
        codec.verify(forged)


def test_unknown_kid_is_refused(codec: AccessTokenCodec) -> None:
    good = codec.issue("alice", "USER", "t").token
    forged = jwt.encode(_claims(good), SECRET, algorithm="HS256", headers={"kid": "someone-elses-key"})
    with pytest.raises(Unauthenticated):
        codec.verify(forged)


def test_token_signed_with_another_secret_is_refused(codec: AccessTokenCodec, clock: FixedClock) -> None:
    good = codec.issue("alice", "USER", "t").token
    forged = jwt.encode({**_claims(good), "role": "ADMIN"}, "x" * 40, algorithm="HS256",
                        headers={"kid": _header(good)["kid"]})
    with pytest.raises(Unauthenticated):
        codec.verify(forged)


def test_tampered_role_is_refused(codec: AccessTokenCodec) -> None:
    head, _, sig = codec.issue("alice", "USER", "t").token.split(".")
    claims = _claims(codec.issue("alice", "USER", "t").token) | {"role": "ADMIN"}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthenticated):
        codec.verify(f"{head}.{payload}.{sig}")


@pytest.mark.parametrize("garbage", ["", "garbage", "a.b.c", "Bearer x", "eyJhbGciOiJIUzI1NiJ9..", "🙂"])
def test_garbage_is_refused(codec: AccessTokenCodec, garbage: str) -> None:
    with pytest.raises(Unauthenticated):
        codec.verify(garbage)


def test_a_token_of_another_type_is_refused(codec: AccessTokenCodec) -> None:
    good = codec.issue("alice", "USER", "t").token
    other = jwt.encode({**_claims(good), "typ": "refresh"}, SECRET, algorithm="HS256",
                       headers={"kid": _header(good)["kid"]})
    with pytest.raises(Unauthenticated):
        codec.verify(other)


def test_unknown_role_is_refused(codec: AccessTokenCodec) -> None:
    good = codec.issue("alice", "USER", "t").token
    other = jwt.encode({**_claims(good), "role": "ROOT"}, SECRET, algorithm="HS256",
                       headers={"kid": _header(good)["kid"]})
    with pytest.raises(Unauthenticated):
        codec.verify(other)


def test_short_secret_is_refused(clock: FixedClock) -> None:
    with pytest.raises(ValueError):
        AccessTokenCodec("short", ISSUER, 900, clock)
