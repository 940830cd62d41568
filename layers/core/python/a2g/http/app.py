"""FastAPI app factory shared by every HTTP function, and the Lambda entry point around it (Mangum)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from a2g.errors import PlatformError, error_body, expected_error, map_exception
from a2g.http.body import BoundedJsonRoute
from a2g.identity.principal import check_authorizer_verdict
from a2g.log import logger


class _Route(BoundedJsonRoute):
    """A route whose JSON body goes through the shared reader, and whose response model documents and checks
    the answer without adding keys the handler left out (a view that omits `duration_ms` still omits it,
    rather than sending `null`)."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs["response_model_exclude_unset"] = True  # the router always passes False
        super().__init__(*args, **kwargs)


class _AuthorizerVerdict:
    """Answers a request the authorizer let through only with a refusal (a wrong key, an expired token, a
    storage outage: `check_authorizer_verdict`) before routing, so that no route — not even one that never
    reads its principal, nor a body parser — runs for it."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            try:
                check_authorizer_verdict(scope.get("aws.event") or {})
            except PlatformError as exc:
                status, body, headers = map_exception(exc)
                await JSONResponse(body, status_code=status, headers=headers)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _RefusalsLogged:
    """Answers a refusal (an error the mapper turns into a 4xx) here and logs it as one line.

    Left to the app's catch-all handler, it would be answered the same, but Starlette's outermost error
    middleware then re-raises it for the server to log, and Mangum logs every error that reaches it with a
    traceback: one per 404. A 5xx (a bug, an outage) still goes that way, traceback and all."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            expected = expected_error(exc)
            if expected is None or expected[0] >= 500 or started:
                raise
            status, body, headers = expected
            logger.info("request refused", extra={"status": status, "code": body["error"]["code"],
                                                  "method": scope.get("method"), "path": scope.get("path")})
            await JSONResponse(body, status_code=status, headers=headers)(scope, receive, send)


def create_app(title: str, **kwargs: Any) -> FastAPI:
    """An app whose every error leaves as `{"error": {"code", "message"}}` with the right status, and whose
    JSON bodies all go through the shared reader (`a2g.http.body`: size, depth, text limits)."""
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None, **kwargs)
    app.router.route_class = _Route
    app.add_middleware(_AuthorizerVerdict)
    app.add_middleware(_RefusalsLogged)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"), "message": err.get("msg")}
            for err in exc.errors()
        ]
        first = problems[0] if problems else {"field": "", "message": "invalid request"}
        message = f"{first['field']}: {first['message']}" if first["field"] else str(first["message"])
        return JSONResponse(
            error_body("validation_error", message, fields=problems), status_code=400
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _any(_: Request, exc: Exception) -> JSONResponse:
        status, body, headers = map_exception(exc)
        return JSONResponse(body, status_code=status, headers=headers)

    return app


def lambda_handler_for(app: FastAPI) -> Any:
    """The Lambda handler: API Gateway HTTP API v2 events through Mangum into the ASGI app."""
    from mangum import Mangum

    return Mangum(app, lifespan="off", api_gateway_base_path="/")
