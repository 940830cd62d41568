"""One embedding model's index of the catalogue, kept in step with :class:`~a2g.ranking.live_catalogue.LiveCatalogue`.

A :class:`ModelIndex` owns an :class:`~a2g.ranking.engine.AgentRanker` whose catalogue (BM25 rows and the
embedding matrix) it updates in place with just the agents that changed since it last synced — the vectors
live in the ranker's matrix only. Each agent's vector is the one stored with it when the model that made it
is this one (the embedding job's, decoded), else one this function computes:

* with a background executor (the in-process model on the function): never inside a request — the agent
  ranks by its words (a zero vector) until the background job has embedded it (``budget`` agents a
  batch), and the next sync puts the vector in;
* without one: up to ``budget`` agents are embedded inside the sync (``None``: all of them, which is what
  the admin-registered model does; its errors propagate, and the index is then left as it was).

Agents still without a vector are tried again when the catalogue changes or after ``retry_seconds``.
Not thread-safe on its own: the service syncs under its lock and passes that lock for the background
job's results.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable

import numpy as np

from a2g.log import logger
from a2g.ranking.catalogue import AgentDocument
from a2g.ranking.embedder import TextEmbedder, agent_text, decode_embedding
from a2g.ranking.engine import AgentRanker
from a2g.ranking.live_catalogue import LiveCatalogue
from a2g.ranking.ports import CatalogueEntry

__all__ = ["ModelIndex"]

_SYNC_CHUNK = 512  # agents whose documents (and decoded vectors) exist at once during a sync


class ModelIndex:
    """The ranker of one model over the live catalogue (see the module docstring)."""

    def __init__(
        self,
        name: str,
        embedder: TextEmbedder,
        new_ranker: Callable[[TextEmbedder], AgentRanker],
        monotonic: Callable[[], float],
        *,
        budget: int | None,
        accept_unlabelled: bool,
        retry_seconds: float,
        executor: concurrent.futures.Executor | None = None,
        lock: threading.RLock | None = None,
    ) -> None:
        self.name = name
        self.embedder = embedder
        self._new_ranker = new_ranker
        self._ranker: AgentRanker | None = None
        self._monotonic = monotonic
        self._budget = budget
        self._accept_unlabelled = accept_unlabelled
        self._retry_seconds = retry_seconds
        self._executor = executor
        self._lock = lock or threading.RLock()
        self._synced = -1  # the catalogue generation indexed; -1: nothing yet
        self._pending: dict[str, CatalogueEntry] = {}  # agents indexed without a vector
        self._tried_at: tuple[int, float] | None = None  # (generation, time) pending agents were last tried
        self._embedded: dict[tuple[str, int], np.ndarray] = {}  # the background job's, not yet indexed
        self._job: concurrent.futures.Future[None] | None = None

    @property
    def ranker(self) -> AgentRanker:
        """The ranker (ranks the catalogue as of the last :meth:`sync`); raises before the first one."""
        if self._ranker is None:
            raise RuntimeError("the index has not been synced yet")
        return self._ranker

    def sync(self, catalogue: LiveCatalogue) -> None:
        """Index what changed in ``catalogue`` since the last sync, and the vectors embedded since."""
        changed: list[CatalogueEntry]
        removed: list[str]
        if self._synced < 0:
            changed, removed = list(catalogue.entries.values()), []
        else:
            changed, removed = catalogue.changed_since(self._synced)
        entries = {e.agent_id: e for e in changed}
        vectors: dict[str, np.ndarray] = {}
        for (agent_id, version), vector in list(self._embedded.items()):
            entry = catalogue.entries.get(agent_id)
            if entry is not None and entry.version == version:
                entries[agent_id] = entry
                vectors[agent_id] = vector
        # Agents still without a vector get another chance after a change, a delivered job or a while:
        # in the sync itself (within the budget), or by queueing the next background job.
        retry = bool(self._pending) and (bool(vectors) or self._due(catalogue.generation))
        if retry and self._executor is None:
            for agent_id, entry in self._pending.items():
                entries.setdefault(agent_id, entry)
        if not entries and not removed and not retry and self._ranker is not None:
            self._synced = catalogue.generation
            return

        todo = list(entries.values())
        missing: list[CatalogueEntry] = []
        for start in range(0, max(1, len(todo)), _SYNC_CHUNK):
            # A chunk at a time: its decoded vectors are the only transient copy (a first sync indexes
            # the whole catalogue). A failing embedder leaves the earlier chunks indexed and the sync
            # not done, so the next one puts them again.
            documents, left = self._documents(todo[start : start + _SYNC_CHUNK], vectors)
            missing.extend(left)
            if self._ranker is None:
                # A model without a known width would be asked for a probe vector; the catalogue's
                # vectors already tell it, so an endpoint is not called for nothing.
                if getattr(self.embedder, "dimension", None) is None and documents:
                    self.embedder.dimension = int(documents[0].embedding.shape[0])  # type: ignore[attr-defined, union-attr]
                self._ranker = self._new_ranker(self.embedder)
            self._ranker.update(documents, removed if start == 0 else ())
        self._synced = catalogue.generation
        self._embedded.clear()  # each was indexed just now, or is of a version no longer published
        for agent_id in [*removed, *entries]:
            self._pending.pop(agent_id, None)
        for entry in missing:
            self._pending[entry.agent_id] = entry
        if self._pending and (missing or retry):
            self._tried_at = (catalogue.generation, self._monotonic())
            if self._executor is not None:
                self._embed_later(list(self._pending.values()))
            else:
                logger.info(
                    "agents without an embedding of the model wait for a later refresh",
                    extra={"pending": len(self._pending), "model": self.name},
                )

    # ------------------------------------------------------------------------------------- internals
    def _due(self, generation: int) -> bool:
        if self._tried_at is None:
            return True
        tried_generation, tried_at = self._tried_at
        return generation != tried_generation or self._monotonic() - tried_at >= self._retry_seconds

    def _documents(
        self, entries: list[CatalogueEntry], vectors: dict[str, np.ndarray]
    ) -> tuple[list[AgentDocument], list[CatalogueEntry]]:
        """The engine's documents for `entries`, each with a vector of this model — given (the background
        job's), stored, or computed now within the budget — or a zero vector (then also returned as
        missing). Raises what the embedder raises."""
        dimension = getattr(self.embedder, "dimension", None)
        found: list[np.ndarray | None] = []
        missing: list[int] = []
        for row, entry in enumerate(entries):
            vector = vectors.get(entry.agent_id)
            if vector is None:
                vector = self._stored(entry, dimension)
            found.append(vector)
            if vector is None:
                missing.append(row)
        if self._budget is None:
            todo = missing
        else:
            todo = [] if self._executor is not None else missing[: self._budget]
        if todo:
            computed = self.embedder.embed([_text(entries[r]) for r in todo])
            for row, vector in zip(todo, computed, strict=True):
                found[row] = vector
        width = next((v.shape[0] for v in found if v is not None), dimension or 1)
        placeholder = np.zeros(width, dtype=np.float32)
        documents = [
            AgentDocument(
                agent_id=e.agent_id,
                name=e.name,
                description=e.description,
                skills=e.skills,
                embedding=placeholder if v is None else v,
            )
            for e, v in zip(entries, found, strict=True)
        ]
        left = set(missing) - set(todo)
        return documents, [entries[r] for r in sorted(left)]

    def _stored(self, entry: CatalogueEntry, dimension: int | None) -> np.ndarray | None:
        model = entry.embedding_model
        if not entry.embedding or not (model == self.name or (self._accept_unlabelled and model is None)):
            return None
        try:
            vector = decode_embedding(entry.embedding)
        except ValueError:
            return None
        return vector if dimension is None or vector.shape == (dimension,) else None

    def _embed_later(self, pending: list[CatalogueEntry]) -> None:
        """Embed `pending` on the background executor, one job at a time: when it is done, the next sync
        that still finds agents without a vector (after a change or `retry_seconds`) starts the next."""
        if self._job is not None and not self._job.done():
            return
        assert self._executor is not None
        self._job = self._executor.submit(self._embed_pending, pending)

    def _embed_pending(self, pending: list[CatalogueEntry]) -> None:
        batch = max(1, self._budget or 1)
        for start in range(0, len(pending), batch):
            entries = pending[start : start + batch]
            try:
                vectors = self.embedder.embed([_text(e) for e in entries])
            except Exception as exc:  # noqa: BLE001 - they keep ranking by words; a later sync retries
                logger.warning("agents could not be embedded", extra={"error": f"{type(exc).__name__}: {exc}"})
                return
            with self._lock:
                for entry, vector in zip(entries, vectors, strict=True):
                    self._embedded[(entry.agent_id, entry.version)] = vector


def _text(entry: CatalogueEntry) -> str:
    return agent_text(entry.name, entry.description, entry.skills)
