"""Trace history: `GET /api/logs?trace_id=` (paged), `DELETE /api/logs?trace_id=` (clear), and
`GET /api/logs/{entry_id}?trace_id=` (one whole entry, for entries cut to fit a WebSocket message)."""

from __future__ import annotations

from typing import Any, Literal

from a2g.http import ApprovedPrincipal, create_app, lambda_handler_for
from a2g.tracing.schemas import LogEntry, LogPage, LogsCleared
from a2g.tracing.service import build_trace_service
from a2g.validation import Cursor, ResourceId
from fastapi import Query

app = create_app("logs")
tracing = build_trace_service()


@app.get("/api/logs", response_model=LogPage, summary="A trace's entries, oldest first by default (order=desc for newest first)")
def list_logs(
    principal: ApprovedPrincipal,
    trace_id: ResourceId,
    limit: int = Query(50, ge=1, le=200),
    cursor: Cursor | None = None,
    order: Literal["asc", "desc"] = "asc",
) -> dict[str, Any]:
    return tracing.history(principal.user_id, trace_id, limit, cursor, order)


@app.delete("/api/logs", response_model=LogsCleared, summary="Delete the entries of a trace (all, or those up to a time)")
def clear_logs(
    principal: ApprovedPrincipal,
    trace_id: ResourceId,
    up_to: str | None = Query(None, max_length=40, description="only entries made at or before this ISO time"),
) -> dict[str, Any]:
    return {"trace_id": trace_id, "deleted": tracing.clear(principal.user_id, trace_id, up_to)}


@app.get("/api/logs/{entry_id}", response_model=LogEntry, summary="One whole entry")
def get_log_entry(
    principal: ApprovedPrincipal, entry_id: ResourceId, trace_id: ResourceId
) -> dict[str, Any]:
    return tracing.entry(principal.user_id, trace_id, entry_id)


handler = lambda_handler_for(app)
