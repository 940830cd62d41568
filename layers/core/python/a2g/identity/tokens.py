"""The platform's own access tokens: short-lived HS256 JWTs signed with `A2G_TOKEN_SECRET`.

Claims: `iss` = the platform's public URL, `aud` = "a2g", `typ` = "access", `sub` = user id, `role`, `team`,
`iat`, `exp` (15 minutes by default), `jti`. The header's `kid` is a fingerprint of the secret, so a token
signed with a rotated-out secret is refused with a clear reason instead of a bare signature error.

Verification accepts exactly HS256: a token with `alg: none`, an asymmetric algorithm or an HS256 signature
made with some other key (e.g. an identity provider's public key, the classic algorithm-confusion attack)
fails. Time claims are checked against the injected `Clock`, not the wall clock, so the local runtime's
clock offset ages tokens the same way it ages everything else.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt

from a2g.clock import Clock, epoch
from a2g.errors import Unauthenticated
from a2g.identity.ports import ROLES
from a2g.identity.principal import Principal

AUDIENCE = "a2g"
TOKEN_TYPE = "access"
ALGORITHM = "HS256"
# Lambdas' clocks agree to well under a second; this only absorbs that drift.
LEEWAY_SECONDS = 10


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int
    expires_at: int


class AccessTokenCodec:
    """Issues and verifies access tokens. One instance per process; it holds no state but its key."""

    def __init__(self, secret: str, issuer: str, ttl_seconds: int, clock: Clock):
        if len(secret) < 32:
            raise ValueError("the token secret must be at least 32 characters")
        self._secret = secret
        self._issuer = issuer.rstrip("/")
        self._ttl = ttl_seconds
        self._clock = clock
        self._kid = "a2g-" + hashlib.sha256(secret.encode()).hexdigest()[:12]

    def issue(self, user_id: str, role: str, team: str) -> IssuedToken:
        now = self._clock.now()
        expires = now + timedelta(seconds=self._ttl)
        claims = {
            "iss": self._issuer,
            "aud": AUDIENCE,
            "typ": TOKEN_TYPE,
            "sub": user_id,
            "role": role,
            "team": team,
            "iat": epoch(now),
            "exp": epoch(expires),
            "jti": secrets.token_urlsafe(12),
        }
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM, headers={"kid": self._kid})
        return IssuedToken(token=token, expires_in=self._ttl, expires_at=epoch(expires))

    def verify(self, token: str) -> Principal:
        """The principal a valid token speaks for; `Unauthenticated` for anything else."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("malformed token", code="invalid_token") from exc
        if header.get("alg") != ALGORITHM:
            raise Unauthenticated("token algorithm not accepted", code="invalid_token")
        if header.get("kid") != self._kid:
            raise Unauthenticated("token signed with an unknown key", code="invalid_token")
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=self._issuer,
                # Time is checked below with our clock; signature, iss and aud by PyJWT.
                options={
                    "require": ["iss", "aud", "sub", "exp", "iat"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated("invalid token", code="invalid_token") from exc
        now = epoch(self._clock.now())
        if not isinstance(claims.get("exp"), int) or claims["exp"] + LEEWAY_SECONDS <= now:
            raise Unauthenticated("token expired", code="token_expired")
        if not isinstance(claims.get("iat"), int) or claims["iat"] - LEEWAY_SECONDS > now:
            raise Unauthenticated("token issued in the future", code="invalid_token")
        if claims.get("typ") != TOKEN_TYPE:
            raise Unauthenticated("not an access token", code="invalid_token")
        role = claims.get("role")
        sub = claims.get("sub")
        if role not in ROLES or not isinstance(sub, str) or not sub:
            raise Unauthenticated("invalid token claims", code="invalid_token")
        return Principal(user_id=sub, role=role, team=str(claims.get("team") or ""), auth_kind="token")
