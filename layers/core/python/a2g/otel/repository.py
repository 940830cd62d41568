"""Span entries in the Traces table: the same `TRACE#<id>/LOG#<entry_id>` items as the log-proxy's entries,
written in one batch per request and deleted when an LLM span is merged into its proxy entry."""

from __future__ import annotations

from typing import Any

from a2g.tracing.models import LogEntryItem
from a2g.tracing.repository import LogRepository, encode_payload


class SpanEntryRepository(LogRepository):
    def put_many(self, trace_id: str, entries: list[dict[str, Any]], ttl: int) -> None:
        with LogEntryItem.batch_write() as batch:
            for entry in entries:
                batch.save(LogEntryItem(
                    pk=f"TRACE#{trace_id}", sk=f"LOG#{entry['entry_id']}", entry_id=entry["entry_id"],
                    trace_id=trace_id, at=entry["at"], model=entry.get("model") or None, status=entry["status"],
                    agent_id=entry.get("agent_id"), session_id=entry.get("session_id"),
                    latency_ms=entry.get("latency_ms"), payload=encode_payload(entry), ttl=ttl,
                ))

    def delete(self, trace_id: str, entry_id: str) -> None:
        LogEntryItem(pk=f"TRACE#{trace_id}", sk=f"LOG#{entry_id}").delete()

    def newest(self, trace_id: str, id_prefix: str, limit: int) -> list[dict[str, Any]]:
        """The newest entries whose id starts with `id_prefix` ("log_": the proxy's, "spn_": spans')."""
        items = LogEntryItem.query(f"TRACE#{trace_id}", LogEntryItem.sk.startswith(f"LOG#{id_prefix}"),
                                   limit=limit, scan_index_forward=False)
        return [self._entry(item) for item in items]
