"""Helpers shared by the ranking unit tests (imported by name; pytest puts this folder on sys.path)."""

from __future__ import annotations

import numpy as np
import pytest
from a2g.ranking import AgentDocument, TextEmbedder, agent_text
from a2g.ranking.multilingual import e5_model_path

NOW = 1_760_000_000.0
DAY = 86_400.0


requires_e5 = pytest.mark.skipif(e5_model_path() is None, reason="multilingual-e5 file not shipped")


def make_agent(
    embedder: TextEmbedder,
    agent_id: str,
    name: str,
    description: str,
    skills: list[tuple[str, str, list[str]]] | None = None,
    team: str | None = None,
    embed: bool = True,
) -> AgentDocument:
    """An agent with its embedding precomputed, as the registry stores it."""
    skills = skills or []
    vector = embedder.embed([agent_text(name, description, skills)])[0] if embed else None
    return AgentDocument(agent_id, name, description, skills, vector, team)


def unit(vector: np.ndarray) -> np.ndarray:
    result: np.ndarray = vector / np.linalg.norm(vector)
    return result
