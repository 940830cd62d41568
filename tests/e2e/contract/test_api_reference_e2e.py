"""The API reference as the running platform serves it: the OpenAPI document says what the routes really do,
the AsyncAPI document covers every WebSocket action and push, and /api/docs is a working Swagger UI page
served from the platform's own assets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def openapi(runtime: Any) -> dict[str, Any]:
    response = httpx.get(f"{runtime.base_url}/api/openapi.json", timeout=30)
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def asyncapi(runtime: Any) -> dict[str, Any]:
    response = httpx.get(f"{runtime.base_url}/api/asyncapi.json", timeout=30)
    assert response.status_code == 200
    return response.json()


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in doc["paths"].items() for method, op in item.items()]


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/")]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _template() -> dict[str, Any]:
    return yaml.load((REPO / "template.yaml").read_text(), Loader=_Loader)


def _template_http_routes() -> dict[tuple[str, str], bool]:
    """{(path, method): public} for every HttpApi route of the template."""
    routes = {}
    for resource in _template()["Resources"].values():
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            if event.get("Type") == "HttpApi":
                props = event["Properties"]
                public = (props.get("Auth") or {}).get("Authorizer") == "NONE"
                routes[(props["Path"], props["Method"].lower())] = public
    return routes


# ---- OpenAPI ----------------------------------------------------------------------------------------------


def test_every_operation_documents_its_answer_and_its_real_errors(openapi: dict[str, Any]) -> None:
    for path, method, op in _operations(openapi):
        responses = op["responses"]
        assert "422" not in responses, (method, path)  # errors are 400s (a2g.http.app)
        assert {"429", "503"} <= set(responses), (method, path)
        success = [status for status in responses if status.startswith(("2", "3"))]
        assert success, (method, path)
        for status in success:
            for media in (responses[status].get("content") or {}).values():
                schema = media.get("schema") or {}
                # A typed answer: a named model, or (documents, pages, files) an explicit type.
                assert "$ref" in schema or schema.get("type") in {"object", "string"}, (method, path, status)
                if "$ref" in schema:
                    assert _resolve(openapi, schema["$ref"]).get("properties"), (method, path, status)
        if op["security"]:
            assert {"401", "403"} <= set(responses), (method, path)
        if "requestBody" in op or op.get("parameters"):
            assert "400" in responses, (method, path)
        assert op.get("summary"), (method, path)
    for ref in _refs(openapi):
        assert _resolve(openapi, ref) is not None, ref


SELF_AUTHENTICATED = ("/api/a2a/agents/", "/api/mcp")


def test_public_routes_are_the_template_s_routes_without_an_authorizer(openapi: dict[str, Any]) -> None:
    routes = _template_http_routes()
    documented = {(path, method): op for path, method, op in _operations(openapi)}
    # The log-proxy is one greedy route in the template (a Gemini path has its action after a colon, which
    # HttpApi paths cannot express); its app documents each wire format's operation under it.
    greedy = routes.pop(("/api/log-proxy/{trace_id}/{proxy+}", "any"))
    proxied = {key for key in documented if key[0].startswith("/api/log-proxy/{trace_id}/")}
    assert proxied and greedy
    routes.update({key: True for key in proxied})
    # The gateway's A2A v1.0 REST binding likewise (`/v1/message:send`, `/v1/tasks/{id}:cancel`: colons again).
    rest = routes.pop(("/api/a2a/agents/{agent_id}/v1/{proxy+}", "any"))
    bound = {key for key in documented if key[0].startswith("/api/a2a/agents/{agent_id}/v1/")}
    assert bound and rest
    routes.update({key: True for key in bound})
    assert set(documented) == set(routes)  # one document for every route the platform serves
    for key, public in routes.items():
        security = documented[key]["security"]
        if key[0].startswith("/api/log-proxy/"):
            assert security == [{"apiKey": []}], key  # no authorizer: the proxy checks the API key itself
            if key[1] == "post":
                schema = documented[key]["requestBody"]["content"]["application/json"]["schema"]
                # Gemini names the model in the path (`models/{model}:generateContent`), the others in the body.
                assert "{model_action}" in key[0] or schema["properties"]["model"], key
        elif key[0].startswith("/api/otel/"):
            assert public and security == [{"apiKey": []}], key  # OTLP exporters send the API key; checked in-app
        elif key[0].startswith(SELF_AUTHENTICATED):
            # No authorizer either: the gateway and MCP check the API key or access token themselves.
            assert public and {"apiKey": []} in security and {"accessToken": []} in security, key
        else:
            assert (security == []) == public, key
    schemes = openapi["components"]["securitySchemes"]
    assert schemes["accessToken"]["bearerFormat"] == "JWT" and schemes["apiKey"]["scheme"] == "bearer"


def test_an_error_answer_matches_the_documented_error_schema(runtime: Any, openapi: dict[str, Any]) -> None:
    response = httpx.post(f"{runtime.base_url}/api/auth/dev-login", json={"username": ""}, timeout=30)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["fields"][0]["field"] == "username"
    documented = openapi["components"]["schemas"]["ErrorDetail"]["properties"]
    assert set(error) <= set(documented)


# ---- AsyncAPI ---------------------------------------------------------------------------------------------


def _accepted_actions() -> set[str]:
    """What the WebSocket handlers accept: the template's route keys, and what $default answers (ping)."""
    keys = set()
    for resource in _template()["Resources"].values():
        if resource.get("Type") == "AWS::ApiGatewayV2::Route":
            keys.add(resource["Properties"]["RouteKey"])
    default = (REPO / "functions" / "ws_default" / "app.py").read_text()
    return {k for k in keys if not k.startswith("$")} | set(re.findall(r'action == "([a-z_]+)"', default))


def _pushed_types() -> set[str]:
    """Every `"type": "..."` the server pushes: the WebSocket functions, the chat run, the trace feed."""
    sources = [*sorted((REPO / "functions").glob("ws_*/app.py"))] + [
        REPO / "layers/core/python/a2g" / name for name in ("chat/invoke.py", "chat/agent_run.py", "chat/cancel.py",
                                                              "tracing/recorder.py", "tracing/service.py",
                                                              "otel/intake.py")]
    found: set[str] = set()
    for source in sources:
        text = source.read_text()
        found |= set(re.findall(r'\{\s*"type":\s*"([a-z_.]+)"', text))
        found |= set(re.findall(r'"(trace\.[a-z_]+)"', text))  # the trace feed's kinds, chosen per entry
    return found


def test_asyncapi_document_is_well_formed(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["asyncapi"].startswith("3.0")
    assert asyncapi["info"]["title"] and asyncapi["info"]["version"]
    assert "token" in asyncapi["channels"]["live"]["bindings"]["ws"]["query"]["properties"]
    assert "trace_id" in asyncapi["channels"]["live"]["bindings"]["ws"]["query"]["properties"]
    for name, operation in asyncapi["operations"].items():
        assert operation["action"] in {"send", "receive"}, name
        assert _resolve(asyncapi, operation["channel"]["$ref"]) is asyncapi["channels"]["live"]
        assert operation["messages"], name
    for ref in _refs(asyncapi):
        assert _resolve(asyncapi, ref) is not None, ref
    for message in asyncapi["channels"]["live"]["messages"].values():
        assert message["payload"] and message["summary"]


def test_asyncapi_documents_every_action_the_handlers_accept_and_every_push(asyncapi: dict[str, Any]) -> None:
    def names(action: str) -> set[str]:
        return {ref["$ref"].rsplit("/", 1)[-1] for op in asyncapi["operations"].values() if op["action"] == action
                for ref in op["messages"]}

    accepted = _accepted_actions()
    assert {"subscribe", "unsubscribe", "invoke", "cancel", "ping"} <= accepted
    assert accepted <= names("receive")  # the platform receives the client's actions
    pushed = _pushed_types()
    assert {"trace.entry", "trace.cleared", "run_started", "chunk", "message", "stopping", "error", "pong"} <= pushed
    assert pushed <= names("send")


# ---- the page ---------------------------------------------------------------------------------------------


def test_docs_page_serves_swagger_ui_from_its_own_assets(runtime: Any) -> None:
    page = httpx.get(f"{runtime.base_url}/api/docs", timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/api/asyncapi.json" in page.text
    assert not re.search(r'(src|href)="(https?:)?//', page.text)  # no CDN: every asset is the platform's
    for asset in re.findall(r'(?:src|href)="(/api/docs/[^"]+)"', page.text):
        response = httpx.get(f"{runtime.base_url}{asset}", timeout=30)
        assert response.status_code == 200 and len(response.content) > 500, asset
    missing = httpx.get(f"{runtime.base_url}/api/docs/index.html", timeout=30)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_docs_page_renders_every_operation_in_a_browser(runtime: Any, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda r: None if r.url.startswith(runtime.base_url) else outside.append(r.url))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{runtime.base_url}/api/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            operations = page.locator(".opblock").count()
            title = page.locator(".info .title").inner_text()
            page.screenshot(path=str(tmp_path / "api-docs.png"))
        finally:
            browser.close()
    assert operations >= 50, operations
    assert "A2G Agent Platform API" in title
    assert outside == [] and errors == []
