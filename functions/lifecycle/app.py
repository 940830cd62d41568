"""Scheduled daily (LifecycleSchedule): disables unused published agents, deletes stale development agents,
warns their owners first; `{"dry_run": true}` in the event (or A2G_LIFECYCLE_DRY_RUN) only reports."""

from __future__ import annotations

from typing import Any

from a2g.clock import default_clock
from a2g.log import logger
from a2g.operations.composition import lifecycle_service
from a2g.platform.heartbeat import HeartbeatRepository

heartbeats = HeartbeatRepository()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event = event or {}
    dry_run = event.get("dry_run", (event.get("detail") or {}).get("dry_run"))
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    report = lifecycle_service().run(
        remaining_seconds=(lambda: remaining() / 1000) if remaining else None,
        dry_run=None if dry_run is None else bool(dry_run),
    )
    if not report.dry_run:  # a dry run writes nothing, not even its heartbeat
        heartbeats.record((event.get("resources") or ["lifecycle"])[0].rsplit("/", 1)[-1], default_clock())
    return report.as_dict()
