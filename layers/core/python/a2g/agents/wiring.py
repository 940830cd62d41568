"""Composition root of the registry's functions: the real services, built once per process from settings.

Unit tests build `AgentService` / `CatalogService` with fakes and never come here. Heavy or foreign
modules (the outbound HTTP stack, tracing, chat) are imported lazily, when first needed. Ranking's model is
never loaded here: agents are saved without an embedding and the ranking function embeds them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from a2g.agents.model import Agent
from a2g.agents.service import AgentService, CatalogService
from a2g.clock import default_clock
from a2g.settings import get_settings


class _SharedOutbound:
    """`OutboundClient.shared()`, imported (httpx and the guard) on the first call out: listing, reading and
    deleting agents never call out, so a cold start does not pay for the HTTP stack."""

    def __getattr__(self, name: str) -> Any:
        from a2g.adapters.outbound import OutboundClient

        return getattr(OutboundClient.shared(), name)


class _SharedPolicy:
    """The shared outbound client's destination policy, likewise on first use."""

    def __getattr__(self, name: str) -> Any:
        from a2g.adapters.outbound import OutboundClient

        return getattr(OutboundClient.shared().policy, name)


class OwnerChatCleanup:
    """On delete, the owner's own chat sessions with the agent (messages, files, session traces) go too,
    through the chat domain's `delete_session`. Other users' sessions with a once-published agent are
    theirs: the chat domain keeps answering them after the agent is gone."""

    def __init__(self, page_size: int = 50):
        self._page_size = page_size

    def delete_agent_data(self, agent: Agent) -> None:
        from a2g.chat.composition import session_service
        from a2g.identity.principal import Principal

        sessions = session_service()
        owner = Principal(user_id=agent.owner_id, role="USER", team="")
        for _ in range(100):  # bounded: 5,000 sessions at most per delete; the lifecycle job does the rest
            page = sessions.list_sessions(owner, agent.id, self._page_size, None)
            if not page.items:
                return
            for session in page.items:
                sessions.delete_session(owner, session.session_id)


@lru_cache(maxsize=1)
def agent_store() -> Any:
    from a2g.agents.repository import AgentRepository

    return AgentRepository(default_clock())


@lru_cache(maxsize=1)
def agent_service() -> AgentService:
    from a2g.agents.discovery import AgentDiscovery
    from a2g.tracing.repository import TraceRepository

    clock = default_clock()
    return AgentService(
        agent_store(),
        TraceRepository(clock),
        AgentDiscovery(_SharedOutbound(), policy=_SharedPolicy()),
        clock,
        public_url=get_settings().public_url,
        cleaner=OwnerChatCleanup(),
    )


@lru_cache(maxsize=1)
def catalog_service() -> CatalogService:
    return CatalogService(agent_store(), public_url=get_settings().public_url)
