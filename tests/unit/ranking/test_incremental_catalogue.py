"""The catalogue is updated in place (BM25 rows and embedding rows added, replaced, removed) when only
some agents change, and ranks exactly as a catalogue built from scratch over the same agents."""

from __future__ import annotations

import random

import numpy as np
import pytest
from a2g.ranking import AgentDocument, AgentRanker, UsageSignal
from a2g.ranking.bm25 import BM25Index
from a2g.ranking.text import lexical_tokens
from ranking_helpers import DAY, NOW, make_agent

WORDS = [
    "flight",
    "hotel",
    "booking",
    "travel",
    "invoice",
    "billing",
    "payment",
    "code",
    "review",
    "pull",
    "request",
    "deploy",
    "kubernetes",
    "translate",
    "korean",
    "english",
    "summary",
    "meeting",
    "calendar",
    "email",
    "support",
    "ticket",
    "refund",
    "database",
    "sql",
    "weather",
    "forecast",
    "recipe",
    "cooking",
    "music",
    "playlist",
    "contract",
    "legal",
    "tax",
    "report",
    "chart",
]


def _agents(embedder, n: int, seed: int = 7) -> list[AgentDocument]:
    rng = random.Random(seed)
    return [
        make_agent(
            embedder,
            f"agent-{i:04d}",
            f"Agent {i}",
            " ".join(rng.sample(WORDS, 6)),
            skills=[(rng.choice(WORDS), " ".join(rng.sample(WORDS, 3)), [rng.choice(WORDS)])],
        )
        for i in range(n)
    ]


def _ranked(ranker: AgentRanker, agents, query, history=()):
    return [
        (r.agent_id, r.score, r.reason)
        for r in ranker.rank(agents, query, list(history), {}, {"agent-0003": 5}, limit=15)
    ]


def _assert_same(incremental, rebuilt) -> None:
    assert [a for a, _, _ in incremental] == [a for a, _, _ in rebuilt]
    assert [s for _, s, _ in incremental] == pytest.approx([s for _, s, _ in rebuilt], abs=1e-5)
    assert [r for _, _, r in incremental] == [r for _, _, r in rebuilt]


QUERIES = ["book a hotel and a flight", "review my pull request", "refund a payment ticket", None]


def test_an_update_a_removal_and_a_new_agent_rank_as_a_full_rebuild(english) -> None:
    agents = _agents(english, 120)
    live = AgentRanker(english, clock_epoch=lambda: NOW)
    history = [UsageSignal("agent-0010", 4, NOW - DAY)]
    for q in QUERIES:
        _ranked(live, agents, q, history)
    catalogue = live._last[1]

    changed = list(agents)
    changed[5] = make_agent(english, "agent-0005", "Agent 5", "kubernetes deploy specialist for clusters")
    del changed[17]  # unpublished or deleted
    del changed[0]
    changed.append(make_agent(english, "agent-new", "Hotel finder", "finds a cheap hotel near the venue"))

    for q in QUERIES:
        incremental = _ranked(live, changed, q, history)
        assert live._last[1] is catalogue  # updated in place, not rebuilt
        rebuilt = _ranked(AgentRanker(english, clock_epoch=lambda: NOW), changed, q, history)
        _assert_same(incremental, rebuilt)

    ids = {r[0] for r in _ranked(live, changed, "kubernetes deploy clusters")}
    assert "agent-0005" in ids
    assert "agent-0017" not in {r[0] for r in _ranked(live, changed, agents[17].description)}
    assert _ranked(live, changed, "cheap hotel near the venue")[0][0] == "agent-new"
    assert (
        len(catalogue.ids)
        == len(catalogue.position)
        == catalogue.bm25.size
        == catalogue.embeddings.shape[0]
        == 119
    )


def test_many_random_changes_stay_equal_to_a_rebuild(english) -> None:
    rng = random.Random(3)
    agents = _agents(english, 80)
    live = AgentRanker(english, clock_epoch=lambda: NOW)
    _ranked(live, agents, "hotel")
    extra = _agents(english, 40, seed=11)
    for step in range(12):
        agents = list(agents)
        for _ in range(3):
            action = rng.random()
            if action < 0.3 and len(agents) > 10:
                agents.pop(rng.randrange(len(agents)))
            elif action < 0.6:
                i = rng.randrange(len(agents))
                agents[i] = make_agent(
                    english, agents[i].agent_id, agents[i].name, " ".join(rng.sample(WORDS, 5))
                )
            else:
                new = extra.pop()
                agents.insert(
                    rng.randrange(len(agents) + 1),
                    AgentDocument(
                        f"new-{step}-{len(extra)}", new.name, new.description, new.skills, new.embedding
                    ),
                )
        for q in ("hotel booking", "sql database report", None):
            _assert_same(
                _ranked(live, agents, q), _ranked(AgentRanker(english, clock_epoch=lambda: NOW), agents, q)
            )


def test_bm25_updated_in_place_scores_as_built_from_scratch() -> None:
    docs = [lexical_tokens(" ".join(random.Random(i).sample(WORDS, 5))) for i in range(30)]
    index = BM25Index(docs)
    index.replace(4, lexical_tokens("hotel hotel flight"))
    index.remove(9)  # the last row moves into row 9
    index.append(lexical_tokens("refund ticket support"))
    expected_docs = list(docs)
    expected_docs[4] = lexical_tokens("hotel hotel flight")
    expected_docs[9] = expected_docs.pop()
    expected_docs.append(lexical_tokens("refund ticket support"))
    fresh = BM25Index(expected_docs)
    for query in ("hotel flight", "refund ticket", "sql chart weather", "unknownword"):
        tokens = lexical_tokens(query)
        np.testing.assert_allclose(index.scores(tokens), fresh.scores(tokens), rtol=1e-6, atol=1e-7)
        assert index.ceiling(tokens) == pytest.approx(fresh.ceiling(tokens))
