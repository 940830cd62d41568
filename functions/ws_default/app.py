"""WebSocket $default: `{"action": "ping"}` gets a pong pushed back through the management API (clients use it
as a keep-alive and to measure the round trip); any other unknown action gets an error message."""

from __future__ import annotations

import json
from typing import Any

from a2g.adapters.websocket_push import ApiGatewayPusher, ConnectionGone
from a2g.realtime.repository import ConnectionRepository

connections = ConnectionRepository()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connection_id = event["requestContext"]["connectionId"]
    try:
        body = json.loads(event.get("body") or "{}")
    except json.JSONDecodeError:
        body = {}
    action = body.get("action") if isinstance(body, dict) else None
    if action == "ping":
        reply: dict[str, Any] = {"type": "pong", "echo": body.get("echo")}
    else:
        reply = {"type": "error", "error": {"code": "unknown_action", "message": f"unknown action: {action!r}"}}
    try:
        ApiGatewayPusher.from_settings(event).push(connection_id, reply)
    except ConnectionGone:
        connections.remove(connection_id)
    return {"statusCode": 200}
