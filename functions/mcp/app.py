"""The catalogue as an MCP server at `/api/mcp` (Streamable HTTP): find_agents, get_agent, ask_agent.

Built on the official `mcp` SDK (a2g.gateway.mcp) over ranking and the A2A gateway; served streaming (Function
URL + Lambda Web Adapter on AWS, natively by the local runtime) so ask_agent's progress reaches the client.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from a2g.gateway.mcp import create_mcp_app


@lru_cache(maxsize=1)
def _gateway() -> Any:
    from a2g.gateway.composition import build_gateway

    return build_gateway()


@lru_cache(maxsize=1)
def _ranking() -> Any:
    from a2g.ranking.service import ranking_service

    return ranking_service()


app = create_mcp_app(_gateway, _ranking)

# A JSON-RPC error (MCP's own answers: integer codes) or the platform's error (credential refusals: string codes).
_MCP_ERROR: dict[str, Any] = {
    "type": "object", "required": ["error"],
    "properties": {"jsonrpc": {"type": "string"}, "id": {},
                   "error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": ["integer", "string"]}, "message": {"type": "string"},
                                            "data": {}}}},
}
_MCP_ERRORS = {
    "400": "not a valid MCP JSON-RPC message", "401": "no valid API key or access token",
    "403": "the caller waits for approval", "404": "unknown session", "405": "only POST is served (stateless)",
    "406": "the Accept header must allow application/json and text/event-stream",
    "413": "the message is too large", "415": "the body must be application/json",
    "429": "too many calls for this key", "503": "the platform's storage is unavailable",
}

# The MCP app is not a FastAPI app, so its one operation is described here for the merged OpenAPI document
# (a2g.http.openapi): JSON-RPC 2.0 messages of the Model Context Protocol over Streamable HTTP.
OPENAPI_PATHS: dict[str, Any] = {
    "/api/mcp": {
        "post": {
            "tags": ["mcp"],
            "summary": "The agent catalogue as an MCP server (Streamable HTTP): find_agents, get_agent, ask_agent",
            "description": "Send MCP JSON-RPC messages (initialize, tools/list, tools/call) with "
                           "`Authorization: Bearer <API key or access token>` and `Accept: application/json, "
                           "text/event-stream`. docs/gateway.md has the tools and a client example.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {
                "200": {"description": "a JSON-RPC response, or an SSE stream of them (ask_agent's progress)",
                        "content": {"application/json": {"schema": {"type": "object"}},
                                    "text/event-stream": {"schema": {"type": "string"}}}},
                "202": {"description": "a notification or response was accepted"},
                **{status: {"description": description, "content": {"application/json": {"schema": _MCP_ERROR}}}
                   for status, description in _MCP_ERRORS.items()},
            },
        }
    }
}
