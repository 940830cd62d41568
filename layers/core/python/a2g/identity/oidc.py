"""OpenID Connect relying party: authorization-code flow with PKCE (S256) against any standard provider.

What is checked, and why:
- The discovery document's `issuer` must equal the configured issuer (OIDC Discovery 1.0 §4.3), so a
  misconfigured or spoofed discovery URL cannot substitute another provider.
- The id_token's signature, with a key from the provider's JWKS (matched by `kid`, refetched at most once a
  minute when an unknown `kid` appears, which is how providers rotate keys) or, in place of JWKS, a fixed PEM
  certificate / public key (`A2G_OIDC_CERT_PEM`), which is how many company providers are set up.
- Only asymmetric algorithms: `none` and every HS* are refused before any key is chosen. With HS256 allowed,
  anyone holding the provider's *public* key could sign a token (algorithm confusion).
- `iss`, `aud` (contains our client id; `azp` must be us when there are several audiences), `exp` and `iat`
  against the injected clock with a minute of leeway for the provider's clock, and `nonce` equal to the one
  stored server-side for this login (replay protection).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import jwt

from a2g.clock import Clock, epoch
from a2g.errors import Unauthenticated, UpstreamFailed

ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
ID_TOKEN_LEEWAY_SECONDS = 60
METADATA_TTL_SECONDS = 3600
JWKS_REFETCH_INTERVAL_SECONDS = 60


class OidcHttp(Protocol):
    """The two kinds of call the relying party makes to the provider."""

    def get_json(self, url: str) -> dict[str, Any]: ...

    def post_form(
        self, url: str, data: Mapping[str, str], basic_auth: tuple[str, str] | None
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str | None
    redirect_url: str
    scopes: str
    username_claim: str
    name_claim: str
    team_claim: str
    cert_pem: str | None = None


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str | None
    signing_algorithms: frozenset[str] | None
    token_auth_methods: tuple[str, ...]


@dataclass(frozen=True)
class SsoIdentity:
    """The person an id_token names, after mapping the configured claims."""

    username: str
    display_name: str | None
    team: str | None
    subject: str
    email: str | None = None


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def load_pem_public_key(pem: str) -> Any:
    """A public key from a PEM certificate or a PEM public key (env vars often carry `\\n` escapes)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    text = pem.strip()
    if "\n" not in text and "\\n" in text:
        text = text.replace("\\n", "\n")
    data = text.encode()
    if b"BEGIN CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


def _refuse(message: str) -> Unauthenticated:
    return Unauthenticated(f"sign-in failed: {message}", code="sso_failed")


class OidcClient:
    def __init__(self, settings: OidcSettings, http: OidcHttp, clock: Clock):
        self._settings = settings
        self._http = http
        self._clock = clock
        self._issuer = settings.issuer.rstrip("/")
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._jwks: list[dict[str, Any]] = []
        self._jwks_at: float | None = None
        self._pem_key = load_pem_public_key(settings.cert_pem) if settings.cert_pem else None

    @property
    def issuer(self) -> str:
        """The configured issuer, without a trailing slash."""
        return self._issuer

    # --- provider metadata ------------------------------------------------------------------------------

    def metadata(self) -> ProviderMetadata:
        if self._metadata is None or time.monotonic() - self._metadata_at > METADATA_TTL_SECONDS:
            doc = self._http.get_json(f"{self._issuer}/.well-known/openid-configuration")
            if str(doc.get("issuer", "")).rstrip("/") != self._issuer:
                raise UpstreamFailed("the identity provider's discovery document names another issuer")
            try:
                algs = doc.get("id_token_signing_alg_values_supported")
                self._metadata = ProviderMetadata(
                    issuer=str(doc["issuer"]),
                    authorization_endpoint=str(doc["authorization_endpoint"]),
                    token_endpoint=str(doc["token_endpoint"]),
                    jwks_uri=doc.get("jwks_uri"),
                    signing_algorithms=frozenset(algs) if isinstance(algs, list) else None,
                    token_auth_methods=tuple(
                        doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
                    ),
                )
            except KeyError as exc:
                raise UpstreamFailed(f"the identity provider's discovery document lacks {exc}") from exc
            self._metadata_at = time.monotonic()
        return self._metadata

    # --- the flow ----------------------------------------------------------------------------------------

    def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        params = {
            "response_type": "code",
            "client_id": self._settings.client_id,
            "redirect_uri": self._settings.redirect_url,
            "scope": self._settings.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce_challenge(code_verifier),
            "code_challenge_method": "S256",
        }
        endpoint = self.metadata().authorization_endpoint
        separator = "&" if "?" in endpoint else "?"
        return f"{endpoint}{separator}{urlencode(params)}"

    def exchange_code(self, code: str, code_verifier: str) -> str:
        """The id_token for an authorization code (the token endpoint call, PKCE verifier included)."""
        meta = self.metadata()
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self._settings.redirect_url,
            "code_verifier": code_verifier,
            "client_id": self._settings.client_id,
        }
        basic: tuple[str, str] | None = None
        secret = self._settings.client_secret
        if secret:
            if "client_secret_basic" in meta.token_auth_methods:
                basic = (self._settings.client_id, secret)
            else:
                data["client_secret"] = secret
        answer = self._http.post_form(meta.token_endpoint, data, basic)
        id_token = answer.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise _refuse("the identity provider returned no id_token")
        return id_token

    def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise _refuse("malformed id_token") from exc
        alg = header.get("alg")
        if alg not in ASYMMETRIC_ALGORITHMS:
            raise _refuse(f"id_token algorithm {alg!r} is not accepted")
        advertised = self.metadata().signing_algorithms
        if advertised is not None and alg not in advertised:
            raise _refuse(f"id_token algorithm {alg!r} is not one the provider announces")
        key = self._verification_key(header.get("kid"), alg)
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=[alg],
                audience=self._settings.client_id,
                issuer=self.metadata().issuer,
                options={
                    "require": ["iss", "aud", "sub", "exp", "iat"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise _refuse("id_token rejected") from exc
        now = epoch(self._clock.now())
        if not isinstance(claims["exp"], (int, float)) or claims["exp"] + ID_TOKEN_LEEWAY_SECONDS <= now:
            raise _refuse("id_token expired")
        if not isinstance(claims["iat"], (int, float)) or claims["iat"] - ID_TOKEN_LEEWAY_SECONDS > now:
            raise _refuse("id_token issued in the future")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self._settings.client_id:
            raise _refuse("id_token was issued to another party")
        if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
            raise _refuse("id_token nonce does not match this sign-in")
        return claims

    def identity(self, claims: Mapping[str, Any]) -> SsoIdentity:
        s = self._settings
        username = claims.get(s.username_claim)
        if not isinstance(username, str) or not username.strip():
            raise _refuse(f"the identity provider sent no {s.username_claim!r} claim")
        team = claims.get(s.team_claim)
        if isinstance(team, list):  # group-style claims: the first one is the team
            team = team[0] if team else None
        name = claims.get(s.name_claim)
        email = claims.get("email")
        return SsoIdentity(
            username=username.strip(),
            display_name=name if isinstance(name, str) else None,
            team=str(team) if team is not None else None,
            subject=str(claims["sub"]),
            email=email.strip()[:254] if isinstance(email, str) and "@" in email else None,
        )

    # --- keys --------------------------------------------------------------------------------------------

    def _verification_key(self, kid: str | None, alg: str) -> Any:
        if self._pem_key is not None:
            return self._pem_key
        if self._jwks_at is None:
            self._load_jwks()
        key = self._find_jwk(kid, alg)
        if key is None and self._jwks_at is not None and (
            time.monotonic() - self._jwks_at >= JWKS_REFETCH_INTERVAL_SECONDS
        ):
            self._load_jwks()  # the provider may have rotated its keys
            key = self._find_jwk(kid, alg)
        if key is None:
            raise _refuse("id_token signed with an unknown key")
        return key

    def _load_jwks(self) -> None:
        uri = self.metadata().jwks_uri
        if not uri:
            raise UpstreamFailed("the identity provider publishes no jwks_uri; configure A2G_OIDC_CERT_PEM")
        keys = self._http.get_json(uri).get("keys")
        self._jwks = [k for k in keys if isinstance(k, dict)] if isinstance(keys, list) else []
        self._jwks_at = time.monotonic()

    def _find_jwk(self, kid: str | None, alg: str) -> Any:
        candidates = [
            jwk for jwk in self._jwks
            if jwk.get("use", "sig") == "sig" and jwk.get("alg", alg) == alg and jwk.get("kty") != "oct"
            and (kid is None or jwk.get("kid") == kid)
        ]
        if len(candidates) != 1 and not (kid is not None and candidates):
            return None  # no match, or no kid and an ambiguous set
        try:
            return jwt.PyJWK(candidates[0], algorithm=alg).key
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            return None  # e.g. an RSA key offered for an EC algorithm

