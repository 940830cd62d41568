"""Tokenisation for Korean, English, mixed text and identifiers; the BM25 index."""

from __future__ import annotations

import numpy as np
from a2g.ranking.bm25 import BM25Index
from a2g.ranking.text import humanise_identifier, latin_letter_share, lexical_tokens


def test_hangul_runs_become_bigrams() -> None:
    assert lexical_tokens("가나다라") == ["가나", "나다", "다라"]
    assert lexical_tokens("책") == ["책"]


def test_mixed_text_splits_at_script_boundaries() -> None:
    assert lexical_tokens("PDF파일 요약") == ["pdf", "파일", "file", "요약", "summary", "summarize"]


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


def test_korean_particles_and_endings_are_stripped_before_bigramming() -> None:
    assert lexical_tokens("계약서를")[:2] == ["계약", "약서"]  # not also "서를"
    assert lexical_tokens("요약해줘")[:1] == ["요약"]
    assert "서를" not in lexical_tokens("보고서를 검토해줘")
    # a one-syllable stem would lose the word: "평가" and "결과" end in what looks like a particle
    assert lexical_tokens("평가")[0] == "평가"
    assert lexical_tokens("결과")[0] == "결과"


def test_korean_function_words_have_no_tokens() -> None:
    assert lexical_tokens("좀 해 주세요") == []
    assert [t for t in lexical_tokens("어떻게 휴가 신청") if not t.isascii()] == ["휴가", "신청"]


def test_korean_words_also_yield_their_english_glosses() -> None:
    assert {"translate", "weather"} <= set(lexical_tokens("번역 날씨"))
    assert "translate" in lexical_tokens("문서번역기로")  # a key inside a compound
    assert "contract" in lexical_tokens("계약서")  # the longest key wins (계약서 over 계약)
    # a Korean request now meets an English description, and an English request a Korean one
    index = BM25Index(
        [lexical_tokens("Translates text between languages"), lexical_tokens("Weather forecast")]
    )
    assert int(np.argmax(index.scores(lexical_tokens("이 문장을 번역해 줘")))) == 0
    index = BM25Index([lexical_tokens("일정 관리"), lexical_tokens("송장 발행과 청구서 관리")])
    assert int(np.argmax(index.scores(lexical_tokens("create an invoice")))) == 1
