"""What ranking reads from storage — it never writes on the request path — and the one write of the
embedding job (`save_embedding`, a2g.ranking.embedding_writer).

Sources (docs/data-model.md, "Ranking reads"):

* the catalogue — PRODUCTION agents, through the registry's own item model (AgentsTable gsi2
  ``STATUS#PRODUCTION``), with the ``embedding`` / ``embedding_model`` the embedding job stored (the
  registry drops them when an agent's name, description or skills change), and the public JSON the registry's serializer (``Agent.public_view``) makes;
* the caller's usage history — the chat domain's ``USER#<user_id>`` / ``USES#<agent_id>`` rows, one Query;
* popularity — the chat domain's monthly counters (``POPULAR#<yyyy-mm>#ALL`` and
  ``POPULAR#<yyyy-mm>#TEAM#<team>``), one Query per month and scope;
* the admin-registered embedding model — the LLM registry's ``MODEL#<model>`` route and its LLM row.

Every read is a Query or a GetItem on a key; nothing Scans. The service caches what does not depend on the
caller (catalogue, popularity, endpoint) for a few seconds, so most requests make one Query: the history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import UpdateError

from a2g.agents.repository import (
    CATALOGUE_MARKER_KEY,
    AgentItem,
    CatalogueMarkerItem,
    agent_sk,
    owner_pk,
    to_agent,
)
from a2g.chat.repository import UsageRepository
from a2g.ranking.service import (
    CatalogueChange,
    CatalogueEntry,
    CatalogueMarker,
    EmbeddingEndpoint,
    UsageRecord,
)

__all__ = ["RankingRepository"]

# Everything `to_agent` needs for the public view, plus the ranking fields. The registered A2A card (the
# largest attribute by far), the trace id and the A2A source key are left on the server.
_CATALOGUE_ATTRIBUTES = [
    "agent_id",
    "owner_id",
    "name",
    "description",
    "logo_url",
    "color",
    "skills",
    "framework",
    "endpoint",
    "status",
    "created_at",
    "updated_at",
    "last_used_at",
    "version",
    "embedding",
    "embedding_model",
]


def _entry(item: AgentItem) -> CatalogueEntry:
    agent = to_agent(item)
    return CatalogueEntry(
        agent_id=agent.id,
        version=agent.version,
        public=agent.public_view(),
        name=agent.name,
        description=agent.description,
        skills=[(s.name, s.description, list(s.tags)) for s in agent.skills],
        embedding=bytes(item.embedding) if item.embedding else None,
        embedding_model=item.embedding_model,
        owner_id=agent.owner_id,
        updated_at=item.updated_at,
    )


def _epoch(value: str) -> float:
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return 0.0  # an unreadable time counts as long ago: the uses still count, decayed away


class RankingRepository:
    """The real reads (DynamoDB through the owning domains' PynamoDB models)."""

    def __init__(self, usage: UsageRepository | None = None) -> None:
        self._usage = usage or UsageRepository()
        self._llms: Any = None

    def production_agents(self) -> list[CatalogueEntry]:
        """Every PRODUCTION agent: one paged Query on gsi2 (1,000 agents are a few 1 MB pages)."""
        entries = []
        for item in AgentItem.gsi2.query("STATUS#PRODUCTION", attributes_to_get=_CATALOGUE_ATTRIBUTES):
            if item.status == "PRODUCTION":
                entries.append(_entry(item))
        return entries

    def catalogue_marker(self, *, with_removed: bool = True) -> CatalogueMarker:
        """The agents' write counter (one GetItem): unchanged means the catalogue is unchanged. Without
        `with_removed` only the two counters are read, so the per-request check stays a few bytes."""
        attributes = None if with_removed else ["seq", "epoch"]
        try:
            item = CatalogueMarkerItem.get(*CATALOGUE_MARKER_KEY, attributes_to_get=attributes)
        except CatalogueMarkerItem.DoesNotExist:
            return CatalogueMarker(seq=0, epoch=0, removed=frozenset())
        return CatalogueMarker(
            seq=int(item.seq or 0), epoch=int(item.epoch or 0), removed=frozenset(item.removed or ())
        )

    def changes_since(self, updated_after: str) -> list[CatalogueChange]:
        """Agents written after `updated_after` (ISO time), in every status: a Query per status on gsi2 by
        `updated_at`, so only the rows changed lately are read. PRODUCTION rows come with their entry."""
        from a2g.agents.model import AgentStatus

        changes: list[CatalogueChange] = []
        for status in AgentStatus:
            published = status is AgentStatus.PRODUCTION
            attributes = (
                _CATALOGUE_ATTRIBUTES if published else ["agent_id", "version", "status", "updated_at"]
            )
            for item in AgentItem.gsi2.query(
                f"STATUS#{status.value}", AgentItem.gsi2sk > updated_after, attributes_to_get=attributes
            ):
                published_now = published and item.status == "PRODUCTION"
                changes.append(
                    CatalogueChange(
                        agent_id=item.agent_id,
                        version=int(item.version or 1),
                        updated_at=item.updated_at,
                        entry=_entry(item) if published_now else None,
                    )
                )
        return changes

    def save_embedding(self, entry: CatalogueEntry, embedding: bytes, model: str) -> bool:
        """Store `embedding` on the agent row read as `entry` — only while its version is still that one, and
        without changing the version (no PATCH in flight is made to conflict). False: the agent changed."""
        try:
            AgentItem._get_connection().update_item(
                owner_pk(entry.owner_id or ""),
                agent_sk(entry.agent_id),
                actions=[AgentItem.embedding.set(embedding), AgentItem.embedding_model.set(model)],
                condition=(AgentItem.version == entry.version),
            )
        except UpdateError as exc:
            if "ConditionalCheckFailed" in (getattr(exc, "cause_response_code", None) or ""):
                return False
            raise
        return True

    def usage_of(self, user_id: str) -> list[UsageRecord]:
        """The caller's history: one Query on their partition (`USES#` rows only)."""
        return [
            UsageRecord(agent_id=u.agent_id, uses=u.uses, last_used_epoch=_epoch(u.last_used_at))
            for u in self._usage.uses_of(user_id)
        ]

    def popularity(self, months: list[str], team: str | None) -> dict[str, int]:
        """Uses per agent over `months` (``yyyy-mm``), by everyone (`team` None) or one team."""
        totals: dict[str, int] = {}
        for month in months:
            for agent_id, uses in self._usage.agent_popularity(month, team).items():
                totals[agent_id] = totals.get(agent_id, 0) + uses
        return totals

    def agent_users(self, team: str | None) -> dict[str, int]:
        """How many users (of `team`, or everyone) have used each agent: one Query."""
        return self._usage.agent_users(team)

    def co_users(self, agent_id: str) -> dict[str, int]:
        """Users `agent_id` shares with each other agent ("people who use X also use Y"): one Query."""
        return self._usage.co_users(agent_id)

    def owners(self, user_ids: list[str]) -> dict[str, tuple[str, str]]:
        """Display name and team of each agent owner (one GetItem per owner; the service caches them)."""
        from a2g.identity.repository import DynamoUserStore

        users = DynamoUserStore()
        found: dict[str, tuple[str, str]] = {}
        for user_id in user_ids:
            user = users.get(user_id)
            if user is not None:
                found[user_id] = (user.display_name, user.team)
        return found

    def embedding_endpoint(self, model: str) -> EmbeddingEndpoint | None:
        """The enabled LLM serving `model` (registry: one GetItem for the route, one for the LLM)."""
        if self._llms is None:
            from a2g.llms.service import build_llm_registry

            self._llms = build_llm_registry()
        resolved = self._llms.resolve_model(model)
        if resolved is None:
            return None
        return EmbeddingEndpoint(
            model=resolved.model,
            base_url=resolved.base_url,
            api_key=resolved.api_key,
            timeout_seconds=float(resolved.timeout_seconds),
        )
