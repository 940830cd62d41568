"""FastAPI app factory shared by every HTTP function, and the Lambda entry point around it (Mangum)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from a2g.errors import error_body, map_exception
from a2g.http.body import BoundedJsonRoute


class _Route(BoundedJsonRoute):
    """A route whose JSON body goes through the shared reader, and whose response model documents and checks
    the answer without adding keys the handler left out (a view that omits `duration_ms` still omits it,
    rather than sending `null`)."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs["response_model_exclude_unset"] = True  # the router always passes False
        super().__init__(*args, **kwargs)


def create_app(title: str, **kwargs: Any) -> FastAPI:
    """An app whose every error leaves as `{"error": {"code", "message"}}` with the right status, and whose
    JSON bodies all go through the shared reader (`a2g.http.body`: size, depth, text limits)."""
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None, **kwargs)
    app.router.route_class = _Route

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
