"""Statistics and the audit log for administrators: usage from the pre-aggregated counters, agents,
active users, and every lifecycle / health action."""

from __future__ import annotations

from typing import Any

from a2g.http import AdminPrincipal, create_app, lambda_handler_for
from a2g.operations.composition import audit_service, stats_service
from a2g.operations.schemas import AgentStats, AuditPage, GatewayStats, UsageStats, UserStats
from fastapi import Query

app = create_app("admin_stats")


@app.get("/api/admin/stats/usage", response_model=UsageStats, summary="Calls, tokens, errors and latency over a range of days, grouped")
def usage(
    _: AdminPrincipal,
    start: str | None = Query(None, alias="from", max_length=40, description="first day, YYYY-MM-DD (default: 30 days ago)"),
    end: str | None = Query(None, alias="to", max_length=40, description="last day, YYYY-MM-DD (default: today)"),
    group_by: str = Query("day", max_length=20, description="day | team | user | model | agent"),
) -> dict[str, Any]:
    return stats_service().usage(start, end, group_by)


@app.get("/api/admin/stats/agents", response_model=AgentStats, summary="Agents by status and framework, and the most used")
def agents(_: AdminPrincipal) -> dict[str, Any]:
    return stats_service().agents()


@app.get("/api/admin/stats/users", response_model=UserStats, summary="Active users per day")
def users(
    _: AdminPrincipal,
    start: str | None = Query(None, alias="from", max_length=40),
    end: str | None = Query(None, alias="to", max_length=40),
) -> dict[str, Any]:
    return stats_service().users(start, end)


@app.get("/api/admin/stats/gateway", response_model=GatewayStats,
         summary="Calls through the A2A gateway per agent and per calling team")
def gateway(
    _: AdminPrincipal,
    start: str | None = Query(None, alias="from", max_length=40, description="first day, YYYY-MM-DD (default: 30 days ago)"),
    end: str | None = Query(None, alias="to", max_length=40, description="last day, YYYY-MM-DD (default: today)"),
) -> dict[str, Any]:
    return stats_service().gateway(start, end)


@app.get("/api/admin/audit", response_model=AuditPage, summary="The audit log, newest first")
def audit(
    _: AdminPrincipal,
    start: str | None = Query(None, alias="from", max_length=40, description="YYYY-MM-DD or ISO time (default: 30 days ago)"),
    end: str | None = Query(None, alias="to", max_length=40, description="YYYY-MM-DD or ISO time (default: now)"),
    limit: int = Query(50, ge=1, le=200),
    cursor: str | None = Query(None, max_length=512, description="`cursor` of the previous page"),
    action: str | None = Query(
        None, max_length=100, pattern=r"^[a-z0-9._-]+$", description="e.g. agent.disabled, agent.deleted, agent.warned"
    ),
) -> dict[str, Any]:
    return audit_service().page(start, end, limit=limit, cursor=cursor, action=action)


handler = lambda_handler_for(app)
