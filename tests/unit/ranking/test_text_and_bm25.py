"""Tokenisation for Korean, English, mixed text and identifiers; the BM25 index."""

from __future__ import annotations

import numpy as np
from a2g.ranking.bm25 import BM25Index
from a2g.ranking.text import humanise_identifier, latin_letter_share, lexical_tokens


def test_hangul_runs_become_bigrams() -> None:
    assert lexical_tokens("번역해줘") == ["번역", "역해", "해줘"]
    assert lexical_tokens("책") == ["책"]


def test_mixed_text_splits_at_script_boundaries() -> None:
    assert lexical_tokens("PDF파일 요약") == ["pdf", "파일", "요약"]


def test_english_words_are_folded_stemmed_and_stop_words_dropped() -> None:
    assert lexical_tokens("Can you find the Translations of these Documents?") == ["translation", "document"]
    assert lexical_tokens("ＦＵＬＬ width") == ["full", "width"]


def test_identifiers_split_into_words() -> None:
    assert (
        humanise_identifier("MixerBox_Translate_AI_language_tutor") == "Mixer Box Translate AI language tutor"
    )
    assert lexical_tokens("WeatherTool") == ["weather", "tool"]


def test_text_without_letters_has_no_tokens() -> None:
    assert lexical_tokens("🙂🙃 !!! ...") == []


def test_other_scripts_are_bigrammed_or_kept_whole() -> None:
    assert lexical_tokens("สวัสดี") == ["สว", "วั", "ัส", "สด", "ดี"]  # no spaces: bigrams
    assert lexical_tokens("привет мир") == ["привет", "мир"]  # spaced script: words


def test_latin_letter_share() -> None:
    assert latin_letter_share("hello") == 1.0
    assert latin_letter_share("안녕") == 0.0
    assert latin_letter_share("ab 안녕") == 0.5
    assert latin_letter_share("123 🙂") == 0.0


def test_bm25_prefers_matching_and_rarer_terms() -> None:
    index = BM25Index([["weather", "forecast"], ["weather", "stock"], ["recipe", "cooking"]])
    scores = index.scores(["forecast", "weather"])
    assert scores.argmax() == 0
    assert scores[2] == 0.0
    assert np.all(index.scores(["weather"]) >= 0)  # idf stays positive even for common terms
    assert not index.scores(["unknown"]).any()


def test_bm25_of_an_empty_catalogue() -> None:
    assert BM25Index([]).scores(["x"]).shape == (0,)
