"""The identity repositories honour their contracts on the real DynamoDB Local: conditional writes,
transactions with the admin counter, one-shot OIDC state, rotate-once refresh tokens, shared rate windows."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from a2g.clock import FixedClock
from a2g.errors import Conflict, NotFound, ValidationFailed
from a2g.identity.ports import ApiKeyRecord, OidcLoginState, RefreshSession, User, UserChange

pytestmark = pytest.mark.usefixtures("identity_ddb")


def _user(user_id: str, role: str = "PENDING", created: str = "2026-11-01T00:00:00.000Z") -> User:
    return User(user_id=user_id, display_name=user_id.title(), team="t", role=role,  # type: ignore[arg-type]
                created_at=created, updated_at=created)


@pytest.fixture
def users():
    from a2g.identity.repository import DynamoUserStore

    return DynamoUserStore()


@pytest.fixture
def keys():
    from a2g.identity.repository import DynamoApiKeyStore

    return DynamoApiKeyStore()


# --- users and the admin counter ------------------------------------------------------------------------


def test_user_is_created_once(users) -> None:
    assert users.create(_user("alice")) is True
    assert users.create(_user("alice", role="ADMIN")) is False
    assert users.get("alice").role == "PENDING"
    assert users.get("nobody") is None


def test_concurrent_first_sign_ins_create_one_user(users) -> None:
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: users.create(_user("race", role="ADMIN")), range(8)))
    assert results.count(True) == 1
    # The counter counted exactly one admin: demoting them is refused as "last admin".
    with pytest.raises(Conflict) as err:
        users.apply_change(UserChange("race", "ADMIN", "USER", "t", "2026-11-02T00:00:00.000Z"))
    assert err.value.code == "last_admin"


def test_last_admin_guard_and_counter(users) -> None:
    users.create(_user("root", role="ADMIN"))
    users.create(_user("alice"))
    promoted = users.apply_change(UserChange("alice", "PENDING", "ADMIN", "ops", "2026-11-02T00:00:00.000Z",
                                             approved_at="2026-11-02T00:00:00.000Z", approved_by="root"))
    assert (promoted.role, promoted.team, promoted.approved_by) == ("ADMIN", "ops", "root")
    assert users.apply_change(UserChange("root", "ADMIN", "USER", "t", "2026-11-02T00:00:01.000Z")).role == "USER"
    with pytest.raises(Conflict) as err:
        users.apply_change(UserChange("alice", "ADMIN", "PENDING", "ops", "2026-11-02T00:00:02.000Z"))
    assert err.value.code == "last_admin"
    assert users.get("alice").role == "ADMIN"


def test_two_admins_demoting_each_other_at_once_leave_one_admin(users) -> None:
    users.create(_user("a1", role="ADMIN"))
    users.create(_user("a2", role="ADMIN"))

    def demote(user_id: str) -> str:
        try:
            users.apply_change(UserChange(user_id, "ADMIN", "USER", "t", "2026-11-02T00:00:00.000Z"))
            return "ok"
        except Conflict as exc:
            return exc.code

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(demote, ["a1", "a2"]))
    assert outcomes[0] in ("last_admin", "conflict") and outcomes[1] == "ok"
    assert sorted(u.role for u in (users.get("a1"), users.get("a2"))) == ["ADMIN", "USER"]


def test_change_requires_the_expected_role(users) -> None:
    users.create(_user("alice"))
    users.apply_change(UserChange("alice", "PENDING", "USER", "t", "2026-11-02T00:00:00.000Z"))
    with pytest.raises(Conflict) as err:  # a second, stale approval
        users.apply_change(UserChange("alice", "PENDING", "USER", "t", "2026-11-02T00:00:01.000Z"))
    assert err.value.code == "user_changed"
    with pytest.raises(NotFound):
        users.apply_change(UserChange("ghost", "PENDING", "USER", "t", "2026-11-02T00:00:00.000Z"))


def test_record_login_pins_the_subject_once(users) -> None:
    users.create(_user("alice"))
    users.record_login("alice", "2026-11-01T12:00:00.000Z", None, "alice@example.test")
    assert users.get("alice").email == "alice@example.test"
    users.record_login("alice", "2026-11-02T00:00:00.000Z", "sub-1")
    users.record_login("alice", "2026-11-03T00:00:00.000Z", "sub-2")
    stored = users.get("alice")
    assert stored.oidc_subject == "sub-1"
    assert stored.last_login_at == "2026-11-02T00:00:00.000Z"  # the pin-refused write changed nothing


def test_listing_pages_in_creation_order_and_filters_by_role(users) -> None:
    for i in range(7):
        users.create(_user(f"u{i}", role="USER" if i % 2 else "PENDING", created=f"2026-11-01T00:00:0{i}.000Z"))
    seen, cursor = [], None
    while True:
        page = users.list(None, 3, cursor)
        seen += [u.user_id for u in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == [f"u{i}" for i in range(7)]
    pending, cursor = [], None
    while True:
        page = users.list("PENDING", 2, cursor)
        pending += [u.user_id for u in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert pending == ["u0", "u2", "u4", "u6"]


@pytest.mark.parametrize("cursor", ["garbage", "eyJwayI6eyJTIjoiVVNFUiNhIn19", "%%%"])
def test_forged_cursors_are_refused(users, cursor: str) -> None:
    with pytest.raises(ValidationFailed):
        users.list(None, 5, cursor)


# --- API keys --------------------------------------------------------------------------------------------


def _key(key_id: str, user_id: str = "alice", key_hash: str | None = None) -> ApiKeyRecord:
    return ApiKeyRecord(key_id=key_id, key_hash=key_hash or f"hash-{key_id}", user_id=user_id, role="USER",
                        team="t", name="n", last4="abcd", created_at="2026-11-01T00:00:00.000Z")


def test_api_key_lifecycle(keys) -> None:
    keys.put(_key("key_1"))
    keys.put(_key("key_2"))
    keys.put(_key("key_9", user_id="bob"))
    assert keys.get_by_hash("hash-key_1").user_id == "alice"
    assert [k.key_id for k in keys.list_for_user("alice")] == ["key_1", "key_2"]
    assert keys.find_for_user("alice", "key_9") is None  # bob's key is not alice's to find
    record = keys.find_for_user("alice", "key_1")
    assert keys.revoke(record, "2026-11-02T00:00:00.000Z", 2_000_000_000) is True
    assert keys.revoke(record, "2026-11-02T00:00:01.000Z", 2_000_000_000) is False
    assert keys.get_by_hash("hash-key_1").revoked_at == "2026-11-02T00:00:00.000Z"
    # Revoking with a forged owner changes nothing.
    bobs = keys.get_by_hash("hash-key_9")
    assert keys.revoke(_key("key_9", user_id="alice"), "2026-11-02T00:00:00.000Z", 1) is False
    assert keys.get_by_hash("hash-key_9") == bobs


def test_api_key_touch_is_conditional(keys) -> None:
    keys.put(_key("key_1"))
    keys.touch("hash-key_1", "2026-11-01T10:00:00.000Z", unless_used_since="2026-11-01T09:59:00.000Z")
    keys.touch("hash-key_1", "2026-11-01T10:00:30.000Z", unless_used_since="2026-11-01T09:59:30.000Z")
    assert keys.get_by_hash("hash-key_1").last_used_at == "2026-11-01T10:00:00.000Z"
    keys.touch("hash-key_1", "2026-11-01T10:01:01.000Z", unless_used_since="2026-11-01T10:00:01.000Z")
    assert keys.get_by_hash("hash-key_1").last_used_at == "2026-11-01T10:01:01.000Z"
    keys.touch("hash-unknown", "2026-11-01T10:01:01.000Z", unless_used_since="x")  # no phantom item
    assert keys.get_by_hash("hash-unknown") is None


def test_api_key_owner_sync(keys) -> None:
    keys.put(_key("key_1"))
    keys.put(_key("key_2"))
    keys.sync_owner("alice", "PENDING", "new-team")
    assert {(k.role, k.team) for k in keys.list_for_user("alice")} == {("PENDING", "new-team")}


def test_authenticator_is_one_get_item_against_dynamodb(keys) -> None:
    from a2g.identity.api_keys import ApiKeyAuthenticator, ApiKeyService
    from a2g.identity.repository import DynamoUserStore

    users = DynamoUserStore()
    users.create(_user("alice", role="USER"))
    clock = FixedClock(datetime.now(UTC))
    created = ApiKeyService(keys, users, clock).create(
        __import__("a2g.identity.principal", fromlist=["Principal"]).Principal("alice", "USER", "t"), "k"
    )
    principal = ApiKeyAuthenticator(keys, clock).authenticate(created["key"], cached=False)
    assert principal is not None and principal.api_key_id == created["id"]
    assert keys.get_by_hash(__import__("hashlib").sha256(created["key"].encode()).hexdigest()).last_used_at


# --- refresh sessions ------------------------------------------------------------------------------------


def _session(token_hash: str, family: str = "fam", user: str = "alice") -> RefreshSession:
    return RefreshSession(token_hash=token_hash, user_id=user, family_id=family,
                          created_at=f"2026-11-01T00:00:00.000Z-{token_hash}", expires_at=2_000_000_000)


def test_refresh_rotates_exactly_once() -> None:
    from a2g.identity.repository import DynamoRefreshStore

    store = DynamoRefreshStore()
    first = _session("h1")
    store.create(first)
    with ThreadPoolExecutor(4) as pool:
        wins = list(pool.map(lambda i: store.rotate(first, _session(f"h2-{i}"), 1_900_000_000), range(4)))
    assert wins.count(True) == 1
    assert store.get("h1").rotated_at == 1_900_000_000
    winner = wins.index(True)
    assert store.get(f"h2-{winner}").rotated_at is None
    assert all(store.get(f"h2-{i}") is None for i in range(4) if i != winner)


def test_revoking_a_family_leaves_other_families() -> None:
    from a2g.identity.repository import DynamoRefreshStore

    store = DynamoRefreshStore()
    for h, fam in (("a", "f1"), ("b", "f1"), ("c", "f2")):
        store.create(_session(h, family=fam))
    store.create(_session("d", family="f1", user="bob"))
    assert store.revoke_family("alice", "f1") == 2
    assert store.get("a") is None and store.get("b") is None
    assert store.get("c") is not None and store.get("d") is not None


# --- OIDC state and rate windows -------------------------------------------------------------------------


def test_oidc_state_is_taken_once() -> None:
    from a2g.identity.repository import DynamoOidcStateStore

    store = DynamoOidcStateStore()
    store.put(OidcLoginState("st-1", "verifier", "nonce", "/agents", 2_000_000_000))
    with ThreadPoolExecutor(4) as pool:
        taken = list(pool.map(lambda _: store.take("st-1"), range(4)))
    winners = [t for t in taken if t is not None]
    assert len(winners) == 1 and winners[0].code_verifier == "verifier" and winners[0].return_to == "/agents"
    assert store.take("never-issued") is None


def test_rate_window_never_admits_more_than_the_limit_under_concurrency() -> None:
    from a2g.identity.rate_limit import KeyRateLimiter
    from a2g.identity.repository import DynamoRateWindowStore

    store = DynamoRateWindowStore()
    clock = FixedClock(datetime(2026, 11, 1, 9, 0, 0, tzinfo=UTC))
    limiters = [KeyRateLimiter(store, clock, limit=5, window_seconds=60) for _ in range(4)]  # four "Lambdas"

    def attempt(i: int) -> bool:
        try:
            limiters[i % 4].check("key_concurrent")
            return True
        except Exception:  # noqa: BLE001 - Throttled
            return False

    with ThreadPoolExecutor(8) as pool:
        admitted = sum(pool.map(attempt, range(20)))
    assert admitted == 5
    clock.advance(seconds=60)
    limiters[0].check("key_concurrent")  # a new window
    assert timedelta(seconds=60) == limiters[0].window
