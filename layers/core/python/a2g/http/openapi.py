"""One OpenAPI document for the whole API, merged from the functions' own FastAPI apps.

Each function owns its routes and so its part of the document: the response models (`response_model=`), the
request bodies, the docstrings (descriptions) and which routes are public (`openapi_extra=PUBLIC`). Merging
adds what is the same everywhere and true of every route, because one app factory and one error mapper
(`a2g.http.app`, `a2g.errors`) answer for all of them: the error responses (400 with `fields`, never
FastAPI's 422), the two ways to authenticate, and what API Gateway itself answers (`{"message": ...}` for a
refused token, a body over 10 MB, throttling).

On AWS the document is generated at packaging time and shipped with the docs function (functions cannot
import each other there); locally it is built on the fly from the checkout.
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path
from typing import Any

from fastapi.openapi.utils import get_openapi

from a2g.http.schemas import ErrorResponse

PUBLIC: dict[str, Any] = {"security": []}
"""`openapi_extra` of a route that needs no credential (its template route has `Authorizer: NONE`)."""

BEARER_SCHEMES: dict[str, Any] = {
    "accessToken": {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "A platform access token (15 minutes) from `POST /api/auth/dev-login`, single sign-on "
                       "or `POST /api/auth/refresh`.",
    },
    "apiKey": {
        "type": "http", "scheme": "bearer", "bearerFormat": "a2g_sk_…",
        "description": "A platform API key (`POST /api/api-keys`, shown once): agents, scripts, the SDKs and "
                       "the log-proxy.",
    },
}
AUTHENTICATED: list[dict[str, list[str]]] = [{"accessToken": []}, {"apiKey": []}]

_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
_GATEWAY_REF = {"$ref": "#/components/schemas/GatewayError"}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}


def _error(description: str, *, gateway: bool = False, retry_after: bool = False) -> dict[str, Any]:
    schema = {"anyOf": [_ERROR_REF, _GATEWAY_REF]} if gateway else _ERROR_REF
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if retry_after:
        response["headers"] = _RETRY_AFTER
    return response


ERROR_RESPONSES: dict[str, dict[str, Any]] = {
    "ValidationError": _error("`validation_error`: a parameter or the body is invalid; `fields` lists every "
                              "problem. Other 400 codes name a rule the request broke."),
    "Unauthenticated": _error("the credential was refused, and the code says why: `invalid_api_key`, "
                              "`revoked_api_key`, `invalid_token`, `token_expired`, `credential_required`, "
                              "`account_removed`; with no `Authorization` header at all API Gateway answers "
                              "`{\"message\": \"Unauthorized\"}`", gateway=True),
    "Forbidden": _error("the caller may not do this: `pending_approval` until an administrator approves them, "
                        "`forbidden` for administrators' routes", gateway=True),
    "NotFound": _error("no such resource, or not the caller's (never revealed)"),
    "Conflict": _error("the resource changed since it was read (a stale `version`) or already exists"),
    "PayloadTooLarge": _error("the body is too large", gateway=True),
    "Throttled": _error("too many requests; retry after `Retry-After` seconds", gateway=True, retry_after=True),
    "Unavailable": _error("storage is unavailable for a moment; retry after `Retry-After` seconds", gateway=True,
                          retry_after=True),
    "UpstreamFailed": _error("the agent, card URL or LLM could not be reached, refused the destination or "
                             "answered an error"),
    "UpstreamTimeout": _error("the agent, card URL or LLM did not answer in time"),
}
UPSTREAM_ERRORS: dict[int | str, dict[str, Any]] = {
    502: {"$ref": "#/components/responses/UpstreamFailed"},
    504: {"$ref": "#/components/responses/UpstreamTimeout"},
}
"""`responses=` of a route that calls out (agents, card URLs, LLMs)."""

REDIRECT: dict[int | str, dict[str, Any]] = {
    302: {"description": "a redirect for the browser (`Location`); no body",
          "headers": {"Location": {"description": "where the browser goes next", "schema": {"type": "string"}}}},
}
"""`responses=` of a browser step that answers with a redirect."""



def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` naming error statuses the merge would not add by itself (e.g. a 404 for an id in the body)."""
    names = {400: "ValidationError", 401: "Unauthenticated", 403: "Forbidden", 404: "NotFound", 409: "Conflict",
             413: "PayloadTooLarge", 429: "Throttled", 503: "Unavailable", 502: "UpstreamFailed",
             504: "UpstreamTimeout"}
    return {status: _ref(names[status]) for status in statuses}


_WRITE_METHODS = {"post", "put", "patch", "delete"}


def _load_app(app_py: Path) -> Any | None:
    name = f"a2g_openapi_{app_py.parent.name}"
    if name in sys.modules:
        return getattr(sys.modules[name], "app", None)
    spec = importlib.util.spec_from_file_location(name, app_py)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return getattr(module, "app", None)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


def complete_operation(path: str, method: str, op: dict[str, Any]) -> None:
    """Add what is true of every route to one operation: its security and its real error responses."""
    responses: dict[str, Any] = op.setdefault("responses", {})
    responses.pop("422", None)  # FastAPI's own validation answer: ours is a 400 (a2g.http.app)
    public = op.get("security") == []
    op.setdefault("security", AUTHENTICATED)
    params = op.get("parameters") or []
    has_input = bool(params) or "requestBody" in op
    wanted: list[tuple[str, str]] = []
    if has_input:
        wanted.append(("400", "ValidationError"))
    if not public:
        wanted += [("401", "Unauthenticated"), ("403", "Forbidden")]
    if "{" in path or any(p.get("required") and p.get("in") == "query" for p in params):
        wanted.append(("404", "NotFound"))
    if not public and method in _WRITE_METHODS:
        wanted.append(("409", "Conflict"))
    if "requestBody" in op:
        wanted.append(("413", "PayloadTooLarge"))
    wanted += [("429", "Throttled"), ("503", "Unavailable")]
    for status, name in wanted:
        responses.setdefault(status, _ref(name))
    for status, response in responses.items():
        if "$ref" in response:  # FastAPI adds a description beside `responses=` references
            responses[status] = {"$ref": response["$ref"]}
        elif status.startswith("3"):  # a redirect has no body (FastAPI documents an empty JSON one)
            response.pop("content", None)
    op["responses"] = dict(sorted(responses.items()))


def _unique_operation_ids(paths: dict[str, Any]) -> None:
    """FastAPI names every operation of a route that answers several methods after one of them (the first of
    a set, so it changes from process to process): OpenAPI wants one id per operation, and the generated
    client (frontend/src/api/schema.d.ts) refuses duplicates. An id that ends in a method ends in its own."""
    seen: set[str] = set()
    for path in sorted(paths):
        for method in sorted(paths[path]):
            op = paths[path][method]
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            op_id = str(op["operationId"])
            base, _, suffix = op_id.rpartition("_")
            if base and suffix in _METHODS:
                op_id = f"{base}_{method}"
            while op_id in seen:
                op_id += "_"
            op["operationId"] = op_id
            seen.add(op_id)
            # FastAPI titles an inline answer schema after the same unstable id ("Response <id>"): drop it.
            for response in (op.get("responses") or {}).values():
                for media in ((response or {}).get("content") or {}).values():
                    schema = (media or {}).get("schema")
                    if isinstance(schema, dict) and str(schema.get("title", "")).startswith("Response "):
                        del schema["title"]


_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def merged_document(functions_dir: Path, title: str = "A2G Agent Platform API", version: str = "1") -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for app_py in sorted(functions_dir.glob("*/app.py")):
        app = _load_app(app_py)
        described = getattr(sys.modules.get(f"a2g_openapi_{app_py.parent.name}"), "OPENAPI_PATHS", None)
        if described:  # an HTTP app that is not FastAPI (MCP) describes its operations itself
            for path, item in copy.deepcopy(described).items():
                for method, op in item.items():
                    complete_operation(path, method, op)
                paths.setdefault(path, {}).update(item)
        if app is None or not hasattr(app, "routes") or not hasattr(app, "openapi_version"):
            continue  # WebSocket and scheduled functions have no HTTP app
        doc = get_openapi(title=app.title, version=version, routes=app.routes)
        for path, item in doc.get("paths", {}).items():
            for method, op in item.items():
                if isinstance(op, dict):
                    op.setdefault("tags", [app_py.parent.name])
                    complete_operation(path, method, op)
            paths.setdefault(path, {}).update(item)
        schemas.update(doc.get("components", {}).get("schemas", {}))
    _unique_operation_ids(paths)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas.update(ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs", {}))
    schemas["ErrorResponse"] = {k: v for k, v in ErrorResponse.model_json_schema(
        ref_template="#/components/schemas/{model}").items() if k != "$defs"}
    schemas["GatewayError"] = {
        "type": "object", "title": "GatewayError", "required": ["message"],
        "description": "What API Gateway itself answers before a function runs.",
        "properties": {"message": {"type": "string", "examples": ["Unauthorized"]}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": (
                "Every HTTP endpoint of the platform. Authenticate with `Authorization: Bearer <access token>` "
                "(sign in) or `Authorization: Bearer a2g_sk_...` (an API key); routes marked with no security "
                "are public. Errors are `{\"error\": {\"code\", \"message\"}}` (validation errors add `fields`); "
                "the log-proxy answers in OpenAI's error format.\n\n"
                "The live trace and the playground's chat run over WebSocket: their protocol is the AsyncAPI "
                "document at [/api/asyncapi.json](/api/asyncapi.json)."
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "responses": ERROR_RESPONSES,
            "securitySchemes": BEARER_SCHEMES,
        },
        "security": AUTHENTICATED,
    }
