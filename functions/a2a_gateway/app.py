"""The A2A gateway: every registered agent as an A2A agent at `/api/a2a/agents/{agent_id}`.

A2A JSON-RPC 2.0 (v0.3 and v1.0 methods) and the gateway's agent card; A2A agents are passed through, the
others run through a2g.agent_adapters; every call is in the caller's history and the owner's live trace
(a2g.gateway). `app` is served streaming (Function URL + Lambda Web Adapter on AWS; natively by the local
runtime), like the log-proxy.
"""

from __future__ import annotations

from typing import Any

from a2g.gateway.app import create_gateway_app
from a2g.gateway.composition import build_gateway

app = create_gateway_app(build_gateway)  # built on the first request: a cold start stays small
_buffered: Any = None


def handler(event: dict[str, Any], context: Any) -> Any:
    """Plain Lambda entry (API Gateway through Mangum, response buffered); the streaming path is run.sh."""
    from a2g.http.app import lambda_handler_for

    global _buffered
    if _buffered is None:
        _buffered = lambda_handler_for(app)
    return _buffered(event, context)
