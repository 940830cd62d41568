"""WebSocket action `cancel` (Stop): record the user's Stop of a running chat run; the run, in its own
invocation of ws_invoke, sees it, closes the agent's stream and saves what streamed as a stopped answer.
See a2g.chat.cancel for the protocol."""

from __future__ import annotations

from typing import Any

from a2g.adapters.websocket_push import ApiGatewayPusher, ConnectionGone
from a2g.chat.composition import cancel_service
from a2g.errors import PlatformError
from a2g.identity.principal import principal_from_event
from a2g.json_input import read_json
from a2g.log import logger


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connection_id = event["requestContext"]["connectionId"]
    try:
        body = read_json(event.get("body"), empty={})  # the shared reader: size, depth, text
    except PlatformError:
        body = None  # answered as a malformed cancel
    reply = cancel_service().handle(principal_from_event(event), body)
    logger.info("cancel", extra={"connection_id": connection_id, "type": reply["type"]})
    try:
        ApiGatewayPusher.from_settings(event).push(connection_id, reply)
    except ConnectionGone:
        pass  # the browser went away; the Stop is recorded all the same
    return {"statusCode": 200}
