"""In-memory stand-ins for the operations jobs' collaborators, with the same contracts as the real ones:
conditional status changes (an agent changed meanwhile → False), a mail outbox that queues an id once and
keeps a mail until a delivery succeeds, a health store with optimistic versions."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime
from typing import Any

from a2g.adapters.mail import DeliveryReport, Mail, MailDeliveryFailed
from a2g.operations.ports import AgentPage, AgentView, LlmView, ProbeResult
from a2g.operations.repository import AuditEntry, HealthCheckRecord, HealthState, StaleHealthState


class FakeAgents:
    def __init__(self) -> None:
        self.agents: dict[str, AgentView] = {}
        self.status_changes: list[tuple[str, str]] = []
        self.deleted: list[str] = []
        self._lock = threading.Lock()

    def add(self, agent: AgentView) -> AgentView:
        self.agents[agent.agent_id] = replace(agent, version=agent.version or 1)
        return self.agents[agent.agent_id]

    def page_by_status(self, status: str, *, updated_until: datetime | None, cursor: str | None,
                       limit: int) -> AgentPage:
        rows = sorted(
            (a for a in self.agents.values()
             if a.status == status and (updated_until is None or a.updated_at <= updated_until)),
            key=lambda a: (a.updated_at, a.agent_id),
        )
        if cursor:
            rows = [a for a in rows if f"{a.updated_at.isoformat()}#{a.agent_id}" > cursor]
        page = rows[:limit]
        more = len(rows) > limit
        last = page[-1] if page else None
        return AgentPage(page, f"{last.updated_at.isoformat()}#{last.agent_id}" if more and last else None)

    def get(self, agent_id: str) -> AgentView | None:
        return self.agents.get(agent_id)

    def set_status(self, agent: AgentView, status: str) -> bool:
        with self._lock:
            current = self.agents.get(agent.agent_id)
            if current is None or current.version != agent.version:
                return False
            self.agents[agent.agent_id] = replace(current, status=status, version=(current.version or 0) + 1)
            self.status_changes.append((agent.agent_id, status))
            return True

    def delete(self, agent: AgentView) -> bool:
        with self._lock:
            current = self.agents.get(agent.agent_id)
            if current is None or current.version != agent.version:
                return False
            del self.agents[agent.agent_id]
            self.deleted.append(agent.agent_id)
            return True

    def touch(self, agent_id: str, **changes: Any) -> None:
        """The owner (or the chat) changes the agent: its version moves."""
        current = self.agents[agent_id]
        self.agents[agent_id] = replace(current, version=(current.version or 0) + 1, **changes)


class FakeCleaner:
    def __init__(self) -> None:
        self.cleaned: list[str] = []
        self.fail_for: set[str] = set()

    def delete_agent_data(self, agent: AgentView) -> None:
        if agent.agent_id in self.fail_for:
            raise RuntimeError("storage unavailable")
        self.cleaned.append(agent.agent_id)


class FakeOutbox:
    """Queues an id once; delivery goes through a real `MailSender` and keeps failed mail."""

    def __init__(self) -> None:
        self.queue: dict[str, Mail] = {}
        self.queued_ids: dict[str, str] = {}
        self.withdrawn: list[str] = []
        self._lock = threading.Lock()

    def enqueue(self, mail: Mail) -> bool:
        with self._lock:
            if mail.mail_id in self.queued_ids:
                return False
            self.queued_ids[mail.mail_id] = "queued"
            self.queue[mail.mail_id] = mail
            return True

    def withdraw(self, mail_id: str) -> bool:
        with self._lock:
            if mail_id in self.queue:
                del self.queue[mail_id]
                self.withdrawn.append(mail_id)
                return True
            return False

    def was_queued(self, mail_id: str) -> str | None:
        return self.queued_ids.get(mail_id)

    def deliver(self, sender: Any, *, limit: int = 50) -> DeliveryReport:
        report = DeliveryReport()
        if sender is None:
            report.skipped_reason = "no sender"
            return report
        for mail_id, mail in list(self.queue.items())[:limit]:
            try:
                sender.send(mail)
            except MailDeliveryFailed as exc:
                report.failed.append(mail_id)
                if exc.retryable:
                    break
                continue
            del self.queue[mail_id]
            report.sent.append(mail_id)
        return report


class RecordingSender:
    """A mail API: `down=True` refuses every mail like an unreachable server."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []
        self.down = False

    def send(self, mail: Mail) -> None:
        if self.down:
            raise MailDeliveryFailed("mail API unreachable", retryable=True)
        self.sent.append(mail)

    def kinds(self) -> list[str]:
        return [m.kind for m in self.sent]


class FakeAudit:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], AuditEntry] = {}

    def record(self, entry: AuditEntry) -> bool:
        key = (entry.at, entry.event_id)
        if key in self.entries:
            return False
        self.entries[key] = entry
        return True

    def actions(self) -> list[str]:
        return [e.action for e in sorted(self.entries.values(), key=lambda e: e.at)]


class FakeCursors:
    def __init__(self) -> None:
        self.state: dict[str, dict[str, Any]] = {}

    def load(self, job: str) -> dict[str, Any]:
        return dict(self.state.get(job, {}))

    def save(self, job: str, state: dict[str, Any], at: datetime) -> None:
        self.state[job] = dict(state)

    def clear(self, job: str) -> None:
        self.state.pop(job, None)


class FakeHealth:
    def __init__(self) -> None:
        self.states: dict[str, HealthState] = {}
        self.checks: list[HealthCheckRecord] = []
        self._lock = threading.Lock()

    def state(self, agent_id: str) -> HealthState:
        stored = self.states.get(agent_id)
        return replace(stored) if stored else HealthState(agent_id=agent_id)

    def save_state(self, state: HealthState) -> HealthState:
        with self._lock:
            stored = self.states.get(state.agent_id)
            if (stored.version if stored else 0) != state.version:
                raise StaleHealthState(state.agent_id)
            state.version += 1
            self.states[state.agent_id] = replace(state)
            return state

    def add_check(self, record: HealthCheckRecord) -> None:
        self.checks.append(record)

    def page_open_incidents(self, *, cursor: str | None, limit: int) -> tuple[list[str], str | None]:
        ids = sorted(a for a, s in self.states.items() if s.incident_open and (cursor is None or a > cursor))
        page = ids[:limit]
        return page, (page[-1] if len(ids) > limit else None)

    def forget(self, agent_id: str) -> None:
        self.states.pop(agent_id, None)


class FakeUsers:
    def __init__(self, domain: str = "corp.example") -> None:
        self.domain = domain
        self.without_address: set[str] = set()

    def mail_address(self, user_id: str) -> str | None:
        return None if user_id in self.without_address else f"{user_id}@{self.domain}"


class ScriptedChecker:
    """Each agent is up or down as the test says; every probe is counted."""

    def __init__(self) -> None:
        self.down: set[str] = set()
        self.probes: list[str] = []
        self._lock = threading.Lock()

    def check(self, agent: AgentView) -> tuple[ProbeResult, str]:
        with self._lock:
            self.probes.append(agent.agent_id)
        if agent.agent_id in self.down:
            return ProbeResult(ok=False, latency_ms=5.0, error="ConnectError: connection refused"), agent.base_url
        return ProbeResult(ok=True, latency_ms=5.0, status=200), agent.base_url


class FakeLlms:
    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.llms: dict[str, LlmView] = {}
        self.down: set[str] = set()
        self.recorded: list[tuple[str, bool]] = []

    def list_enabled(self) -> list[LlmView]:
        return list(self.llms.values())

    def probe_all(self, llm_ids: list[str]) -> dict[str, ProbeResult]:
        results = {}
        for llm_id in llm_ids:
            ok = llm_id not in self.down
            results[llm_id] = ProbeResult(ok=ok, latency_ms=3.0, status=200 if ok else 503,
                                          error=None if ok else "answered 503")
            self.recorded.append((llm_id, ok))
            self.llms[llm_id] = replace(self.llms[llm_id], last_checked_at=self.clock.now())
        return results
