"""Scheduled (HealthCheckSchedule, every 5 minutes by default): checks enabled LLMs and published agents,
disables agents that keep failing and mails their owners, delivers queued mail."""

from __future__ import annotations

from typing import Any

from a2g.log import logger
from a2g.operations.composition import health_check_service


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    report = health_check_service().run(remaining_seconds=(lambda: remaining() / 1000) if remaining else None)
    return report.as_dict()
