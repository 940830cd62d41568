"""The agent registry end to end: the local runtime, real a2a-sdk agents, both SDKs, real HTTP.

- an a2a-sdk agent registers itself through the Python SDK (card posted, then by card URL: one agent);
- another registers through the JS SDK (`node --test sdks/js/test/` against this runtime);
- a v0.3 card and a v1.0 card both register; registering twice updates in place;
- the SSRF cases (cloud metadata address; loopback on a runtime without an allow-list);
- every bad input of issue 4, with nothing stored;
- manual CRUD with permissions, publish / withdraw, the catalogue and the AI Catalog document.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

E2E_DIR = Path(__file__).resolve().parents[1]
REPO = E2E_DIR.parent.parent
SDK_JS = REPO / "sdks" / "js"
for path in (str(E2E_DIR), str(REPO / "sdks" / "python" / "src")):
    if path not in sys.path:
        sys.path.insert(0, path)

from a2g_sdk import A2GError, card_from_a2a, register
from helpers import SignedInUser, approved_user, create_api_key

from tests.e2e.agents.a2a_echo_agent import EchoAgentServer

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e

FUNCTIONS = ("MyAgentsFunction", "AgentsCatalogFunction", "A2aRegisterFunction", "ApiKeysFunction")


@pytest.fixture(scope="module")
def rt(runtime: RuntimeProcess) -> RuntimeProcess:
    runtime.require_functions(*FUNCTIONS)
    return runtime


@pytest.fixture(scope="module")
def echo() -> Iterator[EchoAgentServer]:
    server = EchoAgentServer("Echo agent").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dev(rt: RuntimeProcess) -> Iterator[SignedInUser]:
    user = approved_user(rt)
    yield user
    user.close()


@pytest.fixture(scope="module")
def dev_key(dev: SignedInUser) -> str:
    return str(create_api_key(dev, "sdk")["key"])


def _mine(user: SignedInUser) -> list[dict[str, Any]]:
    response = user.get("/api/my-agents", params={"limit": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def _sdk(rt: RuntimeProcess, key: str, **kwargs: Any) -> dict[str, Any]:
    return register(api_key=key, platform_url=rt.base_url, **kwargs)


# --- registration through the SDKs --------------------------------------------------------------------------


def test_an_a2a_sdk_agent_registers_itself_with_the_python_sdk(
    rt: RuntimeProcess, echo: EchoAgentServer, dev: SignedInUser, dev_key: str
) -> None:
    created = _sdk(rt, dev_key, card=card_from_a2a(echo.card), color="#0EA5E9",
                   logo_url="https://cdn.example.com/echo.png")
    assert created["created"] is True and created["status"] == "DEVELOPMENT"
    assert created["framework"] == "A2A" and created["color"] == "#0EA5E9"
    assert created["endpoint"]["base_url"] == echo.url
    assert created["endpoint"]["a2a_protocol_version"] == "1.0"
    assert created["log_proxy_base_url"].endswith(f"/api/log-proxy/{created['trace_id']}/v1")

    # stored as docs/data-model.md says: the agent (no ranking embedding: the agent_embeddings schedule writes
    # it once the agent is published, docs/ranking.md), the trace owned by its owner
    ddb = rt.boto3_client("dynamodb")
    item = ddb.get_item(TableName=rt.env["A2G_AGENTS_TABLE"],
                        Key={"pk": {"S": f"OWNER#{dev.user_id}"}, "sk": {"S": f"AGENT#{created['id']}"}})["Item"]
    assert item["gsi2pk"]["S"] == "STATUS#DEVELOPMENT" and "embedding" not in item
    trace = ddb.get_item(TableName=rt.env["A2G_TRACES_TABLE"],
                         Key={"pk": {"S": f"TRACE#{created['trace_id']}"}, "sk": {"S": "META"}})["Item"]
    assert trace["owner_user_id"]["S"] == dev.user_id and trace["kind"]["S"] == "agent"
    assert trace["agent_id"]["S"] == created["id"]

    # the same agent again, this time by URL: the platform fetches its card; updated in place
    again = _sdk(rt, dev_key, card_url=echo.url)
    assert again["created"] is False and again["id"] == created["id"]
    assert again["card_url"] == echo.url + ".well-known/agent-card.json"
    assert again["color"] == "#0EA5E9"  # extras not repeated are kept
    mine = [a for a in _mine(dev) if a["endpoint"]["base_url"] == echo.url]
    assert [a["id"] for a in mine] == [created["id"]]


def test_v03_and_v10_cards_both_register(rt: RuntimeProcess, dev: SignedInUser, dev_key: str) -> None:
    v1 = EchoAgentServer("V1 agent").start()
    v03 = EchoAgentServer("V03 agent").start()
    try:
        legacy = {
            "name": "Legacy v0.3 agent", "description": "A card in the v0.3 shape", "url": v03.url,
            "protocolVersion": "0.3.0", "preferredTransport": "JSONRPC", "version": "0.3.1",
            "capabilities": {"streaming": False}, "defaultInputModes": ["text/plain"],
            "defaultOutputModes": ["text/plain"],
            "skills": [{"id": "old", "name": "Old", "description": "An old skill", "tags": ["legacy"]}],
        }
        a = _sdk(rt, dev_key, card=legacy)
        assert a["created"] and a["endpoint"]["a2a_protocol_version"] == "0.3.0"
        assert a["endpoint"]["a2a_streaming"] is False and a["a2a_card"]["protocolVersion"] == "0.3.0"
        b = _sdk(rt, dev_key, card_url=v1.url)
        assert b["created"] and b["a2a_card"]["supportedInterfaces"][0]["protocolVersion"] == "1.0"
        c = _sdk(rt, dev_key, card={**legacy, "description": "updated"})
        assert not c["created"] and c["id"] == a["id"] and c["description"] == "updated" and c["version"] == 2
    finally:
        v1.stop()
        v03.stop()


def _js_sdk_ready() -> bool:
    if shutil.which("node") is None or shutil.which("npm") is None:
        return False
    if not (SDK_JS / "node_modules" / ".bin" / "tsc").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=SDK_JS, check=True, capture_output=True,
                       timeout=600)
    newest_src = max(p.stat().st_mtime for p in (SDK_JS / "src").glob("*.ts"))
    dist = SDK_JS / "dist" / "esm" / "index.js"
    if not dist.exists() or dist.stat().st_mtime < newest_src:
        subprocess.run(["npm", "run", "build"], cwd=SDK_JS, check=True, capture_output=True, timeout=600)
    return True


def test_an_agent_registers_through_the_js_sdk(rt: RuntimeProcess, dev: SignedInUser, dev_key: str) -> None:
    if not _js_sdk_ready():
        pytest.skip("the JS SDK needs Node.js and npm")
    agent = EchoAgentServer("JS registered agent").start()
    try:
        env = {**os.environ, "A2G_E2E_PLATFORM_URL": rt.base_url, "A2G_E2E_API_KEY": dev_key,
               "A2G_E2E_CARD_URL": agent.url}
        run = subprocess.run(["node", "--test", "test/"], check=False, cwd=SDK_JS, env=env, capture_output=True, text=True,
                             timeout=300)
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        assert "# skipped 0" in run.stdout and "# fail 0" in run.stdout, run.stdout[-3000:]
        registered = [a for a in _mine(dev) if a["endpoint"]["base_url"] == agent.url]
        assert len(registered) == 1 and registered[0]["name"] == "JS registered agent"
        assert registered[0]["color"] == "#0EA5E9"
    finally:
        agent.stop()


def test_the_js_cli_registers_an_agent(rt: RuntimeProcess, dev: SignedInUser, dev_key: str) -> None:
    if not _js_sdk_ready():
        pytest.skip("the JS SDK needs Node.js and npm")
    agent = EchoAgentServer("JS CLI agent").start()
    try:
        env = {**os.environ, "A2G_PLATFORM_URL": rt.base_url, "A2G_API_KEY": dev_key}
        run = subprocess.run(["node", str(SDK_JS / "dist" / "esm" / "cli.js"), "register", "--card-url", agent.url],
                             env=env, capture_output=True, text=True, timeout=120, check=False)
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["created"] is True
    finally:
        agent.stop()


def test_the_python_cli_registers_an_agent(rt: RuntimeProcess, dev_key: str, tmp_path: Path) -> None:
    agent = EchoAgentServer("Python CLI agent").start()
    try:
        card_file = tmp_path / "card.json"
        card_file.write_text(json.dumps(card_from_a2a(agent.card)))
        env = {**os.environ, "A2G_PLATFORM_URL": rt.base_url, "A2G_API_KEY": dev_key,
               "PYTHONPATH": str(REPO / "sdks" / "python" / "src")}
        run = subprocess.run([sys.executable, "-m", "a2g_sdk.cli", "register", "--card", str(card_file)],
                             env=env, capture_output=True, text=True, timeout=120, check=False)
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["name"] == "Python CLI agent"
    finally:
        agent.stop()


# --- refusals ---------------------------------------------------------------------------------------------


def _card(url: str, **overrides: Any) -> dict[str, Any]:
    card = {
        "name": "Bad agent", "description": "never stored", "version": "1.0.0",
        "supportedInterfaces": [{"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
        "capabilities": {}, "defaultInputModes": ["text/plain"], "defaultOutputModes": ["text/plain"],
        "skills": [{"id": "s", "name": "S", "description": "s", "tags": []}],
    }
    card.update(overrides)
    return card


def test_bad_registrations_are_refused_and_nothing_is_stored(
    rt: RuntimeProcess, echo: EchoAgentServer, dev: SignedInUser, dev_key: str
) -> None:
    before = _mine(dev)
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"card": _card(echo.url), "color": "blue"}, 400, "validation_error"),
        ({"card": _card(echo.url), "color": "#12345G"}, 400, "validation_error"),
        ({"card": _card(echo.url), "logo_url": "ftp://cdn.example.com/l.png"}, 400, "validation_error"),
        ({"card": {"name": "x", "url": echo.url}}, 400, "invalid_agent_card"),
        ({"card": _card(echo.url, description="x" * 300_000)}, 413, "card_too_large"),
        ({"card_url": "http://169.254.169.254/latest/meta-data/"}, 400, "destination_not_allowed"),
        ({"card": _card("http://169.254.169.254/latest/meta-data/")}, 400, "destination_not_allowed"),
        ({"card_url": "file:///etc/passwd"}, 400, "destination_not_allowed"),
        ({"card": _card("http://127.0.0.1:9/")}, 502, "agent_unreachable"),
    ]
    for body, status, code in cases:
        response = httpx.post(rt.url("/api/a2a/register"), json=body,
                              headers={"Authorization": f"Bearer {dev_key}"}, timeout=60)
        assert response.status_code == status, (body.get("card_url"), response.text)
        error = response.json()["error"]
        assert error["code"] == code, error
    missing = httpx.post(rt.url("/api/a2a/register"), json={"card": {"name": "x", "url": echo.url}},
                         headers={"Authorization": f"Bearer {dev_key}"}, timeout=30).json()["error"]
    assert missing["details"]["missing"] == ["description", "version", "capabilities", "defaultInputModes",
                                             "defaultOutputModes", "skills"]
    for name in missing["details"]["missing"]:
        assert name in missing["message"]
    with pytest.raises(A2GError) as err:
        _sdk(rt, dev_key, card_url="http://169.254.169.254/")
    assert err.value.status == 400 and err.value.code == "destination_not_allowed"
    assert _mine(dev) == before


def test_registration_needs_credentials(rt: RuntimeProcess, echo: EchoAgentServer) -> None:
    assert httpx.post(rt.url("/api/a2a/register"), json={"card_url": echo.url}, timeout=30).status_code == 401
    bad = httpx.post(rt.url("/api/a2a/register"), json={"card_url": echo.url},
                     headers={"Authorization": "Bearer a2g_sk_not-a-real-key"}, timeout=30)
    assert bad.status_code in (401, 403)


@pytest.fixture(scope="module")
def strict_rt(runtime_launcher: Any) -> RuntimeProcess:
    """A runtime with no outbound allow-list: loopback and private agents are refused."""
    rt = runtime_launcher(env={"A2G_OUTBOUND_ALLOW": ""})
    rt.require_functions(*FUNCTIONS)
    return rt


def test_loopback_is_refused_without_the_allow_list(strict_rt: RuntimeProcess, echo: EchoAgentServer) -> None:
    user = approved_user(strict_rt)
    key = create_api_key(user)["key"]
    try:
        for body in ({"card_url": echo.url}, {"card_url": f"http://localhost:{echo.port}/"},
                     {"card": card_from_a2a(echo.card)}):
            response = httpx.post(strict_rt.url("/api/a2a/register"), json=body,
                                  headers={"Authorization": f"Bearer {key}"}, timeout=30)
            assert response.status_code == 400, response.text
            assert response.json()["error"]["code"] == "destination_not_allowed"
        scan = user.post("/api/my-agents/scan", json={"framework": "A2A", "url": echo.url})
        assert scan.status_code == 400 and scan.json()["error"]["code"] == "destination_not_allowed"
        manual = user.post("/api/my-agents", json={
            "name": "Internal", "framework": "ADK",
            "endpoint": {"base_url": "http://127.0.0.1:8000", "adk_app_name": "x"}})
        assert manual.status_code == 400 and manual.json()["error"]["code"] == "destination_not_allowed"
        assert _mine(user) == []
    finally:
        user.close()


# --- manual CRUD, permissions, lifecycle, catalogue ------------------------------------------------------------


def test_manual_crud_with_permissions_and_the_catalogue(rt: RuntimeProcess, echo: EchoAgentServer) -> None:
    alice = approved_user(rt)
    bob = approved_user(rt)
    try:
        scanned = alice.post("/api/my-agents/scan", json={"framework": "A2A", "url": echo.url})
        assert scanned.status_code == 200, scanned.text
        candidate = scanned.json()["candidates"][0]
        assert candidate["endpoint"]["base_url"] == echo.url and candidate["a2a_card"]["name"] == "Echo agent"

        body = {"name": "Manual agent", "description": "Made by hand", "framework": "A2A",
                "endpoint": candidate["endpoint"], "a2a_card": candidate["a2a_card"], "color": "#112233",
                "skills": [{"name": "talk", "description": "talks", "tags": ["chat"]}]}
        created = alice.post("/api/my-agents", json=body)
        assert created.status_code == 201, created.text
        agent = created.json()
        agent_id = agent["id"]
        assert agent["version"] == 1 and agent["trace_id"]

        for bad, field in (({**body, "color": "#12"}, "color"), ({**body, "logo_url": "javascript:x"}, "logo_url")):
            refused = alice.post("/api/my-agents", json=bad)
            assert refused.status_code == 400 and field in refused.json()["error"]["message"]

        # not yours: 404 for every operation, nothing changes
        for method, path, kwargs in (
            ("GET", f"/api/my-agents/{agent_id}", {}),
            ("PATCH", f"/api/my-agents/{agent_id}", {"json": {"version": 1, "name": "bob's now"}}),
            ("DELETE", f"/api/my-agents/{agent_id}", {}),
            ("POST", f"/api/my-agents/{agent_id}/publish", {}),
            ("POST", f"/api/my-agents/{agent_id}/withdraw", {}),
            ("GET", f"/api/agents/{agent_id}", {}),  # a development agent is invisible to others
        ):
            assert bob.request(method, path, **kwargs).status_code == 404, (method, path)

        patched = alice.patch(f"/api/my-agents/{agent_id}", json={"version": 1, "description": "Better"})
        assert patched.status_code == 200 and patched.json()["version"] == 2
        stale = alice.patch(f"/api/my-agents/{agent_id}", json={"version": 1, "description": "Lost update"})
        assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
        assert alice.patch(f"/api/my-agents/{agent_id}", json={"description": "no version"}).status_code == 400
        assert alice.get(f"/api/my-agents/{agent_id}").json()["description"] == "Better"

        published = alice.post(f"/api/my-agents/{agent_id}/publish", json={"version": 2})
        assert published.status_code == 200 and published.json()["status"] == "PRODUCTION"
        seen = bob.get(f"/api/agents/{agent_id}")
        assert seen.status_code == 200 and "trace_id" not in seen.json() and "endpoint" not in seen.json()
        listed = bob.get("/api/agents", params={"limit": 100}).json()["items"]
        assert agent_id in [a["id"] for a in listed]

        catalog = bob.get("/api/catalog")
        assert catalog.status_code == 200
        assert catalog.headers["content-type"].startswith("application/ai-catalog+json")
        document = catalog.json()
        assert document["specVersion"] == "1.0" and document["host"]["displayName"]
        entry = next(e for e in document["entries"] if e.get("extensions", {}).get("a2g.agent", {}).get(
            "agent_id") == agent_id)
        assert entry["type"] == "application/a2a-agent-card+json" and entry["identifier"] and entry["updatedAt"]
        card_path = entry["url"].split(rt.base_url.replace("localhost", "127.0.0.1"), 1)[-1]
        if card_path.startswith("http"):  # the public URL differs from the runtime's: use the path
            card_path = "/" + card_path.split("/", 3)[3]
        card = bob.get(card_path)
        # the gateway's card: the registry's name, the platform's address (never the agent's own)
        assert card.status_code == 200 and card.json()["name"] == "Manual agent"
        assert card.json()["url"].endswith(f"/api/a2a/agents/{agent_id}") and echo.url not in card.text

        withdrawn = alice.post(f"/api/my-agents/{agent_id}/withdraw")
        assert withdrawn.json()["status"] == "DEVELOPMENT"
        assert bob.get(card_path).status_code == 404
        assert bob.get(f"/api/agents/{agent_id}").status_code == 404

        assert alice.delete(f"/api/my-agents/{agent_id}", params={"version": 1}).status_code == 409
        assert alice.delete(f"/api/my-agents/{agent_id}").status_code == 204
        assert alice.get(f"/api/my-agents/{agent_id}").status_code == 404
    finally:
        alice.close()
        bob.close()
