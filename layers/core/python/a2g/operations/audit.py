"""Reading the audit log (admins): every lifecycle and health action, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol

from a2g.clock import Clock
from a2g.errors import ValidationFailed
from a2g.operations.ports import AgentDirectory
from a2g.operations.repository import AuditPage
from a2g.operations.stats import UserNames

MAX_LIMIT = 200


class AuditPages(Protocol):
    def page(self, *, since: datetime, until: datetime, limit: int = 50, cursor: str | None = None,
             action: str | None = None) -> AuditPage: ...


def _moment(value: str, name: str, *, end_of_day: bool) -> datetime:
    """A day (`2026-05-01`, the whole day) or an ISO time (`2026-05-01T10:00:00Z`)."""
    try:
        if len(value) == 10:
            day = datetime.fromisoformat(value).date()
            return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(f"{name}: expected YYYY-MM-DD or an ISO time, got {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class AuditService:
    def __init__(self, audit: AuditPages, clock: Clock, *, agents: AgentDirectory | None = None,
                 users: UserNames | None = None):
        self._audit = audit
        self._clock = clock
        self._agents = agents
        self._users = users

    def page(self, start: str | None, end: str | None, *, limit: int = 50, cursor: str | None = None,
             action: str | None = None) -> dict[str, Any]:
        if not 1 <= limit <= MAX_LIMIT:
            raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}")
        until = _moment(end, "to", end_of_day=True) if end else self._clock.now()
        since = _moment(start, "from", end_of_day=False) if start else until - timedelta(days=30)
        if since > until:
            raise ValidationFailed("'from' must not be after 'to'")
        page = self._audit.page(since=since, until=until, limit=limit, cursor=cursor, action=action)
        items = [e.as_dict() for e in page.entries]
        self._name(items)
        return {"items": items, "cursor": page.cursor}

    def _name(self, items: list[dict[str, Any]]) -> None:
        """`agent_name` and `owner_name` beside the ids: the agent's name while it exists, else the name the
        event recorded (a deleted agent's); the owner's display name. None when neither is known."""
        agents: dict[str, str | None] = {}
        owners: dict[str, str | None] = {}
        for item in items:
            agent_id, owner_id = item.get("agent_id"), item.get("owner_id")
            if agent_id and agent_id not in agents:
                agent = self._agents.get(agent_id) if self._agents is not None else None
                agents[agent_id] = agent.name if agent is not None else None
            if owner_id and owner_id not in owners:
                owners[owner_id] = self._users.display_name(owner_id) if self._users is not None else None
            recorded = item["details"].get("agent_name")
            item["agent_name"] = (agents.get(agent_id) if agent_id else None) or (recorded if isinstance(recorded, str) else None)
            item["owner_name"] = owners.get(owner_id) if owner_id else None
