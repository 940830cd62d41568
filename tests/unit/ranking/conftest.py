"""Shared fixtures: the real in-process models (loaded once per session) and a small catalogue."""

from __future__ import annotations

import os

# Single-threaded BLAS: the suite runs beside other workers, where BLAS threads only contend.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest
from a2g.ranking import AgentDocument, MiniLMEmbedder, TextEmbedder, default_embedder
from a2g.ranking.embedder import ModelNotFoundError
from ranking_helpers import make_agent


@pytest.fixture(scope="session")
def english() -> MiniLMEmbedder:
    try:
        return MiniLMEmbedder()
    except ModelNotFoundError as error:  # the model ships with the code: its absence is a failure
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def embedder(english: MiniLMEmbedder) -> TextEmbedder:
    """What the service uses: MiniLM ⊕ multilingual-e5 when the e5 file is present, else MiniLM."""
    return default_embedder()


@pytest.fixture(scope="session")
def catalogue(embedder: TextEmbedder) -> list[AgentDocument]:
    specs = [
        (
            "translator",
            "Polyglot",
            "Converts documents and text between languages, keeping the layout intact.",
            [("Document translation", "Render a file in another language", ["translation"])],
        ),
        ("sheet-music", "SheetMusicFinder", "Finds sheet music and scores for piano, guitar and violin.", []),
        ("weather", "WeatherNow", "Weather forecasts: temperature, rain and wind for any city.", []),
        ("storms", "StormWatch", "Alerts for storms, heavy rain, typhoons and severe weather near you.", []),
        ("recipes", "ChefBot", "Recipes, meal plans and cooking tips from ingredients you have.", []),
        ("stocks", "MarketPulse", "Stock prices, market news and portfolio tracking.", []),
        ("ko-translator", "번역 도우미", "문서와 문장을 한국어와 영어로 번역해 드립니다.", []),
        ("ko-calendar", "일정 비서", "회의 일정을 잡고 캘린더에 등록해 드립니다.", []),
    ]
    return [make_agent(embedder, *spec) for spec in specs]
