"""Reading the audit log: ranges, limits, and the names shown beside agent and owner ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from a2g.clock import FixedClock
from a2g.errors import ValidationFailed
from a2g.operations.audit import AuditService
from a2g.operations.ports import PRODUCTION, AgentView
from a2g.operations.repository import AuditEntry, AuditPage
from operations_fakes import FakeAgents

NOW = datetime(2026, 5, 3, 10, tzinfo=UTC)


class FakeAudit:
    def __init__(self, entries: list[AuditEntry]) -> None:
        self.entries = entries
        self.asked: list[dict[str, object]] = []

    def page(self, *, since: datetime, until: datetime, limit: int = 50, cursor: str | None = None,
             action: str | None = None) -> AuditPage:
        self.asked.append({"since": since, "until": until, "limit": limit, "action": action})
        return AuditPage([e for e in self.entries if action is None or e.action == action][:limit], None)


class Names:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def display_name(self, user_id: str) -> str | None:
        self.asked.append(user_id)
        return {"ann": "Ann Lee"}.get(user_id)


ENTRIES = [
    AuditEntry(at="2026-05-02T09:00:00.000Z", event_id="e1", action="agent.disabled", actor="system:health-checks",
               agent_id="ag1", owner_id="ann", details={"reason": "health"}),
    AuditEntry(at="2026-05-02T08:00:00.000Z", event_id="e2", action="agent.deleted", actor="system:lifecycle",
               agent_id="gone", owner_id="bob", details={"agent_name": "Old helper", "rule": "unmodified"}),
    AuditEntry(at="2026-05-01T08:00:00.000Z", event_id="e3", action="agent.warned", actor="system:lifecycle",
               agent_id="ag1", owner_id="ann", details={}),
]


def test_events_carry_the_agent_and_owner_names_beside_their_ids() -> None:
    agents = FakeAgents()
    agents.add(AgentView(agent_id="ag1", owner_id="ann", name="Trip Planner", status=PRODUCTION, framework="A2A",
                         base_url="http://x", created_at=NOW, updated_at=NOW))  # fmt: skip
    names = Names()
    service = AuditService(FakeAudit(ENTRIES), FixedClock(NOW), agents=agents, users=names)
    items = service.page(None, None)["items"]
    assert [(i["agent_id"], i["agent_name"], i["owner_id"], i["owner_name"]) for i in items] == [
        ("ag1", "Trip Planner", "ann", "Ann Lee"),
        ("gone", "Old helper", "bob", None),  # deleted: the name the event recorded; no display name known
        ("ag1", "Trip Planner", "ann", "Ann Lee"),
    ]
    assert names.asked == ["ann", "bob"]  # each owner looked up once per page


def test_filters_and_ranges() -> None:
    audit = FakeAudit(ENTRIES)
    service = AuditService(audit, FixedClock(NOW))
    assert [i["event_id"] for i in service.page("2026-05-01", "2026-05-02", action="agent.warned")["items"]] == ["e3"]
    asked = audit.asked[-1]
    assert asked["since"] == datetime(2026, 5, 1, tzinfo=UTC) and asked["action"] == "agent.warned"
    assert service.page(None, None)["items"][0]["agent_name"] is None  # nothing to look names up in
    for start, end, limit in [("2026-05-03", "2026-05-01", 50), ("soon", None, 50), (None, None, 0)]:
        with pytest.raises(ValidationFailed):
            service.page(start, end, limit=limit)
