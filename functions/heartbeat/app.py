"""Scheduled every minute: records a heartbeat that /api/health reports."""

from __future__ import annotations

from typing import Any

from a2g.clock import default_clock
from a2g.log import logger
from a2g.platform.heartbeat import HeartbeatRepository

heartbeats = HeartbeatRepository()
clock = default_clock()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    schedule = (event.get("resources") or ["heartbeat"])[0].rsplit("/", 1)[-1]
    heartbeats.record(schedule, clock)
    return {"recorded": schedule}
