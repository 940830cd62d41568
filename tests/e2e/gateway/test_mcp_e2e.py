"""The catalogue as an MCP server: the official `mcp` client against /api/mcp on the local runtime."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from helpers import SignedInUser
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def mcp_runtime(gw_runtime: RuntimeProcess) -> RuntimeProcess:
    gw_runtime.require_functions("McpFunction")
    return gw_runtime


def _structured(result: Any) -> dict[str, Any]:
    assert not result.is_error, result
    if result.structured_content:
        return dict(result.structured_content)
    return dict(json.loads(result.content[0].text))


async def test_mcp_client_finds_reads_and_asks_a_published_agent(
    mcp_runtime: RuntimeProcess, caller_key: str, caller: SignedInUser, agno_agent: dict[str, Any],
) -> None:  # fmt: skip
    http = create_mcp_http_client(headers={"authorization": f"Bearer {caller_key}"})
    async with http, streamable_http_client(f"{mcp_runtime.base_url}/api/mcp", http_client=http) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = {t.name for t in (await session.list_tools()).tools}
            assert tools >= {"find_agents", "get_agent", "ask_agent"}

            found = _structured(await session.call_tool("find_agents", {"query": "Gateway echo Agno", "limit": 10}))
            ids = [a["agent_id"] for a in found["agents"]]
            assert agno_agent["id"] in ids, found
            entry = found["agents"][ids.index(agno_agent["id"])]
            assert entry["a2a_url"].endswith(f"/api/a2a/agents/{agno_agent['id']}") and entry["reasons"]

            card = _structured(await session.call_tool("get_agent", {"agent_id": agno_agent["id"]}))
            assert card["name"] == "Gateway echo Agno" and card["url"] == entry["a2a_url"]

            progress: list[str] = []

            async def on_progress(value: float, total: float | None, message: str | None) -> None:
                progress.append(message or "")

            answer = _structured(await session.call_tool(
                "ask_agent", {"agent_id": agno_agent["id"], "message": "hello mcp"}, progress_callback=on_progress))
            assert answer["state"] == "completed" and answer["answer"] == "echo: hello mcp", answer
            assert "".join(progress) == "echo: hello mcp"

            refused = await session.call_tool("get_agent", {"agent_id": "agt_nope"})
            assert refused.is_error
    # the MCP call went through the gateway: it is a conversation in the caller's history
    messages = caller.get(f"/api/sessions/{answer['context_id']}/messages").json()["items"]
    assert [m["content"] for m in messages] == ["hello mcp", "echo: hello mcp"]


def test_mcp_refuses_a_caller_without_a_key(mcp_runtime: RuntimeProcess) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    response = httpx.post(f"{mcp_runtime.base_url}/api/mcp", json=body, timeout=30,
                          headers={"accept": "application/json, text/event-stream"})  # fmt: skip
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated"
