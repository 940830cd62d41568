"""A storage outage is 503 `storage_unavailable` with Retry-After, from the one mapper, wherever it surfaces:
an HTTP route, the health check, a WebSocket answer. Never a 500, never the store's URL or a stack trace."""

from __future__ import annotations

from tests import environment_defaults

environment_defaults.apply()

from typing import Any

import pytest
from a2g.errors import NotFound, client_error, is_storage_outage, map_exception
from a2g.http import create_app
from a2g.platform.health import HealthService
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from fastapi.testclient import TestClient
from pynamodb.exceptions import GetError, PutError, QueryError

INTERNAL_URL = "http://127.0.0.1:45678/"


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "nope"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                       "GetItem")


def _pynamo(kind: type[Exception], cause: Exception) -> Exception:
    return kind("Failed to get item", cause=cause)  # type: ignore[call-arg]


OUTAGES = {
    "connection refused": _pynamo(GetError, EndpointConnectionError(endpoint_url=INTERNAL_URL)),
    "connect timeout": _pynamo(QueryError, ConnectTimeoutError(endpoint_url=INTERNAL_URL)),
    "read timeout": _pynamo(PutError, ReadTimeoutError(endpoint_url=INTERNAL_URL)),
    "throttled": _pynamo(QueryError, _client_error("ThrottlingException", 400)),
    "over capacity": _pynamo(PutError, _client_error("ProvisionedThroughputExceededException", 400)),
    "dynamodb 500": _pynamo(GetError, _client_error("InternalServerError", 500)),
    "s3 503": _client_error("SlowDown", 503),
    "plain botocore": EndpointConnectionError(endpoint_url=INTERNAL_URL),
}


@pytest.mark.parametrize("name", list(OUTAGES))
def test_every_kind_of_outage_maps_to_503_storage_unavailable_with_retry_after(name: str) -> None:
    status, body, headers = map_exception(OUTAGES[name])
    assert status == 503
    assert body["error"]["code"] == "storage_unavailable"
    assert int(headers["Retry-After"]) > 0
    assert "127.0.0.1" not in str(body) and "Traceback" not in str(body)


def test_an_outage_wrapped_by_our_own_code_is_still_an_outage() -> None:
    try:
        try:
            raise OUTAGES["connection refused"]
        except Exception as exc:
            raise RuntimeError("while listing agents") from exc
    except RuntimeError as wrapped:
        assert is_storage_outage(wrapped)


@pytest.mark.parametrize("exc", [
    _pynamo(PutError, _client_error("ConditionalCheckFailedException", 400)),
    _pynamo(GetError, _client_error("ValidationException", 400)),
    TimeoutError("an outbound call timed out"),
    ValueError("a bug"),
])
def test_what_is_not_an_outage_is_not_called_one(exc: Exception) -> None:
    assert not is_storage_outage(exc)
    status, body, _ = map_exception(exc)
    assert body["error"]["code"] != "storage_unavailable"
    assert status in (409, 500)


def test_a_route_whose_store_is_down_answers_503_not_500() -> None:
    app = create_app("t")

    @app.get("/api/things")
    def things() -> dict[str, Any]:
        raise OUTAGES["connection refused"]

    response = TestClient(app, raise_server_exceptions=False).get("/api/things")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "storage_unavailable"
    assert response.headers["retry-after"] == "5"
    assert INTERNAL_URL not in response.text


def test_websocket_answers_use_the_same_mapping() -> None:
    outage = client_error(OUTAGES["read timeout"])
    assert outage["code"] == "storage_unavailable" and outage["retry_after"] > 0
    assert client_error(NotFound("no such trace", code="trace_not_found")) == {
        "code": "trace_not_found", "message": "no such trace"}


# --- /api/health -----------------------------------------------------------------------------------------


def _down() -> None:
    raise EndpointConnectionError(endpoint_url=INTERNAL_URL)


def test_health_names_the_store_that_is_down_with_503() -> None:
    report = HealthService({"dynamodb": _down, "s3": lambda: None}, lambda: {"heartbeat": {}}).check()
    assert report.status_code == 503
    assert report.body["status"] == "degraded"
    assert report.body["stores"] == {"dynamodb": "down", "s3": "ok"}
    assert report.body["schedules"] is None  # not read from a store that is down
    assert int(report.headers["Retry-After"]) > 0
    assert "127.0.0.1" not in str(report.body)


def test_health_is_200_when_every_store_answers() -> None:
    beats = {"a2g-heartbeat-dev": {"last_beat_at": "2026-01-01T00:00:00Z", "beats": 3}}
    report = HealthService({"dynamodb": lambda: None, "s3": lambda: None}, lambda: beats).check()
    assert report.status_code == 200
    assert report.body == {"status": "ok", "storage": "ok", "stores": {"dynamodb": "ok", "s3": "ok"},
                           "schedules": beats}


def test_health_function_answers_503_through_its_app_when_dynamodb_is_unreachable(monkeypatch: Any) -> None:
    """The real function module, its real probes, pointed at a port where nothing listens."""
    import importlib
    import sys

    from a2g.settings import get_settings

    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    get_settings.cache_clear()
    sys.modules.pop("functions.health.app", None)
    try:
        module = importlib.import_module("functions.health.app")
        response = TestClient(module.app, raise_server_exceptions=False).get("/api/health")
    finally:
        sys.modules.pop("functions.health.app", None)
        get_settings.cache_clear()
    assert response.status_code == 503, response.text
    assert response.json()["stores"] == {"dynamodb": "down", "s3": "down"}
    assert "127.0.0.1" not in response.text
