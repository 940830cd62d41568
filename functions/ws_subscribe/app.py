"""WebSocket `subscribe` / `unsubscribe`: `{"action": "subscribe", "trace_id": "..."}` starts the live feed of a
trace the caller owns (answered `{"type": "subscribed", "trace_id"}`); anything else gets an error message.
The caller is the user recorded for this connection at $connect (the authorizer ran there)."""

from __future__ import annotations

from typing import Any

from a2g.adapters.websocket_push import ApiGatewayPusher, ConnectionGone
from a2g.errors import PlatformError, client_error
from a2g.json_input import read_json
from a2g.log import logger
from a2g.realtime.repository import ConnectionRepository
from a2g.tracing.service import build_trace_service
from a2g.validation import check_id

connections = ConnectionRepository()
tracing = build_trace_service()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connection_id = event["requestContext"]["connectionId"]
    action: Any = None
    trace_id: Any = None
    reply: dict[str, Any]
    try:
        body = read_json(event.get("body"), empty={})  # the shared reader: size, depth, text
        body = body if isinstance(body, dict) else {}
        action = body.get("action")
        trace_id = body.get("trace_id")
        if trace_id is not None:
            trace_id = check_id(trace_id, "trace_id")  # an over-long id never reaches storage
        connection = connections.get(connection_id)
        if connection is None:
            raise PlatformError("this connection is not registered; reconnect", code="unknown_connection")
        if action == "subscribe":
            tracing.subscribe(connection_id, connection.user_id, trace_id)
            reply = {"type": "subscribed", "trace_id": trace_id}
        else:
            tracing.unsubscribe(connection_id, trace_id)
            reply = {"type": "unsubscribed", "trace_id": trace_id}
    except PlatformError as exc:
        logger.info("subscription refused", extra={"connection_id": connection_id, "code": exc.code})
        reply = {"type": "error", "action": action if isinstance(action, str) else None,
                 "trace_id": trace_id if isinstance(trace_id, str) and len(trace_id) <= 200 else None,
                 "error": {"code": exc.code, "message": exc.message}}
    except Exception as exc:  # noqa: BLE001 - e.g. storage down: the one mapper words it (storage_unavailable)
        reply = {"type": "error", "action": action, "trace_id": trace_id, "error": client_error(exc)}
    try:
        ApiGatewayPusher.from_settings(event).push(connection_id, reply)
    except ConnectionGone:
        connections.remove(connection_id)
    return {"statusCode": 200}
