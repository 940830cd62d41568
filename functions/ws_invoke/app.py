"""WebSocket action `invoke`: talk to the session's agent for the user and stream the answer back.

The route's integration answers API Gateway at once with nothing to say; everything reaches the browser
through the @connections management API, so a run may last up to the function's 900 s timeout (the
integration's own 29 s limit does not stop it). See a2g.chat.invoke for the protocol.
"""

from __future__ import annotations

from typing import Any

from a2g.chat.composition import invoke_service
from a2g.chat.invoke import parse_body, run_coroutine
from a2g.identity.principal import principal_from_event
from a2g.log import logger


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connection_id = event["requestContext"]["connectionId"]
    outcome = run_coroutine(
        invoke_service(event).handle(
            principal_from_event(event), connection_id, parse_body(event.get("body"))
        )
    )
    logger.info(
        "invoke finished",
        extra={
            "connection_id": connection_id,
            "status": outcome.status,
            "pushes": outcome.pushes,
            "connection_gone": outcome.connection_gone,
        },
    )
    return {"statusCode": 200}
