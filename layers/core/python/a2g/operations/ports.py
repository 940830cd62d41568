"""What the operations jobs need from other domains, as narrow interfaces.

The agent registry, the chat domain, the LLM registry and the users repository each belong to another
part of the platform. The jobs see them only through these Protocols, so their rules can be tested with
in-memory fakes, and a change in those domains touches one adapter (`a2g.operations.bridges`), not the
rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from a2g.adapters.mail import DeliveryReport, Mail, MailSender
    from a2g.operations.repository import AuditEntry, HealthCheckRecord, HealthState

# Agent statuses and frameworks as the agent registry names them.
DEVELOPMENT, PRODUCTION, DISABLED = "DEVELOPMENT", "PRODUCTION", "DISABLED"
FRAMEWORKS = ("AGNO", "ADK", "LANGGRAPH", "A2A", "CUSTOM")


@dataclass(frozen=True)
class AgentView:
    """The fields of an agent the jobs read."""

    agent_id: str
    owner_id: str
    name: str
    status: str
    framework: str
    base_url: str
    created_at: datetime
    updated_at: datetime
    last_used_at: datetime | None = None
    card_url: str | None = None
    # Framework details (the Agno agent or team id, ADK app name, LangGraph assistant id).
    endpoint: dict[str, Any] = field(default_factory=dict)
    version: int | None = None
    trace_id: str | None = None  # the agent's own live trace (its developer's log-proxy URL)


@dataclass(frozen=True)
class AgentPage:
    agents: list[AgentView]
    cursor: str | None  # opaque; None when this was the last page


class AgentDirectory(Protocol):
    def page_by_status(
        self, status: str, *, updated_until: datetime | None, cursor: str | None, limit: int
    ) -> AgentPage:
        """Agents with this status, oldest `updated_at` first, optionally only those updated at or before a
        time (AgentsTable gsi2 `STATUS#<status>` / `<updated_at>#<agent_id>`)."""
        ...

    def get(self, agent_id: str) -> AgentView | None: ...

    def set_status(self, agent: AgentView, status: str) -> bool:
        """Change the status if the agent is unchanged since it was read; False when it changed (or is
        gone) meanwhile, so a job never overrides an owner's concurrent edit."""
        ...

    def delete(self, agent: AgentView) -> bool:
        """Delete the agent record; False when it is already gone."""
        ...


class AgentDataCleaner(Protocol):
    def delete_agent_data(self, agent: AgentView) -> None:
        """Delete every chat session, message and file (S3 objects included) of an agent, and its trace.
        Idempotent: a repeated call after a partial run finishes the job."""
        ...


@dataclass(frozen=True)
class LlmView:
    llm_id: str
    name: str
    last_checked_at: datetime | None = None


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    latency_ms: float
    status: int | None = None
    error: str | None = None


class LlmRegistry(Protocol):
    def list_enabled(self) -> list[LlmView]: ...

    def probe_all(self, llm_ids: list[str]) -> dict[str, ProbeResult]:
        """One minimal call to each LLM with its own key (the registry holds the keys), concurrently; each
        result is recorded by the registry (`record_health`) so admins see it in the LLM list."""
        ...


class UserDirectory(Protocol):
    def mail_address(self, user_id: str) -> str | None:
        """The user's `email` attribute, else `<user_id>@<A2G_MAIL_DEFAULT_DOMAIN>`; None when neither."""
        ...


class HttpProber(Protocol):
    def probe(self, method: str, url: str) -> ProbeResult:
        """One request through the guarded outbound client; never raises."""
        ...


# --------------------------------------------------------------------------------------------------------
# The jobs' own stores (implemented in a2g.operations.repository and a2g.adapters.mail)
# --------------------------------------------------------------------------------------------------------


class Outbox(Protocol):
    def enqueue(self, mail: Mail) -> bool: ...

    def withdraw(self, mail_id: str) -> bool: ...

    def was_queued(self, mail_id: str) -> str | None: ...

    def deliver(self, sender: MailSender | None, *, limit: int = 50) -> DeliveryReport: ...


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> bool: ...


class CursorStore(Protocol):
    def load(self, job: str) -> dict[str, Any]: ...

    def save(self, job: str, state: dict[str, Any], at: datetime) -> None: ...

    def clear(self, job: str) -> None: ...


class HealthStore(Protocol):
    def state(self, agent_id: str) -> HealthState: ...

    def save_state(self, state: HealthState) -> HealthState: ...

    def add_check(self, record: HealthCheckRecord) -> None: ...

    def page_open_incidents(self, *, cursor: str | None, limit: int) -> tuple[list[str], str | None]: ...

    def forget(self, agent_id: str) -> None: ...
