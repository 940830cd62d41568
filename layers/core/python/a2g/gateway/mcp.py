"""The catalogue as an MCP server: `/api/mcp`, Streamable HTTP, built on the official `mcp` SDK (MCPServer).

Tools, for any MCP client (Claude Desktop, Cursor, ADK's McpToolset, the OpenAI Agents SDK):

- `find_agents(query, limit)` — published agents ranked for the caller (a2g.ranking), each with its score,
  the reasons and the A2A address of the agent at the gateway;
- `get_agent(agent_id)` — the agent's public card (the gateway's card, a2g.agents.cards.published_card);
- `ask_agent(agent_id, message, context_id?)` — a call through the gateway (so it is in the caller's history
  and the owner's trace like any A2A call), the answer streamed as MCP progress notifications; returns the
  answer, the task's state and its ids (pass `context_id` back to continue the conversation).

Authenticated like the gateway: `Authorization: Bearer <platform API key or access token>` (401 / 403 before
MCP sees the request); the per-key rate limit applies to `ask_agent`. Stateless: every request stands alone,
so any Lambda instance can serve it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

from a2g.agents.cards import gateway_url_for, published_card
from a2g.errors import PlatformError, error_body
from a2g.gateway.app import Gateway
from a2g.gateway.protocol import RpcError, from_v1, parse_request, text_of_parts
from mcp.server.mcpserver import Context, MCPServer

MCP_PATH = "/api/mcp"
MAX_FIND_LIMIT = 50
_PRINCIPAL = "a2g_principal"


class ToolRefused(Exception):
    """A tool call the platform refuses (unknown agent, bad context id...): an MCP tool error result."""


def _principal_of(ctx: Any) -> Any:
    request = ctx.request_context.request
    principal = getattr(getattr(request, "state", None), _PRINCIPAL, None) if request is not None else None
    if principal is None:  # the ASGI guard below always sets it; this is a second lock on the door
        raise ToolRefused("not authenticated")
    return principal


def build_mcp_server(gateway: Callable[[], Gateway], ranking: Callable[[], Any]) -> Any:
    server = MCPServer(
        name="A2G Agent Platform",
        instructions="Find the company's published AI agents (find_agents), read one's card (get_agent) and "
                     "ask one a question (ask_agent). Every agent is also an A2A agent at its card's URL.",
    )

    @server.tool(description="Published agents ranked for what you need, each with its score, the reasons "
                             "and its A2A URL. `query`: what you need, in any language; `limit`: 1-50.")
    async def find_agents(query: str, ctx: Context, limit: int = 5) -> dict[str, Any]:
        principal = _principal_of(ctx)
        limit = max(1, min(int(limit), MAX_FIND_LIMIT))
        ranked = await asyncio.to_thread(ranking().ranked, principal, query[:500] or None, limit)
        public_url = gateway().service.public_url
        items = []
        for item in ranked.get("items", []):
            agent = item.get("agent") or item
            agent_id = agent.get("id") or item.get("agent_id")
            items.append({
                "agent_id": agent_id, "name": agent.get("name"), "description": agent.get("description"),
                "framework": agent.get("framework"), "score": item.get("score"),
                "reasons": item.get("reasons") or item.get("reason"),
                "a2a_url": gateway_url_for(public_url, str(agent_id)),
            })
        return {"query": query, "agents": items}

    @server.tool(description="The A2A card of an agent you may call (its URL is the platform's gateway).")
    async def get_agent(agent_id: str, ctx: Context) -> dict[str, Any]:
        principal = _principal_of(ctx)
        service = gateway().service
        try:
            agent = await asyncio.to_thread(service.visible_agent, principal, agent_id[:200])
        except PlatformError as exc:
            raise ToolRefused(exc.message) from None
        return published_card(agent, service.public_url)

    @server.tool(description="Ask an agent through the platform; the answer streams as progress. Pass the "
                             "returned context_id to continue the same conversation.")
    async def ask_agent(agent_id: str, message: str, ctx: Context, context_id: str | None = None) -> dict[str, Any]:
        principal = _principal_of(ctx)
        gw = gateway()
        try:
            agent = await asyncio.to_thread(gw.service.visible_agent, principal, agent_id[:200])
            await asyncio.to_thread(gw.service.count_against_rate, principal)
            body: dict[str, Any] = {"kind": "message", "messageId": f"mcp-{id(ctx)}", "role": "user",
                                    "parts": [{"kind": "text", "text": message}]}
            if context_id:
                body["contextId"] = context_id
            request = parse_request({"jsonrpc": "2.0", "id": "mcp", "method": "message/stream",
                                     "params": {"message": body}}, None)
            conversation = await gw.start(principal, agent, request)
        except (PlatformError, RpcError) as exc:
            raise ToolRefused(exc.message) from None
        answer: dict[str, str] = {}
        task_id, state, error, progress = None, "failed", None, 0
        async for envelope in gw.run(conversation):
            result = from_v1(envelope.get("result")) if isinstance(envelope.get("result"), dict) else None
            if result is None:
                error = str((envelope.get("error") or {}).get("message") or "the agent answered with an error")
                continue
            kind = result.get("kind")
            task_id = result.get("id") if kind == "task" else result.get("taskId") or task_id
            if kind in ("task", "status-update"):
                state = str((result.get("status") or {}).get("state") or state)
                note = text_of_parts(((result.get("status") or {}).get("message") or {}).get("parts"))
                if state in ("failed", "rejected", "canceled") and note:
                    error = note
            elif kind == "artifact-update":
                artifact = result.get("artifact") or {}
                key, text = str(artifact.get("artifactId") or "answer"), text_of_parts(artifact.get("parts"))
                answer[key] = answer.get(key, "") + text if result.get("append") else text
                progress += 1
                await ctx.report_progress(progress, None, text)
            elif kind == "message":
                answer["message"] = answer.get("message", "") + text_of_parts(result.get("parts"))
                state = "completed"
        return {"answer": "\n\n".join(v for v in answer.values() if v), "state": state, "task_id": task_id,
                "context_id": conversation.context_id, **({"error": error} if error else {})}

    return server


def create_mcp_app(gateway: Callable[[], Gateway], ranking: Callable[[], Any]) -> Any:
    """The ASGI app: the platform's credential check in front of the SDK's Streamable HTTP app."""
    server = build_mcp_server(gateway, ranking)
    inner = server.streamable_http_app(streamable_http_path=MCP_PATH, stateless_http=True)

    @asynccontextmanager
    async def lifespan(_: Any) -> Any:
        async with server.session_manager.run():
            yield

    async def refuse(send: Any, status: int, code: str, message: str) -> None:
        body = json.dumps(error_body(code, message)).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _run_lifespan(lifespan, scope, receive, send)
            return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        try:
            principal = await asyncio.to_thread(gateway().service.caller, headers.get("authorization"))
        except PlatformError as exc:
            await refuse(send, exc.status, exc.code, exc.message)
            return
        if scope.get("method") != "POST":  # stateless: no standalone stream to GET, no session to DELETE
            await refuse(send, 405, "method_not_allowed", "this MCP server is stateless: POST only")
            return
        scope.setdefault("state", {})[_PRINCIPAL] = principal
        await inner(scope, receive, send)

    return app


async def _run_lifespan(lifespan: Any, scope: Any, receive: Any, send: Any) -> None:
    message = await receive()
    if message["type"] != "lifespan.startup":
        return
    try:
        async with lifespan(None):
            await send({"type": "lifespan.startup.complete"})
            while (await receive())["type"] != "lifespan.shutdown":
                pass
    except Exception as exc:  # noqa: BLE001 - reported to the server, which refuses to start
        await send({"type": "lifespan.startup.failed", "message": repr(exc)})
        return
    await send({"type": "lifespan.shutdown.complete"})
