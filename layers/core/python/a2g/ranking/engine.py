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

    The lexical side indexes an agent's name ``name_repeat`` times (field weighting: a name match counts
    more than a mention in the description); requests not all in Latin script weigh it
    ``lexical_weight_other`` (Hangul bigrams are more reliable there than e5's Korean similarity).

Without ``q`` (or when it carries no signal)
    personal = own use + co-usage + team + global + (weakly) content neighbour — see
    :mod:`a2g.ranking.history`; the weights are tuned on the enterprise set's usage histories.

Match and reasons
    With ``q`` every result is a ``good`` / ``partial`` / ``none`` match by calibrated thresholds
    (:meth:`AgentRanker._match_levels`), and carries reason codes with parameters
    (:mod:`a2g.ranking.reasons`): the relevance code only for a good match ("matches", "close in
    meaning"), ``weak_match`` otherwise, then the strongest history signal.
"""

from __future__ import annotations

import re
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from a2g.ranking.bm25 import BM25Index
from a2g.ranking.catalogue import AgentDocument, Catalogue
from a2g.ranking.embedder import TextEmbedder, agent_text
from a2g.ranking.history import HistoryParts, history_parts
from a2g.ranking.reasons import MATCH_GOOD, MATCH_NONE, MATCH_PARTIAL, SIMILAR_TO_MIN, Reason
from a2g.ranking.text import latin_letter_share, lexical_tokens

__all__ = [
    "MAX_QUERY_CHARS",
    "AgentDocument",
    "AgentRanker",
    "RankedAgent",
    "RankingParams",
    "UsageSignal",
    "agent_tokens",
]

MAX_QUERY_CHARS = 500
"""Longest requirement accepted; longer raises ``ValueError`` (the service answers 400). The model reads
at most 256 word pieces anyway, and a cap keeps a request's cost bounded."""

_WORD_RE = re.compile(r"\S+")
_RELATIVE_MATCH_Z = 3.5  # without a calibrated model threshold: this far above the catalogue's mean
_RELATIVE_MIN_AGENTS = 20  # ... and only over a catalogue large enough for a mean to mean something
_UPDATE_CHUNK = 256  # agents indexed at a time by `update`: bounds the transient (n, d) matrix


@dataclass(frozen=True)
class UsageSignal:
    """How much, and how lately, the calling user used one agent."""

    agent_id: str
    uses: int
    last_used_epoch: float


@dataclass(frozen=True)
class RankedAgent:
    """One result: ``score`` orders results (comparable within one call only); ``reasons`` say why, the
    strongest first (:mod:`a2g.ranking.reasons`); ``match`` is ``"good"`` / ``"partial"`` / ``"none"``
    for a request (whether the agent fits it at all, by the calibrated thresholds) and ``None`` without
    one."""

    agent_id: str
    score: float
    reasons: tuple[Reason, ...]
    match: str | None = None

    @property
    def reason(self) -> str:
        """The reasons in English (logs, the benchmark); the app words the codes itself."""
        from a2g.ranking.reasons import describe

        return describe(list(self.reasons))


@dataclass(frozen=True)
class RankingParams:
    """The ranker's constants.

    ``lexical_weight`` was tuned on a MetaTool development split (the benchmark re-tunes and prints it).
    The history weights are design choices — no public usage data exists to tune them on — chosen so
    that own use > closeness to it > team > global popularity, and so that the personal boost reorders
    near-ties among relevant agents without lifting an irrelevant one over them.
    """

    semantic_weight: float = 1.0  # 0 turns the embedding side off (BM25 only)
    lexical_weight: float = 3.0  # 0 turns BM25 off (embeddings only); tuned on both dev sets
    # for requests not all in Latin script (Korean, mixed): e5 squeezes Korean texts together, while
    # Hangul bigrams match well, so the words count more there (tuned on both dev sets)
    lexical_weight_other: float = 6.0
    personal_boost: float = 0.1
    half_life_days: float = 30.0
    own_weight: float = 1.0
    # history weights, tuned on the enterprise set's usage histories (bench "history without a request"):
    # co-usage finds the next agent of a workflow; content similarity between agents is weak evidence
    # (unrelated agents are often as similar as related ones), so it only breaks near-ties
    co_usage_weight: float = 0.4
    neighbour_weight: float = 0.1
    team_weight: float = 0.5
    global_weight: float = 0.1
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    name_repeat: int = 3  # BM25 field weighting: an agent's name counts this many times ...
    skill_repeat: int = 1  # ... its skill names and tags this many, its description once
    # "Good match" calibration (tests/bench/ranking, "match calibration"): a share of the request's BM25
    # evidence that alone makes a good match, and the smaller share that does with a semantic "partial".
    match_lexical: float = 0.2
    match_lexical_partial: float = 0.05


class AgentRanker:
    """Orders a catalogue for one user; safe to keep for the life of a warm function.

    :meth:`rank` takes the catalogue each call: its BM25 index and embedding matrix are built once and
    reused while the catalogue's fingerprint (ids, texts, embeddings) is unchanged, or updated in place
    for the documents that changed. A caller that knows what changed (the warm service) instead keeps
    the ranker's own catalogue current with :meth:`update` and ranks it with :meth:`rank_indexed`.
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
        self._catalogues: OrderedDict[int, Catalogue] = OrderedDict()
        self._last: tuple[list[AgentDocument], Catalogue] | None = None
        self._live: Catalogue | None = None  # the catalogue `update` keeps (the service's warm index)
        self._dimension: int | None = getattr(embedder, "dimension", None)

    # ---------------------------------------------------------------- public
    def rank(
        self,
        agents: list[AgentDocument],
        query: str | None,
        history: list[UsageSignal],
        team_popularity: Mapping[str, float],
        global_popularity: Mapping[str, float],
        agent_names: dict[str, str] | None = None,
        limit: int = 20,
        co_usage: Mapping[str, Mapping[str, float]] | None = None,
    ) -> list[RankedAgent]:
        """Rank ``agents`` for the caller; at most ``limit`` results, best first.

        ``history`` is the caller's usage; ``team_popularity`` and ``global_popularity`` map agent ids to
        (recency-weighted) use counts; ``co_usage`` is the item–item similarity of who uses what
        (:func:`a2g.ranking.history.co_usage_from`), ``None`` when unknown; ``agent_names`` names agents
        in reasons ("similar to X") — agents outside the catalogue (no longer published) can be named
        through it. Raises ``ValueError`` when ``query`` is longer than :data:`MAX_QUERY_CHARS` or
        ``limit`` is below 1.
        """
        _check_request(query, limit)
        if not agents:
            return []
        return self._rank(
            self._catalogue(agents), query, history, team_popularity, global_popularity, agent_names, limit,
            co_usage,
        )

    def update(self, changed: Sequence[AgentDocument], removed: Iterable[str] = ()) -> None:
        """Bring the ranker's own catalogue (the one :meth:`rank_indexed` ranks) up to date in place: add or
        replace the ``changed`` agents, drop the ``removed`` ids. Only those rows are touched, so a warm
        function that tells what changed never copies or re-hashes the whole catalogue.

        The index keeps each agent's vector in its matrix only: the documents it keeps for names and
        reasons are stored without their ``embedding`` (one copy of the vectors, not two)."""
        catalogue = self._live
        if catalogue is None:
            catalogue = self._live = Catalogue(
                BM25Index([], k1=self.params.bm25_k1, b=self.params.bm25_b), self._model_dimension()
            )
        for agent_id in removed:
            catalogue.remove(agent_id)
        self._index_into(catalogue, changed, keep_embeddings=False)

    def indexed_vector(self, agent_id: str) -> np.ndarray | None:
        """The unit vector :meth:`update` indexed for ``agent_id`` (a copy), or ``None``."""
        catalogue = self._live
        row = None if catalogue is None else catalogue.position.get(agent_id)
        return None if row is None or catalogue is None else catalogue.embeddings[row].copy()

    def rank_indexed(
        self,
        query: str | None,
        history: list[UsageSignal],
        team_popularity: Mapping[str, float],
        global_popularity: Mapping[str, float],
        agent_names: dict[str, str] | None = None,
        limit: int = 20,
        co_usage: Mapping[str, Mapping[str, float]] | None = None,
    ) -> list[RankedAgent]:
        """:meth:`rank` over the catalogue kept by :meth:`update` (same arguments, same errors)."""
        _check_request(query, limit)
        if self._live is None or not self._live.ids:
            return []
        return self._rank(
            self._live, query, history, team_popularity, global_popularity, agent_names, limit, co_usage
        )

    def _rank(
        self,
        catalogue: Catalogue,
        query: str | None,
        history: list[UsageSignal],
        team_popularity: Mapping[str, float],
        global_popularity: Mapping[str, float],
        agent_names: dict[str, str] | None,
        limit: int,
        co_usage: Mapping[str, Mapping[str, float]] | None,
    ) -> list[RankedAgent]:
        names = dict(zip(catalogue.ids, catalogue.names, strict=True))
        if agent_names:
            names.update(agent_names)

        p = self.params
        parts = history_parts(
            ids=catalogue.ids,
            position=catalogue.position,
            embeddings=catalogue.embeddings,
            history=[(s.agent_id, s.uses, s.last_used_epoch) for s in history],
            now=self._clock(),
            team_popularity=team_popularity,
            global_popularity=global_popularity,
            co_usage=co_usage,
            half_life_days=p.half_life_days,
            own_weight=p.own_weight,
            co_usage_weight=p.co_usage_weight,
            neighbour_weight=p.neighbour_weight,
            team_weight=p.team_weight,
            global_weight=p.global_weight,
        )
        personal = parts.total
        text = (query or "").strip()
        relevance = self._relevance(catalogue, text) if text else None
        scores = personal if relevance is None else relevance.fused + p.personal_boost * personal

        top = _top_k(scores, catalogue.ids, limit)
        # The request's tokens, whole and word by word, are needed for every result's reason.
        request = _RequestWords(text) if relevance is not None else None
        results = []
        for row in top:
            match: str | None = None
            if relevance is None:
                reasons = self._personal_reasons(row, parts, names, catalogue)
                if text:  # a request without any usable signal (emoji, an unknown script)
                    match = MATCH_NONE
                    reasons = [Reason("weak_match"), *(r for r in reasons if r.code != "in_catalogue")]
            else:
                assert request is not None
                match = _LEVELS[int(relevance.level[row])]
                reasons = self._relevance_reasons(row, request, catalogue, relevance, parts, names)
            results.append(RankedAgent(catalogue.ids[row], round(float(scores[row]), 6), tuple(reasons), match))
        return results

    # ------------------------------------------------------------ catalogue
    def _catalogue(self, agents: Sequence[AgentDocument]) -> Catalogue:
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

    def _update_in_place(self, catalogue: Catalogue, agents: Sequence[AgentDocument]) -> Catalogue | None:
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
        self._index_into(catalogue, changed, keep_embeddings=True)
        return catalogue

    def _index_into(
        self, catalogue: Catalogue, agents: Sequence[AgentDocument], *, keep_embeddings: bool
    ) -> None:
        """Put ``agents`` into ``catalogue`` a chunk at a time (the chunk's (n, d) matrix is the only
        transient copy of their vectors), with the matrix grown once to its final size."""
        catalogue.reserve(len(catalogue.ids) + sum(1 for a in agents if a.agent_id not in catalogue.position))
        for start in range(0, len(agents), _UPDATE_CHUNK):
            chunk = agents[start : start + _UPDATE_CHUNK]
            vectors = self._vectors(chunk, [agent_text(a.name, a.description, a.skills) for a in chunk])
            for agent, vector in zip(chunk, vectors, strict=True):
                kept = agent if keep_embeddings or agent.embedding is None else replace(agent, embedding=None)
                catalogue.put(kept, agent_tokens(agent, self.params), vector)

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

    def _build(self, agents: Sequence[AgentDocument]) -> Catalogue:
        unique: list[AgentDocument] = []
        seen: set[str] = set()
        for agent in agents:
            if agent.agent_id not in seen:
                seen.add(agent.agent_id)
                unique.append(agent)
        catalogue = Catalogue(BM25Index([], k1=self.params.bm25_k1, b=self.params.bm25_b), self._model_dimension())
        self._index_into(catalogue, unique, keep_embeddings=True)
        return catalogue

    def _model_dimension(self) -> int:
        if self._dimension is None:
            self._dimension = int(self._embedder.embed(["dimension probe"]).shape[1])
        return self._dimension

    # ------------------------------------------------------------ relevance
    def _coverage(self, text: str) -> float:
        coverage = getattr(self._embedder, "coverage", None)
        return float(coverage(text)) if callable(coverage) else 1.0

    def _relevance(self, catalogue: Catalogue, text: str) -> _Relevance | None:
        """Fused 0..1 relevance per agent, its parts and the good-match flags, or ``None`` when the
        request carries no usable signal."""
        p = self.params
        n = len(catalogue.ids)
        tokens = lexical_tokens(text)
        lexical = catalogue.bm25.scores(tokens)
        lexical_part = None
        if p.lexical_weight > 0 and float(lexical.max()) > 0:
            lexical_part = lexical / catalogue.bm25.ceiling(tokens)

        weight = p.semantic_weight * self._coverage(text)
        lexical_weight = p.lexical_weight if latin_letter_share(text) == 1.0 else p.lexical_weight_other
        semantic_part = None
        cosine = None
        if weight > 0:
            embed_query = getattr(self._embedder, "embed_query", None)
            query_vector = embed_query(text) if callable(embed_query) else self._embedder.embed([text])[0]
            cosine = catalogue.embeddings @ query_vector
            low, high = float(cosine.min()), float(cosine.max())
            if high - low > 1e-6:
                semantic_part = (cosine - low) / (high - low)

        if lexical_part is None and semantic_part is None:
            return None
        level = self._match_levels(text, lexical_part, cosine if weight >= 0.5 else None, n)
        if semantic_part is None:
            assert lexical_part is not None
            return _Relevance(lexical_part / float(lexical_part.max()), None, level)
        if lexical_part is None:
            # No word matched: the semantic side alone orders, scaled by how far it can be trusted.
            return _Relevance(weight * semantic_part, semantic_part, level)
        fused = weight * semantic_part + lexical_weight * lexical_part
        # Scale so the best conceivable agent here scores 1: the personal boost then means the same
        # whatever the balance of the two sides.
        fused /= weight + lexical_weight * float(lexical_part.max())
        return _Relevance(fused, semantic_part, level)

    def _match_levels(
        self, text: str, lexical: np.ndarray | None, cosine: np.ndarray | None, n: int
    ) -> np.ndarray:
        """Per agent 2 (good), 1 (partial) or 0 (none), by the calibrated thresholds:

        good    — lexical share ≥ ``match_lexical``, or cosine ≥ the embedder's "good" threshold, or
                  both sides partial;
        partial — lexical share ≥ ``match_lexical_partial`` or cosine ≥ the "partial" threshold.

        The cosine thresholds come from the embedder (``match_thresholds(text) -> (good, partial)``,
        calibrated per model and script); a model without them counts as partial only far above the
        catalogue's mean and is never "good" on meaning alone."""
        p = self.params
        lexical_good = np.zeros(n, dtype=bool)
        lexical_some = np.zeros(n, dtype=bool)
        if lexical is not None:
            lexical_good = lexical >= p.match_lexical
            lexical_some = lexical >= p.match_lexical_partial
        semantic_good = np.zeros(n, dtype=bool)
        semantic_some = np.zeros(n, dtype=bool)
        if cosine is not None:
            thresholds_of = getattr(self._embedder, "match_thresholds", None)
            thresholds = thresholds_of(text) if callable(thresholds_of) else None
            if thresholds is not None:
                semantic_good = cosine >= float(thresholds[0])
                semantic_some = cosine >= float(thresholds[1])
            elif n >= _RELATIVE_MIN_AGENTS and float(cosine.std()) > 1e-6:
                semantic_some = (cosine - float(cosine.mean())) / float(cosine.std()) >= _RELATIVE_MATCH_Z
        good = lexical_good | semantic_good | (lexical_some & semantic_some)
        some = lexical_some | semantic_some
        level: np.ndarray = np.where(good, 2, np.where(some, 1, 0)).astype(np.int8)
        return level

    def _relevance_reasons(
        self,
        row: int,
        request: _RequestWords,
        catalogue: Catalogue,
        relevance: _Relevance,
        parts: HistoryParts,
        names: dict[str, str],
    ) -> list[Reason]:
        personal = self._personal_reasons(row, parts, names, catalogue, threshold=0.5)
        good = int(relevance.level[row]) == 2
        matched_skills = [name for name, tokens in catalogue.skill_tokens(row) if tokens & request.tokens]
        first: Reason | None = None
        if matched_skills and good:
            first = Reason("matches_skills", {"skills": matched_skills[:3]})
        else:
            agent_tokens_ = catalogue.token_set(row)
            words: list[str] = []
            for word, tokens in request.words:
                if tokens & agent_tokens_ and word.lower() not in (w.lower() for w in words):
                    words.append(word)
            if words and good:
                first = Reason("matches_words", {"words": words[:3]})
            elif good:
                first = Reason("close_in_meaning")
        if first is None:
            # A weak match is ranked for completeness; say so, and what else speaks for it.
            return [Reason("weak_match"), *personal]
        return [first, *personal]

    # -------------------------------------------------------------- history
    def _personal_reasons(
        self,
        row: int,
        parts: HistoryParts,
        names: dict[str, str],
        catalogue: Catalogue,
        threshold: float = 0.0,
    ) -> list[Reason]:
        contributions = {
            "own": float(parts.own[row]),
            "co_usage": float(parts.co_usage[row]),
            "neighbour": float(parts.neighbour[row]) if parts.neighbour_cosine[row] >= SIMILAR_TO_MIN else 0.0,
            "team": float(parts.team[row]),
            "global": float(parts.overall[row]),
        }
        key = max(contributions, key=lambda k: contributions[k])
        if contributions[key] <= max(threshold * self._scale(key), 0.0) or contributions[key] <= 0:
            return [] if threshold > 0 else [Reason("in_catalogue")]
        if key == "own":
            uses = int(parts.uses[row])
            return [Reason("you_use_often" if uses >= 3 else "you_used_recently", {"uses": uses})]
        if key in ("co_usage", "neighbour"):
            source_row = int((parts.co_usage_of if key == "co_usage" else parts.neighbour_of)[row])
            if source_row < 0:
                return [] if threshold > 0 else [Reason("in_catalogue")]
            source = catalogue.ids[source_row]
            code = "used_with" if key == "co_usage" else "similar_to"
            return [Reason(code, {"agent_id": source, "agent_name": names.get(source, source)})]
        if key == "team":
            return [Reason("popular_in_team")]
        return [Reason("popular")]

    def _scale(self, key: str) -> float:
        """The weight of a history part: thresholds are shares of what the part can contribute."""
        p = self.params
        return {
            "own": p.own_weight,
            "co_usage": p.co_usage_weight,
            "neighbour": p.neighbour_weight,
            "team": p.team_weight,
            "global": p.global_weight,
        }[key]


@dataclass
class _Relevance:
    fused: np.ndarray  # 0..1 per row
    semantic: np.ndarray | None  # min-max scaled cosine, None without a semantic side
    level: np.ndarray  # per row 2 good, 1 partial, 0 none (the calibrated thresholds)


_LEVELS = (MATCH_NONE, MATCH_PARTIAL, MATCH_GOOD)


def _check_request(query: str | None, limit: int) -> None:
    if query is not None and len(query) > MAX_QUERY_CHARS:
        raise ValueError(f"query longer than {MAX_QUERY_CHARS} characters")
    if limit < 1:
        raise ValueError("limit must be at least 1")


def agent_tokens(agent: AgentDocument, params: RankingParams) -> list[str]:
    """BM25 tokens of an agent with its fields weighted: the name ``name_repeat`` times, skill names and
    tags ``skill_repeat`` times (on top of the full text, which has them once), the description once."""
    tokens = lexical_tokens(agent_text(agent.name, agent.description, agent.skills))
    name = lexical_tokens(agent.name)
    tokens.extend(name * max(0, params.name_repeat - 1))
    if params.skill_repeat > 1:
        skill_words = lexical_tokens(" ".join(" ".join([s[0], *s[2]]) for s in agent.skills))
        tokens.extend(skill_words * (params.skill_repeat - 1))
    # Interned: the index keeps every document's terms, and thousands of agents share a vocabulary of a
    # few thousand words; one string object per word instead of one per occurrence (~7 MB at 5,000).
    return [sys.intern(t) for t in tokens]


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
