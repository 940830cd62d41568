"""The scoring pieces: field-weighted BM25 tokens, co-usage, history parts, match levels, reason codes."""

from __future__ import annotations

import numpy as np
from a2g.ranking import AgentDocument, AgentRanker, RankingParams, UsageSignal
from a2g.ranking.engine import agent_tokens
from a2g.ranking.history import co_usage_from, history_parts
from a2g.ranking.reasons import CODES, Reason, describe
from ranking_helpers import DAY, NOW, requires_e5


class Flat:
    """An embedder whose every vector is the same: only words (and history) can decide."""

    dimension = 4

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.tile(np.asarray([1.0, 0, 0, 0], dtype=np.float32), (len(texts), 1))

    def match_thresholds(self, text: str) -> tuple[float, float]:
        return (2.0, 2.0)  # a cosine never reaches it: meaning alone is never a match


def doc(agent_id: str, name: str, description: str, skills=None) -> AgentDocument:
    return AgentDocument(agent_id, name, description, skills or [])


def test_agent_name_counts_more_than_the_description() -> None:
    agent = doc(
        "a", "Invoice Processing", "Reads supplier documents.", [("match_po", "Match a PO", ["invoice"])]
    )
    once = agent_tokens(agent, RankingParams(name_repeat=1))
    thrice = agent_tokens(agent, RankingParams(name_repeat=3))
    assert thrice.count("process") == once.count("process") + 2
    assert thrice.count("supplier") == once.count("supplier") == 1
    skills_twice = agent_tokens(agent, RankingParams(name_repeat=1, skill_repeat=2))
    assert skills_twice.count("invoice") == once.count("invoice") + 1


def test_a_name_match_outranks_a_description_mention() -> None:
    agents = [
        doc("named", "Invoice Processing", "Handles supplier paperwork for accounts payable."),
        doc(
            "mentioned",
            "Finance Helper",
            "Answers finance questions, sometimes about an invoice or a budget.",
        ),
    ]
    results = AgentRanker(Flat(), params=RankingParams(name_repeat=3)).rank(agents, "invoice", [], {}, {})
    assert [r.agent_id for r in results] == ["named", "mentioned"]


def test_co_usage_is_shared_users_with_shrinkage() -> None:
    uses = {"u1": {"a": 3, "b": 1}, "u2": {"a": 1, "b": 2}, "u3": {"a": 1, "c": 1}, "u4": {"d": 1}}
    co = co_usage_from(uses, shrinkage=2.0)
    assert abs(co["a"]["b"] - 2 / (np.sqrt(3 * 2) + 2)) < 1e-9
    assert co["a"]["b"] > co["a"]["c"]  # two shared users beat one
    assert "d" not in co and "d" not in co["a"]
    assert co["b"]["a"] == co["a"]["b"]


def test_history_parts_decay_own_use_and_follow_co_usage() -> None:
    ids = ["a", "b", "c"]
    parts = history_parts(
        ids=ids,
        position={i: n for n, i in enumerate(ids)},
        embeddings=np.eye(3, dtype=np.float32),
        history=[("a", 10, NOW - 60 * DAY), ("b", 2, NOW)],
        now=NOW,
        team_popularity={"c": 5},
        global_popularity={},
        co_usage={"b": {"c": 0.5}},
        half_life_days=30.0,
        own_weight=1.0,
        co_usage_weight=0.4,
        neighbour_weight=0.1,
        team_weight=0.5,
        global_weight=0.1,
    )
    # 10 uses two half-lives ago (log 11 / 4 = 0.6) count less than 2 uses today (log 3 = 1.1)
    assert parts.own[1] == 1.0 and 0.5 < parts.own[0] < 0.6
    assert parts.co_usage[2] == 0.4 and parts.co_usage_of[2] == 1
    assert parts.team[2] == 0.5
    assert parts.neighbour.max() == 0.0  # orthogonal agents: no content neighbour


def test_people_who_use_x_also_use_y_lifts_y_for_a_user_of_x() -> None:
    agents = [doc(i, i.title(), f"agent {i}") for i in ("booking", "policy", "expense", "chess")]
    history = [UsageSignal("booking", uses=5, last_used_epoch=NOW)]
    co = {"booking": {"policy": 0.6, "expense": 0.3}}
    results = AgentRanker(Flat(), clock_epoch=lambda: NOW).rank(
        agents, None, history, {}, {"chess": 50}, co_usage=co
    )
    assert [r.agent_id for r in results][:3] == ["booking", "policy", "expense"]
    assert results[1].reasons[0] == Reason("used_with", {"agent_id": "booking", "agent_name": "Booking"})
    assert results[3].reasons[0].code == "popular"


def test_match_levels_follow_the_lexical_share() -> None:
    agents = [
        doc("exp", "Expense Report", "Submit receipts for reimbursement."),
        doc("room", "Meeting Room", "Book a meeting room."),
    ]
    ranker = AgentRanker(Flat())
    good = ranker.rank(agents, "expense report receipts", [], {}, {})
    assert good[0].agent_id == "exp" and good[0].match == "good"
    assert good[0].reasons[0].code in ("matches_words", "matches_skills")
    assert good[1].match == "none" and good[1].reasons[0].code == "weak_match"
    partial = ranker.rank(agents, "expense lunch with my cousin at the zoo on saturday afternoon", [], {}, {})
    assert partial[0].match == "partial" and partial[0].reasons[0].code == "weak_match"
    nothing = ranker.rank(agents, "zzqx blorf", [], {}, {})
    assert {r.match for r in nothing} == {"none"}


@requires_e5
def test_nonsense_gets_no_good_match_with_the_real_models(embedder, catalogue) -> None:
    ranker = AgentRanker(embedder)
    for text in ("zzqx blorf", "asdf qwer zxcv", "블라블라 뿅뿅", "🍕🍕"):
        results = ranker.rank(catalogue, text, [], {}, {})
        assert {r.match for r in results} == {"none"}, text
        assert all(r.reasons[0].code == "weak_match" for r in results), text
    fits = ranker.rank(catalogue, "will it rain tomorrow in Busan", [], {}, {})
    assert fits[0].match == "good"


def test_every_code_has_english_wording() -> None:
    params = {"skills": ["a", "b"], "words": ["x"], "agent_name": "N", "agent_id": "n", "uses": 3}
    for code in CODES:
        text = describe([Reason(code, params)])
        assert text and "{" not in text, code
    assert describe([Reason("matches_skills", {"skills": ["A", "B"]})]) == "matches: A, B"
    assert Reason("used_with", {"agent_name": "N"}).as_json() == {
        "code": "used_with",
        "params": {"agent_name": "N"},
    }


def test_the_app_words_every_code_in_english_and_korean() -> None:
    import re
    from pathlib import Path
    from typing import get_args

    from a2g.ranking.schemas import RankingReason

    frontend = Path(__file__).resolve().parents[3] / "frontend" / "src"
    listed = re.search(r"REASON_CODES = \[(.*?)\]", (frontend / "lib" / "reasons.ts").read_text(), re.DOTALL)
    assert listed is not None
    assert tuple(re.findall(r"'(\w+)'", listed.group(1))) == CODES
    # the response model documents exactly the engine's codes
    assert get_args(RankingReason.model_fields["code"].annotation) == CODES
    for language in ("en", "ko"):
        text = (frontend / "i18n" / f"{language}.ts").read_text(encoding="utf-8")
        for code in CODES:
            assert re.search(rf"\b{code}\s*:", text), (language, code)
