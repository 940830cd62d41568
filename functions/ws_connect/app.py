"""WebSocket $connect: the authorizer has already checked the token; remember who this connection is and,
when `?trace_id=` is given, subscribe it to that trace (ownership checked by the tracing service)."""

from __future__ import annotations

from typing import Any

from a2g.errors import PlatformError, ServiceUnavailable, map_exception
from a2g.identity.principal import principal_from_event
from a2g.log import logger
from a2g.realtime.repository import ConnectionRepository
from a2g.tracing.service import build_trace_service
from a2g.validation import is_id

connections = ConnectionRepository()
tracing = build_trace_service()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        return _connect(event)
    except Exception as exc:  # noqa: BLE001 - e.g. storage down: 503 (the one mapper), not a failed invocation
        status, _, _ = map_exception(exc)
        return {"statusCode": status}


def _connect(event: dict[str, Any]) -> dict[str, Any]:
    principal = principal_from_event(event)
    if principal is None:  # only reachable if the route were deployed without its authorizer
        return {"statusCode": 401}
    connection_id = event["requestContext"]["connectionId"]
    trace_id = (event.get("queryStringParameters") or {}).get("trace_id")
    if trace_id is not None and not is_id(trace_id):  # malformed (e.g. 3,000 characters): never looked up
        logger.info("connect refused: malformed trace id", extra={"user_id": principal.user_id})
        return {"statusCode": 400}
    if trace_id:
        # A trace the caller does not own refuses the connection (403) rather than connecting silently
        # without the feed the client asked for.
        try:
            tracing.owned_trace(principal.user_id, trace_id)
        except ServiceUnavailable:
            raise  # storage down: 503 (the handler's mapper), not "not yours"
        except PlatformError as exc:
            logger.info("connect refused: trace not owned", extra={"user_id": principal.user_id, "code": exc.code})
            return {"statusCode": 403}
    connections.add(connection_id, principal.user_id)
    if trace_id:
        tracing.subscribe(connection_id, principal.user_id, trace_id)
    logger.info("connected", extra={"connection_id": connection_id, "user_id": principal.user_id})
    return {"statusCode": 200}
