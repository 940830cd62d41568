"""WebSocket $disconnect: forget the connection and its subscriptions."""

from __future__ import annotations

from typing import Any

from a2g.realtime.repository import ConnectionRepository

connections = ConnectionRepository()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    connections.remove(event["requestContext"]["connectionId"])
    return {"statusCode": 200}
