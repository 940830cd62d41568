"""TraceReplayQueue → writes back the trace records the log-proxy could not store while DynamoDB was down.

Each SQS message is one record (a2g.tracing.spool): the entry (a Put of the same item, safe to repeat) and
its counters (added once, keyed by the entry id). A record that fails is reported as a batch item failure:
SQS delivers it again after the queue's visibility timeout, and parks it in TraceReplayParkedQueue after
`maxReceiveCount` receives (redrive: docs/tracing.md, "When storage fails").
"""

from __future__ import annotations

from typing import Any

from a2g.errors import is_storage_outage
from a2g.log import logger
from a2g.tracing.repository import LogRepository, UsageRepository
from a2g.tracing.spool import replay_message_body

logs = LogRepository()
usage = UsageRepository()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event.get("Records") or []:
        try:
            replay_message_body(record["body"], logs, usage)
        except Exception as exc:  # noqa: BLE001 - left in the queue for a later attempt
            logger.warning("trace record not written back yet", extra={
                "message_id": record.get("messageId"), "error_type": type(exc).__name__,
                "outage": is_storage_outage(exc)})
            failures.append({"itemIdentifier": record.get("messageId")})
    return {"batchItemFailures": failures}
