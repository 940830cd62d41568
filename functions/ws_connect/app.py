"""WebSocket $connect: the authorizer has already checked the token; remember who this connection is and,
when `?trace_id=` is given, subscribe it to that trace (ownership checked by the tracing service)."""

from __future__ import annotations

import json
from typing import Any

from a2g.errors import (
    Forbidden,
    PlatformError,
    ServiceUnavailable,
    Unauthenticated,
    ValidationFailed,
    map_exception,
)
from a2g.identity.principal import DENIAL_MESSAGES, principal_from_event
from a2g.log import logger
from a2g.realtime.repository import ConnectionRepository
from a2g.tracing.service import build_trace_service
from a2g.validation import is_id

connections = ConnectionRepository()
tracing = build_trace_service()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        return _connect(event)
    except Exception as exc:  # noqa: BLE001 - a refusal, or storage down: the one mapper, not a failed invocation
        status, body, headers = map_exception(exc)
        # The handshake's answer: its status is what every client sees (a browser sees only that); clients
        # that read the refused handshake's body (the SDKs) get the code that says why.
        return {"statusCode": status, "headers": {"Content-Type": "application/json", **headers},
                "body": json.dumps(body)}


def _connect(event: dict[str, Any]) -> dict[str, Any]:
    # A refused credential raises here: 401 with its code (the authorizer let it through to say why).
    principal = principal_from_event(event)
    if principal is None:  # only reachable if the route were deployed without its authorizer
        raise Unauthenticated(DENIAL_MESSAGES["credential_required"], code="credential_required")
    if not principal.is_approved:
        raise Forbidden("your account is waiting for an administrator's approval", code="pending_approval")
    connection_id = event["requestContext"]["connectionId"]
    trace_id = (event.get("queryStringParameters") or {}).get("trace_id")
    if trace_id is not None and not is_id(trace_id):  # malformed (e.g. 3,000 characters): never looked up
        logger.info("connect refused: malformed trace id", extra={"user_id": principal.user_id})
        raise ValidationFailed("trace_id is not a valid id", code="invalid_trace_id")
    if trace_id:
        # A trace the caller does not own refuses the connection (403) rather than connecting silently
        # without the feed the client asked for.
        try:
            tracing.owned_trace(principal.user_id, trace_id)
        except ServiceUnavailable:
            raise  # storage down: 503 (the handler's mapper), not "not yours"
        except PlatformError as exc:
            logger.info("connect refused: trace not owned", extra={"user_id": principal.user_id, "code": exc.code})
            raise Forbidden("that trace is not one of yours", code=exc.code) from None
    connections.add(connection_id, principal.user_id)
    if trace_id:
        tracing.subscribe(connection_id, principal.user_id, trace_id)
    logger.info("connected", extra={"connection_id": connection_id, "user_id": principal.user_id})
    return {"statusCode": 200}
