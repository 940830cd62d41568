"""Storage of the operations jobs: the audit log, job cursors and agent health (docs/data-model.md).

- audit entry  PlatformTable `AUDIT#<yyyy-mm>` / `<at>#<event_id>`: one month per partition, newest read
  first; the event id makes a repeated write of the same event (a retry) a no-op.
- job cursor   PlatformTable `JOB#<name>` / `CURSOR`: where a bounded job resumes.
- health state AgentsTable `AGENTHEALTH#<agent_id>` / `STATE`: consecutive failures, the open incident;
  while an incident is open the row is also in the sparse index
  `gsi1pk=HEALTH#INCIDENT` / `gsi1sk=<agent_id>`, which is how the checks find the agents to re-check.
  (The state is a row of its own, not attributes of the agent, so a check never bumps the agent's
  version and never collides with its owner's edits.)
- health check AgentsTable `AGENTHEALTH#<agent_id>` / `CHECK#<checked_at>`: history, with `ttl`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError

from a2g.clock import epoch, iso
from a2g.db import Gsi1, PlatformModel, table_meta
from a2g.errors import ValidationFailed

HEALTH_INCIDENT_INDEX_PK = "HEALTH#INCIDENT"


# ----------------------------------------------------------------------------------------------------------
# Audit log
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    at: str
    event_id: str
    action: str  # e.g. "agent.disabled", "agent.deleted", "agent.warned", "agent.recovered"
    actor: str  # "system:lifecycle", "system:health-checks"
    agent_id: str | None = None
    owner_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at, "event_id": self.event_id, "action": self.action, "actor": self.actor,
            "agent_id": self.agent_id, "owner_id": self.owner_id, "details": self.details,
        }


class AuditItem(PlatformModel):
    Meta = table_meta("platform")
    pk = UnicodeAttribute(hash_key=True)  # "AUDIT#<yyyy-mm>"
    sk = UnicodeAttribute(range_key=True)  # "<at>#<event_id>"
    at = UnicodeAttribute()
    event_id = UnicodeAttribute()
    action = UnicodeAttribute()
    actor = UnicodeAttribute()
    agent_id = UnicodeAttribute(null=True)
    owner_id = UnicodeAttribute(null=True)
    details_json = UnicodeAttribute(default="{}")


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    cursor: str | None


class AuditRepository:
    def record(self, entry: AuditEntry) -> bool:
        """Append an entry; False when this (time, event id) was recorded already."""
        item = AuditItem(
            pk=f"AUDIT#{entry.at[:7]}", sk=f"{entry.at}#{entry.event_id}", at=entry.at,
            event_id=entry.event_id, action=entry.action, actor=entry.actor, agent_id=entry.agent_id,
            owner_id=entry.owner_id, details_json=json.dumps(entry.details, default=str, sort_keys=True),
        )
        try:
            item.save(condition=AuditItem.sk.does_not_exist())
        except PutError as exc:
            if "ConditionalCheckFailed" in str(exc.cause_response_code or exc):
                return False
            raise
        return True

    def page(
        self, *, since: datetime, until: datetime, limit: int = 50, cursor: str | None = None,
        action: str | None = None,
    ) -> AuditPage:
        """Entries between two times, newest first, one month partition after another.

        The cursor is `<yyyy-mm>|<last sk>`; a page never reads more than `limit` entries per month
        visited, and visits months only until the page is full.
        """
        months = _months_desc(since, until)
        start_month, after_sk = None, None
        if cursor:
            start_month, _, after_sk = cursor.partition("|")
            if start_month not in months:
                raise ValidationFailed("cursor does not belong to this range")
            months = months[months.index(start_month):]
        lower, upper = iso(since), iso(until)
        entries: list[AuditEntry] = []
        for month in months:
            remaining = limit - len(entries)
            condition = AuditItem.sk.between(lower, upper + "~")
            filter_condition = (AuditItem.action == action) if action else None
            last_key = None
            if month == start_month and after_sk:
                last_key = {"pk": {"S": f"AUDIT#{month}"}, "sk": {"S": after_sk}}
            results = AuditItem.query(
                f"AUDIT#{month}", condition, filter_condition=filter_condition, scan_index_forward=False,
                limit=remaining, last_evaluated_key=last_key,
            )
            for item in results:
                entries.append(_entry(item))
                if len(entries) >= limit:
                    more = results.last_evaluated_key is not None or month != months[-1]
                    return AuditPage(entries, f"{month}|{item.sk}" if more else None)
        return AuditPage(entries, None)


def _entry(item: AuditItem) -> AuditEntry:
    return AuditEntry(
        at=item.at, event_id=item.event_id, action=item.action, actor=item.actor, agent_id=item.agent_id,
        owner_id=item.owner_id, details=json.loads(item.details_json or "{}"),
    )


def _months_desc(since: datetime, until: datetime) -> list[str]:
    if until < since:
        raise ValidationFailed("'from' is after 'to'")
    months: list[str] = []
    year, month = until.year, until.month
    while (year, month) >= (since.year, since.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        if len(months) > 120:
            raise ValidationFailed("the audit range is limited to ten years")
    return months


# ----------------------------------------------------------------------------------------------------------
# Job cursors
# ----------------------------------------------------------------------------------------------------------


class JobCursorItem(PlatformModel):
    Meta = table_meta("platform")
    pk = UnicodeAttribute(hash_key=True)  # "JOB#<name>"
    sk = UnicodeAttribute(range_key=True)  # "CURSOR"
    state_json = UnicodeAttribute(default="{}")
    updated_at = UnicodeAttribute()


class JobCursorRepository:
    """Where a bounded job resumes: a small JSON state per job."""

    def load(self, job: str) -> dict[str, Any]:
        try:
            return dict(json.loads(JobCursorItem.get(f"JOB#{job}", "CURSOR").state_json or "{}"))
        except JobCursorItem.DoesNotExist:
            return {}

    def save(self, job: str, state: dict[str, Any], at: datetime) -> None:
        JobCursorItem(
            pk=f"JOB#{job}", sk="CURSOR", state_json=json.dumps(state, sort_keys=True), updated_at=iso(at)
        ).save()

    def clear(self, job: str) -> None:
        JobCursorItem(pk=f"JOB#{job}", sk="CURSOR").delete()


# ----------------------------------------------------------------------------------------------------------
# Agent health
# ----------------------------------------------------------------------------------------------------------


@dataclass
class HealthState:
    """The health of one agent between checks. `incident_*` are set while an incident is open: from the
    check that reached the failure threshold until the agent recovers (or its owner takes it over)."""

    agent_id: str
    owner_id: str = ""
    consecutive_failures: int = 0
    consecutive_successes: int = 0
    streak_started_at: str | None = None  # first failure of the current run of failures
    last_checked_at: str | None = None
    last_ok: bool | None = None
    last_error: str | None = None
    last_latency_ms: float | None = None
    incident_id: str | None = None
    incident_opened_at: str | None = None
    disabled_applied: bool = False  # the job really set the agent DISABLED for this incident
    version: int = 0  # optimistic lock: two overlapping runs never both count one check

    @property
    def incident_open(self) -> bool:
        return self.incident_id is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id, "consecutive_failures": self.consecutive_failures,
            "last_checked_at": self.last_checked_at, "last_ok": self.last_ok, "last_error": self.last_error,
            "last_latency_ms": self.last_latency_ms, "incident_id": self.incident_id,
            "disabled_by_health": self.incident_open and self.disabled_applied,
        }


@dataclass(frozen=True)
class HealthCheckRecord:
    agent_id: str
    checked_at: str
    ok: bool
    latency_ms: float
    status: int | None
    error: str | None
    url: str


class HealthStateItem(PlatformModel):
    Meta = table_meta("agents")
    pk = UnicodeAttribute(hash_key=True)  # "AGENTHEALTH#<agent_id>"
    sk = UnicodeAttribute(range_key=True)  # "STATE"
    gsi1pk = UnicodeAttribute(null=True)  # "HEALTH#INCIDENT" while an incident is open
    gsi1sk = UnicodeAttribute(null=True)  # "<agent_id>"
    gsi1 = Gsi1()
    agent_id = UnicodeAttribute()
    owner_id = UnicodeAttribute(default="")
    consecutive_failures = NumberAttribute(default=0)
    consecutive_successes = NumberAttribute(default=0)
    streak_started_at = UnicodeAttribute(null=True)
    last_checked_at = UnicodeAttribute(null=True)
    last_ok = BooleanAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    last_latency_ms = NumberAttribute(null=True)
    incident_id = UnicodeAttribute(null=True)
    incident_opened_at = UnicodeAttribute(null=True)
    disabled_applied = BooleanAttribute(default=False)
    state_version = NumberAttribute(default=0)


class HealthCheckItem(PlatformModel):
    Meta = table_meta("agents")
    pk = UnicodeAttribute(hash_key=True)  # "AGENTHEALTH#<agent_id>"
    sk = UnicodeAttribute(range_key=True)  # "CHECK#<checked_at>"
    ok = BooleanAttribute()
    latency_ms = NumberAttribute()
    status = NumberAttribute(null=True)
    error = UnicodeAttribute(null=True)
    url = UnicodeAttribute(default="")
    ttl = NumberAttribute()


class StaleHealthState(Exception):
    """Another run wrote this agent's health state since it was read."""


class HealthRepository:
    def __init__(self, history_days: int = 7):
        self._history_days = history_days

    def state(self, agent_id: str) -> HealthState:
        try:
            item = HealthStateItem.get(f"AGENTHEALTH#{agent_id}", "STATE")
        except HealthStateItem.DoesNotExist:
            return HealthState(agent_id=agent_id)
        return HealthState(
            agent_id=item.agent_id, owner_id=item.owner_id,
            consecutive_failures=int(item.consecutive_failures or 0),
            consecutive_successes=int(item.consecutive_successes or 0),
            streak_started_at=item.streak_started_at, last_checked_at=item.last_checked_at,
            last_ok=item.last_ok, last_error=item.last_error,
            last_latency_ms=float(item.last_latency_ms) if item.last_latency_ms is not None else None,
            incident_id=item.incident_id, incident_opened_at=item.incident_opened_at,
            disabled_applied=bool(item.disabled_applied), version=int(item.state_version or 0),
        )

    def save_state(self, state: HealthState) -> HealthState:
        """Write the state if nobody else did since it was read (else `StaleHealthState`)."""
        # In the index for the whole incident, not only once the agent is disabled: a run that died between
        # opening the incident and disabling the agent is then finished by the next run's re-checks.
        indexed = state.incident_open
        item = HealthStateItem(
            pk=f"AGENTHEALTH#{state.agent_id}", sk="STATE",
            gsi1pk=HEALTH_INCIDENT_INDEX_PK if indexed else None,
            gsi1sk=state.agent_id if indexed else None,
            agent_id=state.agent_id, owner_id=state.owner_id,
            consecutive_failures=state.consecutive_failures, consecutive_successes=state.consecutive_successes,
            streak_started_at=state.streak_started_at, last_checked_at=state.last_checked_at,
            last_ok=state.last_ok, last_error=(state.last_error or None) and state.last_error[:500],
            last_latency_ms=state.last_latency_ms, incident_id=state.incident_id,
            incident_opened_at=state.incident_opened_at, disabled_applied=state.disabled_applied,
            state_version=state.version + 1,
        )
        condition = (
            HealthStateItem.pk.does_not_exist() if state.version == 0
            else HealthStateItem.state_version == state.version
        )
        try:
            item.save(condition=condition)
        except PutError as exc:
            if "ConditionalCheckFailed" in str(exc.cause_response_code or exc):
                raise StaleHealthState(state.agent_id) from exc
            raise
        state.version += 1
        return state

    def add_check(self, record: HealthCheckRecord) -> None:
        checked = datetime.fromisoformat(record.checked_at)
        HealthCheckItem(
            pk=f"AGENTHEALTH#{record.agent_id}", sk=f"CHECK#{record.checked_at}", ok=record.ok,
            latency_ms=round(record.latency_ms, 1), status=record.status,
            error=(record.error or None) and record.error[:500], url=record.url,
            ttl=epoch(checked + timedelta(days=self._history_days)),
        ).save()

    def history(self, agent_id: str, limit: int = 50) -> list[HealthCheckRecord]:
        """The latest checks of an agent, newest first."""
        return [
            HealthCheckRecord(
                agent_id=agent_id, checked_at=item.sk.removeprefix("CHECK#"), ok=bool(item.ok),
                latency_ms=float(item.latency_ms), status=int(item.status) if item.status is not None else None,
                error=item.error, url=item.url,
            )
            for item in HealthCheckItem.query(
                f"AGENTHEALTH#{agent_id}", HealthCheckItem.sk.startswith("CHECK#"), scan_index_forward=False,
                limit=limit,
            )
        ]

    def page_open_incidents(self, *, cursor: str | None, limit: int) -> tuple[list[str], str | None]:
        """Ids of agents with an open incident - disabled by the checks or about to be (sparse gsi1)."""
        last_key = None
        if cursor:
            last_key = {
                "pk": {"S": f"AGENTHEALTH#{cursor}"}, "sk": {"S": "STATE"},
                "gsi1pk": {"S": HEALTH_INCIDENT_INDEX_PK}, "gsi1sk": {"S": cursor},
            }
        results = HealthStateItem.gsi1.query(HEALTH_INCIDENT_INDEX_PK, limit=limit, last_evaluated_key=last_key)
        ids = [item.agent_id for item in results]
        more = results.last_evaluated_key is not None and len(ids) == limit
        return ids, (ids[-1] if more and ids else None)

    def forget(self, agent_id: str) -> None:
        """Drop an agent's health state and history (the agent was deleted)."""
        with HealthCheckItem.batch_write() as batch:
            for item in HealthCheckItem.query(f"AGENTHEALTH#{agent_id}"):
                batch.delete(item)


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)
