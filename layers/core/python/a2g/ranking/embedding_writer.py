"""Agent embeddings, written outside the registry's requests.

The registry saves agents without a ranking embedding (its functions do not carry the 120 MB model), and
drops the stored one when what an agent is about changes. This job — the `agent_embeddings` schedule —
reads the published catalogue (the same Query ranking makes), embeds, in batches, the agents that have no
vector of the in-process model, and writes each vector onto its agent with one conditional UpdateItem: only
if the agent's version is still the one that was embedded (a save in between wins and is embedded on the
next run) and without touching the version, so an owner's PATCH never meets a conflict it did not cause.

Until an agent's vector is written, the ranking function embeds it in process (a few per refresh) and never
writes it itself: no writes on a request path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from a2g.log import logger
from a2g.ranking.embedder import TextEmbedder, agent_text, embedder_name, encode_embedding
from a2g.ranking.ports import CatalogueEntry

__all__ = ["EmbeddingRun", "EmbeddingWriter", "embedding_writer"]


class EmbeddingStore(Protocol):
    """:class:`a2g.ranking.repository.RankingRepository` (fakes in tests)."""

    def production_agents(self) -> list[CatalogueEntry]: ...
    def save_embedding(self, entry: CatalogueEntry, embedding: bytes, model: str) -> bool: ...


@dataclass(frozen=True)
class EmbeddingRun:
    written: int  # vectors stored
    changed: int  # agents saved again since they were read: embedded on the next run
    pending: int  # beyond this run's limit: the next run's


class EmbeddingWriter:
    def __init__(self, store: EmbeddingStore, embedder: Callable[[], TextEmbedder], *, batch_size: int = 32,
                 max_per_run: int = 2000) -> None:
        self._store, self._embedder = store, embedder
        self._batch_size, self._max_per_run = batch_size, max_per_run

    def run(self) -> EmbeddingRun:
        entries = self._store.production_agents()
        if not entries:
            return EmbeddingRun(written=0, changed=0, pending=0)
        embedder = self._embedder()  # the model loads once per instance (the vectors' names need it)
        model = embedder_name(embedder)
        missing = [e for e in entries if not (e.embedding and e.embedding_model == model)]
        todo = missing[: self._max_per_run]
        written = changed = 0
        for start in range(0, len(todo), self._batch_size):
            batch = todo[start : start + self._batch_size]
            vectors = embedder.embed([agent_text(e.name, e.description, e.skills) for e in batch])
            for entry, vector in zip(batch, vectors, strict=True):
                if self._store.save_embedding(entry, encode_embedding(vector), model):
                    written += 1
                else:
                    changed += 1
        outcome = EmbeddingRun(written=written, changed=changed, pending=len(missing) - len(todo))
        if missing:
            logger.info("agent embeddings written", extra={**outcome.__dict__, "model": model})
        return outcome


@lru_cache(maxsize=1)
def embedding_writer() -> EmbeddingWriter:
    """The job's writer: the real catalogue and the in-process model (loaded once there are agents)."""
    from a2g.ranking.embedder import default_embedder
    from a2g.ranking.repository import RankingRepository

    repository: Any = RankingRepository()
    return EmbeddingWriter(repository, default_embedder)
