"""The lifecycle rules with fakes: thresholds and their boundaries, warnings, dry run, idempotence, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from a2g.clock import FixedClock
from a2g.operations.lifecycle import LifecycleConfig, LifecycleService
from a2g.operations.ports import DEVELOPMENT, DISABLED, PRODUCTION, AgentView
from operations_fakes import (
    FakeAgents,
    FakeAudit,
    FakeCleaner,
    FakeCursors,
    FakeOutbox,
    FakeUsers,
    RecordingSender,
)

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


class World:
    def __init__(self, **config: object) -> None:
        self.clock = FixedClock(NOW)
        self.agents = FakeAgents()
        self.cleaner = FakeCleaner()
        self.outbox = FakeOutbox()
        self.sender = RecordingSender()
        self.users = FakeUsers()
        self.audit = FakeAudit()
        self.cursors = FakeCursors()
        self.forgotten: list[str] = []
        self.service = LifecycleService(
            agents=self.agents, cleaner=self.cleaner, outbox=self.outbox, sender=self.sender, users=self.users,
            audit=self.audit, cursors=self.cursors, clock=self.clock, config=LifecycleConfig(**config),  # type: ignore[arg-type]
            forget_health=self.forgotten.append,
        )

    def agent(self, agent_id: str, status: str, *, changed_days_ago: float, used_days_ago: float | None = None,
              owner: str = "bob") -> AgentView:
        changed = NOW - timedelta(days=changed_days_ago)
        return self.agents.add(AgentView(
            agent_id=agent_id, owner_id=owner, name=f"Agent {agent_id}", status=status, framework="AGNO",
            base_url="http://agno.example", created_at=changed - timedelta(days=1), updated_at=changed,
            last_used_at=None if used_days_ago is None else NOW - timedelta(days=used_days_ago),
        ))

    def snapshot(self) -> tuple[object, ...]:
        return (dict(self.agents.agents), list(self.cleaner.cleaned), dict(self.outbox.queued_ids),
                dict(self.audit.entries), dict(self.cursors.state), list(self.sender.sent))


@pytest.mark.parametrize(
    ("days", "expected"), [(29, PRODUCTION), (29.99, PRODUCTION), (30, DISABLED), (31, DISABLED)]
)
def test_unused_published_agent_boundary(days: float, expected: str) -> None:
    w = World()
    w.agent("p", PRODUCTION, changed_days_ago=60, used_days_ago=days)
    w.service.run()
    assert w.agents.agents["p"].status == expected


@pytest.mark.parametrize(("days", "deleted"), [(29, False), (29.99, False), (30, True), (31, True)])
def test_unmodified_development_agent_boundary(days: float, deleted: bool) -> None:
    w = World()
    w.agent("d", DEVELOPMENT, changed_days_ago=days)
    w.service.run()
    assert ("d" not in w.agents.agents) is deleted
    assert (w.cleaner.cleaned == ["d"]) is deleted


def test_a_published_agent_never_used_counts_from_its_last_change() -> None:
    w = World()
    w.agent("fresh", PRODUCTION, changed_days_ago=29)
    w.agent("stale", PRODUCTION, changed_days_ago=31)
    w.service.run()
    assert w.agents.agents["fresh"].status == PRODUCTION
    assert w.agents.agents["stale"].status == DISABLED


def test_recent_use_keeps_an_agent_published_however_old_its_last_change() -> None:
    w = World()
    w.agent("p", PRODUCTION, changed_days_ago=400, used_days_ago=2)
    w.service.run()
    assert w.agents.agents["p"].status == PRODUCTION
    assert w.sender.sent == []


def test_other_statuses_are_left_alone() -> None:
    w = World()
    w.agent("off", DISABLED, changed_days_ago=400)
    w.service.run()
    assert w.agents.agents["off"].status == DISABLED
    assert w.sender.sent == []


def test_deletion_removes_chat_data_health_and_notifies() -> None:
    w = World()
    w.agent("d", DEVELOPMENT, changed_days_ago=31, owner="carol")
    report = w.service.run()
    assert "d" not in w.agents.agents
    assert w.cleaner.cleaned == ["d"]
    assert w.forgotten == ["d"]
    assert w.sender.kinds() == ["lifecycle-unmodified-done"]
    assert w.sender.sent[0].to == "carol@corp.example"
    assert w.audit.actions() == ["agent.deleted"]
    assert report.actions[0]["action"] == "delete"
    assert report.actions[0]["idle_days"] == 31


@pytest.mark.parametrize(("rule_status", "kind"), [(PRODUCTION, "unused"), (DEVELOPMENT, "unmodified")])
def test_warning_timing(rule_status: str, kind: str) -> None:
    """Warned 7 days before (day 23), once; acted on at day 30 with a notice."""
    w = World()
    w.agent("a", rule_status, changed_days_ago=22.9)
    w.service.run()
    assert w.sender.sent == []

    w.clock.advance(hours=3)  # now 23 days idle
    w.service.run()
    assert w.sender.kinds() == [f"lifecycle-{kind}-warning"]
    assert "2026-06-08" in w.sender.sent[0].subject  # the day it will happen

    for _ in range(6):  # daily runs until day 29: no second warning, no action
        w.clock.advance(days=1)
        w.service.run()
    assert w.sender.kinds() == [f"lifecycle-{kind}-warning"]
    assert "a" in w.agents.agents and w.agents.agents["a"].status == rule_status

    w.clock.advance(days=1)  # day 30
    w.service.run()
    assert w.sender.kinds() == [f"lifecycle-{kind}-warning", f"lifecycle-{kind}-done"]
    assert w.audit.actions() == ["agent.warned", "agent.disabled" if kind == "unused" else "agent.deleted"]


def test_use_after_a_warning_starts_a_new_streak_with_a_new_warning() -> None:
    w = World()
    w.agent("p", PRODUCTION, changed_days_ago=100, used_days_ago=24)
    w.service.run()
    assert w.sender.kinds() == ["lifecycle-unused-warning"]
    w.agents.touch("p", last_used_at=NOW)  # someone chats with it
    w.clock.advance(days=7)
    w.service.run()
    assert w.agents.agents["p"].status == PRODUCTION
    w.clock.advance(days=17)  # 24 days after that use
    w.service.run()
    assert w.sender.kinds() == ["lifecycle-unused-warning", "lifecycle-unused-warning"]
    assert w.agents.agents["p"].status == PRODUCTION


def test_warning_days_is_a_setting() -> None:
    w = World(warning_days=3)
    w.agent("d", DEVELOPMENT, changed_days_ago=26)
    w.service.run()
    assert w.sender.sent == []
    w.clock.advance(days=1)
    w.service.run()
    assert w.sender.kinds() == ["lifecycle-unmodified-warning"]


def test_thresholds_are_settings() -> None:
    w = World(unused_days=10, unmodified_days=5, warning_days=0)
    w.agent("p", PRODUCTION, changed_days_ago=11)
    w.agent("d", DEVELOPMENT, changed_days_ago=6)
    w.service.run()
    assert w.agents.agents["p"].status == DISABLED
    assert "d" not in w.agents.agents


def test_dry_run_reports_and_changes_nothing() -> None:
    w = World(dry_run=True)
    w.agent("p", PRODUCTION, changed_days_ago=31)
    w.agent("d", DEVELOPMENT, changed_days_ago=31)
    w.agent("w", DEVELOPMENT, changed_days_ago=24)
    w.agent("ok", DEVELOPMENT, changed_days_ago=2)
    before = w.snapshot()
    report = w.service.run()
    assert w.snapshot() == before
    assert report.dry_run
    planned = {(a["agent_id"], a["action"]) for a in report.actions}
    assert planned == {("p", "disable"), ("d", "delete"), ("w", "warn")}


def test_dry_run_can_be_asked_for_per_run() -> None:
    w = World()
    w.agent("d", DEVELOPMENT, changed_days_ago=31)
    before = w.snapshot()
    report = w.service.run(dry_run=True)
    assert w.snapshot() == before and report.actions[0]["action"] == "delete"


def test_firing_twice_ends_in_the_same_state() -> None:
    w = World()
    w.agent("p", PRODUCTION, changed_days_ago=31)
    w.agent("d", DEVELOPMENT, changed_days_ago=31)
    w.agent("w", PRODUCTION, changed_days_ago=25)
    w.service.run()
    after_first = w.snapshot()
    second = w.service.run()
    assert w.snapshot() == after_first
    assert second.actions == []
    assert sorted(w.sender.kinds()) == ["lifecycle-unmodified-done", "lifecycle-unused-done",
                                        "lifecycle-unused-warning"]


def test_a_failed_deletion_keeps_the_agent_and_is_finished_by_the_next_run_with_one_notice() -> None:
    w = World()
    w.agent("d", DEVELOPMENT, changed_days_ago=31)
    w.cleaner.fail_for.add("d")
    w.service.run()
    assert "d" in w.agents.agents
    w.cleaner.fail_for.clear()
    w.service.run()
    assert "d" not in w.agents.agents
    assert w.sender.kinds() == ["lifecycle-unmodified-done"]


def test_an_agent_edited_at_the_moment_of_deletion_is_kept() -> None:
    w = World()
    w.agent("d", DEVELOPMENT, changed_days_ago=31)
    original_get = w.agents.get

    def edited_get(agent_id: str) -> AgentView | None:
        w.agents.touch(agent_id, updated_at=NOW)  # the owner saves just before the job re-reads it
        return original_get(agent_id)

    w.agents.get = edited_get  # type: ignore[method-assign]
    w.service.run()
    assert "d" in w.agents.agents and w.cleaner.cleaned == []
    assert w.sender.sent == [] and w.outbox.withdrawn  # the queued notice was taken back


def test_runs_are_bounded_and_resume() -> None:
    w = World(batch_size=2, page_size=2)
    for i in range(5):
        w.agent(f"w{i}", PRODUCTION, changed_days_ago=25 + i * 0.01)  # warnings only: they stay candidates
    first = w.service.run()
    assert len(first.actions) == 2 and not first.pass_complete
    w.service.run()
    third = w.service.run()
    assert len(w.sender.sent) == 5
    assert third.pass_complete or w.service.run().pass_complete
    assert "lifecycle" not in w.cursors.state


def test_mail_api_down_keeps_notices_for_the_next_run() -> None:
    w = World()
    w.agent("d", DEVELOPMENT, changed_days_ago=31)
    w.sender.down = True
    w.service.run()
    assert "d" not in w.agents.agents and w.sender.sent == []
    w.sender.down = False
    w.clock.advance(days=1)
    w.service.run()
    w.service.run()
    assert w.sender.kinds() == ["lifecycle-unmodified-done"]
