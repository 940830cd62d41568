"""``GET /api/agents/ranked``: the PRODUCTION catalogue ordered for the caller, with a reason per agent.

The ranking itself is :class:`a2g.ranking.engine.AgentRanker` (semantic + BM25 for a requirement, usage
history and popularity without one). This service owns what surrounds it:

* **rules** — any approved user (the handler's ``ApprovedPrincipal``); ``q`` at most
  :data:`~a2g.ranking.engine.MAX_QUERY_CHARS` characters and ``limit`` 1..100, else 400;
  only PRODUCTION agents; the answer is ``{"items": [{"agent", "score", "reason"}], "query"}`` where
  ``agent`` is the registry's own public JSON (the same as ``GET /api/agents``).
* **a warm cache** — everything that does not depend on the caller (the catalogue with its decoded
  embeddings, global popularity, the embedding model's endpoint) is read at most once per
  ``cache_seconds``; per team, popularity likewise. The engine keeps its BM25 index and embedding matrix
  for as long as the catalogue's content is unchanged, so a warm request costs one Query (the caller's
  history), the request's embedding and the scoring.
* **embeddings** — the registry stores each agent's vector and the model that made it when the agent is
  created or changed. A stored vector is used only when that model is the one ranking runs; otherwise (or
  when none was stored) the function embeds the agent itself, keeps the vector for as long as the agent's
  version is unchanged, and never writes it back (no writes on a request path). With an ``embed_executor``
  (the function's: one background thread) that happens off the request path: an agent without a vector —
  just created or edited — ranks by its words until the background step has embedded it (batches of
  ``lazy_embed_budget``), and the next request picks the vector up (the engine updates that row in place).
  Without one (tests), at most ``lazy_embed_budget`` agents are embedded in the request per refresh.
* **an admin-registered embedding model** (setting ``A2G_RANKING_EMBEDDING_MODEL`` naming a model of the
  LLM registry) — used through its OpenAI-compatible ``/embeddings`` (the engine's
  :class:`~a2g.ranking.remote.OpenAIEmbeddingClient` over the guarded outbound client) for requests and for
  agents alike, since request and agent vectors must come from one model. Any failure (endpoint down,
  refused, unknown model) falls back to the in-process model for that request and pauses the remote model
  for ``remote_retry_seconds``, so a broken endpoint costs one slow request, not every request.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache, partial
from typing import Any

import numpy as np

from a2g.clock import Clock, iso
from a2g.errors import PlatformError, ValidationFailed
from a2g.identity.principal import Principal
from a2g.log import logger
from a2g.ranking.embedder import TextEmbedder, agent_text, decode_embedding, embedder_name
from a2g.ranking.engine import (
    MAX_QUERY_CHARS,
    AgentDocument,
    AgentRanker,
    RankedAgent,
    RankingParams,
    UsageSignal,
)
from a2g.ranking.ports import (
    CatalogueEntry,
    CatalogueMarker,
    EmbeddingEndpoint,
    RankingStore,
)
from a2g.ranking.remote import EmbeddingServiceError, remote_embedder

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "RankingService", "ranking_service", "warm_before_snapshot"]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_TEAM_CACHE_SIZE = 256  # teams whose popularity a warm function remembers
_EXTRAS_CACHE_SIZE = 4096  # colleague signals a warm function remembers (agents' co-usage, owners, teams)
_CO_USAGE_SOURCES = 25  # the caller's agents whose co-usage is read (one Query each, then cached)


def _best_match(ranked: list[RankedAgent]) -> str:
    """The best match level over the results: "good", "partial" or "none" (the app's "no good match")."""
    levels = {r.match for r in ranked}
    return "good" if "good" in levels else "partial" if "partial" in levels else "none"


_OVERLAP = timedelta(seconds=5)
"""Incremental reads start this long before the newest `updated_at` seen: writers' clocks differ a little
(NTP: milliseconds) and a GSI shows a write a little late (typically under a second), so a row stamped
earlier than one already read can still arrive. Every row in the window is re-read on each change, so it
is kept short: a bulk import of thousands of agents within it would make each refresh read them all."""


RemoteEmbedderFactory = Callable[[EmbeddingEndpoint], TextEmbedder]


def _months(now: datetime) -> list[str]:
    """This month and the previous one (``yyyy-mm``): "popular" means popular lately."""
    first = now.replace(day=1)
    return [first.strftime("%Y-%m"), (first - timedelta(days=1)).strftime("%Y-%m")]


@dataclass
class _RemoteModel:
    """An admin-registered model: its endpoint, embedder and (once its dimension is known) ranker."""

    endpoint: EmbeddingEndpoint
    embedder: TextEmbedder
    name: str
    ranker: AgentRanker | None = None


@dataclass
class _Snapshot:
    """The caller-independent part of a request, read at most once per cache period."""

    loaded_at: float
    entries: list[CatalogueEntry]
    views: dict[str, dict[str, Any]]
    global_popularity: dict[str, int]
    endpoint: EmbeddingEndpoint | None
    local_docs: list[AgentDocument] | None = None
    remote_docs: list[AgentDocument] | None = None
    remote_failed: bool = False
    pending_local: int = 0
    marker: CatalogueMarker | None = None
    full_at: float = 0.0  # when the catalogue was last read in full
    settle_until: float = 0.0  # keep reading changes until then after the marker moved (GSI lag)
    checked_at: float = 0.0


class RankingService:
    """One per warm function (see the module docstring); safe to call from several threads."""

    def __init__(
        self,
        store: RankingStore,
        local_embedder: Callable[[], TextEmbedder],
        clock: Clock,
        *,
        cache_seconds: float = 30.0,
        remote_model: str | None = None,
        remote_embedder: RemoteEmbedderFactory | None = None,
        lazy_embed_budget: int = 64,
        remote_retry_seconds: float = 60.0,
        full_refresh_seconds: float = 900.0,
        settle_seconds: float = 10.0,
        params: RankingParams | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        embed_executor: concurrent.futures.Executor | None = None,
    ) -> None:
        self._store = store
        self._local_embedder_factory = local_embedder
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._remote_model = remote_model or None
        self._remote_factory = remote_embedder
        self._lazy_budget = lazy_embed_budget
        self._embed_executor = embed_executor
        self._embedding: concurrent.futures.Future[None] | None = None
        self._remote_retry = remote_retry_seconds
        self._params = params
        self._monotonic = monotonic
        self._full_refresh = full_refresh_seconds
        self._settle = settle_seconds
        self._incremental = callable(getattr(store, "catalogue_marker", None)) and callable(
            getattr(store, "changes_since", None)
        )
        # (agent_id, version, model name) -> the engine's document; the same object while the agent is
        # unchanged, so the engine updates its index in place for just the agents that changed.
        self._docs: dict[tuple[str, int, str], AgentDocument] = {}

        self._lock = threading.RLock()
        self._model_lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._teams: OrderedDict[str, tuple[float, dict[str, int]]] = OrderedDict()
        # colleague signals (users per agent, co-usage, owners' names), each read at most once per period
        self._extras: OrderedDict[tuple[str, str], tuple[float, Any]] = OrderedDict()
        self._local: tuple[TextEmbedder, AgentRanker, str] | None = None
        self._remote: _RemoteModel | None = None
        self._remote_paused_until = 0.0
        # (agent_id, version, model name) -> unit vector; survives catalogue refreshes, pruned by them.
        self._vectors: dict[tuple[str, int, str], np.ndarray] = {}

    # ------------------------------------------------------------------------------------------ public
    def ranked(self, caller: Principal, q: str | None, limit: int | None = None) -> dict[str, Any]:
        """The caller's ranked catalogue: ``{"items": [{"agent", "score", "reason"}], "query"}``."""
        limit = DEFAULT_LIMIT if limit is None else limit
        if not 1 <= limit <= MAX_LIMIT:
            raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}")
        if q is not None and len(q) > MAX_QUERY_CHARS:
            raise ValidationFailed(f"q: at most {MAX_QUERY_CHARS} characters")
        query = (q or "").strip() or None

        started = time.perf_counter()
        with self._lock:
            snapshot = self._current_snapshot()
        if not snapshot.entries:
            return {"items": [], "query": query, "match": None if query is None else "none"}
        history = [
            UsageSignal(u.agent_id, u.uses, u.last_used_epoch) for u in self._store.usage_of(caller.user_id)
        ]
        with self._lock:
            team = self._team_popularity(caller.team) if caller.team else {}
            co_usage = self._co_usage([h.agent_id for h in history if h.uses > 0])
            ranked, model = self._rank(snapshot, query, history, team, limit, co_usage)
            colleagues = self._cached(("users", caller.team or ""), lambda: self._optional("agent_users", {}, caller.team or None)) if caller.team else {}
            owners = self._owners(snapshot, [r.agent_id for r in ranked])

        items = [self._item(snapshot, r, colleagues, owners) for r in ranked]
        match = None if query is None else _best_match(ranked)
        logger.debug(
            "ranked the catalogue",
            extra={
                "agents": len(snapshot.entries),
                "results": len(items),
                "with_query": query is not None,
                "history": len(history),
                "model": model,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        return {"items": items, "query": query, "match": match}

    def _item(
        self,
        snapshot: _Snapshot,
        ranked: RankedAgent,
        colleagues: dict[str, int],
        owners: dict[str, tuple[str, str]],
    ) -> dict[str, Any]:
        view = snapshot.views[ranked.agent_id]
        owner = owners.get(str(view.get("owner_id") or ""))
        return {
            "agent": view,
            "score": ranked.score,
            "reason": ranked.reason,
            "reasons": [r.as_json() for r in ranked.reasons],
            "match": ranked.match,
            "owner": {"name": owner[0], "team": owner[1]} if owner else None,
            "team_users": colleagues.get(ranked.agent_id, 0),
        }

    # ------------------------------------------------------------------------------ colleague signals
    def _cached(self, key: tuple[str, str], load: Callable[[], Any]) -> Any:
        hit = self._extras.get(key)
        if hit is not None and self._fresh(hit[0]):
            self._extras.move_to_end(key)
            return hit[1]
        value = load()
        self._extras[key] = (self._monotonic(), value)
        while len(self._extras) > _EXTRAS_CACHE_SIZE:
            self._extras.popitem(last=False)
        return value

    def _optional(self, method: str, default: Any, *args: Any) -> Any:
        """A store read that ranking can do without (older stores, fakes): `default` when missing or
        failing — a counter that cannot be read must not fail the catalogue."""
        read = getattr(self._store, method, None)
        if not callable(read):
            return default
        try:
            return read(*args)
        except Exception as exc:  # noqa: BLE001 - see the docstring
            logger.warning("a ranking signal could not be read", extra={"read": method, "error": type(exc).__name__})
            return default

    def _co_usage(self, agent_ids: list[str]) -> dict[str, dict[str, float]] | None:
        """Item–item co-usage of the caller's agents: users shared / (sqrt(users of both) + 2)."""
        if not agent_ids or not callable(getattr(self._store, "co_users", None)):
            return None
        users = self._cached(("users", ""), lambda: self._optional("agent_users", {}, None))
        result: dict[str, dict[str, float]] = {}
        for agent_id in agent_ids[:_CO_USAGE_SOURCES]:
            shared: dict[str, int] = self._cached(("co", agent_id), partial(self._optional, "co_users", {}, agent_id))
            mine = users.get(agent_id, 0)
            result[agent_id] = {
                other: count / (((max(mine, count) * max(users.get(other, 0), count)) ** 0.5) + 2.0)
                for other, count in shared.items()
                if count > 0
            }
        return result

    def _owners(self, snapshot: _Snapshot, agent_ids: list[str]) -> dict[str, tuple[str, str]]:
        wanted = sorted({str(snapshot.views[a].get("owner_id") or "") for a in agent_ids} - {""})
        missing = [o for o in wanted if ("owner", o) not in self._extras or not self._fresh(self._extras[("owner", o)][0])]
        if missing:
            found = self._optional("owners", {}, missing)
            for owner in missing:
                self._extras[("owner", owner)] = (self._monotonic(), found.get(owner))
        result = {}
        for owner in wanted:
            hit = self._extras.get(("owner", owner))
            if hit is not None and hit[1] is not None:
                result[owner] = hit[1]
        return result

    def warm_up(self) -> None:
        """Load the in-process model (both halves: one English and one Korean request) ahead of the first
        request — at init time on AWS, where SnapStart then restores the loaded weights instead of reading
        them again on every cold start. Reads no data: a snapshot's catalogue would be stale. Never fails
        (a missing model is reported by the first request that needs it)."""
        try:
            embedder, _, _ = self._local_model()
            embed_query = getattr(embedder, "embed_query", None)
            for text in ("warm up", "준비"):
                embed_query(text) if callable(embed_query) else embedder.embed([text])
        except Exception as exc:  # noqa: BLE001 - start anyway; requests report what is wrong
            logger.warning(
                "the ranking model could not be loaded ahead of requests",
                extra={"error": f"{type(exc).__name__}: {exc}"},
            )

    # ------------------------------------------------------------------------------------------ ranking
    def _rank(
        self,
        snapshot: _Snapshot,
        query: str | None,
        history: list[UsageSignal],
        team: dict[str, int],
        limit: int,
        co_usage: dict[str, dict[str, float]] | None = None,
    ) -> tuple[list[RankedAgent], str]:
        remote = self._remote_for(snapshot)
        if remote is not None and remote.ranker is not None and snapshot.remote_docs is not None:
            try:
                return remote.ranker.rank(
                    snapshot.remote_docs, query, history, team, snapshot.global_popularity, limit=limit,
                    co_usage=co_usage,
                ), remote.name
            except (EmbeddingServiceError, PlatformError) as exc:
                self._pause_remote(snapshot, exc)
        _, ranker, name = self._local_model()
        docs = self._local_docs(snapshot)
        ranked = ranker.rank(docs, query, history, team, snapshot.global_popularity, limit=limit, co_usage=co_usage)
        return ranked, name

    # ----------------------------------------------------------------------------------------- caching
    def _fresh(self, loaded_at: float) -> bool:
        return self._monotonic() - loaded_at < self._cache_seconds

    def _current_snapshot(self) -> _Snapshot:
        snapshot = self._snapshot
        now = self._monotonic()
        if snapshot is not None and self._incremental and now - snapshot.full_at < self._full_refresh:
            return self._checked(snapshot, now)
        if snapshot is not None and not self._incremental and self._fresh(snapshot.loaded_at):
            return snapshot
        if self._local is None and self._remote_model is None:  # a new instance: load the in-process model
            # while the catalogue is read (the first request needs both)
            threading.Thread(target=self._preload_model, name="rank-model", daemon=True).start()
        marker = self._store.catalogue_marker() if self._incremental else None  # type: ignore[attr-defined]
        entries = self._store.production_agents()
        removed = marker.removed if marker is not None else frozenset()
        entries = [e for e in entries if e.agent_id not in removed]
        return self._install(entries, marker, full_at=now)

    def _install(
        self,
        entries: list[CatalogueEntry],
        marker: CatalogueMarker | None,
        *,
        full_at: float,
        previous: _Snapshot | None = None,
        settle_until: float = 0.0,
    ) -> _Snapshot:
        now = self._monotonic()
        if previous is not None and self._fresh(previous.loaded_at):
            loaded_at, global_popularity, endpoint = (
                previous.loaded_at,
                previous.global_popularity,
                previous.endpoint,
            )
        else:
            loaded_at = now
            global_popularity = self._store.popularity(_months(self._clock.now()), None) if entries else {}
            endpoint = self._resolve_endpoint() if entries else None
        snapshot = _Snapshot(
            loaded_at=loaded_at,
            entries=entries,
            views={e.agent_id: e.public for e in entries},
            global_popularity=global_popularity,
            endpoint=endpoint,
            marker=marker,
            full_at=full_at,
            settle_until=settle_until,
            checked_at=now,
        )
        live = {(e.agent_id, e.version) for e in entries}
        self._vectors = {key: v for key, v in self._vectors.items() if key[:2] in live}
        self._docs = {key: d for key, d in self._docs.items() if key[:2] in live}
        self._snapshot = snapshot
        return snapshot

    def _checked(self, snapshot: _Snapshot, now: float) -> _Snapshot:
        """The snapshot brought up to date: one GetItem of the marker; when it moved, a Query for the rows
        written since the newest one read, applied to the catalogue (no full re-read)."""
        marker = self._store.catalogue_marker(with_removed=False)  # type: ignore[attr-defined]
        previous = snapshot.marker
        if previous is not None and marker.epoch != previous.epoch:  # `removed` was reset: read it all
            marker = self._store.catalogue_marker()  # type: ignore[attr-defined]
            entries = [e for e in self._store.production_agents() if e.agent_id not in marker.removed]
            return self._install(entries, marker, full_at=now)
        moved = previous is None or marker.seq != previous.seq
        settle_until = now + self._settle if moved else snapshot.settle_until
        if not moved and (now >= snapshot.settle_until or now - snapshot.checked_at < 1.0):
            if not self._fresh(snapshot.loaded_at):  # popularity and the endpoint, as before
                return self._install(
                    snapshot.entries, marker, full_at=snapshot.full_at, settle_until=settle_until
                )
            return snapshot
        if moved:  # now the deleted ids too (kept until the next move, for the settling reads)
            marker = self._store.catalogue_marker()  # type: ignore[attr-defined]
        elif previous is not None:
            marker = previous
        newest = max((e.updated_at or "" for e in snapshot.entries), default="")
        since = "0"  # before any ISO time: an empty catalogue reads every row written so far
        if newest:
            try:
                since = iso(datetime.fromisoformat(newest) - _OVERLAP)
            except ValueError:
                since = "0"
        current = {e.agent_id: e for e in snapshot.entries}
        changed = False
        for change in sorted(self._store.changes_since(since), key=lambda c: c.version):  # type: ignore[attr-defined]
            known = current.get(change.agent_id)
            if known is not None and known.version > change.version:
                continue  # an older write, re-read through the overlap or a lagging index
            if change.entry is not None:
                if known is None or known.version != change.version:
                    current[change.agent_id] = change.entry
                    changed = True
            elif known is not None:
                del current[change.agent_id]
                changed = True
        for agent_id in marker.removed:
            if current.pop(agent_id, None) is not None:
                changed = True
        if not changed and self._fresh(snapshot.loaded_at):
            snapshot.marker, snapshot.settle_until, snapshot.checked_at = marker, settle_until, now
            return snapshot
        return self._install(
            list(current.values()),
            marker,
            full_at=snapshot.full_at,
            previous=snapshot,
            settle_until=settle_until,
        )

    def _team_popularity(self, team: str) -> dict[str, int]:
        cached = self._teams.get(team)
        if cached is not None and self._fresh(cached[0]):
            self._teams.move_to_end(team)
            return cached[1]
        counts = self._store.popularity(_months(self._clock.now()), team)
        self._teams[team] = (self._monotonic(), counts)
        self._teams.move_to_end(team)
        while len(self._teams) > _TEAM_CACHE_SIZE:
            self._teams.popitem(last=False)
        return counts

    # ------------------------------------------------------------------------------- in-process model
    def _local_model(self) -> tuple[TextEmbedder, AgentRanker, str]:
        if self._local is None:
            with self._model_lock:  # one load, whichever thread asks first
                if self._local is None:
                    embedder = self._local_embedder_factory()
                    self._local = (embedder, self._new_ranker(embedder), embedder_name(embedder))
        return self._local

    def _preload_model(self) -> None:
        try:
            self._local_model()
        except Exception as exc:  # noqa: BLE001 - the request that needs the model reports what is wrong
            logger.debug("the ranking model did not preload", extra={"error": type(exc).__name__})

    def _new_ranker(self, embedder: TextEmbedder) -> AgentRanker:
        return AgentRanker(embedder, clock_epoch=lambda: self._clock.now().timestamp(), params=self._params)

    def _local_docs(self, snapshot: _Snapshot) -> list[AgentDocument]:
        if snapshot.local_docs is None:
            embedder, _, name = self._local_model()
            dimension = getattr(embedder, "dimension", None)
            background = self._embed_executor is not None
            snapshot.local_docs, pending = self._documents(
                snapshot.entries,
                name,
                embedder,
                dimension,
                budget=0 if background else self._lazy_budget,
                accept_unlabelled=True,
            )
            snapshot.pending_local = len(pending)
            if pending and background:
                self._embed_later(pending, embedder, name)
            elif pending:
                logger.info(
                    "agents without an embedding of the in-process model wait for a later refresh",
                    extra={"pending": snapshot.pending_local, "model": name},
                )
        return snapshot.local_docs

    def _embed_later(self, pending: list[CatalogueEntry], embedder: TextEmbedder, model: str) -> None:
        """Embed `pending` on the background thread (one job at a time: when it is done, the next request
        that still finds agents without a vector starts the next)."""
        if self._embedding is not None and not self._embedding.done():
            return
        assert self._embed_executor is not None
        self._embedding = self._embed_executor.submit(self._embed_pending, pending, embedder, model)

    def _embed_pending(self, pending: list[CatalogueEntry], embedder: TextEmbedder, model: str) -> None:
        batch = max(1, self._lazy_budget)
        for start in range(0, len(pending), batch):
            entries = pending[start : start + batch]
            try:
                vectors = embedder.embed([agent_text(e.name, e.description, e.skills) for e in entries])
            except Exception as exc:  # noqa: BLE001 - they keep ranking by words; a later request retries
                logger.warning("agents could not be embedded", extra={"error": f"{type(exc).__name__}: {exc}"})
                return
            with self._lock:
                for entry, vector in zip(entries, vectors, strict=True):
                    self._vectors[(entry.agent_id, entry.version, model)] = vector
                if self._snapshot is not None:
                    self._snapshot.local_docs = None  # the next request builds its documents with them

    def _documents(
        self,
        entries: list[CatalogueEntry],
        model: str,
        embedder: TextEmbedder,
        dimension: int | None,
        *,
        budget: int | None,
        accept_unlabelled: bool,
    ) -> tuple[list[AgentDocument], list[CatalogueEntry]]:
        """The engine's documents, each with a vector of `model`: stored, remembered or computed now.

        Agents beyond `budget` get a zero vector (no semantic signal, words still count) and are returned
        as pending. Raises what `embedder` raises (the remote model's errors)."""
        vectors: list[np.ndarray | None] = []
        missing: list[int] = []
        for row, entry in enumerate(entries):
            key = (entry.agent_id, entry.version, model)
            vector = self._vectors.get(key)
            if (
                vector is None
                and entry.embedding
                and (entry.embedding_model == model or (accept_unlabelled and entry.embedding_model is None))
            ):
                try:
                    decoded = decode_embedding(entry.embedding)
                except ValueError:
                    decoded = None
                if decoded is not None and (dimension is None or decoded.shape == (dimension,)):
                    vector = self._vectors[key] = decoded
            vectors.append(vector)
            if vector is None:
                missing.append(row)

        todo = missing if budget is None else missing[:budget]
        if todo:
            texts = [agent_text(entries[r].name, entries[r].description, entries[r].skills) for r in todo]
            computed = embedder.embed(texts)
            for row, vector in zip(todo, computed, strict=True):
                entry = entries[row]
                vectors[row] = self._vectors[(entry.agent_id, entry.version, model)] = vector
        width = next((v.shape[0] for v in vectors if v is not None), dimension or 1)
        placeholder = np.zeros(width, dtype=np.float32)
        documents = []
        for entry, vector in zip(entries, vectors, strict=True):
            key = (entry.agent_id, entry.version, model)
            document = self._docs.get(key) if vector is not None else None
            if document is None or document.embedding is not vector:
                document = AgentDocument(
                    agent_id=entry.agent_id,
                    name=entry.name,
                    description=entry.description,
                    skills=entry.skills,
                    embedding=vector if vector is not None else placeholder,
                )
                if vector is not None:
                    self._docs[key] = document
            documents.append(document)
        return documents, [entries[row] for row in missing[len(todo) :]]

    # ---------------------------------------------------------------------- admin-registered model
    def _resolve_endpoint(self) -> EmbeddingEndpoint | None:
        if not self._remote_model or self._remote_factory is None:
            return None
        try:
            endpoint = self._store.embedding_endpoint(self._remote_model)
        except Exception as exc:  # noqa: BLE001 - a registry problem must not stop ranking
            logger.warning(
                "the ranking embedding model could not be resolved",
                extra={"model": self._remote_model, "error": f"{type(exc).__name__}: {exc}"},
            )
            return None
        if endpoint is None:
            logger.warning(
                "the ranking embedding model is not registered or is disabled; using the in-process model",
                extra={"model": self._remote_model},
            )
        return endpoint

    def _remote_for(self, snapshot: _Snapshot) -> _RemoteModel | None:
        endpoint = snapshot.endpoint
        if endpoint is None or snapshot.remote_failed or self._monotonic() < self._remote_paused_until:
            return None
        assert self._remote_factory is not None  # an endpoint is only resolved with a factory
        if self._remote is None or self._remote.endpoint != endpoint:
            self._remote = _RemoteModel(endpoint, self._remote_factory(endpoint), endpoint.model)
        remote = self._remote
        if snapshot.remote_docs is None:
            try:
                snapshot.remote_docs, _ = self._documents(
                    snapshot.entries,
                    remote.name,
                    remote.embedder,
                    None,
                    budget=None,
                    accept_unlabelled=False,
                )
            except (EmbeddingServiceError, PlatformError) as exc:
                self._pause_remote(snapshot, exc)
                return None
        if remote.ranker is None:
            # The engine asks a model without a known width for a probe vector; the catalogue's
            # vectors already tell it, so the endpoint is not called for nothing.
            if getattr(remote.embedder, "dimension", None) is None and snapshot.remote_docs:
                remote.embedder.dimension = int(snapshot.remote_docs[0].embedding.shape[0])  # type: ignore[attr-defined, union-attr]
            remote.ranker = self._new_ranker(remote.embedder)
        return remote

    def _pause_remote(self, snapshot: _Snapshot, exc: Exception) -> None:
        snapshot.remote_failed = True
        self._remote_paused_until = self._monotonic() + self._remote_retry
        logger.warning(
            "the ranking embedding model failed; using the in-process model",
            extra={
                "model": self._remote_model,
                "retry_in_s": self._remote_retry,
                "error": f"{type(exc).__name__}: {getattr(exc, 'message', exc)}",
            },
        )


# ------------------------------------------------------------------------------------------ composition
@lru_cache(maxsize=1)
def ranking_service() -> RankingService:
    """The function's service, built once per process from settings (nothing is read or loaded yet)."""
    from a2g.clock import default_clock
    from a2g.ranking.embedder import default_embedder
    from a2g.ranking.repository import RankingRepository
    from a2g.settings import get_settings

    settings = get_settings()
    return RankingService(
        RankingRepository(),
        default_embedder,
        default_clock(),
        cache_seconds=settings.ranking_cache_seconds,
        remote_model=settings.ranking_embedding_model,
        remote_embedder=remote_embedder,
        # Agents just created or edited are embedded here, after the responses, never inside one.
        embed_executor=concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="rank-embed"),
    )


def warm_before_snapshot(service: RankingService) -> bool:
    """Have SnapStart load the models into the snapshot: `warm_up` runs as Lambda's before-snapshot hook
    (`snapshot_restore_py`, which Lambda's Python runtimes include), so a restored
    instance starts with them loaded, while an instance without SnapStart (`$LATEST`, locally, a first
    deploy) imports in a fraction of the time and loads them on its first request. True when registered."""
    try:
        from snapshot_restore_py import register_before_snapshot  # type: ignore[import-not-found]
    except ImportError:
        return False
    register_before_snapshot(service.warm_up)
    return True
