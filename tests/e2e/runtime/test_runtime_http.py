"""HTTP API through the local runtime: template routes served by their real handlers (Mangum included),
API Gateway's v2 event and response mapping, route precedence, the Lambda authorizer, errors, streaming."""

from __future__ import annotations

import base64
import threading
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_route_served_through_mangum_with_path_and_query(test_runtime: Any) -> None:
    r = httpx.get(test_runtime.url("/api/echo/a%20b"), params={"q": "x"})
    assert r.status_code == 200
    assert r.json() == {"item_id": "a b", "q": "x", "route_key": "GET /api/echo/{item_id}",
                        "path_parameters": {"item_id": "a b"}}


def test_post_body_reaches_the_handler(test_runtime: Any) -> None:
    r = httpx.post(test_runtime.url("/api/echo"), json={"hello": "wörld", "n": [1, 2]})
    assert r.status_code == 200
    assert r.json()["received"] == {"hello": "wörld", "n": [1, 2]}


def test_v2_event_shape(test_runtime: Any) -> None:
    r = httpx.get(test_runtime.url("/api/raw/one/two%2Fthree?a=1&a=2&b="),
                  headers={"X-Custom": "Yes", "Cookie": "c1=v1; c2=v2", "User-Agent": "e2e-test"})
    assert r.status_code == 200
    event = r.json()["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /api/raw/{proxy+}"
    assert event["rawPath"] == "/api/raw/one/two%2Fthree"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["pathParameters"] == {"proxy": "one/two/three"}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert event["headers"]["x-custom"] == "Yes"
    assert "cookie" not in event["headers"]
    ctx = event["requestContext"]
    assert ctx["http"]["method"] == "GET"
    assert ctx["http"]["path"] == "/api/raw/one/two%2Fthree"
    assert ctx["http"]["sourceIp"] == "127.0.0.1"
    assert ctx["http"]["userAgent"] == "e2e-test"
    assert ctx["stage"] == "$default"
    assert ctx["routeKey"] == "ANY /api/raw/{proxy+}"
    assert ctx["requestId"] and ctx["timeEpoch"] > 0 and ctx["time"]
    assert ctx["domainName"] == test_runtime.base_url.split("://")[1]
    assert event["isBase64Encoded"] is False and "body" not in event
    context = r.json()["context"]
    assert context["function_name"] == "RawFunction"
    assert context["memory"] == 256
    assert 0 < context["remaining_ms"] <= 5000
    assert context["arn"].endswith(":function:RawFunction")


def test_binary_request_body_is_base64(test_runtime: Any) -> None:
    payload = bytes(range(256))
    r = httpx.post(test_runtime.url("/api/raw/bin"), content=payload,
                   headers={"content-type": "application/octet-stream"})
    event = r.json()["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload
    assert event["requestContext"]["http"]["method"] == "POST"


def test_response_mapping_cookies_and_multi_value_headers(test_runtime: Any) -> None:
    r = httpx.get(test_runtime.url("/api/raw/x"), params={"shape": "cookies"})
    assert r.status_code == 201
    assert r.text == "ok"
    assert r.headers["x-one"] == "1"
    assert r.headers.get_list("x-multi") == ["a", "b"]
    assert r.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]


def test_binary_response_and_bare_json_response(test_runtime: Any) -> None:
    r = httpx.get(test_runtime.url("/api/raw/x"), params={"shape": "binary"})
    assert r.content == bytes(range(256))
    bare = httpx.get(test_runtime.url("/api/raw/x"), params={"shape": "bare"})
    assert bare.status_code == 200 and bare.json() == {"hello": "world"}
    assert bare.headers["content-type"] == "application/json"


def test_static_segment_beats_parameter(test_runtime: Any) -> None:
    assert httpx.get(test_runtime.url("/api/items/special")).json() == {"route": "special"}
    assert httpx.get(test_runtime.url("/api/items/42")).json() == {"route": "item", "item_id": "42"}


def test_unknown_path_and_wrong_method(test_runtime: Any) -> None:
    r = httpx.get(test_runtime.url("/api/nowhere"))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    wrong = httpx.delete(test_runtime.url("/api/items/special"))
    assert wrong.status_code == 404
    assert "GET" in wrong.json()["error"]["message"]


def test_authorizer_allows_and_passes_its_context(test_runtime: Any) -> None:
    r = httpx.get(test_runtime.url("/api/private"), headers={"Authorization": "Bearer good"})
    assert r.status_code == 200
    ctx = r.json()["authorizer"]["lambda"]
    assert ctx["user_id"] == "tester" and ctx["answer"] == 42
    assert ctx["identity_source"] == ["Bearer good"]
    assert ctx["route_key"] == "GET /api/private"


def test_authorizer_deny_is_403_and_missing_identity_is_401(test_runtime: Any) -> None:
    denied = httpx.get(test_runtime.url("/api/private"), headers={"Authorization": "Bearer bad"})
    assert denied.status_code == 403 and denied.json() == {"message": "Forbidden"}
    missing = httpx.get(test_runtime.url("/api/private"))
    assert missing.status_code == 401 and missing.json() == {"message": "Unauthorized"}
    unauthorized = httpx.get(test_runtime.url("/api/private"), headers={"Authorization": "Bearer unauthorized"})
    assert unauthorized.status_code == 401


def test_authorizer_exception_is_500(test_runtime: Any) -> None:
    r = httpx.get(test_runtime.url("/api/private"), headers={"Authorization": "Bearer explode"})
    assert r.status_code == 500
    assert "exploded" not in r.text


def test_handler_exception_is_500_with_error_id_and_no_traceback(test_runtime: Any) -> None:
    r = httpx.get(test_runtime.url("/api/boom"))
    assert r.status_code == 500
    error = r.json()["error"]
    assert error["code"] == "internal_error"
    assert error["error_id"] in error["message"]
    assert "secret detail" not in r.text and "Traceback" not in r.text
    log = test_runtime.log_text()
    assert error["error_id"] in log and "secret detail that must stay in the log" in log


def test_handler_over_its_timeout_is_503(test_runtime: Any) -> None:
    r = httpx.get(test_runtime.url("/api/raw/x"), params={"shape": "slow"}, timeout=30)
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "function_timeout"


def test_environment_from_template_runtime_and_process(test_runtime: Any) -> None:
    env = httpx.get(test_runtime.url("/api/env")).json()
    assert env["KV_TABLE"] == "a2g-KvTable"
    assert env["FILES_BUCKET"] == "a2g-filesbucket"
    assert env["STAGE"] == "test"
    assert env["JOINED"] == "a-test-b"
    assert env["TABLE_ARN"].endswith(":table/a2g-KvTable")
    assert env["GREETING"] == "process wins"  # the process environment beats the template
    assert env["A2G_ENV"] == "local"
    assert env["A2G_PUBLIC_URL"] == test_runtime.base_url
    assert env["A2G_WS_MANAGEMENT_URL"] == test_runtime.base_url + "/test"
    assert env["AWS_ENDPOINT_URL_S3"] == test_runtime.base_url + "/_s3"
    assert env["AWS_ENDPOINT_URL_DYNAMODB"].startswith("http://127.0.0.1:")
    assert env["AWS_ACCESS_KEY_ID"] == "local"
    assert env["A2G_TOKEN_SECRET"] == test_runtime.env["A2G_TOKEN_SECRET"]


def test_streaming_function_is_not_buffered(test_runtime: Any) -> None:
    with httpx.Client(timeout=15) as client, client.stream("GET", test_runtime.url("/api/stream")) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        first: dict[str, str] = {}
        reader = threading.Thread(target=lambda: first.setdefault("line", next(lines)))
        reader.start()
        reader.join(timeout=5)
        # The app holds the second chunk back until released: reading the first proves chunks are not buffered.
        assert first.get("line") == "first", "the first chunk did not arrive before the response ended"
        released = httpx.post(test_runtime.url("/api/stream/release"))
        assert released.json() == {"released": True, "has_request_context": True}
        assert next(lines) == "second"


def test_control_routes_lists_template_routes(test_runtime: Any) -> None:
    routes = test_runtime.control("GET", "routes").json()
    keys = {(r["method"], r["path"]): r for r in routes["http"]}
    assert keys[("GET", "/api/private")]["authorizer"] == "TestAuthorizer"
    assert keys[("GET", "/api/stream")]["streaming"] is True
    assert {r["route_key"] for r in routes["websocket"]["routes"]} == {"$connect", "$disconnect", "$default",
                                                                       "echo", "boom"}


def test_frontend_placeholder_when_not_built(test_runtime: Any) -> None:
    r = httpx.get(test_runtime.url("/some/page"))
    assert r.status_code == 200 and "not built" in r.text
