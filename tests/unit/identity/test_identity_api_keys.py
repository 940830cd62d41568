"""API keys: shown once, stored as a hash, owner-only, revocable; and the cached authenticator's promises."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from a2g.clock import FixedClock
from a2g.errors import Conflict, Forbidden, NotFound, Unauthenticated
from a2g.identity.api_keys import (
    MAX_ACTIVE_KEYS_PER_USER,
    ApiKeyAuthenticator,
    ApiKeyService,
    bearer_credential,
    hash_api_key,
    is_api_key,
    require_api_key,
)
from a2g.identity.ports import User
from a2g.identity.principal import Principal
from identity_fakes import InMemoryApiKeyStore, InMemoryUserStore


class Ticker:
    """A monotonic clock for the cache, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def users() -> InMemoryUserStore:
    store = InMemoryUserStore()
    for uid, role in (("alice", "USER"), ("bob", "USER"), ("pat", "PENDING")):
        store.create(User(uid, uid, "team-" + uid, role, "2026-11-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z"))
    return store


@pytest.fixture
def store() -> InMemoryApiKeyStore:
    return InMemoryApiKeyStore()


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def authenticator(store: InMemoryApiKeyStore, clock: FixedClock, ticker: Ticker) -> ApiKeyAuthenticator:
    return ApiKeyAuthenticator(store, clock, monotonic=ticker)


@pytest.fixture
def service(
    store: InMemoryApiKeyStore, users: InMemoryUserStore, clock: FixedClock, authenticator: ApiKeyAuthenticator
) -> ApiKeyService:
    return ApiKeyService(store, users, clock, authenticator)


ALICE = Principal("alice", "USER", "team-alice")
BOB = Principal("bob", "USER", "team-bob")


def test_key_is_shown_once_and_stored_only_as_a_hash(service: ApiKeyService, store: InMemoryApiKeyStore) -> None:
    created = service.create(ALICE, "laptop")
    raw = created["key"]
    assert raw.startswith("a2g_sk_") and is_api_key(raw)
    (record,) = store.keys.values()
    assert record.key_hash == hash_api_key(raw)
    assert raw not in repr(record)
    assert created["masked"] == f"a2g_sk_...{raw[-4:]}"
    listed = service.list(ALICE)
    assert listed == [{k: v for k, v in created.items() if k != "key"}]
    assert "key" not in listed[0]


def test_active_is_the_newest_active_key(service: ApiKeyService, clock: FixedClock) -> None:
    assert service.active(ALICE) is None
    first = service.create(ALICE, "one")
    clock.advance(seconds=1)
    second = service.create(ALICE, "two")
    assert service.active(ALICE)["id"] == second["id"]
    service.revoke(ALICE, second["id"])
    assert service.active(ALICE)["id"] == first["id"]


def test_revoked_key_stops_working_on_the_uncached_path_at_once(
    service: ApiKeyService, authenticator: ApiKeyAuthenticator
) -> None:
    raw = service.create(ALICE, None)["key"]
    principal = authenticator.authenticate(raw, cached=False)
    assert principal == Principal("alice", "USER", "team-alice", "api_key", principal.api_key_id)
    service.revoke(ALICE, principal.api_key_id)
    assert authenticator.authenticate(raw, cached=False) is None
    assert authenticator.authenticate(raw) is None  # revoked in this process: the cache was dropped too


def test_cached_path_forgets_a_key_revoked_elsewhere_within_the_ttl(
    service: ApiKeyService, store: InMemoryApiKeyStore, clock: FixedClock, ticker: Ticker
) -> None:
    raw = service.create(ALICE, None)["key"]
    log_proxy = ApiKeyAuthenticator(store, clock, monotonic=ticker)  # another Lambda: its own cache
    assert log_proxy.authenticate(raw) is not None
    gets = store.gets
    assert log_proxy.authenticate(raw) is not None
    assert store.gets == gets  # served from the cache: no GetItem
    service.revoke(ALICE, service.list(ALICE)[0]["id"])
    ticker.now += 4.9
    assert log_proxy.authenticate(raw) is not None  # still cached: at most the TTL
    ticker.now += 0.1
    assert log_proxy.authenticate(raw) is None  # refused 5 s after the revocation at the latest


def test_failures_are_never_cached(store: InMemoryApiKeyStore, authenticator: ApiKeyAuthenticator) -> None:
    unknown = "a2g_sk_" + "A" * 43
    assert authenticator.authenticate(unknown) is None
    assert authenticator.authenticate(unknown) is None
    assert store.gets == 2


@pytest.mark.parametrize("garbage", [None, "", "sk-openai-style", "a2g_sk_short", "a2g_sk_" + "!" * 43])
def test_malformed_keys_cost_no_lookup(
    store: InMemoryApiKeyStore, authenticator: ApiKeyAuthenticator, garbage: str | None
) -> None:
    assert authenticator.authenticate(garbage) is None
    assert store.gets == 0


def test_last_used_is_recorded_at_most_once_a_minute(
    service: ApiKeyService, store: InMemoryApiKeyStore, authenticator: ApiKeyAuthenticator, clock: FixedClock
) -> None:
    raw = service.create(ALICE, None)["key"]
    for _ in range(5):
        authenticator.authenticate(raw, cached=False)
    assert len(store.touches) == 1
    clock.advance(seconds=59)
    authenticator.authenticate(raw)
    assert len(store.touches) == 1
    clock.advance(seconds=2)
    authenticator.authenticate(raw)
    assert len(store.touches) == 2
    assert service.list(ALICE)[0]["last_used_at"] == "2026-11-01T09:01:01.000Z"


def test_another_users_key_cannot_be_revoked_or_seen(service: ApiKeyService, authenticator: ApiKeyAuthenticator) -> None:
    created = service.create(ALICE, "mine")
    with pytest.raises(NotFound):
        service.revoke(BOB, created["id"])
    assert service.list(BOB) == []
    assert service.active(BOB) is None
    assert authenticator.authenticate(created["key"], cached=False) is not None


def test_revoking_twice_is_not_found(service: ApiKeyService) -> None:
    key_id = service.create(ALICE, None)["id"]
    service.revoke(ALICE, key_id)
    with pytest.raises(NotFound):
        service.revoke(ALICE, key_id)
    assert [k["status"] for k in service.list(ALICE, include_revoked=True)] == ["revoked"]
    assert service.list(ALICE) == []


def test_pending_users_cannot_create_keys(service: ApiKeyService, store: InMemoryApiKeyStore) -> None:
    with pytest.raises(Forbidden):
        service.create(Principal("pat", "PENDING", ""), None)
    # Even with a stale USER token: the stored profile decides.
    with pytest.raises(Forbidden):
        service.create(Principal("pat", "USER", ""), None)
    assert store.keys == {}


def test_a_key_cannot_mint_or_revoke_keys(service: ApiKeyService, store: InMemoryApiKeyStore) -> None:
    created = service.create(ALICE, None)
    via_key = Principal("alice", "USER", "team-alice", "api_key", created["id"])
    with pytest.raises(Forbidden):
        service.create(via_key, None)
    with pytest.raises(Forbidden):
        service.revoke(via_key, created["id"])
    assert len(store.keys) == 1 and next(iter(store.keys.values())).active


def test_active_keys_are_capped(service: ApiKeyService) -> None:
    for _ in range(MAX_ACTIVE_KEYS_PER_USER):
        service.create(ALICE, None)
    with pytest.raises(Conflict):
        service.create(ALICE, None)


def test_bearer_parsing() -> None:
    assert bearer_credential("Bearer abc") == "abc"
    assert bearer_credential("bearer   abc ") == "abc"
    assert bearer_credential("Basic abc") is None
    assert bearer_credential("Bearer") is None
    assert bearer_credential(None) is None


def test_require_api_key_answers_401_and_403(
    service: ApiKeyService, authenticator: ApiKeyAuthenticator, store: InMemoryApiKeyStore
) -> None:
    raw = service.create(ALICE, None)["key"]
    assert require_api_key(f"Bearer {raw}", authenticator).user_id == "alice"
    with pytest.raises(Unauthenticated):
        require_api_key(None, authenticator)
    with pytest.raises(Unauthenticated):
        require_api_key(f"Basic {raw}", authenticator)
    with pytest.raises(Unauthenticated):
        require_api_key("Bearer a2g_sk_" + "B" * 43, authenticator)
    store.sync_owner("alice", "PENDING", "team-alice")  # the owner was demoted
    authenticator.forget(hash_api_key(raw))
    with pytest.raises(Forbidden):
        require_api_key(f"Bearer {raw}", authenticator)
