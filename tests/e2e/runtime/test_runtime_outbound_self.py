"""A user's agent URL cannot reach the runtime's own port, even with 127.0.0.1 allowed (issue 20, item 4).

This runtime allows every loopback spelling for outbound calls (`A2G_OUTBOUND_ALLOW=127.0.0.0/8,0.0.0.0/8,
::1,localhost`) — what a developer sets for a local LLM or agent. A CUSTOM agent whose base URL is the platform itself (`/_local/...`, `/_s3/...`, `/@connections/...`)
used to make the platform call itself on every chat message (e.g. firing the lifecycle schedule). Now the
call is refused before any connection — when the agent is stored, and again when it would be called —
and the runtime sees no such request at all.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.chat.chat_e2e_support import ChatSocket
from tests.e2e.helpers import admin, approved_user

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e
WIDE_OPEN_LOOPBACK = "127.0.0.0/8,0.0.0.0/8,::1,localhost"


@pytest.fixture(scope="module")
def open_runtime(runtime_launcher: Any) -> RuntimeProcess:
    rt: RuntimeProcess = runtime_launcher(env={"A2G_OUTBOUND_ALLOW": WIDE_OPEN_LOOPBACK})
    rt.require_functions("MyAgentsFunction", "SessionsFunction", "WsInvokeFunction")
    return rt


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{port}/_local/schedules/lifecycle/fire",
    "http://localhost:{port}/_s3/a2g-filesbucket?delete",
    "http://127.0.0.2:{port}/@connections/someone",
    "http://0.0.0.0:{port}/_local/clock",
    "http://[::ffff:127.0.0.1]:{port}/_local/functions/AdminUsersFunction/invoke",
])
def test_a_custom_agent_pointed_at_the_platform_itself_is_refused(open_runtime: RuntimeProcess, target: str) -> None:
    runtime = open_runtime
    url = target.format(port=runtime.port)
    path = re.sub(r"^http://[^/]+", "", url).split("?")[0]
    user = approved_user(runtime)
    try:
        created = user.post("/api/my-agents", json={
            "name": "Self caller", "description": "points at the platform's own port", "framework": "CUSTOM",
            "endpoint": {"base_url": url, "custom_protocol": "json"}})
        if created.status_code == 400:  # refused when stored (the URL is checked then): nothing was called
            assert created.json()["error"]["code"] == "destination_not_allowed", created.text
            assert "is the platform itself" in created.json()["error"]["message"]
            assert f" {path} " not in runtime.log_text()
            return
        assert created.status_code == 201, created.text  # the allow-list alone lets every one of these through
        agent = created.json()
        session = user.post(f"/api/agents/{agent['id']}/sessions", json={})
        assert session.status_code in (200, 201), session.text
        before = len(runtime.log_text())
        socket = ChatSocket(runtime.ws_connect_url(token=user.token))
        try:
            run = socket.invoke(session.json()["session_id"], "hello")
        finally:
            socket.close()
        assert run.final["type"] == "error", run.pushes
        assert run.final["error"]["code"] == "destination_not_allowed", run.final
        assert "never an outbound destination" in run.final["error"]["message"]
        assert f" {path} " not in runtime.log_text()[before:]  # the platform never received the call
    finally:
        user.close()


def test_the_runtime_tells_its_functions_its_own_endpoints(runtime: RuntimeProcess) -> None:
    own = runtime.env["A2G_PLATFORM_ENDPOINTS"].split(",")
    assert f"127.0.0.1:{runtime.port}" in own
    assert runtime.env["AWS_ENDPOINT_URL_DYNAMODB"].split("://", 1)[1] in own


def test_an_llm_pointed_at_the_platform_itself_is_never_called(open_runtime: RuntimeProcess) -> None:
    """The log-proxy (aiohttp relay) and the admin's LLM test refuse it too; the runtime sees no such call."""
    runtime = open_runtime
    runtime.require_functions("LlmsFunction", "ApiKeysFunction", "LogProxyFunction")
    model = f"self-model-{runtime.port}"
    admin_user = admin(runtime)
    developer = approved_user(runtime)
    try:
        created = admin_user.post("/api/admin/llms", json={
            "name": "Self LLM", "base_url": f"http://localhost:{runtime.port}/_local", "api_key": "k",
            "models": [model]})
        if created.status_code == 400:  # refused when stored (base URLs are checked then): nothing can call it
            assert created.json()["error"]["code"] == "invalid_base_url", created.text
            assert "is the platform itself" in created.json()["error"]["message"]
            assert "/_local/models" not in runtime.log_text() and "/_local/chat" not in runtime.log_text()
            return
        assert created.status_code == 201, created.text
        before = len(runtime.log_text())
        tested = admin_user.post(f"/api/admin/llms/{created.json()['llm_id']}/test", json={"model": model})
        assert tested.status_code != 500, tested.text
        agent = developer.post("/api/my-agents", json={
            "name": "Proxy user", "description": "calls an LLM through the log-proxy", "framework": "CUSTOM",
            "endpoint": {"base_url": "http://127.0.0.1:9/", "custom_protocol": "openai"}})
        assert agent.status_code == 201, agent.text
        key = developer.post("/api/api-keys", json={"name": "self"})
        assert key.status_code == 201, key.text
        proxied = httpx.post(runtime.url(f"/api/log-proxy/{agent.json()['trace_id']}/v1/chat/completions"),
                             headers={"Authorization": f"Bearer {key.json()['key']}"}, timeout=30,
                             json={"model": model, "messages": [{"role": "user", "content": "hi"}]})
        assert proxied.status_code in (400, 502), proxied.text
        assert "platform itself" in proxied.text or "not_allowed" in proxied.text, proxied.text
        assert "/_local/chat/completions" not in runtime.log_text()[before:]
    finally:
        developer.close()
        admin_user.close()
