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
