"""Scheduled daily (LifecycleSchedule): disables unused published agents, deletes stale development agents,
warns their owners first; `{"dry_run": true}` in the event (or A2G_LIFECYCLE_DRY_RUN) only reports."""

from __future__ import annotations

from typing import Any

from a2g.log import logger
from a2g.operations.composition import lifecycle_service


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    dry_run = (event or {}).get("dry_run", ((event or {}).get("detail") or {}).get("dry_run"))
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    report = lifecycle_service().run(
        remaining_seconds=(lambda: remaining() / 1000) if remaining else None,
        dry_run=None if dry_run is None else bool(dry_run),
    )
    return report.as_dict()
