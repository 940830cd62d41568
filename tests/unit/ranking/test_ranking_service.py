"""RankingService with fakes: what it reads how often, which vectors it trusts, when it embeds, and how it
falls back from an admin-registered model. (Real storage and the real model: tests/integration/ranking.)"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from a2g.clock import FixedClock
from a2g.errors import UpstreamFailed, ValidationFailed
from a2g.identity.principal import Principal
from a2g.ranking import encode_embedding
from a2g.ranking.ports import CatalogueEntry, EmbeddingEndpoint, UsageRecord
from a2g.ranking.remote import EmbeddingServiceError
from a2g.ranking.service import RankingService
from a2g.ranking.text import lexical_tokens

NOW = datetime(2026, 11, 20, tzinfo=UTC)
READER = Principal(user_id="reader", role="USER", team="data")


class WordHashEmbedder:
    """Deterministic, fast 'semantics': hashed bags of words; counts what it embeds."""

    dimension = 32
    model_name = "word-hash"

    def __init__(self, fail_queries: bool = False) -> None:
        self.embedded: list[str] = []
        self.queries: list[str] = []
        self.attempts = 0
        self.fail_queries = fail_queries

    def vector(self, text: str) -> np.ndarray:
        v = np.full(self.dimension, 0.01, dtype=np.float32)
        for token in lexical_tokens(text):
            v[sum(map(ord, token)) % self.dimension] += 1.0
        return v / np.linalg.norm(v)

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return np.stack([self.vector(t) for t in texts]) if texts else np.zeros((0, self.dimension))

    def embed_query(self, text: str) -> np.ndarray:
        self.attempts += 1
        if self.fail_queries:
            raise EmbeddingServiceError("endpoint answered 500")
        self.queries.append(text)
        return self.vector(text)


class FakeStore:
    def __init__(self, entries: list[CatalogueEntry]) -> None:
        self.entries = entries
        self.calls: dict[str, int] = {"agents": 0, "usage": 0, "global": 0, "team": 0, "endpoint": 0}
        self.history: dict[str, list[UsageRecord]] = {}
        self.endpoint: EmbeddingEndpoint | None = None

    def production_agents(self) -> list[CatalogueEntry]:
        self.calls["agents"] += 1
        return list(self.entries)

    def usage_of(self, user_id: str) -> list[UsageRecord]:
        self.calls["usage"] += 1
        return self.history.get(user_id, [])

    def popularity(self, months: list[str], team: str | None) -> dict[str, int]:
        assert months == ["2026-11", "2026-10"]
        self.calls["team" if team else "global"] += 1
        return {}

    def embedding_endpoint(self, model: str) -> EmbeddingEndpoint | None:
        self.calls["endpoint"] += 1
        return self.endpoint


def entry(
    agent_id: str,
    text: str,
    *,
    version: int = 1,
    vector: np.ndarray | None = None,
    model: str | None = "word-hash",
) -> CatalogueEntry:
    return CatalogueEntry(
        agent_id=agent_id,
        version=version,
        public={"id": agent_id, "name": text},
        name=text,
        description="",
        skills=[],
        embedding=encode_embedding(vector) if vector is not None else None,
        embedding_model=model if vector is not None else None,
    )


class Harness:
    def __init__(self, entries: list[CatalogueEntry], **kwargs: Any) -> None:
        self.store = FakeStore(entries)
        self.local = kwargs.pop("local", None) or WordHashEmbedder()
        self.now = [0.0]
        self.service = RankingService(
            self.store, lambda: self.local, FixedClock(NOW), monotonic=lambda: self.now[0], **kwargs
        )

    def ids(self, q: str | None = None, user: Principal = READER) -> list[str]:
        return [i["agent"]["id"] for i in self.service.ranked(user, q)["items"]]


def test_the_answer_has_the_public_agent_a_score_and_a_reason() -> None:
    h = Harness([entry("a1", "weather forecast"), entry("a2", "translate documents")])
    answer = h.service.ranked(READER, "  translate my documents  ", limit=1)
    assert answer["query"] == "translate my documents"
    assert answer["items"] == [
        {
            "agent": {"id": "a2", "name": "translate documents"},
            "score": answer["items"][0]["score"],
            "reason": "matches: translate, documents",
            "reasons": [{"code": "matches_words", "params": {"words": ["translate", "documents"]}}],
            "match": "good",
            "owner": None,
            "team_users": 0,
        }
    ]
    assert answer["match"] == "good"
    assert h.service.ranked(READER, "   ")["query"] is None
    assert h.service.ranked(READER, "   ")["match"] is None


def test_nonsense_is_answered_with_no_good_match() -> None:
    h = Harness([entry("a1", "weather forecast"), entry("a2", "translate documents")])
    answer = h.service.ranked(READER, "zzqx blorf")
    assert answer["match"] == "none"
    assert {i["match"] for i in answer["items"]} == {"none"}
    assert all(i["reasons"][0]["code"] == "weak_match" for i in answer["items"])


class ColleagueStore(FakeStore):
    """A store with the optional colleague reads (users per agent, co-usage, owners)."""

    def __init__(self, entries: list[CatalogueEntry]) -> None:
        super().__init__(entries)
        self.reads: dict[str, int] = {"agent_users": 0, "co_users": 0, "owners": 0}

    def agent_users(self, team: str | None) -> dict[str, int]:
        self.reads["agent_users"] += 1
        return {"a2": 4, "a3": 3} if team == "data" else {"a1": 10, "a2": 6, "a3": 5}

    def co_users(self, agent_id: str) -> dict[str, int]:
        self.reads["co_users"] += 1
        return {"a3": 4} if agent_id == "a1" else {}

    def owners(self, user_ids: list[str]) -> dict[str, tuple[str, str]]:
        self.reads["owners"] += 1
        return {u: ("Kim Min-ji", "finance-ops") for u in user_ids if u == "owner-1"}


def test_colleagues_owners_and_co_usage_reach_the_answer() -> None:
    entries = [
        CatalogueEntry(
            agent_id=a, version=1, public={"id": a, "name": n, "owner_id": "owner-1"}, name=n, description="",
            skills=[], embedding=None, embedding_model=None,
        )
        for a, n in (("a1", "travel booking"), ("a2", "chess coach"), ("a3", "travel policy"))
    ]
    h = Harness([])
    h.store = ColleagueStore(entries)
    h.service = RankingService(h.store, lambda: h.local, FixedClock(NOW), monotonic=lambda: h.now[0])
    h.store.history["reader"] = [UsageRecord("a1", 5, NOW.timestamp())]
    answer = h.service.ranked(READER, None)
    items = {i["agent"]["id"]: i for i in answer["items"]}
    assert [i["agent"]["id"] for i in answer["items"]][:2] == ["a1", "a3"]  # a3 is used with a1
    assert items["a3"]["reasons"][0] == {
        "code": "used_with", "params": {"agent_id": "a1", "agent_name": "travel booking"}
    }
    assert items["a2"]["team_users"] == 4 and items["a1"]["team_users"] == 0
    assert items["a1"]["owner"] == {"name": "Kim Min-ji", "team": "finance-ops"}
    reads = dict(h.store.reads)
    h.service.ranked(READER, None)  # a second request within the cache period reads none of them again
    assert h.store.reads == reads


@pytest.mark.parametrize(("q", "limit"), [("x" * 501, 20), (None, 0), (None, 101)])
def test_bad_parameters_are_validation_errors(q: str | None, limit: int) -> None:
    h = Harness([entry("a1", "weather")])
    with pytest.raises(ValidationFailed):
        h.service.ranked(READER, q, limit)
    assert h.store.calls["agents"] == 0  # refused before anything is read


def test_the_catalogue_and_popularity_are_read_once_per_period_and_history_every_time() -> None:
    h = Harness([entry("a1", "weather")], cache_seconds=30)
    for _ in range(3):
        h.ids()
    assert h.store.calls == {"agents": 1, "usage": 3, "global": 1, "team": 1, "endpoint": 0}
    h.now[0] = 30.5
    h.ids()
    h.ids(user=Principal("loner", "USER", ""))  # no team: no team popularity to read
    assert h.store.calls == {"agents": 2, "usage": 5, "global": 2, "team": 2, "endpoint": 0}


def test_stored_vectors_of_this_model_are_trusted_and_others_re_embedded() -> None:
    local = WordHashEmbedder()
    h = Harness(
        [
            entry("stored", "weather forecast", vector=local.vector("weather forecast")),
            entry("other-model", "translate text", vector=local.vector("x"), model="another-model"),
            entry("other-width", "recipes", vector=np.ones(8, dtype=np.float32)),
            entry("unlabelled", "slides", vector=local.vector("slides"), model=None),
            entry("none", "sql queries"),
        ],
        local=local,
    )
    h.ids()
    assert sorted(local.embedded) == ["recipes", "sql queries", "translate text"]


def test_in_process_embedding_is_budgeted_per_refresh_and_remembered_per_version() -> None:
    entries = [entry(f"a{i}", f"agent number {i}") for i in range(5)]
    h = Harness(entries, cache_seconds=30, lazy_embed_budget=2)
    h.ids("number")
    assert len(h.local.embedded) == 2
    h.ids("number")
    assert len(h.local.embedded) == 2  # same period: nothing new
    for period in (1, 2, 3):
        h.now[0] = 31.0 * period
        h.ids("number")
    assert len(h.local.embedded) == 5  # 2 + 2 + 1, then nothing left to do

    h.store.entries[0] = entry("a0", "agent number 0, changed", version=2)
    h.now[0] = 200.0
    h.ids()
    assert h.local.embedded[-1] == "agent number 0, changed" and len(h.local.embedded) == 6


def _remote_harness(remote: WordHashEmbedder, **kwargs: Any) -> Harness:
    h = Harness(
        [entry("a1", "weather forecast"), entry("a2", "translate documents")],
        remote_model="embed-small",
        remote_embedder=lambda endpoint: remote,
        cache_seconds=30,
        remote_retry_seconds=60,
        **kwargs,
    )
    h.store.endpoint = EmbeddingEndpoint("embed-small", "https://llm.example/v1", "sk-x", 30.0)
    return h


def test_the_remote_model_ranks_when_registered() -> None:
    remote = WordHashEmbedder()
    h = _remote_harness(remote)
    assert h.ids("translate")[0] == "a2"
    assert remote.queries == ["translate"] and sorted(remote.embedded) == [
        "translate documents",
        "weather forecast",
    ]
    assert h.local.queries == [] and h.local.embedded == []
    assert "sk-x" not in repr(h.store.endpoint)  # the key never reaches a log line through repr


def test_a_failing_remote_query_falls_back_and_pauses_the_remote_model() -> None:
    remote = WordHashEmbedder(fail_queries=True)
    h = _remote_harness(remote)
    assert h.ids("translate")[0] == "a2"  # answered by the in-process model
    assert h.local.queries == ["translate"] and remote.attempts == 1
    h.ids("weather")
    assert remote.attempts == 1 and h.local.queries == ["translate", "weather"]  # paused, not retried

    remote.fail_queries = False
    h.now[0] = 61.0  # pause over, and a new catalogue period
    h.ids("weather")
    assert remote.queries == ["weather"]


def test_a_failing_remote_catalogue_or_registry_falls_back() -> None:
    class Broken(WordHashEmbedder):
        def embed(self, texts: list[str]) -> np.ndarray:
            raise UpstreamFailed("connection refused")

    h = _remote_harness(Broken())
    assert h.ids("translate")[0] == "a2" and h.local.queries == ["translate"]

    def unreadable(model: str) -> EmbeddingEndpoint | None:
        raise RuntimeError("storage down")

    h2 = _remote_harness(WordHashEmbedder())
    h2.store.embedding_endpoint = unreadable  # type: ignore[method-assign]
    assert h2.ids("translate")[0] == "a2" and h2.local.queries == ["translate"]


def test_an_empty_catalogue_reads_nothing_else() -> None:
    h = Harness([])
    assert h.service.ranked(READER, "anything") == {"items": [], "query": "anything", "match": "none"}
    assert h.store.calls == {"agents": 1, "usage": 0, "global": 0, "team": 0, "endpoint": 0}


def test_warm_up_loads_the_model_and_reads_no_data() -> None:
    h = Harness([entry("a1", "weather")])
    h.service.warm_up()
    assert h.local.queries == ["warm up", "준비"]
    assert set(h.store.calls.values()) == {0}

    def missing() -> WordHashEmbedder:
        raise FileNotFoundError("model files missing")

    broken = RankingService(FakeStore([]), missing, FixedClock(NOW))
    broken.warm_up()  # logged, not raised: the function still starts


def test_the_models_load_before_a_snapstart_snapshot_and_otherwise_on_first_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys
    import types

    from a2g.ranking.service import warm_before_snapshot

    h = Harness([entry("a1", "weather")])
    monkeypatch.delitem(sys.modules, "snapshot_restore_py", raising=False)
    assert warm_before_snapshot(h.service) is False  # not on Lambda: nothing loads until a request needs it
    assert h.local.queries == []

    hooks: list[Any] = []
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_before_snapshot = hooks.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    assert warm_before_snapshot(h.service) is True
    assert h.local.queries == []  # registered, not run: Lambda runs it when it takes the snapshot
    hooks[0]()
    assert h.local.queries == ["warm up", "준비"]
