"""WebSocket $default: `{"action": "ping"}` gets a pong pushed back through the management API (clients use it
as a keep-alive and to measure the round trip); any other unknown action gets an error message."""

from __future__ import annotations

from typing import Any

from a2g.adapters.websocket_push import ApiGatewayPusher, ConnectionGone
from a2g.errors import PlatformError
from a2g.json_input import read_json
from a2g.realtime.repository import ConnectionRepository

connections = ConnectionRepository()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connection_id = event["requestContext"]["connectionId"]
    reply: dict[str, Any]
    try:
        body = read_json(event.get("body"), empty={})  # the shared reader: size, depth, text
    except PlatformError as exc:
        body = None
        reply = {"type": "error", "error": {"code": exc.code, "message": exc.message}}
    action = body.get("action") if isinstance(body, dict) else None
    if isinstance(body, dict) and action == "ping":
        reply = {"type": "pong", "echo": body.get("echo")}
    elif body is not None:
        shown = action if isinstance(action, str) and len(action) <= 100 else None
        reply = {"type": "error", "error": {"code": "unknown_action", "message": f"unknown action: {shown!r}"}}
    try:
        ApiGatewayPusher.from_settings(event).push(connection_id, reply)
    except ConnectionGone:
        connections.remove(connection_id)
    return {"statusCode": 200}
