"""Composition root for identity: the real services, built once per process from settings.

Functions import from here; tests build the services directly with fakes. Storage modules are imported
lazily so that importing a service module never needs the environment.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from a2g.clock import Clock, default_clock
from a2g.settings import Settings, get_settings

if TYPE_CHECKING:
    from a2g.identity.api_keys import ApiKeyAuthenticator, ApiKeyService
    from a2g.identity.authorizer import RequestAuthorizer
    from a2g.identity.oidc import OidcClient
    from a2g.identity.rate_limit import KeyRateLimiter
    from a2g.identity.service import AuthService
    from a2g.identity.tokens import AccessTokenCodec
    from a2g.identity.users import UserDirectory

CALLBACK_PATH = "/api/auth/callback"


@lru_cache(maxsize=1)
def clock() -> Clock:
    return default_clock()


def dev_login_enabled(settings: Settings) -> bool:
    """Dev sign-in is for machines with no identity provider; any configured provider switches it off."""
    if settings.oidc_enabled:
        return False
    if settings.dev_login is not None:
        return settings.dev_login
    # On AWS without a provider, anyone could sign in as any username (admins included): opt in explicitly.
    return settings.env != "aws"


def cookie_secure(settings: Settings | None = None) -> bool:
    return (settings or get_settings()).public_url.lower().startswith("https://")


@lru_cache(maxsize=1)
def access_tokens() -> AccessTokenCodec:
    from a2g.identity.tokens import AccessTokenCodec

    settings = get_settings()
    return AccessTokenCodec(
        settings.token_secret.get_secret_value(), settings.public_url, settings.access_token_ttl_seconds, clock()
    )


@lru_cache(maxsize=1)
def api_key_authenticator() -> ApiKeyAuthenticator:
    from a2g.identity.api_keys import ApiKeyAuthenticator
    from a2g.identity.repository import DynamoApiKeyStore

    return ApiKeyAuthenticator(DynamoApiKeyStore(), clock())


@lru_cache(maxsize=1)
def request_authorizer() -> RequestAuthorizer:
    from a2g.identity.authorizer import RequestAuthorizer
    from a2g.identity.repository import DynamoUserStore

    # The user store: a token's role is the user's current one (at most 5 s old), not the one it was issued with.
    return RequestAuthorizer(access_tokens(), api_key_authenticator(), DynamoUserStore())


@lru_cache(maxsize=1)
def user_directory() -> UserDirectory:
    from a2g.identity.repository import DynamoApiKeyStore, DynamoUserStore
    from a2g.identity.users import UserDirectory

    return UserDirectory(DynamoUserStore(), DynamoApiKeyStore(), get_settings().initial_admin_ids, clock())


@lru_cache(maxsize=1)
def api_key_service() -> ApiKeyService:
    from a2g.identity.api_keys import ApiKeyService
    from a2g.identity.repository import DynamoApiKeyStore, DynamoUserStore

    return ApiKeyService(DynamoApiKeyStore(), DynamoUserStore(), clock(), api_key_authenticator())


def oidc_client(settings: Settings) -> OidcClient | None:
    if not settings.oidc_enabled:
        return None
    from a2g.identity.oidc import OidcClient, OidcSettings
    from a2g.identity.oidc_http import HttpxOidcHttp

    if not settings.oidc_client_id:
        raise ValueError("A2G_OIDC_CLIENT_ID is required when A2G_OIDC_ISSUER is set")
    return OidcClient(
        OidcSettings(
            issuer=str(settings.oidc_issuer),
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None,
            redirect_url=settings.oidc_redirect_url or settings.public_url.rstrip("/") + CALLBACK_PATH,
            scopes=settings.oidc_scopes,
            username_claim=settings.oidc_username_claim,
            name_claim=settings.oidc_name_claim,
            team_claim=settings.oidc_team_claim,
            cert_pem=settings.oidc_cert_pem,
        ),
        HttpxOidcHttp(),
        clock(),
    )


@lru_cache(maxsize=1)
def auth_service() -> AuthService:
    from a2g.identity.repository import DynamoOidcStateStore, DynamoRefreshStore
    from a2g.identity.service import AuthService
    from a2g.identity.sessions import RefreshSessions

    settings = get_settings()
    return AuthService(
        users=user_directory(),
        tokens=access_tokens(),
        sessions=RefreshSessions(
            DynamoRefreshStore(), timedelta(days=settings.refresh_token_ttl_days), clock()
        ),
        states=DynamoOidcStateStore(),
        oidc=oidc_client(settings),
        dev_login_enabled=dev_login_enabled(settings),
        clock=clock(),
    )


@lru_cache(maxsize=1)
def key_rate_limiter() -> KeyRateLimiter:
    from a2g.identity.rate_limit import KeyRateLimiter
    from a2g.identity.repository import DynamoRateWindowStore

    settings = get_settings()
    return KeyRateLimiter(
        DynamoRateWindowStore(), clock(),
        limit=settings.api_key_rate_limit,
        window_seconds=settings.api_key_rate_window_seconds,
    )


@lru_cache(maxsize=1)
def instance_key_rate_limiter() -> KeyRateLimiter:
    """The same limits, counted in this process's memory (a2g.identity.rate_limit: the log-proxy on Lambda)."""
    from a2g.identity.rate_limit import InstanceRateWindows, KeyRateLimiter

    settings = get_settings()
    return KeyRateLimiter(
        InstanceRateWindows(), clock(),
        limit=settings.api_key_rate_limit,
        window_seconds=settings.api_key_rate_window_seconds,
    )
