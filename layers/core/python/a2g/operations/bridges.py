"""The other domains seen through the operations ports (`a2g.operations.ports`).

Each class adapts one domain's public service or repository; nothing here holds a rule of its own.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime
from typing import Any

from a2g.clock import Clock, default_clock
from a2g.errors import Conflict
from a2g.log import logger
from a2g.operations.ports import AgentPage, AgentView, LlmView, ProbeResult
from a2g.operations.repository import parse_time

# ----------------------------------------------------------------------------------------------------------
# Agent registry (a2g.agents)
# ----------------------------------------------------------------------------------------------------------


def agent_view(agent: Any) -> AgentView:
    """An `a2g.agents.model.Agent` as the jobs see it."""
    endpoint = agent.endpoint.stored() if hasattr(agent.endpoint, "stored") else dict(agent.endpoint or {})
    return AgentView(
        agent_id=agent.id, owner_id=agent.owner_id, name=agent.name, status=str(agent.status.value),
        framework=str(agent.framework.value), base_url=str(endpoint.get("base_url") or ""),
        created_at=agent.created_at, updated_at=agent.updated_at, last_used_at=agent.last_used_at,
        card_url=agent.card_url, endpoint=endpoint, version=agent.version, trace_id=agent.trace_id,
    )


class RegistryAgents:
    """The agent repository's job API: paged by status, conditional status changes and deletes (a changed
    agent answers False instead of the repository's 409)."""

    def __init__(self, repository: Any = None, clock: Clock | None = None):
        self._clock = clock or default_clock()
        if repository is None:
            from a2g.agents.repository import AgentRepository

            repository = AgentRepository(self._clock)
        self._repo = repository

    def page_by_status(self, status: str, *, updated_until: datetime | None, cursor: str | None,
                       limit: int) -> AgentPage:
        page = self._repo.list_by_status(status, cursor=cursor, limit=limit, updated_until=updated_until)
        return AgentPage([agent_view(a) for a in page.agents], page.cursor)

    def get(self, agent_id: str) -> AgentView | None:
        agent = self._repo.get(agent_id)
        return agent_view(agent) if agent is not None else None

    def set_status(self, agent: AgentView, status: str) -> bool:
        try:
            changed = self._repo.set_status(agent.agent_id, status, expected_version=agent.version,
                                            at=self._clock.now())
        except Conflict:
            return False
        return changed is not None

    def delete(self, agent: AgentView) -> bool:
        try:
            return bool(self._repo.delete(agent.owner_id, agent.agent_id, expected_version=agent.version))
        except Conflict:
            return False


# ----------------------------------------------------------------------------------------------------------
# LLM registry (a2g.llms)
# ----------------------------------------------------------------------------------------------------------


class RegistryLlms:
    """`LlmRegistry.probe` makes the minimal call and records it (`record_health`) itself."""

    def __init__(self, registry: Any):
        self._registry = registry

    def list_enabled(self) -> list[LlmView]:
        return [
            LlmView(llm_id=r.llm_id, name=r.name,
                    last_checked_at=parse_time(r.health_checked_at) if r.health_checked_at else None)
            for r in self._registry.list_llms(include_disabled=False)
            if r.enabled
        ]

    def probe_all(self, llm_ids: list[str]) -> dict[str, ProbeResult]:
        async def probe_one(llm_id: str) -> ProbeResult:
            try:
                answer = await self._registry.probe(llm_id)
            except Exception as exc:  # noqa: BLE001 - no model, deleted meanwhile, a key that cannot decrypt
                return ProbeResult(ok=False, latency_ms=0.0, error=f"{type(exc).__name__}: {exc}"[:300])
            return ProbeResult(ok=bool(answer.get("ok")), latency_ms=float(answer.get("latency_ms") or 0.0),
                               status=answer.get("status"), error=answer.get("error"))

        async def probe_all() -> list[ProbeResult]:
            return list(await asyncio.gather(*(probe_one(i) for i in llm_ids)))

        return dict(zip(llm_ids, _run_async(probe_all()), strict=True))


def _run_async(coroutine: Any) -> Any:
    """Run a coroutine from synchronous code on a thread of its own.

    Not `asyncio.run` on the caller's thread: it leaves that thread with no event loop set, and the next
    handler on it that asks for one (Mangum does) fails - the local runtime reuses its worker threads, and a
    warm Lambda reuses its main thread. The thread is also safe when the caller runs inside a loop.
    """
    result: list[Any] = []
    errors: list[BaseException] = []

    def runner() -> None:
        try:
            result.append(asyncio.run(coroutine))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=runner, name="llm-probes")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


# ----------------------------------------------------------------------------------------------------------
# Users (a2g.identity): owners' mail addresses
# ----------------------------------------------------------------------------------------------------------


class UserMailDirectory:
    """An owner's address: the user's `email` attribute when the profile has one; a user id that is an
    address already; else `<user_id>@<A2G_MAIL_DEFAULT_DOMAIN>`; else none (the mail is not queued and the
    job logs an error)."""

    def __init__(self, default_domain: str | None, read_email: Any = None):
        self._domain = (default_domain or "").lstrip("@") or None
        self._read_email = read_email or _profile_email
        self._cache: dict[str, str | None] = {}

    def mail_address(self, user_id: str) -> str | None:
        if user_id not in self._cache:
            try:
                email = self._read_email(user_id)
            except Exception as exc:  # noqa: BLE001 - users table unreachable: use the default domain
                logger.warning("could not read a user's email", extra={"user_id": user_id, "error": str(exc)})
                email = None
            if not email and "@" in user_id:
                email = user_id
            if not email and self._domain:
                email = f"{user_id}@{self._domain}"
            self._cache[user_id] = email or None
        return self._cache[user_id]


def _profile_email(user_id: str) -> str | None:
    """`email` of `USER#<user_id>/PROFILE` (UsersTable), read raw: the identity model need not declare it."""
    from a2g.adapters.aws import client
    from a2g.settings import get_settings

    settings = get_settings()
    answer = client("dynamodb", settings.dynamodb_endpoint_url).get_item(
        TableName=settings.users_table, Key={"pk": {"S": f"USER#{user_id}"}, "sk": {"S": "PROFILE"}},
        ProjectionExpression="email",
    )
    value = (answer.get("Item") or {}).get("email", {}).get("S")
    return str(value) if value else None


class UserDisplayNames:
    """Users' display names for the statistics (`UserNames`), read once per user id and process: a
    breakdown names a few dozen people, and a name changes rarely."""

    def __init__(self, read_name: Any = None):
        self._read_name = read_name or _profile_display_name
        self._cache: dict[str, str | None] = {}

    def display_name(self, user_id: str) -> str | None:
        if user_id not in self._cache:
            try:
                self._cache[user_id] = self._read_name(user_id)
            except Exception as exc:  # noqa: BLE001 - users table unreachable: the id is shown instead
                logger.warning("could not read a user's display name", extra={"user_id": user_id, "error": str(exc)})
                return None
        return self._cache[user_id]


def _profile_display_name(user_id: str) -> str | None:
    """`display_name` of `USER#<user_id>/PROFILE` (UsersTable)."""
    from a2g.adapters.aws import client
    from a2g.settings import get_settings

    settings = get_settings()
    answer = client("dynamodb", settings.dynamodb_endpoint_url).get_item(
        TableName=settings.users_table, Key={"pk": {"S": f"USER#{user_id}"}, "sk": {"S": "PROFILE"}},
        ProjectionExpression="display_name",
    )
    value = (answer.get("Item") or {}).get("display_name", {}).get("S")
    return str(value) if value else None


# ----------------------------------------------------------------------------------------------------------
# Chat (a2g.chat): an agent's sessions, messages and files
# ----------------------------------------------------------------------------------------------------------


class ChatAgentData:
    """Deletes what the platform keeps about an agent besides the agent itself, through the owning domains:
    its chat sessions via the chat domain's own `delete_session` (messages, file records, S3 objects and
    each session's trace go with it), then the agent's own trace (the developer's live log).

    A DEVELOPMENT agent can only be chatted with by its owner, so its sessions are the owner's; they are
    found with the chat domain's (user, agent) index. Every step is idempotent: a run that fails half-way
    is finished by the next one, before the agent itself is deleted.
    """

    def __init__(self, sessions: Any = None, traces: Any = None, page_size: int = 50):
        self._sessions = sessions
        self._traces = traces
        self._page_size = page_size

    def delete_agent_data(self, agent: AgentView) -> None:
        from a2g.identity.principal import Principal

        if self._sessions is None:
            from a2g.chat.composition import session_service

            self._sessions = session_service()
        owner = Principal(user_id=agent.owner_id, role="USER", team="")
        deleted = 0
        while True:  # always the first page: each pass deletes what it read
            page = self._sessions.list_sessions(owner, agent.agent_id, self._page_size, None)
            if not page.items:
                break
            for session in page.items:
                self._sessions.delete_session(owner, session.session_id)
                deleted += 1
        if agent.trace_id:
            if self._traces is None:
                from a2g.tracing.repository import TraceRepository

                self._traces = TraceRepository(default_clock())
            self._traces.delete_trace(agent.trace_id)
        logger.info("agent chat data deleted", extra={"agent_id": agent.agent_id, "sessions": deleted})
