"""The user directory: first sign-in, approval, role and team changes, and the last-admin guard."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from a2g.clock import FixedClock
from a2g.errors import Conflict, Forbidden, NotFound, ValidationFailed
from a2g.identity.api_keys import ApiKeyService
from a2g.identity.principal import Principal
from a2g.identity.users import UserDirectory
from identity_fakes import InMemoryApiKeyStore, InMemoryUserStore


@pytest.fixture
def store() -> InMemoryUserStore:
    return InMemoryUserStore()


@pytest.fixture
def keys() -> InMemoryApiKeyStore:
    return InMemoryApiKeyStore()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def directory(store: InMemoryUserStore, keys: InMemoryApiKeyStore, clock: FixedClock) -> UserDirectory:
    return UserDirectory(store, keys, ["root", " Boss "], clock)


def admin_principal(user_id: str = "root") -> Principal:
    return Principal(user_id=user_id, role="ADMIN", team="ops")


def test_first_sign_in_is_pending_unless_listed_as_initial_admin(directory: UserDirectory) -> None:
    assert directory.sign_in("alice", team="search").role == "PENDING"
    assert directory.sign_in("root").role == "ADMIN"
    assert directory.sign_in("BOSS").role == "ADMIN"  # listed as " Boss ": compared trimmed, lower-cased


def test_later_sign_ins_keep_role_and_team(directory: UserDirectory, clock: FixedClock) -> None:
    first = directory.sign_in("Alice", team="search")
    clock.advance(hours=1)
    again = directory.sign_in("alice", team="something-else")
    assert again.user_id == first.user_id == "alice"
    assert (again.role, again.team) == ("PENDING", "search")
    assert again.last_login_at != first.last_login_at


@pytest.mark.parametrize("bad", ["", " ", "a#b", "x" * 65, "name with space", "../etc", "é"])
def test_invalid_usernames_are_refused(directory: UserDirectory, store: InMemoryUserStore, bad: str) -> None:
    with pytest.raises(ValidationFailed):
        directory.sign_in(bad)
    assert store.users == {}


def test_team_with_separator_is_refused(directory: UserDirectory) -> None:
    with pytest.raises(ValidationFailed):
        directory.sign_in("alice", team="a#b")


def test_korean_team_names_are_fine(directory: UserDirectory) -> None:
    assert directory.sign_in("alice", team="검색팀").team == "검색팀"


def test_sso_subject_is_pinned_at_first_sign_in(directory: UserDirectory, store: InMemoryUserStore) -> None:
    directory.sign_in("alice", oidc_subject="sub-1")
    assert directory.sign_in("alice", oidc_subject="sub-1").user_id == "alice"
    with pytest.raises(Forbidden) as err:
        directory.sign_in("alice", oidc_subject="sub-2")
    assert err.value.code == "identity_mismatch"
    assert store.users["alice"].oidc_subject == "sub-1"


def test_admin_approves_pending_user(directory: UserDirectory) -> None:
    directory.sign_in("root")
    directory.sign_in("alice")
    approved = directory.approve(admin_principal(), "alice")
    assert (approved.role, approved.approved_by) == ("USER", "root")
    assert approved.approved_at is not None


def test_approving_twice_or_unknown_users_is_refused(directory: UserDirectory, store: InMemoryUserStore) -> None:
    directory.sign_in("root")
    directory.sign_in("alice")
    directory.approve(admin_principal(), "alice")
    with pytest.raises(Conflict):
        directory.approve(admin_principal(), "alice")
    with pytest.raises(NotFound):
        directory.approve(admin_principal(), "nobody")
    assert store.users["alice"].role == "USER"


def test_admin_changes_role_and_team(directory: UserDirectory) -> None:
    directory.sign_in("root")
    directory.sign_in("alice", team="a")
    updated = directory.update(admin_principal(), "alice", role="ADMIN", team="b")
    assert (updated.role, updated.team) == ("ADMIN", "b")
    assert updated.approved_by == "root"  # promoting a PENDING user approves them too


def test_the_last_admin_cannot_demote_themself(directory: UserDirectory, store: InMemoryUserStore) -> None:
    directory.sign_in("root")
    with pytest.raises(Conflict) as err:
        directory.update(admin_principal(), "root", role="USER", team=None)
    assert err.value.code == "last_admin"
    assert store.users["root"].role == "ADMIN" and store.admins == 1


def test_an_admin_may_step_down_when_another_remains(directory: UserDirectory, store: InMemoryUserStore) -> None:
    directory.sign_in("root")
    directory.sign_in("boss")
    assert directory.update(admin_principal(), "root", role="USER", team=None).role == "USER"
    assert store.admins == 1
    with pytest.raises(Conflict):
        directory.update(admin_principal("boss"), "boss", role="PENDING", team=None)


def test_invalid_role_is_refused(directory: UserDirectory) -> None:
    directory.sign_in("root")
    with pytest.raises(ValidationFailed):
        directory.update(admin_principal(), "root", role="ROOT", team=None)


def test_admin_actions_need_a_session_not_an_api_key(directory: UserDirectory, store: InMemoryUserStore) -> None:
    directory.sign_in("root")
    directory.sign_in("alice")
    key_caller = Principal(user_id="root", role="ADMIN", team="ops", auth_kind="api_key", api_key_id="key_1")
    with pytest.raises(Forbidden):
        directory.approve(key_caller, "alice")
    with pytest.raises(Forbidden):
        directory.list(key_caller, None, 10, None)
    assert store.users["alice"].role == "PENDING"


def test_role_and_team_changes_reach_the_users_api_keys(
    directory: UserDirectory, store: InMemoryUserStore, keys: InMemoryApiKeyStore, clock: FixedClock
) -> None:
    directory.sign_in("root")
    directory.sign_in("alice", team="a")
    directory.approve(admin_principal(), "alice")
    ApiKeyService(keys, store, clock).create(Principal("alice", "USER", "a"), "laptop")
    directory.update(admin_principal(), "alice", role="PENDING", team="b")
    (record,) = keys.keys.values()
    assert (record.role, record.team) == ("PENDING", "b")


def test_listing_filters_by_role_and_pages(directory: UserDirectory, clock: FixedClock) -> None:
    directory.sign_in("root")
    for name in ("a1", "a2", "a3"):
        clock.advance(seconds=1)
        directory.sign_in(name)
    pending = directory.list(admin_principal(), "PENDING", 2, None)
    assert [u.user_id for u in pending.items] == ["a1", "a2"]
    rest = directory.list(admin_principal(), "PENDING", 2, pending.next_cursor)
    assert [u.user_id for u in rest.items] == ["a3"] and rest.next_cursor is None
    with pytest.raises(ValidationFailed):
        directory.list(admin_principal(), "SUPER", 10, None)
