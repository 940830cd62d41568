"""The events and responses the runtime builds, as API Gateway and EventBridge build them."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from a2g_local.events import (
    IncomingRequest,
    LambdaContext,
    build_http_authorizer_event,
    build_http_event,
    build_scheduled_event,
    http_result_from_lambda,
    ws_connect_parts,
)
from a2g_local.schedule_expr import parse_schedule
from a2g_local.template import ScheduleDef
from a2g_local.websocket import interpret_authorizer_result


def _request(**kw: object) -> IncomingRequest:
    base: dict[str, object] = {
        "method": "POST", "raw_path": "/api/items/a%20b", "raw_query": "x=1&x=2&y=",
        "headers": [("content-type", "application/json"), ("cookie", "a=1; b=2"), ("x-multi", "1"),
                    ("x-multi", "2"), ("user-agent", "ua"), ("host", "127.0.0.1:3000")],
        "body": b'{"k": "v"}', "source_ip": "127.0.0.1", "domain_name": "127.0.0.1:3000", "time": 1700000000.5,
        "request_id": "rid-1"}
    base.update(kw)
    return IncomingRequest(**base)  # type: ignore[arg-type]


def test_http_v2_event() -> None:
    event = build_http_event(_request(), "POST /api/items/{id}", {"id": "a b"}, {"user_id": "u1"})
    assert event["version"] == "2.0" and event["routeKey"] == "POST /api/items/{id}"
    assert event["rawPath"] == "/api/items/a%20b" and event["rawQueryString"] == "x=1&x=2&y="
    assert event["cookies"] == ["a=1", "b=2"] and "cookie" not in event["headers"]
    assert event["headers"]["x-multi"] == "1,2"
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["pathParameters"] == {"id": "a b"}
    assert event["body"] == '{"k": "v"}' and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["http"] == {"method": "POST", "path": "/api/items/a%20b", "protocol": "HTTP/1.1",
                           "sourceIp": "127.0.0.1", "userAgent": "ua"}
    assert ctx["authorizer"] == {"lambda": {"user_id": "u1"}}
    assert ctx["stage"] == "$default" and ctx["requestId"] == "rid-1" and ctx["timeEpoch"] == 1700000000500
    assert ctx["time"] == "14/Nov/2023:22:13:20 +0000"
    assert ctx["accountId"] and ctx["apiId"] and ctx["domainName"] == "127.0.0.1:3000"


def test_http_event_leaves_out_what_is_absent() -> None:
    event = build_http_event(_request(raw_query="", headers=[("host", "h")], body=b""), "GET /x", {})
    for key in ("cookies", "queryStringParameters", "pathParameters", "body"):
        assert key not in event
    assert "authorizer" not in event["requestContext"]


def test_binary_body_is_base64() -> None:
    event = build_http_event(_request(headers=[("content-type", "image/png")], body=b"\x89PNG\x00"), "POST /x", {})
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\x89PNG\x00"
    invalid_utf8 = build_http_event(_request(headers=[("content-type", "text/plain")], body=b"\xff"), "POST /x", {})
    assert invalid_utf8["isBase64Encoded"] is True


def test_http_authorizer_event() -> None:
    event = build_http_authorizer_event(_request(), "POST /api/items/{id}", {"id": "a b"}, ["Bearer t"])
    assert event["type"] == "REQUEST" and event["version"] == "2.0"
    assert event["identitySource"] == ["Bearer t"]
    assert event["routeArn"].endswith("/$default/POST/api/items/{id}")
    assert event["pathParameters"] == {"id": "a b"}


def test_lambda_response_mapping() -> None:
    full = http_result_from_lambda({"statusCode": 201, "headers": {"X-A": "1"}, "multiValueHeaders": {"x-b": ["1", "2"]},
                                    "cookies": ["c=1"], "body": "hi"})
    assert full.status == 201 and full.body == b"hi"
    assert ("x-a", "1") in full.headers and full.headers.count(("x-b", "1")) == 1 and ("x-b", "2") in full.headers
    assert ("set-cookie", "c=1") in full.headers
    binary = http_result_from_lambda({"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(),
                                      "isBase64Encoded": True})
    assert binary.body == b"\x00\x01"
    bare = http_result_from_lambda({"a": 1})
    assert bare.status == 200 and json.loads(bare.body) == {"a": 1}
    assert ("content-type", "application/json") in bare.headers
    text = http_result_from_lambda("plain")
    assert text.body == b"plain"


def test_scheduled_event() -> None:
    schedule = ScheduleDef(name="rule-1", function="Fn", event_name="E", expression="rate(1 minute)",
                           schedule=parse_schedule("rate(1 minute)"), enabled=True, input=None)
    event = build_scheduled_event(schedule, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"] == ["arn:aws:events:us-east-1:000000000000:rule/rule-1"]
    assert event["time"] == "2026-01-02T03:04:05Z" and event["detail"] == {} and event["version"] == "0"
    schedule.input = '{"custom": true}'
    assert build_scheduled_event(schedule, datetime.now(UTC)) == {"custom": True}


def test_ws_connect_parts() -> None:
    parts = ws_connect_parts([("host", "h"), ("sec-websocket-key", "k")], "token=t&a=1&a=2")
    assert parts["headers"]["Host"] == "h" and parts["multiValueHeaders"]["Sec-Websocket-Key"] == ["k"]
    assert parts["queryStringParameters"] == {"token": "t", "a": "2"}
    assert parts["multiValueQueryStringParameters"]["a"] == ["1", "2"]


def test_authorizer_results() -> None:
    def policy(*effects: str) -> dict[str, object]:
        return {"principalId": "p", "context": {"k": "v"},
                "policyDocument": {"Statement": [{"Effect": e, "Action": "execute-api:Invoke"} for e in effects]}}

    assert interpret_authorizer_result(policy("Allow")) == (True, {"k": "v"}, "p")
    assert interpret_authorizer_result(policy("Deny"))[0] is False
    assert interpret_authorizer_result(policy("Allow", "Deny"))[0] is False
    assert interpret_authorizer_result({"isAuthorized": True, "context": {"a": 1}}) == (True, {"a": 1}, None)
    assert interpret_authorizer_result({"isAuthorized": False})[0] is False
    assert interpret_authorizer_result(None)[0] is False


def test_lambda_context() -> None:
    ctx = LambdaContext(function_name="Fn", memory_limit_in_mb=256, timeout_seconds=3)
    assert 2900 < ctx.get_remaining_time_in_millis() <= 3000
    assert ctx.invoked_function_arn == "arn:aws:lambda:us-east-1:000000000000:function:Fn"
    assert ctx.aws_request_id and ctx.log_group_name == "/aws/lambda/Fn"
