"""Signing in (dev and SSO), staying signed in with rotating refresh tokens, and signing out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from a2g.clock import FixedClock
from a2g.errors import Forbidden, NotFound, Unauthenticated
from a2g.identity.oidc import OidcClient, OidcSettings
from a2g.identity.principal import Principal
from a2g.identity.service import AuthService, safe_return_to
from a2g.identity.sessions import REUSE_GRACE_SECONDS, RefreshSessions
from a2g.identity.tokens import AccessTokenCodec
from a2g.identity.users import UserDirectory
from identity_fakes import (
    CLIENT_ID,
    FakeIdentityProvider,
    InMemoryApiKeyStore,
    InMemoryOidcStateStore,
    InMemoryRefreshStore,
    InMemoryUserStore,
)


class World:
    """An AuthService on fakes, optionally with a (fake) identity provider."""

    def __init__(self, *, sso: bool, dev_login: bool = True) -> None:
        self.clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
        self.users = InMemoryUserStore()
        self.refresh = InMemoryRefreshStore()
        self.states = InMemoryOidcStateStore()
        self.idp = FakeIdentityProvider()
        self.tokens = AccessTokenCodec("k" * 40, "http://127.0.0.1:3000", 900, self.clock)
        self.directory = UserDirectory(self.users, InMemoryApiKeyStore(), ["root"], self.clock)
        oidc = None
        if sso:
            oidc = OidcClient(
                OidcSettings(
                    issuer=self.idp.issuer, client_id=CLIENT_ID, client_secret="secret",
                    redirect_url="http://127.0.0.1:3000/api/auth/callback", scopes="openid profile",
                    username_claim="preferred_username", name_claim="name", team_claim="team",
                ),
                self.idp, self.clock,
            )
        self.auth = AuthService(
            users=self.directory, tokens=self.tokens,
            sessions=RefreshSessions(self.refresh, timedelta(days=30), self.clock),
            states=self.states, oidc=oidc, dev_login_enabled=dev_login, clock=self.clock,
        )

    def sso(self, **claims: object):
        start = self.auth.begin_sso("/agents")
        code, state = self.idp.authorize(start.redirect_url, **claims)
        return self.auth.complete_sso(code=code, state=state, browser_state=start.state, error=None)


@pytest.fixture
def local() -> World:
    return World(sso=False)


@pytest.fixture
def sso() -> World:
    return World(sso=True)


# --- dev sign-in -------------------------------------------------------------------------------------------


def test_dev_login_signs_a_new_user_in_as_pending(local: World) -> None:
    signed_in = local.auth.dev_login("alice", "search")
    body = signed_in.body()
    assert body["user"]["role"] == "PENDING" and body["user"]["pending"] is True
    assert local.tokens.verify(body["access_token"]).role == "PENDING"
    assert signed_in.refresh.token.startswith("a2g_rt_")
    assert signed_in.refresh.token not in str(local.refresh.sessions)  # only its hash is stored


def test_dev_login_makes_initial_admins_admin(local: World) -> None:
    assert local.auth.dev_login("root", None).user.role == "ADMIN"


def test_dev_login_is_refused_when_a_provider_is_configured(sso: World) -> None:
    with pytest.raises(Forbidden) as err:
        sso.auth.dev_login("root", None)
    assert err.value.code == "dev_login_disabled"
    assert sso.users.users == {}
    assert sso.auth.config() == {"sso_enabled": True, "dev_login_enabled": False, "login_url": "/api/auth/login"}


def test_dev_login_can_be_switched_off_without_a_provider() -> None:
    world = World(sso=False, dev_login=False)
    with pytest.raises(Forbidden):
        world.auth.dev_login("alice", None)
    assert world.auth.config()["dev_login_enabled"] is False


def test_config_without_provider(local: World) -> None:
    assert local.auth.config() == {"sso_enabled": False, "dev_login_enabled": True, "login_url": None}
    with pytest.raises(NotFound):
        local.auth.begin_sso(None)


# --- single sign-on ---------------------------------------------------------------------------------------


def test_sso_creates_the_user_from_mapped_claims_and_returns_where_asked(sso: World) -> None:
    signed_in = sso.sso()
    assert signed_in.return_to == "/agents"
    user = sso.users.users["alice"]
    assert (user.display_name, user.team, user.role, user.oidc_subject) == ("Alice Kim", "search", "PENDING", "sub-alice")
    assert user.email == "alice@example.test"


def test_a_changed_email_at_the_provider_reaches_the_profile(sso: World) -> None:
    sso.sso()
    sso.sso(email="alice.kim@example.test")
    assert sso.users.users["alice"].email == "alice.kim@example.test"
    assert sso.states.states == {}  # the login state was used up


def test_sso_state_works_once(sso: World) -> None:
    start = sso.auth.begin_sso(None)
    code, state = sso.idp.authorize(start.redirect_url)
    sso.auth.complete_sso(code=code, state=state, browser_state=start.state, error=None)
    code2, _ = sso.idp.authorize(start.redirect_url)
    with pytest.raises(Unauthenticated) as err:
        sso.auth.complete_sso(code=code2, state=state, browser_state=start.state, error=None)
    assert err.value.code == "sso_state_expired"


def test_sso_callback_in_another_browser_is_refused(sso: World) -> None:
    start = sso.auth.begin_sso(None)
    code, state = sso.idp.authorize(start.redirect_url)
    for browser_state in (None, "someone-elses-state"):
        with pytest.raises(Unauthenticated) as err:
            sso.auth.complete_sso(code=code, state=state, browser_state=browser_state, error=None)
        assert err.value.code == "sso_state_mismatch"
    assert sso.users.users == {}
    assert sso.idp.token_requests == []  # refused before the code was even redeemed


def test_sso_state_expires_after_ten_minutes(sso: World) -> None:
    start = sso.auth.begin_sso(None)
    code, state = sso.idp.authorize(start.redirect_url)
    sso.clock.advance(minutes=11)
    with pytest.raises(Unauthenticated):
        sso.auth.complete_sso(code=code, state=state, browser_state=start.state, error=None)
    assert sso.users.users == {}


def test_sso_response_naming_another_issuer_is_refused(sso: World) -> None:
    start = sso.auth.begin_sso(None)
    code, state = sso.idp.authorize(start.redirect_url)
    with pytest.raises(Unauthenticated):
        sso.auth.complete_sso(code=code, state=state, browser_state=start.state, error=None,
                              issuer="https://other-idp.example")
    assert sso.users.users == {} and sso.idp.token_requests == []


def test_sso_response_naming_our_issuer_is_fine(sso: World) -> None:
    start = sso.auth.begin_sso(None)
    code, state = sso.idp.authorize(start.redirect_url)
    signed_in = sso.auth.complete_sso(code=code, state=state, browser_state=start.state, error=None,
                                      issuer=sso.idp.issuer + "/")
    assert signed_in.user.user_id == "alice"


def test_sso_provider_error_is_a_failed_sign_in(sso: World) -> None:
    start = sso.auth.begin_sso(None)
    with pytest.raises(Unauthenticated):
        sso.auth.complete_sso(code=None, state=start.state, browser_state=start.state, error="access_denied")


def test_sso_id_token_for_another_nonce_is_refused(sso: World) -> None:
    start = sso.auth.begin_sso(None)
    code, state = sso.idp.authorize(start.redirect_url, nonce="replayed-from-another-login")
    with pytest.raises(Unauthenticated):
        sso.auth.complete_sso(code=code, state=state, browser_state=start.state, error=None)
    assert sso.users.users == {}


@pytest.mark.parametrize("value,expected", [
    ("/agents?x=1", "/agents?x=1"), (None, "/"), ("https://evil.example/", "/"), ("//evil.example", "/"),
    ("/\\evil.example", "/"), ("javascript:alert(1)", "/"), ("/ok\nSet-Cookie:x", "/"),
])
def test_return_to_is_a_local_path_only(value: str | None, expected: str) -> None:
    assert safe_return_to(value) == expected


# --- refresh, rotation, reuse, logout ----------------------------------------------------------------------


def test_refresh_rotates_and_issues_a_fresh_access_token(local: World) -> None:
    first = local.auth.dev_login("alice", None)
    local.clock.advance(minutes=20)  # the first access token has expired by now
    with pytest.raises(Unauthenticated):
        local.tokens.verify(first.access.token)
    again = local.auth.refresh(first.refresh.token)
    assert again.refresh.token != first.refresh.token
    assert local.tokens.verify(again.access.token).user_id == "alice"


def test_refresh_picks_up_an_approval(local: World) -> None:
    local.auth.dev_login("root", None)
    alice = local.auth.dev_login("alice", None)
    local.directory.approve(Principal("root", "ADMIN", ""), "alice")
    assert local.tokens.verify(local.auth.refresh(alice.refresh.token).access.token).role == "USER"


def test_reusing_a_rotated_token_revokes_the_whole_sign_in(local: World) -> None:
    stolen = local.auth.dev_login("alice", None).refresh.token
    legit = local.auth.refresh(stolen).refresh.token
    local.clock.advance(seconds=REUSE_GRACE_SECONDS + 1)
    with pytest.raises(Unauthenticated) as err:
        local.auth.refresh(stolen)
    assert err.value.code == "session_reused"
    with pytest.raises(Unauthenticated):
        local.auth.refresh(legit)  # the thief's replay signed the real user out too
    assert local.refresh.sessions == {}


def test_a_concurrent_double_refresh_does_not_sign_out(local: World) -> None:
    token = local.auth.dev_login("alice", None).refresh.token
    winner = local.auth.refresh(token).refresh.token
    with pytest.raises(Unauthenticated):
        local.auth.refresh(token)  # the other tab, a moment later
    assert local.auth.refresh(winner).user.user_id == "alice"


def test_other_sign_ins_survive_a_revoked_family(local: World) -> None:
    laptop = local.auth.dev_login("alice", None).refresh.token
    phone = local.auth.dev_login("alice", None).refresh.token
    local.auth.logout(laptop)
    with pytest.raises(Unauthenticated):
        local.auth.refresh(laptop)
    assert local.auth.refresh(phone).user.user_id == "alice"


def test_refresh_tokens_expire(local: World) -> None:
    token = local.auth.dev_login("alice", None).refresh.token
    local.clock.advance(days=31)
    with pytest.raises(Unauthenticated):
        local.auth.refresh(token)


@pytest.mark.parametrize("garbage", [None, "", "a2g_rt_unknown", "x" * 500, "not-a-token"])
def test_refresh_with_garbage_is_401(local: World, garbage: str | None) -> None:
    with pytest.raises(Unauthenticated):
        local.auth.refresh(garbage)


def test_logout_without_a_cookie_is_harmless(local: World) -> None:
    local.auth.logout(None)
    local.auth.logout("a2g_rt_whatever")


def test_me_reads_the_stored_profile(local: World) -> None:
    local.auth.dev_login("alice", "search")
    me = local.auth.me(Principal("alice", "PENDING", "search"))
    assert me["pending"] is True and me["team"] == "search" and me["auth_kind"] == "token"
    with pytest.raises(Unauthenticated):
        local.auth.me(Principal("ghost", "USER", ""))
