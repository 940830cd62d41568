"""Composition root of the registry's functions: the real services, built once per process from settings.

Unit tests build `AgentService` / `CatalogService` with fakes and never come here. Heavy or foreign
modules (ranking's model, tracing, chat) are imported lazily, when first needed.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from a2g.agents.model import Agent, Skill
from a2g.agents.service import AgentService, CatalogService
from a2g.clock import default_clock
from a2g.log import logger
from a2g.settings import get_settings


class RankingEmbedding:
    """The ranking engineer's hook: `encode_embedding(default_embedder().embed([agent_text(...)])[0])`.

    Loaded on first use (the model takes seconds to load and ~90 MB); when `a2g.ranking` is missing or its
    model cannot load, every call answers None and the agent is saved without an embedding (the ranker
    embeds such agents itself)."""

    def __init__(self) -> None:
        self._embedder: Any = None
        self._unavailable = False

    def __call__(self, name: str, description: str, skills: list[Skill]) -> tuple[bytes, str] | None:
        if self._unavailable:
            return None
        try:
            from a2g.ranking import agent_text, default_embedder, encode_embedding
        except ImportError:
            self._unavailable = True
            logger.info("a2g.ranking is not available: agents are saved without embeddings")
            return None
        if self._embedder is None:
            self._embedder = default_embedder()
        text = agent_text(name, description, [(s.name, s.description, list(s.tags)) for s in skills])
        vector = self._embedder.embed([text])[0]
        model = str(getattr(self._embedder, "model_name", None) or type(self._embedder).__name__)
        return encode_embedding(vector), model


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
    from a2g.adapters.outbound import OutboundClient
    from a2g.agents.discovery import AgentDiscovery
    from a2g.tracing.repository import TraceRepository

    clock = default_clock()
    return AgentService(
        agent_store(),
        TraceRepository(clock),
        AgentDiscovery(OutboundClient.shared()),
        clock,
        public_url=get_settings().public_url,
        embed=RankingEmbedding(),
        cleaner=OwnerChatCleanup(),
    )


@lru_cache(maxsize=1)
def catalog_service() -> CatalogService:
    return CatalogService(agent_store(), public_url=get_settings().public_url)
