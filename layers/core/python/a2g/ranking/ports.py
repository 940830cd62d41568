"""What ranking reads and the shapes it reads them in: the catalogue's rows, the caller's usage, the
embedding model's endpoint. :class:`a2g.ranking.repository.RankingRepository` implements
:class:`RankingStore` over DynamoDB; :class:`a2g.ranking.service.RankingService` uses it (fakes in tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["CatalogueChange", "CatalogueEntry", "CatalogueMarker", "EmbeddingEndpoint", "RankingStore", "UsageRecord"]


@dataclass(frozen=True)
class CatalogueEntry:
    """One published agent: its public JSON, the text ranking reads, and its stored embedding."""

    agent_id: str
    version: int
    public: dict[str, Any]
    name: str
    description: str
    skills: list[tuple[str, str, list[str]]]
    embedding: bytes | None
    embedding_model: str | None
    owner_id: str | None = None  # with agent_id, the agent row's key (the embedding job writes there)
    updated_at: str | None = None  # ISO; the newest one read is where the next incremental read starts


@dataclass(frozen=True)
class CatalogueMarker:
    """The agents' write counter: `seq` changes with every agent write, `epoch` when `removed` (ids of
    deleted agents) was reset — then only a full read is exact."""

    seq: int
    epoch: int
    removed: frozenset[str]


@dataclass(frozen=True)
class CatalogueChange:
    """An agent written lately: `entry` when it is PRODUCTION now, None when it is in another status."""

    agent_id: str
    version: int
    updated_at: str
    entry: CatalogueEntry | None


@dataclass(frozen=True)
class UsageRecord:
    """The caller's use of one agent (from the chat domain's usage rows)."""

    agent_id: str
    uses: int
    last_used_epoch: float


@dataclass(frozen=True)
class EmbeddingEndpoint:
    """Where an admin-registered embedding model is served (OpenAI-compatible), key decrypted."""

    model: str
    base_url: str
    api_key: str | None = field(repr=False)  # never in a log line
    timeout_seconds: float = 10.0


class RankingStore(Protocol):
    """What ranking reads (:class:`a2g.ranking.repository.RankingRepository`; fakes in tests)."""

    def production_agents(self) -> list[CatalogueEntry]: ...
    def usage_of(self, user_id: str) -> list[UsageRecord]: ...
    def popularity(self, months: list[str], team: str | None) -> dict[str, int]: ...
    def embedding_endpoint(self, model: str) -> EmbeddingEndpoint | None: ...

    # Optional (a store without them is re-read in full every `cache_seconds`):
    # def catalogue_marker(self) -> CatalogueMarker: ...
    # def changes_since(self, updated_after: str) -> list[CatalogueChange]: ...
