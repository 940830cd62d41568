"""The daily clean-up of idle agents.

Rules (thresholds are settings)
- unused: a PRODUCTION agent not used for `unused_days` (its last use, or its last change when it was
  never used) becomes DISABLED. Its owner can publish it again at any time.
- unmodified: a DEVELOPMENT agent not modified for `unmodified_days` is deleted, together with its chat
  sessions, messages and files.
- "for N days" means at least N whole days: idle 29 days 23 hours is kept, idle 30 days is acted on.
- `warning_days` before the action the owner is warned by mail (once per idle streak: using or editing the
  agent starts a new streak, and a new warning when that one runs out). When the action happens the owner
  gets a notice. An agent that is already past its threshold when first seen is acted on at once; run the
  job in dry-run mode first when switching it on for an old registry.
- Dry run (`A2G_LIFECYCLE_DRY_RUN`, or `{"dry_run": true}` in the scheduled event) reports what would
  happen and writes nothing at all: no status change, no mail, no audit entry, no cursor.
- Every warning and action goes to the audit log.

Idempotent and bounded
- Candidates come from the agents' status index, oldest change first, cut off at the warning age, so a
  run reads only agents that are at least close to a threshold; at most `batch_size` per run, with a
  cursor (`JOB#lifecycle`) to resume. A completed pass clears the cursor.
- Warnings and notices are mails whose id names the agent and its idle streak: queued once however often
  the job runs. Status changes and deletions are conditional on the agent being unchanged since it was
  read, so an owner's edit at the same moment wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from a2g.adapters.mail import Mail, MailSender
from a2g.clock import Clock, iso
from a2g.log import logger
from a2g.operations import notices
from a2g.operations.ports import (
    DEVELOPMENT,
    DISABLED,
    PRODUCTION,
    AgentDataCleaner,
    AgentDirectory,
    AgentView,
    AuditLog,
    CursorStore,
    Outbox,
    UserDirectory,
)
from a2g.operations.repository import AuditEntry

JOB = "lifecycle"
ACTOR = "system:lifecycle"
DAY = timedelta(days=1)


@dataclass(frozen=True)
class LifecycleConfig:
    unused_days: int = 30
    unmodified_days: int = 30
    warning_days: int = 7
    dry_run: bool = False
    batch_size: int = 200
    page_size: int = 50
    reserve_seconds: float = 60.0


@dataclass(frozen=True)
class _Rule:
    name: str  # "unused" | "unmodified"
    status: str
    threshold_days: int
    action: str  # "disable" | "delete"


@dataclass
class LifecycleReport:
    dry_run: bool
    actions: list[dict[str, Any]] = field(default_factory=list)
    agents_examined: int = 0
    pass_complete: bool = False
    mail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class LifecycleService:
    def __init__(
        self,
        *,
        agents: AgentDirectory,
        cleaner: AgentDataCleaner,
        outbox: Outbox,
        sender: MailSender | None,
        users: UserDirectory,
        audit: AuditLog,
        cursors: CursorStore,
        clock: Clock,
        config: LifecycleConfig | None = None,
        notice: notices.NoticeContext | None = None,
        forget_health: Callable[[str], None] | None = None,
    ):
        self._agents = agents
        self._cleaner = cleaner
        self._outbox = outbox
        self._sender = sender
        self._users = users
        self._audit = audit
        self._cursors = cursors
        self._clock = clock
        self._config = config or LifecycleConfig()
        self._notice = notice or notices.NoticeContext(public_url="")
        self._forget_health = forget_health
        self._rules = (
            _Rule("unused", PRODUCTION, self._config.unused_days, "disable"),
            _Rule("unmodified", DEVELOPMENT, self._config.unmodified_days, "delete"),
        )

    def run(self, remaining_seconds: Callable[[], float] | None = None, *,
            dry_run: bool | None = None) -> LifecycleReport:
        dry = self._config.dry_run if dry_run is None else dry_run
        report = LifecycleReport(dry_run=dry)
        now = self._clock.now()
        # A dry run always starts from the beginning and never moves the real job's cursor.
        cursor = {} if dry else self._cursors.load(JOB)
        rule_index: int = int(cursor.get("rule", 0))
        page_cursor: str | None = cursor.get("page")
        budget = self._config.batch_size
        while budget > 0 and rule_index < len(self._rules):
            if remaining_seconds is not None and remaining_seconds() < self._config.reserve_seconds:
                break
            rule = self._rules[rule_index]
            page = self._agents.page_by_status(
                rule.status, updated_until=now - self._warning_age(rule), cursor=page_cursor,
                limit=min(self._config.page_size, budget),
            )
            for agent in page.agents:
                report.agents_examined += 1
                try:
                    self._apply(rule, agent, now, dry, report)
                except Exception:  # noqa: BLE001 - one agent must not stop the job; the next run retries it
                    logger.exception("lifecycle failed for one agent", extra={"agent_id": agent.agent_id})
            budget -= max(1, len(page.agents))
            if page.cursor:
                page_cursor = page.cursor
            else:
                rule_index, page_cursor = rule_index + 1, None
        report.pass_complete = rule_index >= len(self._rules)
        if not dry:
            if report.pass_complete:
                self._cursors.clear(JOB)
            else:
                self._cursors.save(JOB, {"rule": rule_index, "page": page_cursor}, now)
            report.mail = self._outbox.deliver(self._sender).as_dict()
        logger.info("lifecycle done", extra={"report": report.as_dict()})
        return report

    # ---- one agent --------------------------------------------------------------------------------------

    def _warning_age(self, rule: _Rule) -> timedelta:
        warn = self._config.warning_days
        return (rule.threshold_days - warn) * DAY if 0 < warn < rule.threshold_days else rule.threshold_days * DAY

    @staticmethod
    def _reference(rule: _Rule, agent: AgentView) -> datetime:
        """The moment the idle time counts from."""
        if rule.name == "unused" and agent.last_used_at is not None:
            return max(agent.last_used_at, agent.updated_at)
        return agent.updated_at

    def _apply(self, rule: _Rule, agent: AgentView, now: datetime, dry: bool, report: LifecycleReport) -> None:
        reference = self._reference(rule, agent)
        idle = now - reference
        idle_days = int(idle / DAY)
        ref = iso(reference)
        entry = {"rule": rule.name, "agent_id": agent.agent_id, "name": agent.name, "owner_id": agent.owner_id,
                 "status": agent.status, "idle_days": idle_days, "idle_since": ref}
        if idle >= rule.threshold_days * DAY:
            entry["action"] = rule.action
            if not dry and not self._act(rule, agent, ref, idle_days):
                return
            report.actions.append(entry)
        elif idle >= self._warning_age(rule):
            due = iso(reference + rule.threshold_days * DAY)
            entry.update(action="warn", due=due)
            to = self._users.mail_address(agent.owner_id) or ""
            mail = notices.lifecycle_warning(self._notice, agent, to, rule.name, ref, idle_days,
                                             rule.threshold_days, due)
            if self._outbox.was_queued(mail.mail_id):
                return  # warned already for this idle streak
            if not to:
                entry["mailed"] = False
                logger.error("owner has no mail address; no warning", extra={"agent_id": agent.agent_id})
            elif not dry:
                if not self._outbox.enqueue(mail):
                    return
                self._record(agent, "agent.warned", mail.mail_id, rule, idle_days, due=due)
            report.actions.append(entry)

    def _act(self, rule: _Rule, agent: AgentView, ref: str, idle_days: int) -> bool:
        """Disable or delete; False when the agent changed meanwhile (nothing is done then)."""
        to = self._users.mail_address(agent.owner_id)
        notice: Mail | None = None
        if to:
            notice = notices.lifecycle_done(self._notice, agent, to, rule.name, ref, idle_days)
            self._outbox.enqueue(notice)  # before the change: a run that dies after it still mails
        event_id = f"lifecycle-{rule.name}-done:{agent.agent_id}@{ref}"
        done = self._disable(rule, agent) if rule.action == "disable" else self._delete(agent)
        if not done:
            if notice:
                self._outbox.withdraw(notice.mail_id)  # the owner touched it: it starts a new idle streak
            logger.info("agent changed meanwhile; left alone", extra={"agent_id": agent.agent_id})
            return False
        self._record(agent, "agent.disabled" if rule.action == "disable" else "agent.deleted", event_id, rule,
                     idle_days, mailed=bool(to))
        return True

    def _disable(self, rule: _Rule, agent: AgentView) -> bool:
        if self._agents.set_status(agent, DISABLED):
            return True
        # Its version moved; act on the fresh copy only if its idle streak is the same one.
        fresh = self._agents.get(agent.agent_id)
        if fresh is None or fresh.status != PRODUCTION:
            return False
        if self._reference(rule, fresh) != self._reference(rule, agent):
            return False
        return self._agents.set_status(fresh, DISABLED)

    def _delete(self, agent: AgentView) -> bool:
        fresh = self._agents.get(agent.agent_id)
        if fresh is None:
            return True  # a previous run deleted it and died before its audit entry
        if fresh.status != DEVELOPMENT or fresh.updated_at != agent.updated_at:
            return False
        self._cleaner.delete_agent_data(fresh)
        if not self._agents.delete(fresh) and self._agents.get(agent.agent_id) is not None:
            return False
        if self._forget_health:
            self._forget_health(agent.agent_id)
        return True

    def _record(self, agent: AgentView, action: str, event_id: str, rule: _Rule, idle_days: int,
                **details: Any) -> None:
        self._audit.record(AuditEntry(
            at=iso(self._clock.now()), event_id=event_id, action=action, actor=ACTOR, agent_id=agent.agent_id,
            owner_id=agent.owner_id,
            details={"rule": rule.name, "idle_days": idle_days, "threshold_days": rule.threshold_days,
                     "agent_name": agent.name, **details},
        ))
