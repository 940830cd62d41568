"""The WebSocket API: real connections at `/ws`, routed through the template's routes as API Gateway does,
and the `@connections` management API that functions reach with boto3's `apigatewaymanagementapi` client.

- `$connect`: the route's authorizer runs first (identity sources missing -> 401 before calling it; an IAM
  policy with Deny or `{"isAuthorized": false}` -> 403; the exception "Unauthorized" -> 401), then the
  `$connect` function; a non-2xx statusCode refuses the handshake with that status (and its body).
- messages: the route selection expression (`$request.body.action`) picks the route, else `$default`;
  non-JSON messages go to `$default`. Each message is handled concurrently, as on API Gateway.
- `$disconnect` runs once when the socket closes, whoever closed it.
- `@connections/{id}`: POST sends, GET describes, DELETE closes; 410 Gone for an unknown or closed id
  (`a2g_local.connections`, which also holds the in-process port the runtime's own functions push through).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from a2g_local.connections import (
    MANAGEMENT_PATH,
    MAX_MESSAGE_BYTES,
    Connection,
    ConnectionRegistry,
    LocalConnectionsPort,
    handle_management,
    new_connection_id,
)
from a2g_local.events import build_ws_authorizer_event, request_id, ws_connect_parts, ws_request_context
from a2g_local.functions import FunctionRegistry, FunctionTimeout
from a2g_local.template import WebSocketApiDef

__all__ = ["MANAGEMENT_PATH", "Connection", "ConnectionRegistry", "LocalConnectionsPort", "WebSocketGateway",
           "handle_management", "interpret_authorizer_result"]

log = logging.getLogger("a2g_local")
Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]

class Refusal(Exception):
    def __init__(self, status: int, message: str, body: str | None = None):
        """`body`: what the `$connect` function answered with its status, passed on as API Gateway does."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body


class WebSocketGateway:
    def __init__(self, api: WebSocketApiDef, functions: FunctionRegistry, connections: ConnectionRegistry):
        self.api = api
        self.functions = functions
        self.connections = connections
        self.body_path = api.route_selection_expression[len("$request.body."):].split(".")
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- the socket ------------------------------------------------------------------------------------
    async def handle(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        started = time.perf_counter()
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
        header_map = dict(headers)
        raw_query = scope.get("query_string", b"").decode("latin-1")
        client = scope.get("client") or ("127.0.0.1", 0)
        connection_id = new_connection_id()
        connected_at = time.time()
        parts = ws_connect_parts(headers, raw_query)
        domain = header_map.get("host", "127.0.0.1")
        common: dict[str, Any] = {
            "connection_id": connection_id, "connected_at": connected_at, "domain_name": domain,
            "stage": self.api.stage, "source_ip": client[0], "user_agent": header_map.get("user-agent", "")}
        try:
            authorizer = await self._authorize(parts, common)
            await self._run_connect(parts, common, authorizer)
        except Refusal as refusal:
            log.info("WS CONNECT /ws %d %.1fms refused: %s", refusal.status,
                     (time.perf_counter() - started) * 1000, refusal.message)
            await _refuse(scope, send, refusal.status, refusal.message, refusal.body)
            return
        await send({"type": "websocket.accept"})
        conn = Connection(connection_id, send, connected_at, client[0], common["user_agent"], parts, authorizer)
        self.connections.add(conn)
        log.info("WS CONNECT /ws 101 %.1fms %s id=%s", (time.perf_counter() - started) * 1000,
                 self._fn("$connect"), connection_id)
        code, reason = 1005, ""
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.receive":
                    conn.last_active_at = time.time()
                    task = asyncio.create_task(self._on_message(conn, message.get("text"), message.get("bytes")))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                elif message["type"] == "websocket.disconnect":
                    code, reason = int(message.get("code") or 1005), str(message.get("reason") or "")
                    break
        finally:
            conn.closed = True
            self.connections.remove(connection_id)
            if conn.close_code is not None:
                code, reason = conn.close_code, conn.close_reason
            await self._run_disconnect(conn, code, reason)

    def _fn(self, route_key: str) -> str:
        route = self.api.routes.get(route_key)
        return route.function if route else "-"

    async def _authorize(self, parts: dict[str, Any], common: dict[str, Any]) -> dict[str, Any] | None:
        route = self.api.routes.get("$connect")
        if route is None or route.authorizer is None:
            return None
        auth = route.authorizer
        for source in auth.identity_sources:
            if _identity_value(source, parts) in (None, ""):
                raise Refusal(401, f"identity source {source} is missing")
        ctx = ws_request_context(route_key="$connect", event_type="CONNECT", **common)
        event = build_ws_authorizer_event(parts, ctx, self.api.stage)
        started = time.perf_counter()
        try:
            result = await self.functions.invoke(auth.function, event)
        except FunctionTimeout:
            raise Refusal(500, f"authorizer {auth.function} timed out") from None
        except Exception as exc:
            if str(exc) == "Unauthorized":
                raise Refusal(401, "the authorizer said Unauthorized") from None
            log.exception("authorizer %s failed", auth.function)
            raise Refusal(500, f"authorizer {auth.function} failed") from None
        allowed, context, principal = interpret_authorizer_result(result)
        if not allowed:
            raise Refusal(403, f"authorizer {auth.function} denied the connection")
        flat = {k: v for k, v in (context or {}).items() if isinstance(v, (str, int, float, bool))}
        flat["principalId"] = principal or ""
        flat["integrationLatency"] = int((time.perf_counter() - started) * 1000)
        return flat

    async def _run_connect(self, parts: dict[str, Any], common: dict[str, Any],
                           authorizer: dict[str, Any] | None) -> None:
        route = self.api.routes.get("$connect")
        if route is None:
            return
        event = {**parts, "requestContext": ws_request_context(
            route_key="$connect", event_type="CONNECT", authorizer=authorizer, **common), "isBase64Encoded": False}
        try:
            result = await self.functions.invoke(route.function, event)
        except Exception:
            log.exception("$connect function %s failed", route.function)
            raise Refusal(500, f"$connect function {route.function} failed") from None
        status = int(result.get("statusCode", 200)) if isinstance(result, dict) else 200
        if not 200 <= status < 300:
            body = result.get("body") if isinstance(result, dict) else None
            raise Refusal(status, f"$connect function {route.function} answered {status}",
                          body if isinstance(body, str) else None)

    async def _on_message(self, conn: Connection, text: str | None, data: bytes | None) -> None:
        started = time.perf_counter()
        size = len(text.encode()) if text is not None else len(data or b"")
        if size > MAX_MESSAGE_BYTES:
            await conn.close(1009, "Message too big")
            return
        route_key = self.select_route(text)
        route = self.api.routes.get(route_key) if route_key else None
        if route is None:
            route = self.api.routes.get("$default")
        rid = request_id()
        if route is None:
            await conn.push(json.dumps({"message": "Forbidden", "connectionId": conn.connection_id, "requestId": rid}))
            log.info("WS MESSAGE /ws %s 403 no route", route_key or "-")
            return
        if text is not None:
            body, is_b64 = text, False
        else:
            body, is_b64 = base64.b64encode(data or b"").decode(), True
        event = {
            "requestContext": ws_request_context(
                route_key=route.route_key, event_type="MESSAGE", connection_id=conn.connection_id,
                connected_at=conn.connected_at, domain_name=str(conn.headers["headers"].get("Host", "127.0.0.1")),
                stage=self.api.stage, source_ip=conn.source_ip, user_agent=conn.user_agent,
                authorizer=conn.authorizer, message_id=rid),
            "body": body,
            "isBase64Encoded": is_b64,
        }
        status = 200
        try:
            result = await self.functions.invoke(route.function, event)
        except Exception as exc:
            status = 500
            if not isinstance(exc, FunctionTimeout):
                log.exception("WebSocket route %s (%s) failed", route.route_key, route.function)
            await conn.push(json.dumps({"message": "Internal server error", "connectionId": conn.connection_id,
                                        "requestId": rid}))
            result = None
        if route.two_way and isinstance(result, dict) and result.get("body") is not None:
            await conn.push(str(result["body"]))
        log.info("WS MESSAGE /ws %s %d %.1fms %s", route.route_key, status, (time.perf_counter() - started) * 1000,
                 route.function)

    def select_route(self, text: str | None) -> str | None:
        """Evaluate `$request.body.<path>` on a JSON message; None when it does not apply."""
        if text is None:
            return None
        try:
            value: Any = json.loads(text)
        except (ValueError, RecursionError):  # API Gateway sends what it cannot parse to $default
            return None
        for part in self.body_path:
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value if isinstance(value, str) else None

    async def _run_disconnect(self, conn: Connection, code: int, reason: str) -> None:
        route = self.api.routes.get("$disconnect")
        if route is None:
            return
        started = time.perf_counter()
        event = {
            **conn.headers,
            "requestContext": ws_request_context(
                route_key="$disconnect", event_type="DISCONNECT", connection_id=conn.connection_id,
                connected_at=conn.connected_at, domain_name=str(conn.headers["headers"].get("Host", "127.0.0.1")),
                stage=self.api.stage, source_ip=conn.source_ip, user_agent=conn.user_agent,
                authorizer=conn.authorizer, extra={"disconnectStatusCode": code, "disconnectReason": reason}),
            "isBase64Encoded": False,
        }
        event.pop("queryStringParameters", None)
        event.pop("multiValueQueryStringParameters", None)
        try:
            await self.functions.invoke(route.function, event)
            status = 200
        except Exception:
            log.exception("$disconnect function %s failed", route.function)
            status = 500
        log.info("WS DISCONNECT /ws %d %.1fms %s id=%s code=%s", status, (time.perf_counter() - started) * 1000,
                 route.function, conn.connection_id, code)


def interpret_authorizer_result(result: Any) -> tuple[bool, dict[str, Any], str | None]:
    """Accept both an IAM policy `{"principalId", "policyDocument", "context"}` and a simple
    `{"isAuthorized": bool, "context"}` response. Any explicit Deny wins; otherwise one Allow is needed."""
    if not isinstance(result, dict):
        return False, {}, None
    raw_context = result.get("context")
    context: dict[str, Any] = raw_context if isinstance(raw_context, dict) else {}
    if "isAuthorized" in result:
        return bool(result["isAuthorized"]), context, _text_or_none(result.get("principalId"))
    statements = ((result.get("policyDocument") or {}).get("Statement")) or []
    if isinstance(statements, dict):
        statements = [statements]
    effects = {str(s.get("Effect", "")).lower() for s in statements if isinstance(s, dict)}
    allowed = "allow" in effects and "deny" not in effects
    return allowed, context, _text_or_none(result.get("principalId"))


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _identity_value(source: str, parts: dict[str, Any]) -> str | None:
    if source.startswith("route.request.querystring."):
        return (parts.get("queryStringParameters") or {}).get(source.rsplit(".", 1)[1])
    if source.startswith("route.request.header."):
        wanted = source[len("route.request.header."):].lower()
        for name, value in (parts.get("headers") or {}).items():
            if name.lower() == wanted:
                return str(value)
        return None
    return "present"  # stage variables / context: not checked locally


async def _refuse(scope: dict[str, Any], send: Send, status: int, message: str, answer: str | None = None) -> None:
    if "websocket.http.response" in (scope.get("extensions") or {}):
        body = answer.encode() if answer is not None else json.dumps(
            {"message": {401: "Unauthorized", 403: "Forbidden"}.get(status, message)}).encode()
        await send({"type": "websocket.http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008})
