"""Every HTTP app refuses a request the authorizer marked, before routing: a route that never reads its caller
and a body that would not even parse are not reached (a2g.http.app, a2g.identity.principal)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from a2g.http import create_app, lambda_handler_for

calls: list[str] = []
app = create_app("verdict-probe")


@app.post("/api/probe")
def probe() -> dict[str, str]:  # reads no principal on purpose
    calls.append("probe")
    return {"ok": "yes"}


handler = lambda_handler_for(app)


@pytest.fixture(autouse=True)
def _event_loop() -> Iterator[None]:
    """Mangum runs the app on the thread's event loop, which Lambda's fresh process always has; a test that ran
    `asyncio.run` before on this worker leaves none set, so each test gets its own."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


def _event(authorizer_context: dict[str, Any] | None, body: str = "{}") -> dict[str, Any]:
    context: dict[str, Any] = {
        "accountId": "1", "apiId": "api", "domainName": "127.0.0.1", "requestId": "r1", "stage": "$default",
        "routeKey": "POST /api/probe", "time": "02/Dec/2026:14:00:00 +0000", "timeEpoch": 0,
        "http": {"method": "POST", "path": "/api/probe", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                 "userAgent": "test"},
    }
    if authorizer_context is not None:
        context["authorizer"] = {"lambda": authorizer_context}
    return {"version": "2.0", "routeKey": "POST /api/probe", "rawPath": "/api/probe", "rawQueryString": "",
            "headers": {"content-type": "application/json"}, "requestContext": context, "body": body,
            "isBase64Encoded": False}


@pytest.mark.parametrize(("marker", "status", "code"), [
    ({"denied": "invalid_api_key"}, 401, "invalid_api_key"),
    ({"denied": "token_expired"}, 401, "token_expired"),
    ({"denied": "anything else"}, 401, "invalid_token"),
    ({"denied": "revoked_api_key", "user_id": "admin", "role": "ADMIN"}, 401, "revoked_api_key"),
    ({"outage": "storage"}, 503, "storage_unavailable"),
])
@pytest.mark.parametrize("body", ["{}", "{not json", "[" * 5000])
def test_a_marked_request_is_answered_before_any_route_runs(
    marker: dict[str, str], status: int, code: str, body: str,
) -> None:
    calls.clear()
    answer = handler(_event(marker, body), None)
    assert answer["statusCode"] == status
    error = json.loads(answer["body"])["error"]
    assert error["code"] == code and error["message"]
    assert calls == []


def test_an_unmarked_request_reaches_its_route() -> None:
    calls.clear()
    user = {"user_id": "alice", "role": "USER", "team": "t", "auth_kind": "token"}
    for context in (None, user):
        answer = handler(_event(context), None)
        assert answer["statusCode"] == 200, answer
    assert calls == ["probe", "probe"]
