"""``GET /api/agents/ranked``: the PRODUCTION catalogue ordered for the caller, with a reason per agent.

The ranking itself is :class:`a2g.ranking.engine.AgentRanker` (semantic + BM25 for a requirement, usage
history and popularity without one). This service owns what surrounds it:

* **rules** — any approved user (the handler's ``ApprovedPrincipal``); ``q`` at most
  :data:`~a2g.ranking.engine.MAX_QUERY_CHARS` characters and ``limit`` 1..100, else 400;
  only PRODUCTION agents; the answer is ``{"items": [{"agent", "score", "reason"}], "query"}`` where
  ``agent`` is the registry's own public JSON (the same as ``GET /api/agents``).
* **a warm catalogue** — the published agents are read in full once and then kept current in place by
  :class:`~a2g.ranking.live_catalogue.LiveCatalogue` (a marker GetItem per request at most every
  ``marker_seconds``, incremental reads when it moved); each model's index
  (:class:`~a2g.ranking.model_index.ModelIndex`) then re-indexes just the agents that changed. Global
  popularity and the embedding model's endpoint are read at most once per ``cache_seconds``; per team,
  popularity likewise. A warm request costs one Query (the caller's history), the request's embedding
  and the scoring.
* **embeddings** — the embedding job stores each agent's vector and the model that made it. A stored
  vector is used only when that model is the one ranking runs; otherwise (or when none was stored) the
  function embeds the agent itself and never writes it back (no writes on a request path). With an
  ``embed_executor`` (the function's: one background thread) that happens off the request path: an agent
  without a vector — just created or edited — ranks by its words until the background step has embedded
  it (batches of ``lazy_embed_budget``), and the next request picks the vector up. Without one (tests), at
  most ``lazy_embed_budget`` agents are embedded in the request per refresh.
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

from a2g.clock import Clock
from a2g.errors import PlatformError, ValidationFailed
from a2g.identity.principal import Principal
from a2g.log import logger
from a2g.ranking.embedder import TextEmbedder, embedder_name
from a2g.ranking.engine import (
    MAX_QUERY_CHARS,
    AgentRanker,
    RankedAgent,
    RankingParams,
    UsageSignal,
)
from a2g.ranking.live_catalogue import LiveCatalogue
from a2g.ranking.model_index import ModelIndex
from a2g.ranking.ports import EmbeddingEndpoint, RankingStore
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


RemoteEmbedderFactory = Callable[[EmbeddingEndpoint], TextEmbedder]


def _months(now: datetime) -> list[str]:
    """This month and the previous one (``yyyy-mm``): "popular" means popular lately."""
    first = now.replace(day=1)
    return [first.strftime("%Y-%m"), (first - timedelta(days=1)).strftime("%Y-%m")]


@dataclass
class _RemoteModel:
    """An admin-registered model: its endpoint and its index of the catalogue."""

    endpoint: EmbeddingEndpoint
    index: ModelIndex


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
        marker_seconds: float = 1.0,
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
        self._remote_retry = remote_retry_seconds
        self._params = params
        self._monotonic = monotonic
        self._lock = threading.RLock()
        self._model_lock = threading.Lock()
        # A marker read cached longer than the catalogue period would make no sense (0 in tests: always).
        self._catalogue = LiveCatalogue(
            store,
            monotonic,
            cache_seconds=cache_seconds,
            full_refresh_seconds=full_refresh_seconds,
            settle_seconds=settle_seconds,
            marker_seconds=min(marker_seconds, cache_seconds),
        )
        self._teams: OrderedDict[str, tuple[float, dict[str, int]]] = OrderedDict()
        # colleague signals (users per agent, co-usage, owners' names), global popularity and the embedding
        # endpoint, each read at most once per period
        self._extras: OrderedDict[tuple[str, str], tuple[float, Any]] = OrderedDict()
        self._local: ModelIndex | None = None
        self._remote: _RemoteModel | None = None
        self._remote_paused_until = 0.0

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
            self._refresh()
            agents = len(self._catalogue.entries)
        if not agents:
            return {"items": [], "query": query, "match": None if query is None else "none"}
        history = [
            UsageSignal(u.agent_id, u.uses, u.last_used_epoch) for u in self._store.usage_of(caller.user_id)
        ]
        with self._lock:
            team = self._team_popularity(caller.team) if caller.team else {}
            co_usage = self._co_usage([h.agent_id for h in history if h.uses > 0])
            ranked, model = self._rank(query, history, team, limit, co_usage)
            # the views as of this ranking (a later refresh changes the catalogue in place)
            views = {r.agent_id: self._catalogue.entries[r.agent_id].public for r in ranked}
            colleagues = self._cached(("users", caller.team or ""), lambda: self._optional("agent_users", {}, caller.team or None)) if caller.team else {}
            owners = self._owners(views)

        items = [self._item(views[r.agent_id], r, colleagues, owners) for r in ranked]
        match = None if query is None else _best_match(ranked)
        logger.debug(
            "ranked the catalogue",
            extra={
                "agents": agents,
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
        view: dict[str, Any],
        ranked: RankedAgent,
        colleagues: dict[str, int],
        owners: dict[str, tuple[str, str]],
    ) -> dict[str, Any]:
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

    def _owners(self, views: dict[str, dict[str, Any]]) -> dict[str, tuple[str, str]]:
        wanted = sorted({str(view.get("owner_id") or "") for view in views.values()} - {""})
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
            embedder = self._local_model().embedder
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
        query: str | None,
        history: list[UsageSignal],
        team: dict[str, int],
        limit: int,
        co_usage: dict[str, dict[str, float]] | None = None,
    ) -> tuple[list[RankedAgent], str]:
        popular = self._global_popularity()
        remote = self._remote_for()
        if remote is not None:
            try:
                return remote.index.ranker.rank_indexed(
                    query, history, team, popular, limit=limit, co_usage=co_usage
                ), remote.index.name
            except (EmbeddingServiceError, PlatformError) as exc:
                self._pause_remote(exc)
        local = self._local_model()
        local.sync(self._catalogue)
        ranked = local.ranker.rank_indexed(query, history, team, popular, limit=limit, co_usage=co_usage)
        return ranked, local.name

    # ----------------------------------------------------------------------------------------- caching
    def _fresh(self, loaded_at: float) -> bool:
        return self._monotonic() - loaded_at < self._cache_seconds

    def _refresh(self) -> None:
        if not self._catalogue.loaded and self._local is None and self._remote_model is None:
            # A new instance: load the in-process model while the catalogue is read (the first request
            # needs both).
            threading.Thread(target=self._preload_model, name="rank-model", daemon=True).start()
        self._catalogue.refresh()

    def _global_popularity(self) -> dict[str, int]:
        popular: dict[str, int] = self._cached(
            ("popular", ""), lambda: self._store.popularity(_months(self._clock.now()), None)
        )
        return popular

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
    def _local_model(self) -> ModelIndex:
        if self._local is None:
            with self._model_lock:  # one load, whichever thread asks first
                if self._local is None:
                    embedder = self._local_embedder_factory()
                    self._local = ModelIndex(
                        embedder_name(embedder),
                        embedder,
                        self._new_ranker,
                        self._monotonic,
                        budget=self._lazy_budget,
                        accept_unlabelled=True,
                        retry_seconds=self._cache_seconds,
                        executor=self._embed_executor,
                        lock=self._lock,
                    )
        return self._local

    def _preload_model(self) -> None:
        try:
            self._local_model()
        except Exception as exc:  # noqa: BLE001 - the request that needs the model reports what is wrong
            logger.debug("the ranking model did not preload", extra={"error": type(exc).__name__})

    def _new_ranker(self, embedder: TextEmbedder) -> AgentRanker:
        return AgentRanker(embedder, clock_epoch=lambda: self._clock.now().timestamp(), params=self._params)

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

    def _remote_for(self) -> _RemoteModel | None:
        if not self._remote_model or self._remote_factory is None:
            return None
        endpoint: EmbeddingEndpoint | None = self._cached(("endpoint", ""), self._resolve_endpoint)
        if endpoint is None or self._monotonic() < self._remote_paused_until:
            return None
        if self._remote is None or self._remote.endpoint != endpoint:
            index = ModelIndex(
                endpoint.model,
                self._remote_factory(endpoint),
                self._new_ranker,
                self._monotonic,
                budget=None,  # request and agent vectors must come from one model: all of them, now
                accept_unlabelled=False,
                retry_seconds=self._cache_seconds,
            )
            self._remote = _RemoteModel(endpoint, index)
        try:
            self._remote.index.sync(self._catalogue)
        except (EmbeddingServiceError, PlatformError) as exc:
            self._pause_remote(exc)
            return None
        return self._remote

    def _pause_remote(self, exc: Exception) -> None:
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
