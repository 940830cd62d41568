"""Platform API keys: created and shown once, stored only as a SHA-256 hash, revoked by their owner.

A key looks like `a2g_sk_<43 url-safe characters>` (256 random bits), so it is recognisable in a header, in
logs that must be scrubbed and by secret scanners. High-entropy secrets need no slow hash: SHA-256 is enough,
and it lets the lookup be one GetItem on `APIKEY#<sha256>`.

Two ways to authenticate a key:
- the Lambda authorizer calls `ApiKeyAuthenticator.authenticate(raw, cached=False)`: one GetItem every time,
  so a revoked key stops working on the next request;
- routes without the authorizer call `authenticate_api_key(raw)`: positive answers are kept in-process for
  `CACHE_TTL_SECONDS` (5 s), so a revoked key, or a key whose owner was demoted (role changes are copied onto
  the owner's keys), stops working there within that time (immediately when revoked in the same process).
  Failures are never cached. The log-proxy keeps its own cache of the same lifetime and asks uncached.

Either way the key's `last_used_at` is written at most once a minute per key (and the write is conditional,
so many concurrent Lambdas do not all write it).
"""

from __future__ import annotations

import builtins
import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from a2g.clock import Clock, epoch, iso
from a2g.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from a2g.identity.ports import ApiKeyRecord, ApiKeyStore, UserStore
from a2g.identity.principal import Principal, require_session
from a2g.ids import new_id
from a2g.log import logger

KEY_PREFIX = "a2g_sk_"
_KEY_PATTERN = re.compile(r"^a2g_sk_[A-Za-z0-9_-]{32,64}$")
MAX_ACTIVE_KEYS_PER_USER = 20
MAX_NAME_LENGTH = 64
REVOKED_KEY_RETENTION_DAYS = 30
CACHE_TTL_SECONDS = 5.0
"""The longest a revoked key or a demoted owner's key is still served anywhere (issue: within 5 s)."""
TOUCH_INTERVAL_SECONDS = 60
MAX_CACHE_ENTRIES = 4096


def generate_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def is_api_key(value: str | None) -> bool:
    """Has the platform's key shape (cheap; says nothing about validity)."""
    return bool(value) and _KEY_PATTERN.fullmatch(value or "") is not None


def bearer_credential(authorization: str | None) -> str | None:
    """The credential in an `Authorization: Bearer <credential>` header value, if any."""
    if not authorization:
        return None
    scheme, _, credential = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    credential = credential.strip()
    return credential or None


def masked(last4: str) -> str:
    return f"{KEY_PREFIX}...{last4}"


def key_view(record: ApiKeyRecord) -> dict[str, Any]:
    """What the owner sees of a key after creation: never the key."""
    return {
        "id": record.key_id,
        "name": record.name,
        "masked": masked(record.last4),
        "created_at": record.created_at,
        "last_used_at": record.last_used_at,
        "revoked_at": record.revoked_at,
        "status": "active" if record.active else "revoked",
    }


class ApiKeyService:
    def __init__(
        self, store: ApiKeyStore, users: UserStore, clock: Clock,
        authenticator: ApiKeyAuthenticator | None = None,
    ):
        self._store = store
        self._users = users
        self._clock = clock
        self._authenticator = authenticator

    def create(self, principal: Principal, name: str | None) -> dict[str, Any]:
        """A new key; the returned `key` is the only time anyone sees it."""
        require_session(principal, "managing API keys")
        label = " ".join((name or "").split()) or "default"
        if len(label) > MAX_NAME_LENGTH:
            raise ValidationFailed(f"name must be at most {MAX_NAME_LENGTH} characters", code="invalid_name")
        # Role and team come from the stored profile, not the (up to 15 minutes old) token, so a key minted
        # right after a demotion does not keep the old role.
        owner = self._users.get(principal.user_id)
        if owner is None or owner.role == "PENDING":
            raise Forbidden("your account is waiting for an administrator's approval", code="pending_approval")
        active = [r for r in self._store.list_for_user(owner.user_id) if r.active]
        if len(active) >= MAX_ACTIVE_KEYS_PER_USER:
            raise Conflict(
                f"at most {MAX_ACTIVE_KEYS_PER_USER} active keys; revoke one first", code="too_many_keys"
            )
        raw = generate_api_key()
        record = ApiKeyRecord(
            key_id=new_id("key"), key_hash=hash_api_key(raw), user_id=owner.user_id, role=owner.role,
            team=owner.team, name=label, last4=raw[-4:], created_at=iso(self._clock.now()),
        )
        self._store.put(record)
        # Close the race with an admin's change that synced this user's keys just before ours existed.
        latest = self._users.get(owner.user_id)
        if latest is not None and (latest.role, latest.team) != (owner.role, owner.team):
            self._store.sync_owner(latest.user_id, latest.role, latest.team)
        logger.info("api key created", extra={"user_id": owner.user_id, "key_id": record.key_id})
        return {**key_view(record), "key": raw}

    def list(self, principal: Principal, include_revoked: bool = False) -> list[dict[str, Any]]:
        records = self._newest_first(principal.user_id)
        return [key_view(r) for r in records if include_revoked or r.active]

    def active(self, principal: Principal) -> dict[str, Any] | None:
        """The key the playground's guide shows: the newest active one (masked), or None."""
        for record in self._newest_first(principal.user_id):
            if record.active:
                return key_view(record)
        return None

    def _newest_first(self, user_id: str) -> builtins.list[ApiKeyRecord]:
        # Ids are time-ordered only to the millisecond; the creation time breaks ties the way people expect.
        return sorted(self._store.list_for_user(user_id), key=lambda r: (r.created_at, r.key_id), reverse=True)

    def revoke(self, principal: Principal, key_id: str) -> None:
        require_session(principal, "managing API keys")
        record = self._store.find_for_user(principal.user_id, key_id)
        if record is None or not record.active:
            raise NotFound("no such API key")
        now = self._clock.now()
        self._store.revoke(record, iso(now), epoch(now + timedelta(days=REVOKED_KEY_RETENTION_DAYS)))
        if self._authenticator is not None:
            self._authenticator.forget(record.key_hash)
        logger.info("api key revoked", extra={"user_id": principal.user_id, "key_id": key_id})


@dataclass
class _CacheEntry:
    principal: Principal
    fresh_until: float  # monotonic seconds


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        return None


class ApiKeyAuthenticator:
    def __init__(
        self, store: ApiKeyStore, clock: Clock, *, cache_ttl_seconds: float = CACHE_TTL_SECONDS,
        touch_interval_seconds: int = TOUCH_INTERVAL_SECONDS, monotonic: Callable[[], float] = time.monotonic,
    ):
        self._store = store
        self._clock = clock
        self._cache_ttl = cache_ttl_seconds
        self._touch_interval = timedelta(seconds=touch_interval_seconds)
        self._monotonic = monotonic
        self._cache: dict[str, _CacheEntry] = {}
        self._last_recorded: dict[str, datetime] = {}

    def authenticate(self, raw: str | None, *, cached: bool = True) -> Principal | None:
        """The principal a valid, unrevoked key speaks for; None for anything else."""
        try:
            return self.verify(raw, cached=cached)
        except Unauthenticated:
            return None

    def verify(self, raw: str | None, *, cached: bool = True) -> Principal:
        """The principal a valid, unrevoked key speaks for; `Unauthenticated` with the reason otherwise:
        `invalid_api_key` (not a key, or unknown) or `revoked_api_key` (kept `REVOKED_KEY_RETENTION_DAYS`)."""
        if not raw or not is_api_key(raw):
            raise Unauthenticated("not a platform API key", code="invalid_api_key")
        key_hash = hash_api_key(raw)
        if cached:
            entry = self._cache.get(key_hash)
            if entry is not None and entry.fresh_until > self._monotonic():
                self._record_use(key_hash, None)
                return entry.principal
        record = self._store.get_by_hash(key_hash)
        if record is None or not record.active:
            self.forget(key_hash)
            if record is None:
                raise Unauthenticated("unknown API key", code="invalid_api_key")
            raise Unauthenticated("revoked API key", code="revoked_api_key")
        principal = Principal(
            user_id=record.user_id, role=record.role, team=record.team, auth_kind="api_key",
            api_key_id=record.key_id,
        )
        self._remember(key_hash, principal)
        self._record_use(key_hash, _parse_iso(record.last_used_at))
        return principal

    def forget(self, key_hash: str) -> None:
        self._cache.pop(key_hash, None)

    def _remember(self, key_hash: str, principal: Principal) -> None:
        if len(self._cache) >= MAX_CACHE_ENTRIES:
            now = self._monotonic()
            for stale in [h for h, e in self._cache.items() if e.fresh_until <= now]:
                del self._cache[stale]
            if len(self._cache) >= MAX_CACHE_ENTRIES:
                self._cache.pop(next(iter(self._cache)))  # oldest insertion
        self._cache[key_hash] = _CacheEntry(principal, self._monotonic() + self._cache_ttl)

    def _record_use(self, key_hash: str, stored: datetime | None) -> None:
        now = self._clock.now()
        known = max(filter(None, (stored, self._last_recorded.get(key_hash))), default=None)
        if known is not None and now - known < self._touch_interval:
            return
        self._last_recorded[key_hash] = now
        try:
            self._store.touch(key_hash, iso(now), unless_used_since=iso(now - self._touch_interval))
        # A missed last-used time must never fail the caller's request, whatever the store raised.
        except Exception as exc:  # noqa: BLE001
            logger.warning("could not record api key use", extra={"error": type(exc).__name__})


# --- the process-wide entry points other functions call ---------------------------------------------------


def authenticate_api_key(raw: str | None, authenticator: ApiKeyAuthenticator | None = None) -> Principal | None:
    """The principal for a raw API key, or None; cached for `CACHE_TTL_SECONDS` per process (module docstring).

    The principal may be PENDING (its owner was demoted): callers that serve approved users only must check
    `principal.is_approved`, or use `require_api_key`, which does.
    """
    if authenticator is None:
        from a2g.identity.wiring import api_key_authenticator

        authenticator = api_key_authenticator()
    return authenticator.authenticate(raw, cached=True)


def require_api_key(
    authorization_header: str | None, authenticator: ApiKeyAuthenticator | None = None
) -> Principal:
    """The approved principal behind `Authorization: Bearer <api key>`; raises 401 / 403 otherwise."""
    credential = bearer_credential(authorization_header)
    if not credential or not is_api_key(credential):
        raise Unauthenticated(
            "send a platform API key as 'Authorization: Bearer a2g_sk_...'", code="api_key_required"
        )
    principal = authenticate_api_key(credential, authenticator)
    if principal is None:
        raise Unauthenticated("unknown or revoked API key", code="invalid_api_key")
    if not principal.is_approved:
        raise Forbidden("your account is waiting for an administrator's approval", code="pending_approval")
    return principal
