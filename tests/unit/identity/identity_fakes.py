"""In-memory stores with the same contracts as a2g.identity.repository, and a test identity provider.

They implement the conditional behaviour the services rely on (create-if-absent, role compare-and-set with the
admin counter, one-shot OIDC state, rotate-once), so the unit tests exercise the real rules.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
from a2g.errors import Conflict, NotFound
from a2g.identity.ports import (
    ApiKeyRecord,
    OidcLoginState,
    RefreshSession,
    User,
    UserChange,
    UserPage,
)
from a2g.identity.principal import Role
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


class InMemoryUserStore:
    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.admins = 0

    def get(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def create(self, user: User) -> bool:
        if user.user_id in self.users:
            return False
        self.users[user.user_id] = user
        if user.role == "ADMIN":
            self.admins += 1
        return True

    def record_login(self, user_id: str, at: str, oidc_subject: str | None, email: str | None = None) -> None:
        user = self.users[user_id]
        pin = user.oidc_subject or oidc_subject
        self.users[user_id] = replace(user, last_login_at=at, oidc_subject=pin, email=email or user.email)

    def apply_change(self, change: UserChange) -> User:
        user = self.users.get(change.user_id)
        if user is None:
            raise NotFound("no such user")
        if user.role != change.expected_role:
            raise Conflict("changed", code="user_changed")
        was_admin, is_admin = user.role == "ADMIN", change.role == "ADMIN"
        if was_admin and not is_admin:
            if self.admins <= 1:
                raise Conflict("last admin", code="last_admin")
            self.admins -= 1
        elif is_admin and not was_admin:
            self.admins += 1
        updated = replace(
            user, role=change.role, team=change.team, updated_at=change.updated_at,
            approved_at=change.approved_at or user.approved_at, approved_by=change.approved_by or user.approved_by,
        )
        self.users[user.user_id] = updated
        return updated

    def list(self, role: Role | None, limit: int, cursor: str | None) -> UserPage:
        ordered = sorted(self.users.values(), key=lambda u: (u.created_at, u.user_id))
        if role:
            ordered = [u for u in ordered if u.role == role]
        start = int(cursor) if cursor else 0
        page = ordered[start:start + limit]
        more = start + limit < len(ordered)
        return UserPage(items=page, next_cursor=str(start + limit) if more else None)


class InMemoryApiKeyStore:
    def __init__(self) -> None:
        self.keys: dict[str, ApiKeyRecord] = {}
        self.gets = 0
        self.touches: list[tuple[str, str]] = []

    def put(self, record: ApiKeyRecord) -> None:
        assert record.key_hash not in self.keys
        self.keys[record.key_hash] = record

    def get_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        self.gets += 1
        return self.keys.get(key_hash)

    def list_for_user(self, user_id: str) -> list[ApiKeyRecord]:
        return sorted((k for k in self.keys.values() if k.user_id == user_id), key=lambda k: k.key_id)

    def find_for_user(self, user_id: str, key_id: str) -> ApiKeyRecord | None:
        return next((k for k in self.list_for_user(user_id) if k.key_id == key_id), None)

    def revoke(self, record: ApiKeyRecord, at: str, expires_at_epoch: int) -> bool:
        current = self.keys[record.key_hash]
        if current.revoked_at:
            return False
        self.keys[record.key_hash] = replace(current, revoked_at=at)
        return True

    def touch(self, key_hash: str, at: str, unless_used_since: str) -> None:
        record = self.keys.get(key_hash)
        if record is None or record.revoked_at:
            return
        if record.last_used_at and record.last_used_at >= unless_used_since:
            return
        self.touches.append((key_hash, at))
        self.keys[key_hash] = replace(record, last_used_at=at)

    def sync_owner(self, user_id: str, role: Role, team: str) -> None:
        for key_hash, record in list(self.keys.items()):
            if record.user_id == user_id:
                self.keys[key_hash] = replace(record, role=role, team=team)


class InMemoryRefreshStore:
    def __init__(self) -> None:
        self.sessions: dict[str, RefreshSession] = {}

    def create(self, session: RefreshSession) -> None:
        self.sessions[session.token_hash] = session

    def get(self, token_hash: str) -> RefreshSession | None:
        return self.sessions.get(token_hash)

    def rotate(self, old: RefreshSession, new: RefreshSession, at_epoch: int) -> bool:
        current = self.sessions.get(old.token_hash)
        if current is None or current.rotated_at is not None:
            return False
        self.sessions[old.token_hash] = replace(current, rotated_at=at_epoch)
        self.sessions[new.token_hash] = new
        return True

    def revoke_family(self, user_id: str, family_id: str) -> int:
        doomed = [h for h, s in self.sessions.items() if s.user_id == user_id and s.family_id == family_id]
        for h in doomed:
            del self.sessions[h]
        return len(doomed)


class InMemoryOidcStateStore:
    def __init__(self) -> None:
        self.states: dict[str, OidcLoginState] = {}

    def put(self, login: OidcLoginState) -> None:
        self.states[login.state] = login

    def take(self, state: str) -> OidcLoginState | None:
        return self.states.pop(state, None)


class InMemoryRateWindowStore:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.calls = 0

    def hit(self, bucket: str, limit: int, expires_at_epoch: int) -> bool:
        self.calls += 1
        if self.counts.get(bucket, 0) >= limit:
            return False
        self.counts[bucket] = self.counts.get(bucket, 0) + 1
        return True


# --- a test identity provider ------------------------------------------------------------------------------

ISSUER = "https://idp.example.test"
CLIENT_ID = "a2g-test"


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


_RSA_KEYS: list[Any] = []
_next_key_index = 0


def _next_rsa_key() -> Any:
    """RSA keys are slow to generate: tests cycle through a few, so consecutive providers differ."""
    global _next_key_index
    if len(_RSA_KEYS) < 3:
        _RSA_KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        return _RSA_KEYS[-1]
    _next_key_index = (_next_key_index + 1) % len(_RSA_KEYS)
    return _RSA_KEYS[_next_key_index]


class FakeIdentityProvider:
    """Signs id_tokens with its own RSA key and answers discovery, JWKS and the token endpoint in-process."""

    def __init__(self, issuer: str = ISSUER, kid: str = "idp-key-1") -> None:
        self.issuer = issuer
        self.kid = kid
        self.key = _next_rsa_key()
        self.codes: dict[str, dict[str, Any]] = {}  # code -> {"id_token": ..., "verifier_challenge": ...}
        self.token_requests: list[dict[str, Any]] = []
        self.jwks_fetches = 0

    @property
    def public_pem(self) -> str:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def jwk(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        return {"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        base = {"iss": self.issuer, "aud": CLIENT_ID, "sub": "sub-alice", "iat": now, "exp": now + 300,
                "nonce": "n", "preferred_username": "alice", "name": "Alice Kim", "team": "search",
                "email": "alice@example.test"}
        base.update(overrides)
        return {k: v for k, v in base.items() if v is not None}

    def sign(self, claims: Mapping[str, Any], *, alg: str = "RS256", kid: str | None = None,
             key: Any = None, omit_kid: bool = False) -> str:
        headers = {} if omit_kid else {"kid": kid or self.kid}
        return jwt.encode(dict(claims), key if key is not None else self.key, algorithm=alg, headers=headers)

    # OidcHttp
    def get_json(self, url: str) -> dict[str, Any]:
        if url.endswith("/.well-known/openid-configuration"):
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/auth",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            }
        if url.endswith("/jwks"):
            self.jwks_fetches += 1
            return {"keys": [self.jwk()]}
        raise AssertionError(f"unexpected GET {url}")

    def post_form(self, url: str, data: Mapping[str, str], basic_auth: tuple[str, str] | None) -> dict[str, Any]:
        self.token_requests.append({"url": url, "data": dict(data), "basic_auth": basic_auth})
        grant = self.codes.pop(data["code"], None)
        if grant is None:
            from a2g.errors import Unauthenticated

            raise Unauthenticated("refused", code="sso_failed")
        return {"access_token": "at", "token_type": "Bearer", "id_token": grant["id_token"]}

    def authorize(self, authorization_url: str, **claim_overrides: Any) -> tuple[str, str]:
        """Play the provider's login page: returns (code, state) for the callback, with a signed id_token."""
        query = {k: v[0] for k, v in parse_qs(urlparse(authorization_url).query).items()}
        assert query["code_challenge_method"] == "S256"
        code = f"code-{len(self.codes) + len(self.token_requests)}"
        claims = {"nonce": query["nonce"], **claim_overrides}
        self.codes[code] = {"id_token": self.sign(self.claims(**claims)),
                            "challenge": query["code_challenge"]}
        return code, query["state"]


def ec_key() -> Any:
    return ec.generate_private_key(ec.SECP256R1())


def unsigned_token(claims: Mapping[str, Any]) -> str:
    """A JWT with `alg: none` and no signature, built by hand as an attacker would."""
    def part(obj: Mapping[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def hs256_by_hand(header: Mapping[str, Any], claims: Mapping[str, Any], key: bytes) -> str:
    """What an attacker does when a library refuses to HMAC-sign with a PEM key: sign it themselves."""
    def part(obj: Mapping[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    signing_input = f"{part(header)}.{part(claims)}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
