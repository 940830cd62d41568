"""The authorizer's two event shapes: HTTP API simple responses and WebSocket $connect IAM policies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from a2g.clock import FixedClock
from a2g.identity.api_keys import ApiKeyAuthenticator, ApiKeyService
from a2g.identity.authorizer import RequestAuthorizer, handle_authorizer_event
from a2g.identity.ports import User
from a2g.identity.principal import Principal, principal_from_event
from a2g.identity.tokens import AccessTokenCodec
from identity_fakes import InMemoryApiKeyStore, InMemoryUserStore

METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/$connect"


class Env:
    def __init__(self) -> None:
        self.clock = FixedClock(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
        self.tokens = AccessTokenCodec("k" * 40, "http://127.0.0.1:3000", 900, self.clock)
        self.key_store = InMemoryApiKeyStore()
        users = InMemoryUserStore()
        users.create(User("alice", "Alice", "search", "USER", "t", "t"))
        self.keys = ApiKeyService(self.key_store, users, self.clock)
        self.authorizer = RequestAuthorizer(self.tokens, ApiKeyAuthenticator(self.key_store, self.clock))

    def token(self, role: str = "USER") -> str:
        return self.tokens.issue("alice", role, "search").token


@pytest.fixture
def env() -> Env:
    return Env()


def http_event(authorization: str | None) -> dict:
    headers = {"authorization": authorization} if authorization is not None else {}
    return {
        "version": "2.0", "type": "REQUEST", "routeArn": "arn:aws:execute-api:us-east-1:1:api/dev/GET/api/auth/me",
        "identitySource": [authorization] if authorization else [], "routeKey": "GET /api/auth/me",
        "headers": headers, "requestContext": {"http": {"method": "GET", "path": "/api/auth/me"}},
    }


def ws_event(token: str | None) -> dict:
    return {
        "type": "REQUEST", "methodArn": METHOD_ARN, "headers": {},
        "queryStringParameters": {"token": token} if token is not None else {},
        "requestContext": {"routeKey": "$connect", "eventType": "CONNECT", "connectionId": "c1"},
    }


def test_http_valid_token_is_authorized_with_identity_context(env: Env) -> None:
    answer = handle_authorizer_event(http_event(f"Bearer {env.token()}"), env.authorizer)
    assert answer == {"isAuthorized": True,
                      "context": {"user_id": "alice", "role": "USER", "team": "search", "auth_kind": "token"}}
    # What a handler then reads from the event API Gateway builds with that context.
    routed = {"requestContext": {"authorizer": {"lambda": answer["context"]}}}
    assert principal_from_event(routed) == Principal("alice", "USER", "search")


def test_http_pending_users_are_authorized(env: Env) -> None:
    answer = handle_authorizer_event(http_event(f"Bearer {env.token('PENDING')}"), env.authorizer)
    assert answer["isAuthorized"] is True and answer["context"]["role"] == "PENDING"


def _refusal(answer: dict) -> tuple[int, str]:
    """What a function answers for an authorizer's verdict: (status, error code) through the one mapper."""
    from a2g.errors import PlatformError, map_exception

    assert answer["isAuthorized"] is True  # never a denial: API Gateway would make it a bare 403
    assert set(answer["context"]) == {"denied"}  # the reason only: no identity to act as
    with pytest.raises(PlatformError) as raised:
        principal_from_event({"requestContext": {"authorizer": {"lambda": answer["context"]}}})
    status, body, _ = map_exception(raised.value)
    assert body["error"]["message"]  # a sentence for the client
    return status, body["error"]["code"]


@pytest.mark.parametrize(("authorization", "code"), [
    (None, "credential_required"), ("", "credential_required"), ("Bearer", "credential_required"),
    ("Basic YTpi", "credential_required"), ("Bearer garbage", "invalid_token"),
    ("Bearer a2g_sk_nope", "invalid_api_key"), ("Bearer a2g_sk_" + "x" * 43, "invalid_api_key"),
    ("Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln", "invalid_token"),
])
def test_http_missing_or_bad_credentials_are_refused_with_their_reason(
    env: Env, authorization: str | None, code: str,
) -> None:
    assert _refusal(handle_authorizer_event(http_event(authorization), env.authorizer)) == (401, code)


def test_http_expired_token_is_refused_as_expired(env: Env) -> None:
    token = env.token()
    env.clock.advance(minutes=16)
    assert _refusal(handle_authorizer_event(http_event(f"Bearer {token}"), env.authorizer)) == (401, "token_expired")


def test_http_token_of_a_removed_user_is_refused_as_such(env: Env) -> None:
    users = InMemoryUserStore()  # alice is not in it
    authorizer = RequestAuthorizer(env.tokens, ApiKeyAuthenticator(env.key_store, env.clock), users)
    answer = handle_authorizer_event(http_event(f"Bearer {env.token()}"), authorizer)
    assert _refusal(answer) == (401, "account_removed")


def test_http_api_key_is_authorized_until_revoked(env: Env) -> None:
    created = env.keys.create(Principal("alice", "USER", "search"), "sdk")
    answer = handle_authorizer_event(http_event(f"Bearer {created['key']}"), env.authorizer)
    assert answer["isAuthorized"] is True
    assert answer["context"] == {"user_id": "alice", "role": "USER", "team": "search", "auth_kind": "api_key",
                                 "api_key_id": created["id"]}
    env.keys.revoke(Principal("alice", "USER", "search"), created["id"])
    answer = handle_authorizer_event(http_event(f"Bearer {created['key']}"), env.authorizer)
    assert _refusal(answer) == (401, "revoked_api_key")


@pytest.mark.parametrize("context", [
    {"denied": "invalid_api_key", "user_id": "mallory", "role": "ADMIN"},  # identity beside a marker: ignored
    {"denied": "made_up_code"},  # an unknown code still refuses, as invalid_token
    {"denied": ""},
])
def test_the_principal_reader_refuses_any_denial_marker(context: dict) -> None:
    from a2g.errors import Unauthenticated

    for event in ({"requestContext": {"authorizer": {"lambda": context}}},  # HTTP API v2
                  {"requestContext": {"authorizer": context}}):  # WebSocket / REST shape
        with pytest.raises(Unauthenticated) as raised:
            principal_from_event(event)
        assert raised.value.code == (context["denied"] if context["denied"] == "invalid_api_key" else "invalid_token")


def test_the_principal_reader_reads_unmarked_contexts() -> None:
    assert principal_from_event({}) is None
    assert principal_from_event({"requestContext": {"authorizer": {"lambda": "not a dict"}}}) is None
    ctx = {"user_id": "bob", "role": "ADMIN", "team": "t", "auth_kind": "api_key", "api_key_id": "k1"}
    assert principal_from_event({"requestContext": {"authorizer": {"lambda": ctx}}}) == Principal(
        "bob", "ADMIN", "t", "api_key", "k1")


def test_ws_valid_token_gets_an_allow_policy_for_the_method(env: Env) -> None:
    answer = handle_authorizer_event(ws_event(env.token()), env.authorizer)
    assert answer["principalId"] == "alice"
    (statement,) = answer["policyDocument"]["Statement"]
    assert statement == {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": METHOD_ARN}
    assert answer["context"]["user_id"] == "alice"
    # WebSocket events carry the context flat under requestContext.authorizer.
    assert principal_from_event({"requestContext": {"authorizer": answer["context"]}}).user_id == "alice"


@pytest.mark.parametrize("case,code", [("missing", "credential_required"), ("expired", "token_expired"),
                                       ("garbage", "invalid_token")])
def test_ws_bad_tokens_are_let_through_with_only_their_reason(env: Env, case: str, code: str) -> None:
    """Never a Deny (API Gateway would answer a bare 403): the `$connect` function refuses it with the code."""
    from a2g.errors import Unauthenticated

    token = {"missing": None, "garbage": "garbage"}.get(case, env.token())
    if case == "expired":
        env.clock.advance(minutes=16)
    answer = handle_authorizer_event(ws_event(token), env.authorizer)
    assert answer["principalId"] == "anonymous" and answer["context"] == {"denied": code}
    with pytest.raises(Unauthenticated) as refused:
        principal_from_event({"requestContext": {"authorizer": answer["context"]}})
    assert refused.value.code == code


def test_ws_pending_user_is_let_through_for_connect_to_refuse(env: Env) -> None:
    answer = handle_authorizer_event(ws_event(env.token("PENDING")), env.authorizer)
    principal = principal_from_event({"requestContext": {"authorizer": answer["context"]}})
    assert principal is not None and not principal.is_approved  # functions/ws_connect answers 403 pending_approval


# --- role changes reach tokens within 5 s (issue 20, item 10) ----------------------------------------------


class _Ticker:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_demoted_or_removed_users_token_is_refused_within_5_seconds(env: Env) -> None:
    from dataclasses import replace

    users = InMemoryUserStore()
    users.create(User("alice", "Alice", "search", "ADMIN", "t", "t"))
    ticker = _Ticker()
    authorizer = RequestAuthorizer(env.tokens, ApiKeyAuthenticator(env.key_store, env.clock), users,
                                   role_cache_seconds=60, monotonic=ticker)
    token = env.tokens.issue("alice", "ADMIN", "search").token
    assert authorizer.principal_for(token).role == "ADMIN"
    users.users["alice"] = replace(users.users["alice"], role="PENDING", team="other")
    ticker.now += 4.9
    assert authorizer.principal_for(token).role == "ADMIN"  # at most 5 s old
    ticker.now += 0.1
    demoted = authorizer.principal_for(token)
    assert (demoted.role, demoted.team) == ("PENDING", "other")
    assert handle_authorizer_event(http_event(f"Bearer {token}"), authorizer)["context"]["role"] == "PENDING"
    del users.users["alice"]
    ticker.now += 5
    assert authorizer.principal_for(token) is None


def test_the_role_lookup_is_cached_per_user(env: Env) -> None:
    class CountingUsers(InMemoryUserStore):
        gets = 0

        def get(self, user_id: str) -> User | None:
            CountingUsers.gets += 1
            return super().get(user_id)

    users = CountingUsers()
    users.create(User("alice", "Alice", "search", "USER", "t", "t"))
    ticker = _Ticker()
    authorizer = RequestAuthorizer(env.tokens, ApiKeyAuthenticator(env.key_store, env.clock), users,
                                   monotonic=ticker)
    token = env.token()
    for _ in range(10):
        assert authorizer.principal_for(token).role == "USER"
    assert CountingUsers.gets == 1


def test_a_token_newer_than_the_cached_role_is_checked_again(env: Env) -> None:
    from dataclasses import replace

    users = InMemoryUserStore()
    users.create(User("alice", "Alice", "search", "USER", "t", "t"))
    authorizer = RequestAuthorizer(env.tokens, ApiKeyAuthenticator(env.key_store, env.clock), users,
                                   monotonic=_Ticker())
    assert authorizer.principal_for(env.token("USER")).role == "USER"
    users.users["alice"] = replace(users.users["alice"], role="ADMIN")  # promoted, then refreshed at once
    assert authorizer.principal_for(env.token("ADMIN")).role == "ADMIN"
    assert authorizer.principal_for(env.token("USER")).role == "ADMIN"  # the old token: the current role


class _UnreachableUsers:
    """A user store whose DynamoDB does not answer (what botocore raises when the connection is refused)."""

    def get(self, user_id: str) -> None:
        from botocore.exceptions import EndpointConnectionError

        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:8000")


def test_storage_outage_in_the_authorizer_is_passed_on_as_503_not_500_or_403(env: Env) -> None:
    from a2g.errors import StorageUnavailable, map_exception

    down = RequestAuthorizer(env.tokens, ApiKeyAuthenticator(env.key_store, env.clock), _UnreachableUsers())
    answer = handle_authorizer_event(http_event(f"Bearer {env.token()}"), down)
    # Let through with no identity at all: only the outage marker.
    assert answer["isAuthorized"] is True and "user_id" not in answer["context"]
    routed = {"requestContext": {"authorizer": {"lambda": answer["context"]}}}
    with pytest.raises(StorageUnavailable) as raised:
        principal_from_event(routed)
    status, body, headers = map_exception(raised.value)
    assert (status, body["error"]["code"], headers.get("Retry-After")) == (503, "storage_unavailable", "5")


def test_storage_outage_at_websocket_connect_is_refused_by_the_connect_handler(env: Env) -> None:
    from a2g.errors import StorageUnavailable

    down = RequestAuthorizer(env.tokens, ApiKeyAuthenticator(env.key_store, env.clock), _UnreachableUsers())
    answer = handle_authorizer_event(ws_event(env.token()), down)
    assert answer["principalId"] == "storage-unavailable" and "user_id" not in answer["context"]
    with pytest.raises(StorageUnavailable):
        principal_from_event({"requestContext": {"authorizer": answer["context"]}})


def test_other_authorizer_failures_still_fail(env: Env) -> None:
    class BrokenUsers:
        def get(self, user_id: str) -> None:
            raise RuntimeError("a bug, not an outage")

    broken = RequestAuthorizer(env.tokens, ApiKeyAuthenticator(env.key_store, env.clock), BrokenUsers())
    with pytest.raises(RuntimeError):
        handle_authorizer_event(http_event(f"Bearer {env.token()}"), broken)


def test_a_forged_outage_marker_grants_nothing() -> None:
    from a2g.errors import StorageUnavailable

    # Only the authorizer writes the context; and even then the marker carries no identity to act as.
    with pytest.raises(StorageUnavailable):
        principal_from_event({"requestContext": {"authorizer": {"lambda": {"outage": "storage", "user_id": "x"}}}})
