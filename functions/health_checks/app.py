"""Scheduled (HealthCheckSchedule, every 5 minutes by default): checks enabled LLMs and published agents,
disables agents that keep failing and mails their owners, delivers queued mail."""

from __future__ import annotations

from typing import Any

from a2g.clock import default_clock
from a2g.log import logger
from a2g.operations.composition import health_check_service
from a2g.platform.heartbeat import HeartbeatRepository

heartbeats = HeartbeatRepository()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    report = health_check_service().run(remaining_seconds=(lambda: remaining() / 1000) if remaining else None)
    # /api/health shows when each schedule last ran.
    heartbeats.record(((event or {}).get("resources") or ["health-checks"])[0].rsplit("/", 1)[-1], default_clock())
    return report.as_dict()
