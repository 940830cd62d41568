"""The runtime's one ASGI app on one port: HTTP API routes, streaming Function-URL apps, the WebSocket API
at /ws and its @connections API, the local S3 at /_s3, control endpoints at /_local and the built frontend.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import time
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from a2g_local.control import ControlApi, from_web_page, is_loopback, new_control_token, offset_now
from a2g_local.events import (
    IncomingRequest,
    build_http_authorizer_event,
    build_http_event,
    build_scheduled_event,
    http_request_context,
    http_result_from_lambda,
)
from a2g_local.functions import FunctionRegistry, FunctionTimeout, FunctionUnavailable
from a2g_local.routing import RouteTable
from a2g_local.s3 import PREFIX as S3_PREFIX
from a2g_local.s3 import S3Service
from a2g_local.s3_auth import SignatureError, SignedRequest, SigV4Verifier, header_map
from a2g_local.scheduler import Scheduler
from a2g_local.template import HttpRouteDef, ScheduleDef, Template
from a2g_local.websocket import (
    MANAGEMENT_PATH,
    ConnectionRegistry,
    WebSocketGateway,
    handle_management,
    interpret_authorizer_result,
)

log = logging.getLogger("a2g_local")
MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway HTTP API payload limit
HTTP_INTEGRATION_TIMEOUT = 30.0  # API Gateway HTTP API's maximum integration timeout
JSON = [("content-type", "application/json")]


def _json(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _error(code: str, message: str, **extra: Any) -> bytes:
    return _json({"error": {"code": code, "message": message, **extra}})


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class _Responder:
    """Sends a whole response and remembers its status for the request log."""

    def __init__(self, send: Any, method: str):
        self.send = send
        self.method = method
        self.status = 0

    async def __call__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        hdrs = [(k.encode("latin-1"), v.encode("latin-1", "replace")) for k, v in headers
                if k not in ("content-length", "transfer-encoding", "connection")]
        if status not in (204, 304):
            hdrs.append((b"content-length", str(len(body)).encode()))
        await self.send({"type": "http.response.start", "status": status, "headers": hdrs})
        await self.send({"type": "http.response.body", "body": b"" if self.method == "HEAD" else body})


class Runtime:
    """Everything the app serves; built once at start, shared by every request."""

    def __init__(self, template: Template, functions: FunctionRegistry, *, s3: S3Service | None,
                 frontend_dir: Path, public_url: str, control_token: str | None = None,
                 own_hosts: frozenset[str] = frozenset(), management_credentials: dict[str, str] | None = None):
        self.template = template
        self.functions = functions
        self.s3 = s3
        self.frontend_dir = frontend_dir
        self.public_url = public_url
        self.routes: RouteTable[HttpRouteDef] = RouteTable()
        for route in template.http_routes:
            self.routes.add(route.method, route.path, route)
        self.connections = ConnectionRegistry()
        # The @connections API checks SigV4 as API Gateway does (service execute-api) when the runtime hands
        # its functions their credentials (its own stores); against AWS the functions sign with the caller's.
        self.management_verifier = SigV4Verifier(management_credentials, service="execute-api") \
            if management_credentials else None
        self.websocket = WebSocketGateway(template.websocket, functions, self.connections) \
            if template.websocket else None
        self.scheduler: Scheduler | None = None
        self.ready = False
        self.info: dict[str, Any] = {}
        self.control = ControlApi(self, token=control_token or new_control_token(), own_hosts=own_hosts)
        cors = template.cors or {}
        self.cors_origins = {str(o) for o in cors.get("AllowOrigins") or []}
        self.cors = cors

    # -- ASGI --------------------------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            path = scope.get("path", "")
            if path in ("/ws", "/ws/") and self.websocket is not None:
                await self.websocket.handle(scope, receive, send)
            else:
                await receive()
                await send({"type": "websocket.close", "code": 1008})
        elif kind == "lifespan":  # uvicorn runs with lifespan off; answer politely if asked
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return

    async def _http(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        started = time.perf_counter()
        method = scope["method"]
        raw_path = scope.get("raw_path") or scope["path"].encode()
        raw_path_text = raw_path.decode("latin-1").split("?", 1)[0]
        respond = _Responder(send, method)
        function = "-"
        try:
            if raw_path_text.startswith("/_local/"):
                function = "(control)"
                try:
                    body = await _read_body(receive, 1024 * 1024)
                except _TooLarge:
                    await respond(413, JSON, _error("payload_too_large", "control requests are at most 1 MB"))
                    return
                await self.control({**scope, "path": raw_path_text}, body, respond, raw_path_text)
            elif raw_path_text == S3_PREFIX or raw_path_text.startswith(S3_PREFIX + "/"):
                function = "(s3)"
                if self.s3 is None:
                    await respond(404, JSON, _error("not_found", "the local S3 is off (AWS or an emulator is used)"))
                else:
                    respond.status = await self.s3(scope, receive, send)
            elif "/@connections/" in raw_path_text and (m := MANAGEMENT_PATH.match(raw_path_text)):
                function = "(@connections)"
                # Only the functions' boto3 clients call it: never a loopback-less client, never a web page.
                if not is_loopback((scope.get("client") or ("",))[0]) or from_web_page(scope):
                    await _drain(receive)
                    await respond(403, JSON + [("x-amzn-errortype", "ForbiddenException")],
                                  _json({"message": "Forbidden"}))
                else:
                    from urllib.parse import unquote

                    body = await _read_body(receive, MAX_REQUEST_BYTES)
                    refusal = self._management_refusal(scope, raw_path_text, body)
                    if refusal is not None:
                        await respond(403, JSON + [("x-amzn-errortype", "InvalidSignatureException")],
                                      _json({"message": refusal}))
                    else:
                        status, headers, out = await handle_management(self.connections, method,
                                                                       unquote(m.group(1)), body)
                        await respond(status, headers, out)
            else:
                match = self.routes.match(method, raw_path_text)
                if method == "OPTIONS" and self.cors and _is_preflight(scope):
                    await self._preflight(scope, respond)
                elif match is not None:
                    route = match.route
                    function = route.function
                    if route.streaming:
                        respond.status = await self._stream(scope, receive, send, route, match.path_parameters)
                    else:
                        await self._lambda(scope, receive, respond, route, match.path_parameters)
                elif raw_path_text == "/api" or raw_path_text.startswith("/api/"):
                    await _drain(receive)
                    allowed = self.routes.methods_for(raw_path_text)
                    message = (f"no route for {method} {raw_path_text} (it accepts {', '.join(sorted(allowed))})"
                               if allowed else f"no route matches {method} {raw_path_text}")
                    await respond(404, JSON + self._cors_headers(scope), _error("not_found", message))
                else:
                    await self._static(scope, receive, respond, raw_path_text)
        except Exception:  # noqa: BLE001 - the runtime itself failed: answer 500 with an id, log the details
            error_id = uuid.uuid4().hex[:12]
            log.error("runtime error %s on %s %s\n%s", error_id, method, raw_path_text, traceback.format_exc())
            if respond.status == 0:
                await respond(500, JSON, _error("internal_error", f"internal error (error id {error_id})",
                                                error_id=error_id))
        finally:
            log.info("%s %s %d %.1fms %s", method, raw_path_text, respond.status,
                     (time.perf_counter() - started) * 1000, function)

    # -- HTTP API -> Lambda ------------------------------------------------------------------------------
    def _incoming(self, scope: dict[str, Any], raw_path: str, body: bytes) -> IncomingRequest:
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
        host = next((v for k, v in headers if k == "host"), self.public_url.split("://", 1)[-1])
        return IncomingRequest(
            method=scope["method"], raw_path=raw_path, raw_query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers, body=body, source_ip=(scope.get("client") or ("127.0.0.1",))[0], domain_name=host,
        )

    async def _authorize_http(self, req: IncomingRequest, route: HttpRouteDef,
                              params: dict[str, str]) -> tuple[Response | None, dict[str, Any] | None]:
        """(refusal, context): a refusal is API Gateway's 401/403/500; otherwise the authorizer's context."""
        auth = route.authorizer
        if auth is None:
            return None, None
        identity: list[str] = []
        for header in auth.identity_headers:
            value = req.header(header)
            if not value:
                return Response(401, JSON, _json({"message": "Unauthorized"})), None
            identity.append(value)
        query = dict(_parse_qs(req.raw_query))
        for name in auth.identity_query:
            if not query.get(name):
                return Response(401, JSON, _json({"message": "Unauthorized"})), None
            identity.append(query[name])
        event = build_http_authorizer_event(req, route.route_key, params, identity)
        try:
            result = await self.functions.invoke(auth.function, event, timeout=HTTP_INTEGRATION_TIMEOUT)
        except FunctionUnavailable as exc:
            return Response(500, JSON, _error("internal_error", f"authorizer unavailable: {exc}")), None
        except Exception as exc:  # noqa: BLE001 - API Gateway answers 500 when the authorizer fails
            if str(exc) == "Unauthorized":
                return Response(401, JSON, _json({"message": "Unauthorized"})), None
            error_id = uuid.uuid4().hex[:12]
            log.error("authorizer %s failed (error id %s)\n%s", auth.function, error_id, traceback.format_exc())
            return Response(500, JSON, _json({"message": "Internal Server Error", "error_id": error_id})), None
        allowed, context, principal = interpret_authorizer_result(result)
        if not allowed:
            return Response(403, JSON, _json({"message": "Forbidden"})), None
        if not auth.simple_responses and principal:
            context = {**context, "principalId": principal}
        return None, context

    async def _lambda(self, scope: dict[str, Any], receive: Any, respond: _Responder, route: HttpRouteDef,
                      params: dict[str, str]) -> None:
        try:
            body = await _read_body(receive, MAX_REQUEST_BYTES)
        except _TooLarge:
            await respond(413, JSON, _json({"message": "Request Entity Too Large"}))
            return
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1").split("?", 1)[0]
        req = self._incoming(scope, raw_path, body)
        cors = self._cors_headers(scope)
        refusal, context = await self._authorize_http(req, route, params)
        if refusal is not None:
            await respond(refusal.status, refusal.headers + cors, refusal.body)
            return
        event = build_http_event(req, route.route_key, params, context)
        fn = self.functions.template.functions[route.function]
        try:
            result = await self.functions.invoke(route.function, event,
                                                 timeout=min(fn.timeout, HTTP_INTEGRATION_TIMEOUT))
        except FunctionTimeout as exc:
            await respond(503, JSON + cors, _error("function_timeout", str(exc)))
            return
        except FunctionUnavailable as exc:
            status, code = (501, "not_implemented") if fn.missing else (500, "internal_error")
            await respond(status, JSON + cors, _error(code, f"function unavailable: {exc}"))
            return
        except Exception:  # noqa: BLE001 - an exception in a handler: 500 with an id, details only in the log
            error_id = uuid.uuid4().hex[:12]
            log.error("%s raised (error id %s) on %s\n%s", route.function, error_id, route.route_key,
                      traceback.format_exc())
            await respond(500, JSON + cors, _error("internal_error", f"internal error (error id {error_id})",
                                                   error_id=error_id))
            return
        out = http_result_from_lambda(result)
        await respond(out.status, out.headers + cors, out.body)

    async def _stream(self, scope: dict[str, Any], receive: Any, send: Any, route: HttpRouteDef,
                      params: dict[str, str]) -> int:
        """A RESPONSE_STREAM function: its ASGI app answers directly, chunk by chunk (Lambda Web Adapter's role)."""
        loaded = self.functions.get(route.function)
        status = 0
        context = None
        if route.authorizer is not None:
            raw_path = (scope.get("raw_path") or b"").decode("latin-1").split("?", 1)[0] or scope["path"]
            req = self._incoming(scope, raw_path, b"")
            refusal, context = await self._authorize_http(req, route, params)
            if refusal is not None:
                await _Responder(send, scope["method"])(refusal.status, refusal.headers, refusal.body)
                return refusal.status
        req_ctx = http_request_context(self._incoming(scope, scope["path"], b""), "$default")
        if context is not None:
            req_ctx["authorizer"] = {"lambda": context}
        headers = [h for h in scope["headers"] if h[0].lower() != b"x-amzn-request-context"]
        headers.append((b"x-amzn-request-context", json.dumps(req_ctx).encode()))
        inner_scope = {**scope, "headers": headers}

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await loaded.asgi_app(inner_scope, receive, tracking_send)
        except Exception:  # noqa: BLE001
            error_id = uuid.uuid4().hex[:12]
            log.error("%s (streaming) raised (error id %s)\n%s", route.function, error_id, traceback.format_exc())
            if status == 0:
                await _Responder(send, scope["method"])(
                    500, JSON, _error("internal_error", f"internal error (error id {error_id})", error_id=error_id))
                status = 500
        return status

    # -- CORS (the HttpApi's CorsConfiguration) --------------------------------------------------------
    def _origin_allowed(self, origin: str | None) -> bool:
        return bool(origin) and (origin in self.cors_origins or "*" in self.cors_origins)

    def _cors_headers(self, scope: dict[str, Any]) -> list[tuple[str, str]]:
        if not self.cors:
            return []
        origin = _header(scope, b"origin")
        if not self._origin_allowed(origin):
            return []
        out = [("access-control-allow-origin", origin or "")]
        if self.cors.get("AllowCredentials"):
            out.append(("access-control-allow-credentials", "true"))
        if self.cors.get("ExposeHeaders"):
            out.append(("access-control-expose-headers", ",".join(self.cors["ExposeHeaders"])))
        return out

    def _management_refusal(self, scope: dict[str, Any], raw_path: str, body: bytes) -> str | None:
        """Why an @connections request is refused (its SigV4 signature), or None: being on loopback is not
        enough, any local process could otherwise push into a developer's open trace."""
        if self.management_verifier is None:
            return None
        signed = SignedRequest(scope["method"], raw_path, scope.get("query_string", b"").decode("latin-1"),
                               header_map(scope["headers"]), body=body)
        try:
            self.management_verifier.verify(signed)
        except SignatureError as err:
            return err.message
        return None

    async def _preflight(self, scope: dict[str, Any], respond: _Responder) -> None:
        headers = self._cors_headers(scope)
        if headers:
            headers += [
                ("access-control-allow-methods", ",".join(self.cors.get("AllowMethods") or ["*"])),
                ("access-control-allow-headers", ",".join(self.cors.get("AllowHeaders") or ["*"])),
            ]
            if self.cors.get("MaxAge"):
                headers.append(("access-control-max-age", str(self.cors["MaxAge"])))
        await respond(204, headers, b"")

    # -- the frontend ----------------------------------------------------------------------------------
    async def _static(self, scope: dict[str, Any], receive: Any, respond: _Responder, path: str) -> None:
        await _drain(receive)
        if scope["method"] not in ("GET", "HEAD"):
            await respond(404, JSON, _error("not_found", f"no route matches {scope['method']} {path}"))
            return
        dist = self.frontend_dir
        index = dist / "index.html"
        if not index.is_file():
            page = (f"<!doctype html><meta charset=utf-8><title>A2G - frontend not built</title>"
                    f"<h1>The A2G API is running</h1><p>The frontend is not built yet: run "
                    f"<code>npm --prefix frontend ci &amp;&amp; npm --prefix frontend run build</code> "
                    f"(or <code>make up</code>), then reload. Looked for <code>{dist}/index.html</code>.</p>"
                    f"<p>API health: <a href=/api/health>/api/health</a></p>").encode()
            await respond(200, [("content-type", "text/html; charset=utf-8")], page)
            return
        from urllib.parse import unquote

        relative = unquote(path).lstrip("/")
        candidate = (dist / relative).resolve() if relative else index
        try:
            candidate.relative_to(dist.resolve())
        except ValueError:
            await respond(404, JSON, _error("not_found", "not found"))
            return
        if candidate.is_file():
            ctype = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
                ctype += "; charset=utf-8"
            cache = "no-cache" if candidate.name == "index.html" else (
                "public, max-age=31536000, immutable" if "/assets/" in "/" + relative else "no-cache")
            data = await asyncio.to_thread(candidate.read_bytes)
            await respond(200, [("content-type", ctype), ("cache-control", cache)], data)
            return
        if Path(relative).suffix and not relative.endswith(".html"):
            await respond(404, [("content-type", "text/plain")], b"not found")
            return
        data = await asyncio.to_thread(index.read_bytes)  # SPA fallback: the app's router takes the path
        await respond(200, [("content-type", "text/html; charset=utf-8"), ("cache-control", "no-cache")], data)

    # -- schedules ---------------------------------------------------------------------------------------
    async def fire(self, schedule: ScheduleDef) -> Any:
        event = build_scheduled_event(schedule, offset_now())
        started = time.perf_counter()
        status = "ok"
        try:
            return await self.functions.invoke(schedule.function, event)
        except Exception:
            status = "error"
            raise
        finally:
            log.info("SCHEDULE %s %s %.1fms %s", schedule.name, status, (time.perf_counter() - started) * 1000,
                     schedule.function)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for k, v in scope["headers"]:
        if k.lower() == name:
            return str(v.decode("latin-1"))
    return None


def _is_preflight(scope: dict[str, Any]) -> bool:
    return _header(scope, b"origin") is not None and _header(scope, b"access-control-request-method") is not None


def _parse_qs(raw: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(raw, keep_blank_values=True)


class _TooLarge(Exception):
    pass


async def _read_body(receive: Any, limit: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            raise _TooLarge()
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def _drain(receive: Any) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            return
