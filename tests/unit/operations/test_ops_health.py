"""The health-check rules with fakes: incidents, one mail per incident, recovery, idempotence, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from a2g.clock import FixedClock
from a2g.operations.health import HealthCheckService, HealthConfig
from a2g.operations.ports import DEVELOPMENT, DISABLED, PRODUCTION, AgentView, LlmView
from operations_fakes import (
    FakeAgents,
    FakeAudit,
    FakeCursors,
    FakeHealth,
    FakeLlms,
    FakeOutbox,
    FakeUsers,
    RecordingSender,
    ScriptedChecker,
)

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
INTERVAL = timedelta(minutes=5)


class World:
    def __init__(self, **config: int) -> None:
        self.clock = FixedClock(START)
        self.agents = FakeAgents()
        self.checker = ScriptedChecker()
        self.health = FakeHealth()
        self.outbox = FakeOutbox()
        self.sender = RecordingSender()
        self.users = FakeUsers()
        self.audit = FakeAudit()
        self.cursors = FakeCursors()
        self.llms = FakeLlms(self.clock)
        self.service = HealthCheckService(
            agents=self.agents, checker=self.checker, health=self.health, outbox=self.outbox,
            sender=self.sender, users=self.users, audit=self.audit, cursors=self.cursors, clock=self.clock,
            llms=self.llms, config=HealthConfig(**config),
        )

    def agent(self, agent_id: str, status: str = PRODUCTION, owner: str = "alice") -> AgentView:
        return self.agents.add(AgentView(
            agent_id=agent_id, owner_id=owner, name=f"Agent {agent_id}", status=status, framework="A2A",
            base_url=f"http://agents.example/{agent_id}", created_at=START - timedelta(days=1),
            updated_at=START - timedelta(days=1),
        ))

    def tick(self) -> None:
        """The schedule fires: time passes by one interval, then the job runs."""
        self.clock.advance(seconds=INTERVAL.total_seconds())
        self.service.run()

    def status(self, agent_id: str) -> str:
        return self.agents.agents[agent_id].status


def test_failures_disable_once_mail_once_then_recovery_publishes_and_mails() -> None:
    w = World()
    w.agent("a1")
    w.agent("healthy")
    w.checker.down.add("a1")

    w.tick()
    w.tick()
    assert w.status("a1") == PRODUCTION  # two failures are not an incident yet
    assert w.sender.sent == []

    w.tick()  # the third consecutive failure
    assert w.status("a1") == DISABLED
    assert w.status("healthy") == PRODUCTION
    assert w.sender.kinds() == ["health-disabled"]
    assert w.sender.sent[0].to == "alice@corp.example"
    assert "a1" in w.sender.sent[0].body

    for _ in range(4):  # still down: checked again, but the incident is mailed only once
        w.tick()
    assert w.sender.kinds() == ["health-disabled"]
    assert w.status("a1") == DISABLED
    assert w.checker.probes.count("a1") == 7

    w.checker.down.discard("a1")
    w.tick()
    assert w.status("a1") == PRODUCTION
    assert w.sender.kinds() == ["health-disabled", "health-recovered"]
    assert w.audit.actions() == ["agent.disabled", "agent.recovered"]
    assert not w.health.state("a1").incident_open

    # A new outage later is a new incident with its own mail.
    w.checker.down.add("a1")
    for _ in range(3):
        w.tick()
    assert w.status("a1") == DISABLED
    assert w.sender.kinds() == ["health-disabled", "health-recovered", "health-disabled"]
    assert len({m.mail_id for m in w.sender.sent}) == 3


def test_a_success_between_failures_resets_the_count() -> None:
    w = World()
    w.agent("a1")
    w.checker.down.add("a1")
    w.tick()
    w.tick()
    w.checker.down.discard("a1")
    w.tick()
    w.checker.down.add("a1")
    w.tick()
    w.tick()
    assert w.status("a1") == PRODUCTION
    assert w.health.state("a1").consecutive_failures == 2


def test_firing_twice_at_once_counts_one_check() -> None:
    w = World()
    w.agent("a1")
    w.checker.down.add("a1")
    w.clock.advance(minutes=5)
    w.service.run()
    first = (w.health.state("a1").consecutive_failures, list(w.checker.probes))
    w.service.run()  # a duplicate delivery of the same schedule event
    w.clock.advance(seconds=30)
    w.service.run()  # or a second fire shortly after
    assert (w.health.state("a1").consecutive_failures, w.checker.probes) == first
    assert first[0] == 1


def test_double_firing_at_the_threshold_sends_one_mail() -> None:
    w = World()
    w.agent("a1")
    w.checker.down.add("a1")
    for _ in range(3):
        w.clock.advance(minutes=5)
        w.service.run()
        w.service.run()
    assert w.status("a1") == DISABLED
    assert w.sender.kinds() == ["health-disabled"]
    assert w.audit.actions() == ["agent.disabled"]


def test_mail_api_down_keeps_the_alert_and_delivers_it_exactly_once_when_back() -> None:
    w = World()
    w.agent("a1")
    w.checker.down.add("a1")
    w.sender.down = True
    for _ in range(3):
        w.tick()
    assert w.status("a1") == DISABLED
    assert w.sender.sent == []
    assert len(w.outbox.queue) == 1  # kept for the next run

    w.tick()  # still down
    assert w.sender.sent == [] and len(w.outbox.queue) == 1

    w.sender.down = False
    w.tick()
    w.tick()
    assert w.sender.kinds() == ["health-disabled"]
    assert w.outbox.queue == {}


def test_owner_republishing_during_an_incident_ends_it_quietly() -> None:
    w = World()
    w.agent("a1")
    w.checker.down.add("a1")
    for _ in range(3):
        w.tick()
    assert w.status("a1") == DISABLED
    w.agents.touch("a1", status=PRODUCTION)  # the owner publishes it again by hand
    w.tick()  # still down: a fresh count starts, no new disable yet
    assert w.status("a1") == PRODUCTION
    assert w.health.state("a1").consecutive_failures == 1
    assert "health.incident_closed" in w.audit.actions()
    w.tick()
    w.tick()
    assert w.status("a1") == DISABLED  # a new incident
    assert w.sender.kinds() == ["health-disabled", "health-disabled"]


def test_owner_withdrawing_a_disabled_agent_ends_the_incident_without_recovery() -> None:
    w = World()
    w.agent("a1")
    w.checker.down.add("a1")
    for _ in range(3):
        w.tick()
    w.agents.touch("a1", status=DEVELOPMENT)
    w.checker.down.discard("a1")
    w.tick()
    w.tick()
    assert w.status("a1") == DEVELOPMENT
    assert w.sender.kinds() == ["health-disabled"]
    assert not w.health.state("a1").incident_open


def test_manually_disabled_agents_are_never_touched() -> None:
    w = World()
    w.agent("off", status=DISABLED)
    w.tick()
    assert w.checker.probes == []
    assert w.status("off") == DISABLED


def test_an_owner_edit_racing_the_disable_is_retried_on_the_fresh_copy() -> None:
    w = World()
    agent = w.agent("a1")
    w.checker.down.add("a1")
    w.tick()
    w.tick()
    original_set_status = w.agents.set_status

    def edit_then_set(target: AgentView, status: str) -> bool:
        if target.version == agent.version:
            w.agents.touch("a1", name="edited")  # the owner saves an edit at that moment
        return original_set_status(target, status)

    w.agents.set_status = edit_then_set  # type: ignore[method-assign]
    w.tick()
    assert w.status("a1") == DISABLED
    assert w.sender.kinds() == ["health-disabled"]


def test_owner_without_mail_address_is_still_disabled() -> None:
    w = World()
    w.agent("a1", owner="nomail")
    w.users.without_address.add("nomail")
    w.checker.down.add("a1")
    for _ in range(3):
        w.tick()
    assert w.status("a1") == DISABLED
    assert w.sender.sent == []


def test_runs_are_bounded_and_resume_from_the_cursor() -> None:
    w = World(batch_size=2, page_size=2)
    for i in range(5):
        w.agent(f"a{i}")
    w.clock.advance(minutes=5)
    w.service.run()
    assert sorted(w.checker.probes) == ["a0", "a1"]
    assert w.cursors.state["health-checks"]["phase"] == "production"
    w.clock.advance(seconds=10)
    w.service.run()
    assert sorted(w.checker.probes) == ["a0", "a1", "a2", "a3"]
    w.clock.advance(seconds=10)
    report = w.service.run()
    assert sorted(w.checker.probes) == ["a0", "a1", "a2", "a3", "a4"]
    # The last page was read; the incidents phase (empty) finishes the pass on the next run at the latest.
    if not report.pass_complete:
        report = w.service.run()
    assert report.pass_complete
    assert "health-checks" not in w.cursors.state


def test_runs_stop_when_time_is_short() -> None:
    w = World()
    w.agent("a1")
    w.clock.advance(minutes=5)
    report = w.service.run(remaining_seconds=lambda: 5.0)
    assert w.checker.probes == []
    assert not report.pass_complete


def test_llms_are_probed_and_recorded_once_per_interval() -> None:
    w = World()
    w.llms.llms["l1"] = LlmView("l1", "main")
    w.llms.llms["l2"] = LlmView("l2", "backup")
    w.llms.down.add("l2")
    w.tick()
    w.service.run()  # fired twice
    assert sorted(w.llms.recorded) == [("l1", True), ("l2", False)]
    w.tick()
    assert len(w.llms.recorded) == 4


@pytest.mark.parametrize("threshold", [1, 2, 5])
def test_the_failure_threshold_is_a_setting(threshold: int) -> None:
    w = World(failure_threshold=threshold)
    w.agent("a1")
    w.checker.down.add("a1")
    for _ in range(threshold - 1):
        w.tick()
    assert w.status("a1") == PRODUCTION
    w.tick()
    assert w.status("a1") == DISABLED
