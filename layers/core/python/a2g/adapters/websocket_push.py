"""Pushing messages to WebSocket clients through API Gateway's @connections management API."""

from __future__ import annotations

import json
from typing import Any, Protocol

from a2g.adapters.aws import client
from a2g.log import logger
from a2g.settings import get_settings


class ConnectionGone(Exception):
    """The connection is closed or unknown (410 Gone): the caller should forget it."""


class Pusher(Protocol):
    def push(self, connection_id: str, message: dict[str, Any]) -> None: ...


class ApiGatewayPusher:
    """`post_to_connection` through boto3's `apigatewaymanagementapi`, unchanged on AWS and locally."""

    def __init__(self, endpoint_url: str):
        self._client = client("apigatewaymanagementapi", endpoint_url)

    @classmethod
    def from_settings(cls, event: dict[str, Any] | None = None) -> ApiGatewayPusher:
        url = get_settings().ws_management_url
        if not url and event:
            ctx = event.get("requestContext") or {}
            url = f"https://{ctx.get('domainName')}/{ctx.get('stage')}"
        if not url:
            raise RuntimeError("A2G_WS_MANAGEMENT_URL is not set")
        return cls(url)

    def push(self, connection_id: str, message: dict[str, Any]) -> None:
        data = json.dumps(message, separators=(",", ":"), default=str).encode()
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
        except self._client.exceptions.GoneException as exc:
            raise ConnectionGone(connection_id) from exc
        except Exception as exc:  # botocore raises ClientError with 410 on some emulators
            status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 410:
                raise ConnectionGone(connection_id) from exc
            logger.warning("push failed", extra={"connection_id": connection_id, "error": str(exc)})
            raise
