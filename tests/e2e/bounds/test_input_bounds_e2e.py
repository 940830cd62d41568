"""No input gets a 500 (issue 20, items 5, 6, 7, 9, 10), against the running local runtime:

- a 3,000-character id in every path parameter of every operation of the merged OpenAPI document, and in
  `?trace_id=`, answers 4xx (a malformed id 400 `validation_error`, a well-formed unknown one 404);
- `[` × 100,000 to every operation that takes a body answers 4xx;
- the log-proxy: a long trace id, a 2,100-character model and deep JSON are 4xx in OpenAI's format, and on a
  valid trace with a valid key the failed call is on the trace;
- WebSocket: connect with a long `?trace_id=` is refused with 400, `subscribe` answers `validation_error`;
- a lone surrogate, NUL, `true` for an integer, an internal LLM base URL and an invalid logs cursor are 400.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import httpx
import pytest
import websockets
from helpers import admin, approved_user, create_api_key
from websockets.exceptions import InvalidStatus

from tests.e2e.tracing.runtime_helpers import TracingRuntime

pytestmark = pytest.mark.e2e

LONG = "x" * 3000
DEEP = b"[" * 100_000


@pytest.fixture(scope="module")
def boss(runtime: Any) -> Any:
    user = admin(runtime)
    yield user
    user.close()


@pytest.fixture(scope="module")
def operations(runtime: Any) -> list[tuple[str, str, dict[str, Any]]]:
    document = httpx.get(runtime.url("/api/openapi.json"), timeout=60).json()
    return [(method.upper(), path, op) for path, item in document["paths"].items()
            for method, op in item.items() if method in ("get", "post", "put", "patch", "delete")]


def _fill(path: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def test_a_long_id_in_any_path_is_4xx(runtime: Any, boss: Any, operations: list[Any]) -> None:
    with_ids = [(m, p) for m, p, _ in operations if "{" in p]
    assert len(with_ids) >= 15, with_ids
    failures = []
    for method, path in with_ids:
        response = boss.request(method, _fill(path, LONG), json={} if method in ("POST", "PATCH", "PUT") else None)
        if not 400 <= response.status_code < 500:
            failures.append((method, path, response.status_code, response.text[:200]))
        elif not path.startswith("/api/log-proxy") and response.status_code not in (401, 403, 404, 405):
            assert response.json()["error"]["code"] == "validation_error", (method, path, response.text)
    assert failures == []


def test_a_well_formed_unknown_id_is_404(boss: Any) -> None:
    for path in ("/api/sessions/ses_nope", "/api/files/fil_nope", "/api/my-agents/agt_nope",
                 "/api/agents/agt_nope", "/api/admin/users/nobody-here"):
        assert boss.get(path).status_code == 404, path
    assert boss.delete("/api/api-keys/key_nope").status_code == 404
    assert boss.patch("/api/admin/llms/llm_nope", json={"enabled": False}).status_code == 404


def test_long_ids_in_queries_and_bodies_are_400(boss: Any) -> None:
    for method, path in (("GET", "/api/logs"), ("DELETE", "/api/logs"), ("GET", "/api/logs/log_1")):
        response = boss.request(method, path, params={"trace_id": LONG})
        assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error", path
    assert boss.post("/api/files", json={"session_id": LONG, "file_name": "a.txt", "content_type": "text/plain",
                                         "size": 1}).status_code == 400
    assert boss.post("/api/admin/llms/llm_nope/test", json={"model": "m" * 2100}).status_code == 400
    assert boss.get("/api/agents", params={"cursor": LONG}).status_code == 400


def test_deep_json_to_every_body_operation_is_4xx(boss: Any, operations: list[Any]) -> None:
    failures = []
    for method, path, _ in operations:
        if method not in ("POST", "PATCH", "PUT"):
            continue
        response = boss.request(method, _fill(path, "id_1"), content=DEEP,
                                headers={"content-type": "application/json"})
        if not 400 <= response.status_code < 500:
            failures.append((method, path, response.status_code, response.text[:200]))
    assert failures == []
    register = boss.post("/api/a2a/register", content=DEEP, headers={"content-type": "application/json"})
    assert register.status_code == 400 and register.json()["error"]["code"] == "json_too_deep"


def test_lone_surrogate_and_nul_are_400(boss: Any) -> None:
    created = boss.post("/api/admin/llms", json={"name": "surrogate", "base_url": "https://llm.invalid/v1",
                                                "models": ["surrogate-model"]})
    assert created.status_code == 201, created.text
    llm_id = created.json()["llm_id"]
    probe = boss.post(f"/api/admin/llms/{llm_id}/test", content=b'{"model": "\\ud800"}',
                      headers={"content-type": "application/json"})
    assert probe.status_code == 400 and probe.json()["error"]["code"] == "invalid_json", probe.text
    nul_title = boss.post("/api/agents/agt_nope/sessions", content=b'{"title": "a\\u0000b"}',
                          headers={"content-type": "application/json"})
    assert nul_title.status_code == 400
    true_timeout = boss.patch(f"/api/admin/llms/{llm_id}", json={"timeout_seconds": True})
    assert true_timeout.status_code == 400, true_timeout.text
    assert boss.get("/api/admin/llms").json()["items"][-1]["timeout_seconds"] != 1
    assert boss.delete(f"/api/admin/llms/{llm_id}").status_code == 204


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest", "http://10.1.2.3/v1", "http://[fd00::1]/v1"])
def test_internal_llm_base_urls_are_refused_when_written(boss: Any, url: str) -> None:
    response = boss.post("/api/admin/llms", json={"name": "internal", "base_url": url, "models": ["internal-m"]})
    assert response.status_code == 400, response.text
    assert "A2G_OUTBOUND_ALLOW" in response.json()["error"]["message"]
    assert all(i["base_url"] != url for i in boss.get("/api/admin/llms").json()["items"])


def test_an_invalid_logs_cursor_is_400(runtime: Any) -> None:
    user = approved_user(runtime)
    tracing = TracingRuntime(runtime.base_url, runtime.ws_url, dict(runtime.env))
    trace_id = tracing.create_trace(user.user_id)
    response = user.get("/api/logs", params={"trace_id": trace_id, "cursor": "bm90LWEtY3Vyc29y"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_cursor"
    user.close()


def test_the_log_proxy_refuses_and_records(runtime: Any) -> None:
    user = approved_user(runtime)
    key = create_api_key(user)["key"]
    tracing = TracingRuntime(runtime.base_url, runtime.ws_url, dict(runtime.env))
    trace_id = tracing.create_trace(user.user_id)
    auth = {"authorization": f"Bearer {key}", "content-type": "application/json"}
    base = runtime.url("/api/log-proxy/{}/v1/chat/completions")
    long_trace = httpx.post(base.format(LONG), content=b'{"model": "m"}', headers=auth, timeout=30)
    assert long_trace.status_code == 400 and long_trace.json()["error"]["code"] == "invalid_trace_id"
    cases = [(DEEP, "json_too_deep"), (b'{"model": "' + b"m" * 2100 + b'"}', "invalid_model"),
             (b'{"model": "no-such-model-here"}', "model_not_found")]
    for body, code in cases:
        response = httpx.post(base.format(trace_id), content=body, headers=auth, timeout=30)
        assert 400 <= response.status_code < 500, response.text
        assert response.json()["error"]["code"] == code and "type" in response.json()["error"]
    entries: list[dict[str, Any]] = []
    for _ in range(50):  # entries are written just after the answer
        entries = user.get("/api/logs", params={"trace_id": trace_id}).json()["items"]
        if len(entries) >= len(cases):
            break
        time.sleep(0.1)
    assert sorted(e["error"]["code"] for e in entries) == sorted(code for _, code in cases)
    assert all(e["status"] == "error" for e in entries)
    user.close()


async def test_websocket_long_trace_ids(runtime: Any) -> None:
    user = approved_user(runtime)
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(runtime.ws_connect_url(token=user.token, trace_id=LONG)):
            pass
    assert refused.value.response.status_code == 400
    async with websockets.connect(runtime.ws_connect_url(token=user.token)) as ws:
        for message in ({"action": "subscribe", "trace_id": LONG}, {"action": "unsubscribe", "trace_id": LONG}):
            await ws.send(json.dumps(message))
            reply = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert reply["type"] == "error" and reply["error"]["code"] == "validation_error", reply
        await ws.send(json.dumps({"action": "invoke", "session_id": LONG, "message": "hi"}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 30))
        assert reply["type"] == "error" and reply["error"]["code"] == "validation_error", reply
        await ws.send('{"action": "subscribe", "trace_id": ' + "[" * 100_000)
        reply = json.loads(await asyncio.wait_for(ws.recv(), 30))  # $default, through the shared reader
        assert reply["type"] == "error" and reply["error"]["code"] in ("json_too_deep", "invalid_json"), reply
    user.close()
