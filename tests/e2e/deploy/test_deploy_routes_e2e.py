"""Every HttpApi route of template.yaml is served by the local runtime and reaches a function that implements
it: the route table the runtime reports is the template's, and a request on each route gets the function's
own answer (a validation error, a 404 for an unknown id, a 401 from the log-proxy...), never "no such route"
from the runtime or from the function's app.

A runtime of its own: requests on every route as the admin must not change what other tests see.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/e2e: helpers

from helpers import admin

from tests.deploy.checks import concrete_path, http_events, load_raw

BODY_METHODS = {"POST", "PUT", "PATCH"}


def _route_unknown(response: httpx.Response) -> str | None:
    """Why this answer says the path or method is unknown (None when the route was served)."""
    if response.status_code == 501:
        return "the function is missing (501)"
    if response.status_code == 405:
        return "the function's app has no such method (405)"
    if response.status_code != 404:
        return None
    try:
        body: Any = response.json()
    except ValueError:
        return f"404 {response.text[:200]}"
    error = body.get("error") if isinstance(body, dict) else None
    message = str(error.get("message") if isinstance(error, dict) else body.get("message", ""))
    code = str(error.get("code") if isinstance(error, dict) else "")
    if message.startswith(("no route", "Not Found")) or code == "unknown_url":
        return f"404 {body}"  # the runtime's or the app's "no such route", not a domain's "no such thing"
    return None


def test_the_runtime_serves_exactly_the_template_routes(runtime_factory: Any) -> None:
    rt = runtime_factory()
    template_routes = set(http_events(load_raw()))
    listed = rt.control("GET", "routes", timeout=30).json()["http"]
    assert {(r["method"], r["path"], r["function"]) for r in listed} == template_routes
    assert all(status == "ok" for status in rt.info["functions"].values()), rt.info["functions"]

    boss = admin(rt)
    unserved = []
    with httpx.Client(base_url=rt.base_url, timeout=60) as client:
        for method, path, function in sorted(template_routes):
            response = client.request(
                method, concrete_path(path), headers={"Authorization": f"Bearer {boss.token}"},
                # A body that no route accepts: nothing is created, and a route with a body model answers 400.
                content=b'{"unexpected": ' if method in BODY_METHODS else None,
                params={"trace_id": "p-trace"} if path == "/api/logs/{entry_id}" else None,
            )
            why = _route_unknown(response)
            if why:
                unserved.append(f"{method} {path} -> {function}: {why}")
    assert unserved == []


def test_an_unknown_route_is_told_apart() -> None:
    """The detector above must recognise "no such route", or the test would pass whatever happened."""
    def answer(status: int, body: Any) -> httpx.Response:
        return httpx.Response(status, json=body)

    assert _route_unknown(answer(404, {"error": {"code": "not_found", "message": "no route matches GET /x"}}))
    assert _route_unknown(answer(404, {"error": {"code": "not_found", "message": "Not Found"}}))  # FastAPI's
    assert _route_unknown(answer(404, {"error": {"message": "unknown URL", "code": "unknown_url"}}))  # proxy
    assert _route_unknown(answer(405, {"error": {"code": "method_not_allowed", "message": "x"}}))
    assert _route_unknown(answer(501, {"error": {"code": "not_implemented", "message": "x"}}))
    assert _route_unknown(answer(404, {"error": {"code": "agent_not_found", "message": "no such agent"}})) is None
    assert _route_unknown(answer(400, {"error": {"code": "validation_error", "message": "x"}})) is None
