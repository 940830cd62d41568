"""The events Lambda receives, built the way API Gateway and EventBridge build them, and the context object.

- HTTP API payload format 2.0 (`build_http_event`) and its Lambda authorizer request (`build_http_authorizer_event`);
- WebSocket API proxy events for CONNECT / MESSAGE / DISCONNECT and the REQUEST authorizer's event;
- EventBridge "Scheduled Event"s.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from a2g_local.template import ACCOUNT_ID, LOCAL_API_ID, REGION, ScheduleDef

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "application/x-www-form-urlencoded", "+json", "+xml", "application/graphql")


def _clf_time(now: float) -> str:
    """API Gateway's requestContext.time format: 12/Mar/2020:19:03:58 +0000."""
    return datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def request_id() -> str:
    return str(uuid.uuid4())


@dataclass
class IncomingRequest:
    """What the server saw, independent of the ASGI server."""

    method: str
    raw_path: str  # percent-encoded
    raw_query: str
    headers: list[tuple[str, str]]  # names lower-cased, in order, repeated names kept
    body: bytes
    source_ip: str
    domain_name: str  # host[:port]
    time: float = field(default_factory=time.time)
    request_id: str = field(default_factory=request_id)

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k == name]
        return ",".join(values) if values else None


def _is_text(content_type: str | None) -> bool:
    if not content_type:
        return True
    ct = content_type.lower()
    return any(t in ct for t in _TEXT_TYPES)


def encode_body(body: bytes, content_type: str | None) -> tuple[str | None, bool]:
    """(body, isBase64Encoded) as API Gateway passes it: text types as text, anything else base64."""
    if not body:
        return None, False
    if _is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def _query_parameters(raw_query: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    multi: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        multi.setdefault(key, []).append(value)
    return {k: ",".join(v) for k, v in multi.items()}, multi


def _headers_without_cookies(req: IncomingRequest) -> tuple[dict[str, str], list[str]]:
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in req.headers:
        if name == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers, cookies


def http_request_context(req: IncomingRequest, route_key: str) -> dict[str, Any]:
    return {
        "accountId": ACCOUNT_ID,
        "apiId": LOCAL_API_ID,
        "domainName": req.domain_name,
        "domainPrefix": req.domain_name.split(".", 1)[0].split(":", 1)[0],
        "http": {
            "method": req.method,
            "path": req.raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": req.source_ip,
            "userAgent": req.header("user-agent") or "",
        },
        "requestId": req.request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": _clf_time(req.time),
        "timeEpoch": int(req.time * 1000),
    }


def build_http_event(
    req: IncomingRequest, route_key: str, path_parameters: dict[str, str],
    authorizer_context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API payload format 2.0 event; absent parts are left out as API Gateway does."""
    headers, cookies = _headers_without_cookies(req)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": req.raw_path,
        "rawQueryString": req.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query, _ = _query_parameters(req.raw_query)
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    context = http_request_context(req, route_key)
    if authorizer_context is not None:
        context["authorizer"] = {"lambda": authorizer_context}
    event["requestContext"] = context
    body, is_b64 = encode_body(req.body, headers.get("content-type"))
    if body is not None:
        event["body"] = body
    event["isBase64Encoded"] = is_b64
    return event


def build_http_authorizer_event(
    req: IncomingRequest, route_key: str, path_parameters: dict[str, str], identity: list[str]
) -> dict[str, Any]:
    """The payload 2.0 request a Lambda authorizer of an HTTP API receives."""
    headers, cookies = _headers_without_cookies(req)
    method, path = route_key.split(" ", 1)
    event: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{LOCAL_API_ID}/$default/{method}{path}",
        "identitySource": identity,
        "routeKey": route_key,
        "rawPath": req.raw_path,
        "rawQueryString": req.raw_query,
        "headers": headers,
        "requestContext": http_request_context(req, route_key),
    }
    if cookies:
        event["cookies"] = cookies
    query, _ = _query_parameters(req.raw_query)
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    return event


# --- WebSocket ---------------------------------------------------------------------------------------

def ws_request_context(
    *, route_key: str, event_type: str, connection_id: str, connected_at: float, domain_name: str, stage: str,
    source_ip: str, user_agent: str, authorizer: dict[str, Any] | None = None, message_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    now = time.time()
    ctx: dict[str, Any] = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id(),
        "requestTime": _clf_time(now),
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": int(connected_at * 1000),
        "requestTimeEpoch": int(now * 1000),
        "identity": {"sourceIp": source_ip, "userAgent": user_agent},
        "requestId": request_id(),
        "domainName": domain_name,
        "connectionId": connection_id,
        "apiId": LOCAL_API_ID,
    }
    if message_id:
        ctx["messageId"] = message_id
    if authorizer is not None:
        ctx["authorizer"] = authorizer
    if extra:
        ctx.update(extra)
    return ctx


def ws_connect_parts(headers: Iterable[tuple[str, str]], raw_query: str) -> dict[str, Any]:
    """headers / multiValueHeaders / queryStringParameters as API Gateway gives them on $connect."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers:
        # API Gateway keeps the client's spelling; clients send lower case over HTTP/1.1 from most libraries.
        canonical = "-".join(p.capitalize() for p in name.split("-"))
        single[canonical] = value
        multi.setdefault(canonical, []).append(value)
    out: dict[str, Any] = {"headers": single, "multiValueHeaders": multi}
    query, multi_query = _query_parameters(raw_query)
    if query:
        out["queryStringParameters"] = {k: v[-1] for k, v in multi_query.items()}
        out["multiValueQueryStringParameters"] = multi_query
    return out


def build_ws_authorizer_event(connect_parts: dict[str, Any], request_context: dict[str, Any],
                              stage: str) -> dict[str, Any]:
    return {
        "type": "REQUEST",
        "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{LOCAL_API_ID}/{stage}/$connect",
        **connect_parts,
        "stageVariables": {},
        "requestContext": request_context,
    }


# --- EventBridge ---------------------------------------------------------------------------------------

def build_scheduled_event(schedule: ScheduleDef, now: datetime) -> dict[str, Any]:
    if schedule.input is not None:
        try:
            parsed: dict[str, Any] = json.loads(schedule.input)
            return parsed
        except json.JSONDecodeError:
            pass
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [schedule.rule_arn],
        "detail": {},
    }


# --- responses ---------------------------------------------------------------------------------------

@dataclass
class HttpResult:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_result_from_lambda(result: Any) -> HttpResult:
    """Turn what an HTTP API v2 function returned into a response, as API Gateway does.

    A dict with `statusCode` is a full response; anything else that is valid JSON is a 200 JSON body.
    """
    if not isinstance(result, dict) or "statusCode" not in result:
        text = result if isinstance(result, str) else json.dumps(result)
        return HttpResult(200, [("content-type", "application/json")], text.encode())
    status = int(result.get("statusCode") or 200)
    headers: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, value in (result.get("headers") or {}).items():
        headers.append((name.lower(), str(value)))
        seen.add(name.lower())
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if name.lower() in seen:
            continue
        for value in values or []:
            headers.append((name.lower(), str(value)))
    for cookie in result.get("cookies") or []:
        headers.append(("set-cookie", str(cookie)))
    raw = result.get("body")
    body: bytes
    if raw is None:
        body = b""
    elif result.get("isBase64Encoded"):
        body = base64.b64decode(raw)
    else:
        body = (raw if isinstance(raw, str) else json.dumps(raw)).encode()
    if "content-type" not in {h for h, _ in headers} and body:
        headers.append(("content-type", "application/json"))
    return HttpResult(status, headers, body)


@dataclass
class LambdaContext:
    """The `context` argument, with what Powertools and handlers read from it."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: float
    aws_request_id: str = field(default_factory=request_id)
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
