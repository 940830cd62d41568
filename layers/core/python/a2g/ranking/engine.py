"""The ranker: hybrid relevance for a typed requirement, usage history when there is none.

With a requirement ``q``
    relevance = (w_sem · semantic + w_lex · lexical) / (best possible here), then + a small personal boost.

    *semantic* is the cosine between the request's and the agent's embeddings, min–max scaled over the
    catalogue (which makes it independent of the embedding model's range). *lexical* is BM25 divided by
    the best score the request could earn (all its words matched), so one shared word out of four reads
    as a partial match, not a perfect one. ``w_lex`` is ``lexical_weight``, tuned on a development split
    of MetaTool (see ``tests/bench/ranking``): lexical shares are small in absolute terms (a good match
    is ~0.2), hence a weight above 1. ``w_sem`` is ``semantic_weight`` times the embedder's coverage of
    the request: an English-only model reading Korean sees jamo fragments and its scores are noise, so
    then Korean requests are carried by BM25's Hangul bigrams alone (the default bilingual embedder
    reads Korean itself). If neither side has any signal (emoji, a script nobody indexed), the request
    is treated as absent.

Without ``q`` (or when it carries no signal)
    personal = 1.0 · own use + 0.7 · closeness to what the user uses + 0.3 · team + 0.15 · global,

    *own use* is log(1 + uses) decayed with a 30-day half-life since the last use, scaled by the user's
    maximum; *closeness* is the best embedding similarity to an agent the user uses, weighted by how much
    they use it and measured above the catalogue's median similarity to that agent (so it adapts to the
    embedding model's baseline); *team* and *global* are log-scaled popularity. The weights make history
    decide, then team, then global popularity — and break ties for users with no history.

Every result carries a short reason a person can read; the reason names the signal that contributed most.
"""

from __future__ import annotations

import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from a2g.ranking.bm25 import BM25Index
from a2g.ranking.embedder import TextEmbedder, agent_text
from a2g.ranking.text import lexical_tokens

__all__ = [
    "MAX_QUERY_CHARS",
    "AgentDocument",
    "AgentRanker",
    "RankedAgent",
    "RankingParams",
    "UsageSignal",
]

MAX_QUERY_CHARS = 500
"""Longest requirement accepted; longer raises ``ValueError`` (the service answers 400). The model reads
at most 256 word pieces anyway, and a cap keeps a request's cost bounded."""

_SECONDS_PER_DAY = 86_400.0
_WORD_RE = re.compile(r"\S+")
_CLOSE_MEANING = 0.6  # share of the way from the catalogue's least to its most similar agent


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


@dataclass(frozen=True)
class UsageSignal:
    """How much, and how lately, the calling user used one agent."""

    agent_id: str
    uses: int
    last_used_epoch: float


@dataclass(frozen=True)
class RankedAgent:
    """One result: ``score`` orders results (comparable within one call only); ``reason`` is for people."""

    agent_id: str
    score: float
    reason: str


@dataclass(frozen=True)
class RankingParams:
    """The ranker's constants.

    ``lexical_weight`` was tuned on a MetaTool development split (the benchmark re-tunes and prints it).
    The history weights are design choices — no public usage data exists to tune them on — chosen so
    that own use > closeness to it > team > global popularity, and so that the personal boost reorders
    near-ties among relevant agents without lifting an irrelevant one over them.
    """

    semantic_weight: float = 1.0  # 0 turns the embedding side off (BM25 only)
    lexical_weight: float = 3.0  # 0 turns BM25 off (embeddings only); tuned on the dev split
    personal_boost: float = 0.1
    half_life_days: float = 30.0
    own_weight: float = 1.0
    neighbour_weight: float = 0.7
    team_weight: float = 0.3
    global_weight: float = 0.15
    bm25_k1: float = 1.2
    bm25_b: float = 0.75


class _Catalogue:
    """Everything about a catalogue that does not depend on the request; cached by fingerprint, and
    updated in place (rows added, replaced, removed) when only some agents changed.

    Rows are in no particular order (a removed row takes the last one's place); ``position`` maps an
    agent id to its row. ``embeddings`` is a view of the first ``n`` rows of a matrix that grows by
    doubling, so adding an agent does not copy the catalogue's vectors.
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
                grown = np.zeros((self._matrix.shape[0] * 2, self._matrix.shape[1]), dtype=np.float32)
                grown[:row] = self._matrix[:row]
                self._matrix = grown
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


class AgentRanker:
    """Orders a catalogue for one user; safe to keep for the life of a warm function.

    The BM25 index and the embedding matrix of a catalogue are built once and reused while the
    catalogue's fingerprint (ids, texts, embeddings) is unchanged.
    """

    _CACHE_SIZE = 4

    def __init__(
        self,
        embedder: TextEmbedder,
        clock_epoch: Callable[[], float] = time.time,
        params: RankingParams | None = None,
    ) -> None:
        self._embedder = embedder
        self._clock = clock_epoch
        self.params = params or RankingParams()
        self._catalogues: OrderedDict[int, _Catalogue] = OrderedDict()
        self._last: tuple[list[AgentDocument], _Catalogue] | None = None
        self._dimension: int | None = getattr(embedder, "dimension", None)

    # ---------------------------------------------------------------- public
    def rank(
        self,
        agents: list[AgentDocument],
        query: str | None,
        history: list[UsageSignal],
        team_popularity: dict[str, int],
        global_popularity: dict[str, int],
        agent_names: dict[str, str] | None = None,
        limit: int = 20,
    ) -> list[RankedAgent]:
        """Rank ``agents`` for the caller; at most ``limit`` results, best first.

        ``history`` is the caller's usage; ``team_popularity`` and ``global_popularity`` map agent ids to
        use counts; ``agent_names`` names agents in reasons ("similar to X") — agents outside the
        catalogue (no longer published) can be named through it. Raises ``ValueError`` when ``query`` is
        longer than :data:`MAX_QUERY_CHARS` or ``limit`` is below 1.
        """
        if query is not None and len(query) > MAX_QUERY_CHARS:
            raise ValueError(f"query longer than {MAX_QUERY_CHARS} characters")
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if not agents:
            return []
        catalogue = self._catalogue(agents)
        names = dict(zip(catalogue.ids, catalogue.names, strict=True))
        if agent_names:
            names.update(agent_names)

        personal, personal_parts = self._personal(catalogue, history, team_popularity, global_popularity)
        text = (query or "").strip()
        fused = self._relevance(catalogue, text) if text else None
        if fused is None:
            relevance = None
            scores = personal
        else:
            relevance, semantic = fused
            scores = relevance + self.params.personal_boost * personal

        top = _top_k(scores, catalogue.ids, limit)
        # The request's tokens, whole and word by word, are needed for every result's reason.
        request = _RequestWords(text) if relevance is not None else None
        results = []
        for row in top:
            if relevance is None:
                reason = self._personal_reason(row, personal_parts, names, catalogue)
            else:
                assert request is not None
                reason = self._relevance_reason(row, request, catalogue, semantic, personal_parts, names)
            results.append(RankedAgent(catalogue.ids[row], round(float(scores[row]), 6), reason))
        return results

    # ------------------------------------------------------------ catalogue
    def _catalogue(self, agents: Sequence[AgentDocument]) -> _Catalogue:
        # A warm function that keeps its agent objects passes the very same ones: compare identities
        # (cheap, and safe: the cached catalogue holds those objects, so their ids cannot be reused).
        last = self._last
        if last is not None and len(last[0]) == len(agents) and all(a is b for a, b in zip(last[0], agents)):
            return last[1]
        if last is not None:
            updated = self._update_in_place(last[1], agents)
            if updated is not None:
                self._last = (list(agents), updated)
                return updated
        key = _fingerprint(agents)
        cached = self._catalogues.get(key)
        if cached is not None:
            self._catalogues.move_to_end(key)
            self._last = (list(agents), cached)
            return cached
        catalogue = self._build(agents)
        self._catalogues[key] = catalogue
        self._last = (list(agents), catalogue)
        while len(self._catalogues) > self._CACHE_SIZE:
            self._catalogues.popitem(last=False)
        return catalogue

    def _update_in_place(self, catalogue: _Catalogue, agents: Sequence[AgentDocument]) -> _Catalogue | None:
        """Bring the last catalogue to ``agents`` by adding, replacing and removing only the agents whose
        document object changed — or ``None`` when most of it changed (a rebuild is then as cheap).

        Documents are compared by identity: the service keeps an unchanged agent's document object across
        refreshes and makes a new one for a changed agent."""
        wanted: dict[str, AgentDocument] = {}
        for agent in agents:
            wanted.setdefault(agent.agent_id, agent)
        changed = [
            a
            for a in wanted.values()
            if (row := catalogue.position.get(a.agent_id)) is None or catalogue.agents[row] is not a
        ]
        gone = [agent_id for agent_id in catalogue.position if agent_id not in wanted]
        if len(changed) + len(gone) > max(64, len(wanted) // 4):
            return None
        # The catalogue is changed under its old fingerprint: no cache entry may still lead to it.
        for key in [k for k, v in self._catalogues.items() if v is catalogue]:
            del self._catalogues[key]
        for agent_id in gone:
            catalogue.remove(agent_id)
        if changed:
            texts = [agent_text(a.name, a.description, a.skills) for a in changed]
            vectors = self._vectors(changed, texts)
            for agent, text, vector in zip(changed, texts, vectors, strict=True):
                catalogue.put(agent, lexical_tokens(text), vector)
        return catalogue

    def _vectors(self, agents: Sequence[AgentDocument], texts: Sequence[str]) -> np.ndarray:
        """The agents' unit vectors: stored ones where they have the model's width, else embedded now."""
        dimension = self._model_dimension()
        matrix = np.zeros((len(agents), dimension), dtype=np.float32)
        missing: list[int] = []
        for row, agent in enumerate(agents):
            vector = agent.embedding
            if vector is not None and vector.shape == (dimension,):
                matrix[row] = vector
            else:
                missing.append(row)
        if missing:
            matrix[missing] = self._embedder.embed([texts[row] for row in missing])
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix /= np.maximum(norms, 1e-12)
        return matrix

    def _build(self, agents: Sequence[AgentDocument]) -> _Catalogue:
        unique: list[AgentDocument] = []
        seen: set[str] = set()
        for agent in agents:
            if agent.agent_id not in seen:
                seen.add(agent.agent_id)
                unique.append(agent)
        texts = [agent_text(a.name, a.description, a.skills) for a in unique]
        vectors = self._vectors(unique, texts)
        catalogue = _Catalogue(BM25Index([], k1=self.params.bm25_k1, b=self.params.bm25_b), vectors.shape[1])
        for agent, text, vector in zip(unique, texts, vectors, strict=True):
            catalogue.put(agent, lexical_tokens(text), vector)
        return catalogue

    def _model_dimension(self) -> int:
        if self._dimension is None:
            self._dimension = int(self._embedder.embed(["dimension probe"]).shape[1])
        return self._dimension

    # ------------------------------------------------------------ relevance
    def _coverage(self, text: str) -> float:
        coverage = getattr(self._embedder, "coverage", None)
        return float(coverage(text)) if callable(coverage) else 1.0

    def _relevance(self, catalogue: _Catalogue, text: str) -> tuple[np.ndarray, np.ndarray | None] | None:
        """Fused 0..1 relevance per agent and the scaled semantic part (for reasons), or ``None`` when
        the request carries no usable signal."""
        p = self.params
        tokens = lexical_tokens(text)
        lexical = catalogue.bm25.scores(tokens)
        lexical_part = None
        if p.lexical_weight > 0 and float(lexical.max()) > 0:
            lexical_part = lexical / catalogue.bm25.ceiling(tokens)

        weight = p.semantic_weight * self._coverage(text)
        semantic_part = None
        if weight > 0:
            embed_query = getattr(self._embedder, "embed_query", None)
            query_vector = embed_query(text) if callable(embed_query) else self._embedder.embed([text])[0]
            semantic = catalogue.embeddings @ query_vector
            low, high = float(semantic.min()), float(semantic.max())
            if high - low > 1e-6:
                semantic_part = (semantic - low) / (high - low)

        if lexical_part is None and semantic_part is None:
            return None
        if semantic_part is None:
            assert lexical_part is not None
            return lexical_part / float(lexical_part.max()), None
        if lexical_part is None:
            # No word matched: the semantic side alone orders, scaled by how far it can be trusted.
            return weight * semantic_part, semantic_part
        fused = weight * semantic_part + p.lexical_weight * lexical_part
        # Scale so the best conceivable agent here scores 1: the personal boost then means the same
        # whatever the balance of the two sides.
        fused /= weight + p.lexical_weight * float(lexical_part.max())
        return fused, semantic_part

    def _relevance_reason(
        self,
        row: int,
        request: _RequestWords,
        catalogue: _Catalogue,
        semantic: np.ndarray | None,
        parts: dict[str, np.ndarray],
        names: dict[str, str],
    ) -> str:
        personal = self._personal_reason(row, parts, names, catalogue, threshold=0.5)
        matched_skills = [name for name, tokens in catalogue.skill_tokens(row) if tokens & request.tokens]
        if matched_skills:
            reason = "matches: " + ", ".join(matched_skills[:3])
        else:
            agent_tokens = catalogue.token_set(row)
            words: list[str] = []
            for word, tokens in request.words:
                if tokens & agent_tokens and word.lower() not in (w.lower() for w in words):
                    words.append(word)
            if words:
                reason = "matches: " + ", ".join(words[:3])
            elif semantic is not None and semantic[row] >= _CLOSE_MEANING:
                reason = "close in meaning to your request"
            else:
                # A weak match is ranked for completeness; say only what else speaks for it.
                return personal or "weak match"
        return f"{reason}; {personal}" if personal else reason

    # -------------------------------------------------------------- history
    def _personal(
        self,
        catalogue: _Catalogue,
        history: Sequence[UsageSignal],
        team_popularity: dict[str, int],
        global_popularity: dict[str, int],
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        n = len(catalogue.ids)
        p = self.params
        own = np.zeros(n, dtype=np.float32)
        now = self._clock()
        used_rows: list[int] = []
        used_weights: list[float] = []
        for signal in history:
            if signal.uses <= 0:
                continue
            age_days = max(0.0, now - signal.last_used_epoch) / _SECONDS_PER_DAY
            strength = math.log1p(signal.uses) * 0.5 ** (age_days / p.half_life_days)
            row = catalogue.position.get(signal.agent_id)
            if row is not None:
                own[row] = max(own[row], strength)
                used_rows.append(row)
                used_weights.append(strength)
        top_strength = max(used_weights, default=0.0)
        if top_strength > 0:
            own /= top_strength

        neighbour = np.zeros(n, dtype=np.float32)
        neighbour_of = np.full(n, -1, dtype=np.int64)
        if used_rows and n > 1:
            similarities = catalogue.embeddings[used_rows] @ catalogue.embeddings.T  # (k, n)
            for i, row in enumerate(used_rows):
                similarities[i, row] = np.nan  # an agent is not its own neighbour
            baseline = np.nanmedian(similarities, axis=1, keepdims=True)
            lifted = np.clip((similarities - baseline) / np.maximum(1.0 - baseline, 1e-6), 0.0, 1.0)
            lifted = np.nan_to_num(lifted, nan=0.0)
            lifted *= (np.asarray(used_weights, dtype=np.float32) / top_strength)[:, None]
            best = lifted.argmax(axis=0)
            neighbour = lifted[best, np.arange(n)].astype(np.float32)
            neighbour_of = np.asarray([used_rows[b] for b in best], dtype=np.int64)

        team = _log_scaled(catalogue.ids, team_popularity)
        overall = _log_scaled(catalogue.ids, global_popularity)
        parts = {
            "own": p.own_weight * own,
            "neighbour": p.neighbour_weight * neighbour,
            "team": p.team_weight * team,
            "global": p.global_weight * overall,
            "neighbour_of": neighbour_of,
            "uses": _uses(catalogue, history),
        }
        total = parts["own"] + parts["neighbour"] + parts["team"] + parts["global"]
        return total.astype(np.float32), parts

    def _personal_reason(
        self,
        row: int,
        parts: dict[str, np.ndarray],
        names: dict[str, str],
        catalogue: _Catalogue,
        threshold: float = 0.0,
    ) -> str:
        contributions = {key: float(parts[key][row]) for key in ("own", "neighbour", "team", "global")}
        key = max(contributions, key=lambda k: contributions[k])
        if contributions[key] <= threshold:
            return "" if threshold > 0 else "in the catalogue"
        if key == "own":
            return "you use this often" if parts["uses"][row] >= 3 else "you used this recently"
        if key == "neighbour":
            source = catalogue.ids[int(parts["neighbour_of"][row])]
            return f"similar to {names.get(source, source)}, which you use"
        if key == "team":
            return "popular in your team"
        return "popular"


class _RequestWords:
    """A request's lexical tokens, and each of its words with its own tokens (to quote matched words)."""

    def __init__(self, text: str) -> None:
        self.tokens = frozenset(lexical_tokens(text))
        self.words: list[tuple[str, frozenset[str]]] = []
        for word in _WORD_RE.findall(text):
            cleaned = word.strip(".,!?;:()[]{}\"'")
            tokens = frozenset(lexical_tokens(cleaned))
            if cleaned and tokens:
                self.words.append((cleaned, tokens))


def _uses(catalogue: _Catalogue, history: Sequence[UsageSignal]) -> np.ndarray:
    uses = np.zeros(len(catalogue.ids), dtype=np.int64)
    for signal in history:
        row = catalogue.position.get(signal.agent_id)
        if row is not None:
            uses[row] = max(uses[row], signal.uses)
    return uses


def _log_scaled(ids: Sequence[str], counts: dict[str, int]) -> np.ndarray:
    """log(1 + count) / log(1 + max count): one very popular agent must not flatten all the others."""
    if not counts:
        return np.zeros(len(ids), dtype=np.float32)
    raw = np.fromiter((counts.get(i, 0) for i in ids), dtype=np.float64, count=len(ids))
    values = np.log1p(np.maximum(raw, 0.0)).astype(np.float32)
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else values


def _top_k(scores: np.ndarray, ids: Sequence[str], limit: int) -> list[int]:
    """Rows of the ``limit`` best scores; ties go to the smaller agent id so that results are stable."""
    n = len(scores)
    if limit < n:
        threshold = float(scores[np.argpartition(-scores, limit - 1)[:limit]].min())
        candidates = np.nonzero(scores >= threshold)[0]
    else:
        candidates = np.arange(n)
    ordered = sorted(candidates.tolist(), key=lambda r: (-float(scores[r]), ids[r]))
    return ordered[:limit]


def _skills_key(skills: Sequence[tuple[str, str, list[str]]]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return tuple((name, description, tuple(tags)) for name, description, tags in skills)


def _fingerprint(agents: Sequence[AgentDocument]) -> int:
    """A cheap identity for a catalogue's content: ids, texts and which agents carry a vector.

    Vector bytes are left out on purpose — hashing them costs more than ranking (30 MB at 10,000
    agents): a stored vector changes only with the agent's text (which is hashed) or with the
    embedding model, and a model change is a new deployment, hence a new process and an empty cache.
    Python's string hashes are cached on the string objects, so rebuilt objects cost one pass over
    the texts at most.
    """
    return hash(
        tuple(
            (
                a.agent_id,
                a.name,
                a.description,
                _skills_key(a.skills),
                None if a.embedding is None else a.embedding.shape,
            )
            for a in agents
        )
    )
