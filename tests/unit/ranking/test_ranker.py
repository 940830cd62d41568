"""AgentRanker behaviour: semantic relevance, history, Korean, limits, reasons, caching."""

from __future__ import annotations

import numpy as np
import pytest
from a2g.ranking import (
    MAX_QUERY_CHARS,
    AgentDocument,
    AgentRanker,
    RankingParams,
    TextEmbedder,
    UsageSignal,
)
from a2g.ranking.text import lexical_tokens
from ranking_helpers import DAY, NOW, make_agent, requires_e5


def ids(results: list) -> list[str]:
    return [r.agent_id for r in results]


def ranker(embedder: TextEmbedder, **params: float) -> AgentRanker:
    return AgentRanker(embedder, clock_epoch=lambda: NOW, params=RankingParams(**params))


# ------------------------------------------------------------------ relevance
def test_translation_request_finds_translator_by_meaning_not_words(embedder, catalogue) -> None:
    query = "translate my spec sheet to English"
    agents = [a for a in catalogue if a.agent_id != "sheet-music"]
    translator = next(a for a in agents if a.agent_id == "translator")
    # The translator's card shares no word with the request: only meaning can find it.
    translator_text = f"{translator.name} {translator.description} {translator.skills}"
    assert not set(lexical_tokens(query)) & set(lexical_tokens(translator_text))

    lexical_only = ranker(embedder, semantic_weight=0.0).rank(agents, query, [], {}, {})
    assert lexical_only[0].agent_id != "translator"

    hybrid = ranker(embedder).rank(agents, query, [], {}, {})
    assert hybrid[0].agent_id == "translator"
    assert hybrid[0].match == "good"
    assert hybrid[0].reasons[0].code == "close_in_meaning"


def test_words_that_match_a_skill_are_named_in_the_reason(embedder, catalogue) -> None:
    results = ranker(embedder).rank(catalogue, "document translation please", [], {}, {})
    assert results[0].agent_id == "translator"
    assert results[0].reasons[0].code == "matches_skills"
    assert results[0].reasons[0].params["skills"][0] == "Document translation"


def test_korean_request_finds_korean_described_agent(embedder, catalogue) -> None:
    results = ranker(embedder).rank(catalogue, "이 보고서를 영어로 번역해줘", [], {}, {})
    assert results[0].agent_id == "ko-translator"
    assert "번역" in results[0].reason


def test_korean_request_finds_korean_agent_with_the_english_model_alone(english, catalogue) -> None:
    # Without the multilingual model, Hangul bigrams in BM25 carry Korean requests.
    agents = [AgentDocument(a.agent_id, a.name, a.description, a.skills, None, a.team) for a in catalogue]
    results = ranker(english).rank(agents, "회의 일정 좀 잡아줘", [], {}, {})
    assert results[0].agent_id == "ko-calendar"


@requires_e5
def test_korean_request_finds_english_described_agent(embedder, catalogue) -> None:
    english_agents = [a for a in catalogue if not a.agent_id.startswith("ko-")]
    results = ranker(embedder).rank(english_agents, "내일 비 와? 날씨 알려줘", [], {}, {})
    assert results[0].agent_id in {"weather", "storms"}


def test_mixed_korean_english_request(embedder, catalogue) -> None:
    results = ranker(embedder).rank(catalogue, "stock price 확인해줘", [], {}, {})
    assert results[0].agent_id == "stocks"


# -------------------------------------------------------------------- history
def test_history_lifts_the_neighbour_of_a_used_agent_without_query(embedder, catalogue) -> None:
    history = [UsageSignal("weather", uses=12, last_used_epoch=NOW - DAY)]
    # Equally popular: content similarity to what the user uses breaks the tie (a new agent's cold start).
    popularity = {"recipes": 3, "storms": 3}
    results = ranker(embedder).rank(catalogue, None, history, {}, popularity)
    order = ids(results)
    assert order[0] == "weather"
    assert order.index("storms") < order.index("recipes")


def test_similar_to_is_said_only_above_a_real_similarity(embedder, catalogue) -> None:
    from a2g.ranking.reasons import SIMILAR_TO_MIN

    vectors = {a.agent_id: a.embedding for a in catalogue}
    history = [UsageSignal("weather", uses=12, last_used_epoch=NOW - DAY)]
    for result in ranker(embedder).rank(catalogue, None, history, {}, {}):
        if result.agent_id == "weather":
            continue
        cosine = float(vectors["weather"] @ vectors[result.agent_id])
        if any(r.code == "similar_to" for r in result.reasons):
            assert cosine >= SIMILAR_TO_MIN, (result, cosine)
    # a near-duplicate of the used agent is called similar, by name
    twin = make_agent(embedder, "weather-2", "WeatherNow Pro", "Weather forecasts: temperature, rain and wind for any city.")
    assert float(twin.embedding @ vectors["weather"]) >= SIMILAR_TO_MIN
    results = ranker(embedder).rank([*catalogue, twin], None, history, {}, {})
    twin_result = next(r for r in results if r.agent_id == "weather-2")
    assert twin_result.reasons[0].code == "similar_to"
    assert twin_result.reasons[0].params == {"agent_id": "weather", "agent_name": "WeatherNow"}


def test_recent_use_outweighs_old_heavy_use(embedder, catalogue) -> None:
    history = [
        UsageSignal("stocks", uses=40, last_used_epoch=NOW - 365 * DAY),
        UsageSignal("recipes", uses=6, last_used_epoch=NOW - DAY),
    ]
    order = ids(ranker(embedder).rank(catalogue, None, history, {}, {}))
    assert order.index("recipes") < order.index("stocks")


def test_no_history_falls_back_to_team_then_global_popularity(embedder, catalogue) -> None:
    results = ranker(embedder).rank(catalogue, None, [], {"recipes": 9}, {"stocks": 900, "recipes": 1})
    assert ids(results)[:2] == ["recipes", "stocks"]
    assert [r.code for r in results[0].reasons] == ["popular_in_team"]
    assert [r.code for r in results[1].reasons] == ["popular"]


def test_history_decides_between_equally_relevant_agents(embedder, catalogue) -> None:
    # A second listing of the same agent (e.g. another team's deployment): identical relevance.
    twin = make_agent(
        embedder, "weather-2", "WeatherNow", "Weather forecasts: temperature, rain and wind for any city."
    )
    agents = [*catalogue, twin]
    query = "will it rain tomorrow"
    for favourite in ("weather", "weather-2"):
        history = [UsageSignal(favourite, uses=30, last_used_epoch=NOW)]
        results = ranker(embedder).rank(agents, query, history, {}, {})
        assert results[0].agent_id == favourite
        assert "you_use_often" in [r.code for r in results[0].reasons]


def test_history_does_not_lift_an_irrelevant_agent_over_relevant_ones(embedder, catalogue) -> None:
    history = [UsageSignal("recipes", uses=30, last_used_epoch=NOW)]
    results = ranker(embedder).rank(catalogue, "will it rain tomorrow", history, {}, {})
    assert ids(results)[:2] in (["weather", "storms"], ["storms", "weather"])


# ------------------------------------------------------------- edge behaviour
def test_empty_catalogue_gives_empty_result(embedder) -> None:
    assert ranker(embedder).rank([], "anything", [], {}, {}) == []
    assert ranker(embedder).rank([], None, [], {}, {}) == []


def test_query_over_the_cap_is_rejected(embedder, catalogue) -> None:
    with pytest.raises(ValueError):
        ranker(embedder).rank(catalogue, "x" * (MAX_QUERY_CHARS + 1), [], {}, {})
    assert ranker(embedder).rank(catalogue, "x" * MAX_QUERY_CHARS, [], {}, {})


@pytest.mark.parametrize("query", ["🙂🙃🎉", "᚛ᚁᚂᚃᚄ᚜", "   ", ""])
def test_text_no_model_understands_falls_back_to_popularity(embedder, catalogue, query) -> None:
    popularity = {"stocks": 50, "recipes": 20, "weather": 5}
    results = ranker(embedder).rank(catalogue, query, [], {}, popularity)
    assert len(results) == len(catalogue)
    assert ids(results)[:3] == ["stocks", "recipes", "weather"]


def test_thai_request_with_the_english_model_still_ranks(english, catalogue) -> None:
    agents = [AgentDocument(a.agent_id, a.name, a.description, a.skills, None) for a in catalogue]
    results = ranker(english).rank(agents, "ช่วยแปลเอกสารนี้หน่อย", [], {}, {"weather": 3})
    assert len(results) == len(agents)
    assert results[0].agent_id == "weather"


def test_limit_is_honoured_and_validated(embedder, catalogue) -> None:
    assert len(ranker(embedder).rank(catalogue, "weather", [], {}, {}, limit=3)) == 3
    with pytest.raises(ValueError):
        ranker(embedder).rank(catalogue, "weather", [], {}, {}, limit=0)


def test_every_result_has_a_reason(embedder, catalogue) -> None:
    history = [UsageSignal("weather", uses=3, last_used_epoch=NOW - DAY)]
    for query in ("translate my spec sheet to English", "일정 잡아줘", None):
        results = ranker(embedder).rank(catalogue, query, history, {"recipes": 2}, {"stocks": 7})
        assert all(r.reasons and r.reason for r in results)


def test_agent_names_from_outside_the_catalogue_appear_in_reasons(embedder, catalogue) -> None:
    # The user's favourite is no longer in the catalogue the ranker sees (e.g. unpublished)...
    weather = next(a for a in catalogue if a.agent_id == "weather")
    others = [a for a in catalogue if a.agent_id != "weather"]
    history = [UsageSignal("weather", uses=9, last_used_epoch=NOW)]
    co_usage = {"weather": {"storms": 0.8}}  # people who use the weather agent also use storms
    results = ranker(embedder).rank(
        [*others, weather], None, history, {}, {}, agent_names={"weather": "Weather Now (v2)"}, co_usage=co_usage
    )
    storms = next(r for r in results if r.agent_id == "storms")
    assert storms.reason == "people who use Weather Now (v2) also use this"


def test_results_are_deterministic_and_sorted(embedder, catalogue) -> None:
    first = ranker(embedder).rank(catalogue, "cooking dinner ideas", [], {}, {})
    second = ranker(embedder).rank(catalogue, "cooking dinner ideas", [], {}, {})
    assert first == second
    scores = [r.score for r in first]
    assert scores == sorted(scores, reverse=True)


# ---------------------------------------------------------------------- cache
class CountingEmbedder:
    """Wraps a real embedder and counts the texts it embeds."""

    def __init__(self, inner: TextEmbedder) -> None:
        self.inner = inner
        self.dimension = inner.dimension  # type: ignore[attr-defined]
        self.embedded = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded += len(texts)
        return self.inner.embed(texts)


def test_catalogue_index_is_reused_until_the_catalogue_changes(english) -> None:
    counting = CountingEmbedder(english)
    agents = [
        make_agent(english, "a", "Alpha", "Books flights and hotels", embed=False),
        make_agent(english, "b", "Beta", "Reviews pull requests", embed=False),
    ]
    ranker_ = AgentRanker(counting, clock_epoch=lambda: NOW)
    ranker_.rank(agents, None, [], {}, {})
    assert counting.embedded == 2  # agents without stored vectors are embedded once...
    ranker_.rank(list(agents), None, [], {}, {})
    assert counting.embedded == 2  # ...and not again for the same catalogue
    changed = [agents[0], AgentDocument("b", "Beta", "Reviews code changes", [], None)]
    ranker_.rank(changed, None, [], {}, {})
    assert counting.embedded == 3  # only the changed agent is embedded: the catalogue is updated in place


def test_stored_vectors_of_another_dimension_are_re_embedded(english) -> None:
    counting = CountingEmbedder(english)
    stale = AgentDocument("a", "Alpha", "Books flights", [], np.ones(1536, dtype=np.float32))
    AgentRanker(counting).rank([stale], None, [], {}, {})
    assert counting.embedded == 1
