"""A refusal (an error the mapper turns into a 4xx) is logged as one line without a traceback; an unhandled
error keeps its traceback (a2g.http.app, through Mangum as on Lambda)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from a2g.errors import NotFound
from a2g.http import create_app, lambda_handler_for

app = create_app("refusal-probe")


class _ConditionalPutError(Exception):
    """What PynamoDB raises when a condition fails (the mapper matches it by name): a 409, not a bug."""

    cause_response_code = "ConditionalCheckFailedException"


_ConditionalPutError.__name__ = "PutError"


@app.get("/api/missing")
def missing() -> None:
    raise NotFound("no such probe")


@app.get("/api/taken")
def taken() -> None:
    raise _ConditionalPutError("the condition failed")


@app.get("/api/broken")
def broken() -> None:
    raise RuntimeError("a bug")


handler = lambda_handler_for(app)


@pytest.fixture(autouse=True)
def _event_loop() -> Iterator[None]:
    """Mangum runs the app on the thread's event loop (see test_authorizer_verdict.py)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    yield
    asyncio.set_event_loop(None)
    loop.close()


def _get(path: str) -> dict[str, Any]:
    context = {
        "accountId": "1", "apiId": "api", "domainName": "127.0.0.1", "requestId": "r1", "stage": "$default",
        "routeKey": f"GET {path}", "time": "02/Dec/2026:14:00:00 +0000", "timeEpoch": 0,
        "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t"},
    }
    answer: dict[str, Any] = handler({"version": "2.0", "routeKey": f"GET {path}", "rawPath": path,
                                      "rawQueryString": "", "headers": {}, "requestContext": context,
                                      "isBase64Encoded": False}, None)
    return answer


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.INFO]


@pytest.mark.parametrize(("path", "status", "code"), [("/api/missing", 404, "not_found"),
                                                      ("/api/taken", 409, "conflict")])
def test_a_refusal_is_answered_and_logged_as_one_line_without_a_traceback(
    caplog: pytest.LogCaptureFixture, path: str, status: int, code: str
) -> None:
    caplog.set_level(logging.INFO)
    answer = _get(path)
    assert answer["statusCode"] == status
    assert json.loads(answer["body"])["error"]["code"] == code
    records = _records(caplog)
    assert not [r.getMessage() for r in records if r.exc_info or r.exc_text]
    refused = [r for r in records if r.getMessage() == "request refused"]
    assert len(refused) == 1
    assert vars(refused[0])["status"] == status and vars(refused[0])["code"] == code
    assert vars(refused[0])["path"] == path


def test_an_unhandled_error_keeps_its_traceback_and_tells_the_client_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    answer = _get("/api/broken")
    assert answer["statusCode"] == 500
    error = json.loads(answer["body"])["error"]
    assert error["code"] == "internal_error" and "a bug" not in answer["body"]
    with_traceback = [r for r in _records(caplog) if r.exc_info]
    assert with_traceback and all(r.exc_info and r.exc_info[0] is RuntimeError for r in with_traceback)
    assert not [r for r in _records(caplog) if r.getMessage() == "request refused"]
