"""Scheduled health checks of LLMs and published agents, with incidents mailed to owners.

Rules
- Every enabled LLM gets one minimal call per run, through the LLM registry, which records the result
  (admins see it in the LLM list, with its history).
- Every PRODUCTION agent is probed (see `a2g.operations.probes`); each check is kept as history.
- `failure_threshold` consecutive failures open an *incident*: the agent becomes DISABLED and its owner gets
  one mail for the incident, however many checks fail afterwards.
- An agent the checks disabled keeps being checked. When it answers `recovery_threshold` times in a row it
  is published again (back to PRODUCTION) and the owner is mailed. The platform took it out of the
  catalogue without its owner's action, so it puts it back the same way; an agent its owner disabled or
  withdrew is never touched.
- If the owner changes the agent's status during an incident (publishes it again by hand, withdraws it to
  development), the incident ends quietly: the owner has taken over.

Idempotent and bounded
- A check is skipped when the same agent (or LLM) was checked less than `min_spacing_seconds` ago, so a
  schedule that fires twice does not count one outage twice.
- A run reads at most `batch_size` agents, page by page, and stops early when its time runs short; the
  cursor (`JOB#health-checks`) says where the next run resumes. A pass goes through the PRODUCTION agents,
  then the open incidents; when it is complete the cursor is cleared and the next run starts a new pass.
- Each step of an incident is safe to repeat: the state row is written first (conditional on its version),
  the mail's id names the incident (queued once), a status change is conditional on the agent being
  unchanged, the audit entry's key names the incident. A run that dies half-way is finished by the next.
- The outbox is delivered at the end of every run, so an alert that could not be mailed is retried by the
  next run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from a2g.adapters.mail import MailSender
from a2g.clock import Clock, iso
from a2g.log import logger
from a2g.operations import notices
from a2g.operations.ports import (
    DISABLED,
    PRODUCTION,
    AgentDirectory,
    AgentView,
    AuditLog,
    CursorStore,
    HealthStore,
    LlmRegistry,
    Outbox,
    ProbeResult,
    UserDirectory,
)
from a2g.operations.repository import AuditEntry, HealthCheckRecord, HealthState, StaleHealthState, parse_time

JOB = "health-checks"
ACTOR = "system:health-checks"


class AgentChecker(Protocol):
    def check(self, agent: AgentView) -> tuple[ProbeResult, str]: ...


@dataclass(frozen=True)
class HealthConfig:
    failure_threshold: int = 3
    recovery_threshold: int = 1
    min_spacing_seconds: int = 120
    batch_size: int = 200
    page_size: int = 25
    concurrency: int = 8
    # Stop taking new pages when fewer seconds than this remain of the invocation.
    reserve_seconds: float = 30.0


@dataclass
class HealthRunReport:
    llms_checked: int = 0
    llms_failing: int = 0
    agents_checked: int = 0
    agents_skipped: int = 0
    agents_failing: int = 0
    disabled: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)
    incidents_closed: list[str] = field(default_factory=list)
    pass_complete: bool = False
    mail: dict[str, Any] = field(default_factory=dict)
    # Agents are checked on several threads; counters are read-modify-write.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def bump(self, counter: str) -> None:
        with self._lock:
            setattr(self, counter, getattr(self, counter) + 1)

    def note(self, outcome: str, agent_id: str) -> None:
        with self._lock:
            getattr(self, outcome).append(agent_id)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


class HealthCheckService:
    def __init__(
        self,
        *,
        agents: AgentDirectory,
        checker: AgentChecker,
        health: HealthStore,
        outbox: Outbox,
        sender: MailSender | None,
        users: UserDirectory,
        audit: AuditLog,
        cursors: CursorStore,
        clock: Clock,
        llms: LlmRegistry | None = None,
        config: HealthConfig | None = None,
        notice: notices.NoticeContext | None = None,
    ):
        self._agents = agents
        self._checker = checker
        self._health = health
        self._outbox = outbox
        self._sender = sender
        self._users = users
        self._audit = audit
        self._cursors = cursors
        self._clock = clock
        self._llms = llms
        self._config = config or HealthConfig()
        self._notice = notice or notices.NoticeContext(public_url="")

    # ---- the run ----------------------------------------------------------------------------------------

    def run(self, remaining_seconds: Callable[[], float] | None = None) -> HealthRunReport:
        report = HealthRunReport()
        self._check_llms(report)
        self._check_agents(report, remaining_seconds)
        report.mail = self._outbox.deliver(self._sender).as_dict()
        logger.info("health checks done", extra={"report": report.as_dict()})
        return report

    def _check_llms(self, report: HealthRunReport) -> None:
        if self._llms is None:
            return
        due = [llm.llm_id for llm in self._llms.list_enabled()
               if llm.last_checked_at is None or not self._recent(llm.last_checked_at)]
        if not due:
            return
        for llm_id, result in self._llms.probe_all(due).items():
            report.bump("llms_checked")
            if not result.ok:
                report.bump("llms_failing")
                logger.warning("LLM failed its health check", extra={"llm_id": llm_id, "error": result.error})

    def _check_agents(self, report: HealthRunReport, remaining: Callable[[], float] | None) -> None:
        cursor = self._cursors.load(JOB)
        phase: str = cursor.get("phase", "production")
        page_cursor: str | None = cursor.get("page")
        budget = self._config.batch_size
        while budget > 0:
            if remaining is not None and remaining() < self._config.reserve_seconds:
                break
            limit = min(self._config.page_size, budget)
            if phase == "production":
                page = self._agents.page_by_status(PRODUCTION, updated_until=None, cursor=page_cursor, limit=limit)
                self._parallel(self._check_published, page.agents, report)
                budget -= max(1, len(page.agents))
                next_cursor = page.cursor
            else:
                ids, next_cursor = self._health.page_open_incidents(cursor=page_cursor, limit=limit)
                self._parallel(self._check_incident, ids, report)
                budget -= max(1, len(ids))
            if next_cursor:
                page_cursor = next_cursor
            elif phase == "production":
                phase, page_cursor = "incidents", None
            else:
                report.pass_complete = True
                break
        if report.pass_complete:
            self._cursors.clear(JOB)
        else:
            self._cursors.save(JOB, {"phase": phase, "page": page_cursor}, self._clock.now())

    def _parallel(self, work: Callable[[Any, HealthRunReport], None], items: list[Any],
                  report: HealthRunReport) -> None:
        if not items:
            return

        def guarded(item: Any) -> None:
            try:
                work(item, report)
            except StaleHealthState:
                report.bump("agents_skipped")  # an overlapping run handled this agent
            except Exception:  # noqa: BLE001 - one broken agent must not stop the others
                logger.exception("health check of one agent failed", extra={"item": str(item)})

        workers = max(1, min(self._config.concurrency, len(items)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="health") as pool:
            list(pool.map(guarded, items))

    # ---- one agent --------------------------------------------------------------------------------------

    def _recent(self, last_checked: str | datetime) -> bool:
        when = parse_time(last_checked) if isinstance(last_checked, str) else last_checked
        return self._clock.now() - when < timedelta(seconds=self._config.min_spacing_seconds)

    def _probe(self, agent: AgentView, report: HealthRunReport) -> ProbeResult:
        result, url = self._checker.check(agent)
        now = iso(self._clock.now())
        self._health.add_check(HealthCheckRecord(
            agent_id=agent.agent_id, checked_at=now, ok=result.ok, latency_ms=result.latency_ms,
            status=result.status, error=result.error, url=url,
        ))
        report.bump("agents_checked")
        if not result.ok:
            report.bump("agents_failing")
        return result

    def _note(self, state: HealthState, result: ProbeResult) -> None:
        now = iso(self._clock.now())
        state.last_checked_at = now
        state.last_ok = result.ok
        state.last_error = result.error
        state.last_latency_ms = round(result.latency_ms, 1)
        if result.ok:
            state.consecutive_failures = 0
            state.consecutive_successes += 1
            state.streak_started_at = None
        else:
            state.consecutive_successes = 0
            state.consecutive_failures += 1
            state.streak_started_at = state.streak_started_at or now

    def _check_published(self, agent: AgentView, report: HealthRunReport) -> None:
        state = self._health.state(agent.agent_id)
        state.owner_id = agent.owner_id
        if state.last_checked_at and self._recent(state.last_checked_at):
            report.bump("agents_skipped")
            return
        if state.incident_open and state.disabled_applied:
            # We had disabled it and it is PRODUCTION again: its owner published it by hand. The incident
            # is theirs now; counting starts afresh.
            self._close_quietly(state, agent, "owner published the agent again")
            report.note("incidents_closed", agent.agent_id)
        result = self._probe(agent, report)
        self._note(state, result)
        if result.ok and state.incident_open:
            # The incident was opened but the agent never disabled (a run died in between, or the owner
            # edited it at that moment) and now it answers: take the alert back if it was not sent yet.
            self._outbox.withdraw(f"health-disabled:{state.incident_id}")
            self._close_quietly(state, agent, "agent answered before it was disabled")
            report.note("incidents_closed", agent.agent_id)
        self._health.save_state(state)
        if not result.ok and state.consecutive_failures >= self._config.failure_threshold:
            self._disable(agent, state, report)

    def _disable(self, agent: AgentView, state: HealthState, report: HealthRunReport) -> None:
        if not state.incident_open:
            state.incident_id = f"{agent.agent_id}@{state.streak_started_at}"
            state.incident_opened_at = iso(self._clock.now())
            self._health.save_state(state)  # from here on the next runs see the incident, whatever happens
        incident_id = state.incident_id or ""
        self._mail(agent, lambda to: notices.health_disabled(
            self._notice, agent, to, incident_id, state.consecutive_failures, state.last_error))
        if not self._agents.set_status(agent, DISABLED):
            fresh = self._agents.get(agent.agent_id)
            if fresh is None or fresh.status != PRODUCTION or not self._agents.set_status(fresh, DISABLED):
                # Deleted, withdrawn or disabled by its owner meanwhile: the next run's incident pass
                # sees the new status and settles the incident.
                logger.info("agent changed while being disabled", extra={"agent_id": agent.agent_id})
                return
        self._applied(agent, state, report)

    def _applied(self, agent: AgentView, state: HealthState, report: HealthRunReport) -> None:
        state.disabled_applied = True
        self._health.save_state(state)
        self._audit.record(AuditEntry(
            at=state.incident_opened_at or iso(self._clock.now()), event_id=f"health-disabled:{state.incident_id}",
            action="agent.disabled", actor=ACTOR, agent_id=agent.agent_id, owner_id=agent.owner_id,
            details={"reason": "health", "consecutive_failures": state.consecutive_failures,
                     "last_error": state.last_error, "incident_id": state.incident_id},
        ))
        report.note("disabled", agent.agent_id)
        logger.warning("agent disabled after failed health checks",
                       extra={"agent_id": agent.agent_id, "incident_id": state.incident_id})

    def _check_incident(self, agent_id: str, report: HealthRunReport) -> None:
        state = self._health.state(agent_id)
        if not state.incident_open:
            return  # the index lags the table by a moment
        agent = self._agents.get(agent_id)
        if agent is None:
            self._health.forget(agent_id)
            return
        if agent.status == PRODUCTION:
            return  # the PRODUCTION pass handles it (still being disabled, or published again by its owner)
        if agent.status != DISABLED:
            self._close_quietly(state, agent, f"owner changed the agent to {agent.status}")
            self._health.save_state(state)
            report.note("incidents_closed", agent_id)
            return
        if not state.disabled_applied:
            self._applied(agent, state, report)  # a run died after disabling it: finish its bookkeeping
        if state.last_checked_at and self._recent(state.last_checked_at):
            report.bump("agents_skipped")
            return
        result = self._probe(agent, report)
        self._note(state, result)
        self._health.save_state(state)
        if result.ok and state.consecutive_successes >= self._config.recovery_threshold:
            self._recover(agent, state, report)

    def _recover(self, agent: AgentView, state: HealthState, report: HealthRunReport) -> None:
        incident_id = state.incident_id or ""
        self._mail(agent, lambda to: notices.health_recovered(self._notice, agent, to, incident_id))
        if not self._agents.set_status(agent, PRODUCTION):
            fresh = self._agents.get(agent.agent_id)
            if fresh is None or fresh.status != DISABLED or not self._agents.set_status(fresh, PRODUCTION):
                logger.info("agent changed while being re-published", extra={"agent_id": agent.agent_id})
                return
        self._audit.record(AuditEntry(
            at=iso(self._clock.now()), event_id=f"health-recovered:{incident_id}", action="agent.recovered",
            actor=ACTOR, agent_id=agent.agent_id, owner_id=agent.owner_id,
            details={"incident_id": incident_id, "incident_opened_at": state.incident_opened_at},
        ))
        state.incident_id = None
        state.incident_opened_at = None
        state.disabled_applied = False
        self._health.save_state(state)
        report.note("recovered", agent.agent_id)
        logger.info("agent recovered and published again", extra={"agent_id": agent.agent_id})

    def _close_quietly(self, state: HealthState, agent: AgentView, why: str) -> None:
        self._audit.record(AuditEntry(
            at=iso(self._clock.now()), event_id=f"health-closed:{state.incident_id}", action="health.incident_closed",
            actor=ACTOR, agent_id=agent.agent_id, owner_id=agent.owner_id,
            details={"incident_id": state.incident_id, "why": why},
        ))
        state.incident_id = None
        state.incident_opened_at = None
        state.disabled_applied = False
        state.consecutive_failures = 0
        state.streak_started_at = None

    def _mail(self, agent: AgentView, build: Callable[[str], Any]) -> None:
        to = self._users.mail_address(agent.owner_id)
        if not to:
            logger.error("owner has no mail address; alert not queued",
                         extra={"agent_id": agent.agent_id, "owner_id": agent.owner_id})
            return
        self._outbox.enqueue(build(to))
