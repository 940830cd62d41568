"""The warm service keeps its catalogue current in place: after edits, new agents, withdrawals and deletions
it ranks exactly as a new instance reading everything, and each refresh re-indexes only the agents that
changed (no second copy of the catalogue, no rebuild)."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from a2g.clock import FixedClock
from a2g.ranking.engine import AgentRanker
from a2g.ranking.ports import CatalogueChange, CatalogueEntry, CatalogueMarker, UsageRecord
from a2g.ranking.service import RankingService

from tests.unit.ranking.test_ranking_service import NOW, READER, WordHashEmbedder, entry

WORDS = ["flight", "hotel", "invoice", "refund", "code", "review", "deploy", "translate", "korean", "weather",
         "recipe", "contract", "tax", "chart"]


class IncrementalStore:
    """A store with the agents' write counter, as the real repository has: `changes_since` answers the rows
    written after a time, in every status (None entry: no longer PRODUCTION), `removed` the deleted ids."""

    def __init__(self, entries: list[CatalogueEntry]) -> None:
        self.clock = 0
        self.rows: dict[str, tuple[str, int, CatalogueEntry | None]] = {}  # id -> (updated_at, version, row)
        self.seq = 0
        self.removed: set[str] = set()
        self.calls: dict[str, int] = {"full": 0, "marker": 0, "changes": 0}
        self.history: dict[str, list[UsageRecord]] = {}
        for e in entries:
            self.write(e)

    def _stamp(self) -> str:
        self.clock += 10
        return f"2026-11-20T{self.clock // 3600:02d}:{self.clock // 60 % 60:02d}:{self.clock % 60:02d}.000Z"

    def write(self, e: CatalogueEntry) -> None:
        stamp = self._stamp()
        self.rows[e.agent_id] = (stamp, e.version, replace(e, updated_at=stamp))
        self.seq += 1

    def withdraw(self, agent_id: str) -> None:
        self.rows[agent_id] = (self._stamp(), self.rows[agent_id][1] + 1, None)
        self.seq += 1

    def delete(self, agent_id: str) -> None:
        del self.rows[agent_id]
        self.removed.add(agent_id)
        self.seq += 1

    def published(self) -> list[CatalogueEntry]:
        return [e for _, _, e in self.rows.values() if e is not None]

    # --- RankingStore
    def production_agents(self) -> list[CatalogueEntry]:
        self.calls["full"] += 1
        return self.published()

    def catalogue_marker(self, *, with_removed: bool = True) -> CatalogueMarker:
        self.calls["marker"] += 1
        return CatalogueMarker(self.seq, 0, frozenset(self.removed) if with_removed else frozenset())

    def changes_since(self, updated_after: str) -> list[CatalogueChange]:
        self.calls["changes"] += 1
        return [
            CatalogueChange(agent_id, version, stamp, e)
            for agent_id, (stamp, version, e) in self.rows.items()
            if stamp > updated_after
        ]

    def usage_of(self, user_id: str) -> list[UsageRecord]:
        return self.history.get(user_id, [])

    def popularity(self, months: list[str], team: str | None) -> dict[str, int]:
        return {"a3": 4}

    def embedding_endpoint(self, model: str) -> None:
        return None


class SnapshotStore(IncrementalStore):
    """The same rows for a new instance, without the write counter (it reads everything once)."""

    catalogue_marker = None  # type: ignore[assignment]
    changes_since = None  # type: ignore[assignment]


def _answer(service: RankingService, q: str | None) -> list[tuple[str, float, str]]:
    return [(i["agent"]["id"], i["score"], i["reason"]) for i in service.ranked(READER, q, limit=30)["items"]]


def _views(service: RankingService, q: str | None) -> dict[str, dict[str, Any]]:
    return {i["agent"]["id"]: i["agent"] for i in service.ranked(READER, q, limit=100)["items"]}


def _rng_entry(rng: random.Random, local: WordHashEmbedder, agent_id: str, version: int, vector: bool) -> CatalogueEntry:
    text = " ".join(rng.sample(WORDS, 4))
    made = entry(agent_id, text, version=version, vector=local.vector(text) if vector else None)
    return replace(made, public={**made.public, "version": version})


class CountingRanker(AgentRanker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.updates: list[tuple[int, int]] = []

    def update(self, changed: Any, removed: Any = ()) -> None:
        removed = list(removed)
        self.updates.append((len(changed), len(removed)))
        super().update(changed, removed)


def test_edits_new_withdrawn_and_deleted_agents_rank_as_a_new_instance_reads_them() -> None:
    rng = random.Random(4)
    local = WordHashEmbedder()
    store = IncrementalStore([_rng_entry(rng, local, f"a{i}", 1, vector=i % 3 != 0) for i in range(60)])
    store.history["reader"] = [UsageRecord("a7", 3, NOW.timestamp())]
    now = [0.0]
    warm = RankingService(store, lambda: local, FixedClock(NOW), cache_seconds=30, monotonic=lambda: now[0])
    rankers: list[CountingRanker] = []

    def counting_ranker(embedder: Any) -> AgentRanker:
        rankers.append(CountingRanker(embedder, clock_epoch=lambda: NOW.timestamp()))
        return rankers[-1]

    warm._new_ranker = counting_ranker  # type: ignore[method-assign]
    _answer(warm, "hotel flight")
    assert store.calls["full"] == 1 and rankers[0].updates == [(60, 0)]
    live = rankers[0]._live
    next_id = 60
    for step in range(1, 16):
        now[0] = step * 2.0  # past the marker's short bound, well within the cache period
        kind = step % 4
        target = rng.choice(sorted(e.agent_id for e in store.published()))
        version = store.rows[target][1] + 1
        if kind == 0:  # a text edit: the registry drops the stored vector
            store.write(_rng_entry(rng, local, target, version, vector=False))
        elif kind == 1:  # the public view only (a colour), same text and vector
            old = store.rows[target][2]
            assert old is not None
            store.write(replace(old, version=version, public={**old.public, "version": version, "color": "#123"}))
        elif kind == 2:
            store.write(_rng_entry(rng, local, f"a{next_id}", 1, vector=True))
            next_id += 1
        else:
            store.withdraw(target) if step % 8 == 3 else store.delete(target)
        before = len(rankers[0].updates)
        for q in ("hotel flight", "refund invoice tax", None):
            fresh_store = SnapshotStore(store.published())
            fresh_store.history = store.history
            fresh = RankingService(fresh_store, lambda: local, FixedClock(NOW), cache_seconds=30)
            got, expected = _answer(warm, q), _answer(fresh, q)
            assert [(a, r) for a, _, r in got] == [(a, r) for a, _, r in expected], (step, kind, q)
            assert [s for _, s, _ in got] == pytest.approx([s for _, s, _ in expected], abs=1e-6)
            assert _views(warm, q) == _views(fresh, q)
        # only the agent that changed was re-indexed, into the same catalogue object
        assert rankers[0]._live is live
        assert all(changed + removed <= 1 for changed, removed in rankers[0].updates[before:]), rankers[0].updates
    assert store.calls["full"] == 1  # every change above was read incrementally
    assert sorted(live.ids) == sorted(e.agent_id for e in store.published())  # type: ignore[union-attr]
    assert live.embeddings.shape[0] == len(live.ids) and live.bm25.size == len(live.ids)  # type: ignore[union-attr]


def test_a_full_re_read_applies_only_the_differences() -> None:
    local = WordHashEmbedder()
    entries = [entry(f"a{i}", f"agent {WORDS[i % len(WORDS)]} {i}", vector=local.vector(f"x{i}")) for i in range(20)]
    store = IncrementalStore(entries)
    now = [0.0]
    service = RankingService(
        store, lambda: local, FixedClock(NOW), cache_seconds=30, full_refresh_seconds=100, monotonic=lambda: now[0]
    )
    service.ranked(READER, "agent")
    local_index = service._local
    assert local_index is not None
    live = local_index.ranker._live
    assert live is not None
    row_of_a5 = np.array(live.embeddings[live.position["a5"]])
    store.write(entry("a5", "agent volcanic ash 5", version=2))  # no vector: the function embeds it
    now[0] = 150.0  # the safety-net full read, not an incremental one
    top = service.ranked(READER, "volcanic ash")["items"][0]
    assert store.calls["full"] == 2
    assert top["agent"]["id"] == "a5"
    assert local_index.ranker._live is live
    assert not np.allclose(live.embeddings[live.position["a5"]], row_of_a5)
    assert np.allclose(live.embeddings[live.position["a5"]], local.vector("agent volcanic ash 5"))
