"""A catalogue as the ranker indexes it: the agents, their BM25 index and their embedding matrix.

Kept apart from :mod:`a2g.ranking.engine` (which decides the order): this is the request-independent
part, cached by the engine per catalogue fingerprint and updated in place when only some agents change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from a2g.ranking.bm25 import BM25Index
from a2g.ranking.embedder import agent_text
from a2g.ranking.text import lexical_tokens

__all__ = ["AgentDocument", "Catalogue"]


@dataclass(frozen=True, eq=False)
class AgentDocument:
    """One catalogue entry as the ranker sees it.

    ``embedding`` is the precomputed vector of :func:`agent_text` (computed when the agent is created or
    changed, stored with :func:`encode_embedding`); when it is ``None`` or of another model's dimension
    the ranker embeds the agent itself and caches the result with the catalogue.
    Compared by identity (``eq=False``): the lists and the array make value equality ill-defined.
    """

    agent_id: str
    name: str
    description: str
    skills: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (name, description, tags)
    embedding: np.ndarray | None = None
    team: str | None = None


class Catalogue:
    """Everything about a catalogue that does not depend on the request; cached by fingerprint, and
    updated in place (rows added, replaced, removed) when only some agents changed.

    Rows are in no particular order (a removed row takes the last one's place); ``position`` maps an
    agent id to its row. ``embeddings`` is a view of the first ``n`` rows of a float32 matrix with a little
    room to spare: :meth:`reserve` sizes it once for a bulk load, and adding an agent beyond it grows it by
    an eighth, so a catalogue's vectors are copied rarely and never held twice for long.
    """

    def __init__(self, bm25: BM25Index, dimension: int) -> None:
        self.ids: list[str] = []
        self.names: list[str] = []
        self.agents: list[AgentDocument] = []
        self.position: dict[str, int] = {}
        self.bm25 = bm25
        self._matrix = np.zeros((16, dimension), dtype=np.float32)
        self._token_sets: dict[str, frozenset[str]] = {}
        self._skill_tokens: dict[str, list[tuple[str, frozenset[str]]]] = {}

    @property
    def embeddings(self) -> np.ndarray:  # (n, d) float32, rows L2-normalised
        return self._matrix[: len(self.ids)]

    def put(self, agent: AgentDocument, tokens: list[str], vector: np.ndarray) -> None:
        """Add ``agent`` or replace the row of the agent with its id; ``vector`` L2-normalised."""
        row = self.position.get(agent.agent_id)
        if row is None:
            row = len(self.ids)
            if row >= self._matrix.shape[0]:
                self.reserve(row + 1 + max(16, row // 8))
            self.ids.append(agent.agent_id)
            self.names.append(agent.name)
            self.agents.append(agent)
            self.position[agent.agent_id] = row
            self.bm25.append(tokens)
        else:
            self.names[row] = agent.name
            self.agents[row] = agent
            self.bm25.replace(row, tokens)
            self._token_sets.pop(agent.agent_id, None)
            self._skill_tokens.pop(agent.agent_id, None)
        self._matrix[row] = vector

    def reserve(self, rows: int) -> None:
        """Room for ``rows`` agents in the matrix (one copy of the current rows when it has to grow)."""
        if rows <= self._matrix.shape[0]:
            return
        grown = np.zeros((rows, self._matrix.shape[1]), dtype=np.float32)
        grown[: len(self.ids)] = self._matrix[: len(self.ids)]
        self._matrix = grown

    def remove(self, agent_id: str) -> None:
        row = self.position.pop(agent_id, None)
        if row is None:
            return
        last = len(self.ids) - 1
        self.bm25.remove(row)  # moves its last row into `row`, as below
        if row != last:
            self.ids[row], self.names[row], self.agents[row] = (
                self.ids[last],
                self.names[last],
                self.agents[last],
            )
            self._matrix[row] = self._matrix[last]
            self.position[self.ids[row]] = row
        self.ids.pop()
        self.names.pop()
        self.agents.pop()
        self._matrix[last] = 0.0
        self._token_sets.pop(agent_id, None)
        self._skill_tokens.pop(agent_id, None)

    def token_set(self, row: int) -> frozenset[str]:
        agent = self.agents[row]
        tokens = self._token_sets.get(agent.agent_id)
        if tokens is None:
            tokens = frozenset(lexical_tokens(agent_text(agent.name, agent.description, agent.skills)))
            self._token_sets[agent.agent_id] = tokens
        return tokens

    def skill_tokens(self, row: int) -> list[tuple[str, frozenset[str]]]:
        agent = self.agents[row]
        skills = self._skill_tokens.get(agent.agent_id)
        if skills is None:
            skills = [
                (name, frozenset(lexical_tokens(" ".join([name, description, *tags]))))
                for name, description, tags in agent.skills
            ]
            self._skill_tokens[agent.agent_id] = skills
        return skills
