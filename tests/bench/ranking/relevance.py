"""Relevance, match calibration and history figures for ``bench_ranking.py`` (both sets).

Sets
* **MetaTool** (``<repo>/../shared/data/ranking``; English requests, one relevant tool each) with the
  hand-written Korean and mixed requests of ``korean_queries.json``; binary gains.
* **Enterprise** (``enterprise.py``): 78 agents, 246 requests in en / ko / mix, graded gains.

Every set is split: tuning uses MetaTool's dev sample and the enterprise set's even-numbered requests
TOGETHER (the objective is the mean of both sets' dev nDCG@10, so that neither is overfitted); figures are
reported on MetaTool's held-out sample and the enterprise set's odd-numbered requests.

Baselines, computed in the same run: "BM25 plain" — textbook BM25 over lower-cased whitespace words minus
stop words over name + description (the data README's baseline; for Korean it sees words with their
particles); "BM25 ranker" — the ranker's own lexical side (identifier splitting, field weighting, Hangul
bigrams) with embeddings off.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import pickle
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import enterprise as ent
import numpy as np
from a2g.ranking import MAX_QUERY_CHARS, AgentDocument, AgentRanker, RankingParams, UsageSignal, agent_text
from a2g.ranking.bm25 import BM25Index
from a2g.ranking.history import co_usage_from
from a2g.ranking.multilingual import BilingualEmbedder, _english_only
from a2g.ranking.text import STOP_WORDS

HERE = Path(__file__).resolve().parent
KOREAN = HERE / "korean_queries.json"
ROOT2 = np.float32(np.sqrt(2.0))
HALF = np.float32(1.0 / np.sqrt(2.0))


@dataclass
class Query:
    text: str
    language: str
    gains: dict[str, int]


class Placed:
    """Request vectors computed once per model, placed as ``BilingualEmbedder`` would for a mode."""

    def __init__(self, model: BilingualEmbedder, texts: list[str]) -> None:
        self.model = model
        self.dimension = model.dimension
        unique = sorted({t.strip() for t in texts})
        english = [t for t in unique if _english_only(t)]
        cache = os.environ.get("RANKING_BENCH_CACHE")  # a pickle of request vectors, for re-runs
        known: dict[str, dict[str, np.ndarray]] = {"minilm": {}, "e5": {}}
        if cache and Path(cache).is_file():
            known = pickle.loads(Path(cache).read_bytes())
        todo_m = [t for t in english if t not in known["minilm"]]
        todo_e = [t for t in unique if t not in known["e5"]]
        if todo_m:
            known["minilm"].update(zip(todo_m, model._english.embed(todo_m), strict=True))
        if todo_e:
            known["e5"].update(zip(todo_e, model.multilingual.embed_queries(todo_e), strict=True))
        if cache and (todo_m or todo_e):
            Path(cache).write_bytes(pickle.dumps(known))
        self.minilm, self.e5 = known["minilm"], known["e5"]
        self.mode = "both"

    def embed(self, texts: list[str]) -> np.ndarray:
        return self.model.embed(texts)

    def embed_query(self, text: str) -> np.ndarray:
        split = self.model._english.dimension
        vector = np.zeros(self.dimension, dtype=np.float32)
        if _english_only(text):
            if self.mode == "both":
                vector[:split] = self.minilm[text] * HALF
                vector[split:] = self.e5[text] * HALF
            else:
                vector[:split] = self.minilm[text] * ROOT2
        else:
            vector[split:] = self.e5[text] * ROOT2
        return vector

    def match_thresholds(self, text: str) -> tuple[float, float]:
        if _english_only(text):
            return self.model.MATCH_ENGLISH if self.mode == "both" else self.model.MATCH_MINILM
        return self.model.MATCH_OTHER

    def coverage(self, text: str) -> float:
        return self.model.coverage(text)


# ----------------------------------------------------------------------------------------------- data
def metatool(data: Path, n_test: int, n_dev: int, seed: int) -> tuple[list[AgentDocument], dict, list[Query]]:
    plugins = json.loads((data / "plugin_des.json").read_text(encoding="utf-8"))
    merged = {name.lower(): (name, text) for name, text in plugins.items()}
    for name, text in json.loads((data / "big_tool_des.json").read_text(encoding="utf-8")).items():
        merged[name.lower()] = (merged.get(name.lower(), (name, ""))[0], text)
    tools = [merged[key] for key in sorted(merged)]
    ids = {name.lower(): name for name, _ in tools}
    with (data / "all_clean_data.csv").open(encoding="utf-8", newline="") as handle:
        rows = [(r["Query"].strip(), ids[r["Tool"].lower()]) for r in csv.DictReader(handle)]
    rows = [r for r in rows if len(r[0]) <= MAX_QUERY_CHARS]
    random.Random(seed).shuffle(rows)
    korean = json.loads(KOREAN.read_text(encoding="utf-8"))
    sets = {
        "dev": [Query(q, "en", {t: 1}) for q, t in rows[:n_dev]],
        "test": [Query(q, "en", {t: 1}) for q, t in rows[n_dev : n_dev + n_test]],
    }
    # the Korean and mixed requests: even ones tune, odd ones report (as for the enterprise set)
    for language, key in (("ko", "korean"), ("mix", "mixed")):
        for i, q in enumerate(korean[key]):
            sets["dev" if i % 2 == 0 else "test"].append(Query(q["query"], language, {ids[q["tool"].lower()]: 1}))
    agents = [AgentDocument(name, name, text, []) for name, text in tools]
    return agents, sets, {}


def enterprise_set() -> tuple[list[AgentDocument], dict[str, list[Query]], dict]:
    data = ent.load()
    agents = [
        AgentDocument(a["id"], a["name"], a["description"], [(s[0], s[1], list(s[2])) for s in a["skills"]])
        for a in data["agents"]
    ]
    sets: dict[str, list[Query]] = {"dev": [], "test": []}
    for i, r in enumerate(ent.requests(data)):
        sets["dev" if i % 2 == 0 else "test"].append(Query(r.text, r.language, r.gains))
    return agents, sets, data


def with_vectors(agents: list[AgentDocument], model: BilingualEmbedder) -> list[AgentDocument]:
    vectors = model.embed([agent_text(a.name, a.description, a.skills) for a in agents])
    return [replace(a, embedding=v) for a, v in zip(agents, vectors, strict=True)]


# ------------------------------------------------------------------------------------------- metrics
def scores_of(ordered: list[str], gains: dict[str, int]) -> tuple[float, float, float]:
    return ent.ndcg(ordered, gains), ent.recall(ordered, gains, 5, grade=max(gains.values())), ent.mrr(
        ordered, gains, grade=max(gains.values())
    )


def evaluate(rank: Callable[[str], list[str]], queries: list[Query]) -> dict[str, tuple[float, float, float, int]]:
    by: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for q in queries:
        s = scores_of(rank(q.text), q.gains)
        by[q.language].append(s)
        by["all"].append(s)
    return {k: (*np.mean(np.asarray(v), axis=0).tolist(), len(v)) for k, v in by.items()}  # type: ignore[misc]


_WORD = re.compile(r"\w+")


def plain_bm25(agents: list[AgentDocument]) -> Callable[[str], list[str]]:
    def tokens(text: str) -> list[str]:
        return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]

    index = BM25Index([tokens(f"{a.name} {a.description}") for a in agents])
    ids = [a.agent_id for a in agents]

    def rank(text: str) -> list[str]:
        s = index.scores(tokens(text))
        return [ids[r] for r in sorted(range(len(ids)), key=lambda r: (-float(s[r]), ids[r]))]

    return rank


def ranker_fn(ranker: AgentRanker, agents: list[AgentDocument]) -> Callable[[str], list[str]]:
    return lambda text: [r.agent_id for r in ranker.rank(agents, text, [], {}, {}, limit=len(agents))]


# --------------------------------------------------------------------------------------- the section
GRID = {
    "lexical_weight": (1.0, 2.0, 3.0, 4.0),
    "name_repeat": (1, 2, 3),
    "mode": ("both", "minilm"),
}


def relevance_section(model: BilingualEmbedder, data_dir: Path, n_test: int, n_dev: int, seed: int) -> tuple[list[str], dict]:
    started = time.perf_counter()
    sets_raw = {}
    if data_dir.is_dir():
        sets_raw["MetaTool"] = metatool(data_dir, n_test, n_dev, seed)
    sets_raw["Enterprise"] = enterprise_set()
    ent_data = sets_raw["Enterprise"][2]
    nonsense = list(ent_data["nonsense"]) + list(ent_data["off_topic"])
    texts = [q.text for _, s, _ in sets_raw.values() for part in s.values() for q in part] + nonsense
    placed = Placed(model, texts)
    catalogues = {name: with_vectors(agents, model) for name, (agents, _, _) in sets_raw.items()}
    lines = [
        f"requests embedded (MiniLM + e5) and catalogues embedded in {time.perf_counter() - started:.0f} s; "
        + "; ".join(
            f"{name}: {len(catalogues[name])} agents, dev {len(s['dev'])}, test {len(s['test'])} requests "
            f"({', '.join(f'{k} {v}' for k, v in sorted(Counter(q.language for q in s['test']).items()))})"
            for name, (_, s, _) in sets_raw.items()
        )
    ]

    def ranker(params: RankingParams, mode: str = "both") -> AgentRanker:
        placed.mode = mode
        return AgentRanker(placed, params=params)

    # tuning: mean over both sets of dev nDCG@10
    results = []
    for lw, nr, mode in itertools.product(GRID["lexical_weight"], GRID["name_repeat"], GRID["mode"]):
        params = RankingParams(lexical_weight=lw, name_repeat=nr)
        per_set = []
        for name, (_, s, _) in sets_raw.items():
            r = ranker(params, mode)
            per_set.append(evaluate(ranker_fn(r, catalogues[name]), s["dev"])["all"][0])
        results.append((float(np.mean(per_set)), lw, nr, mode, per_set))
    results.sort(key=lambda x: -x[0])
    best = results[0]
    lines.append(
        "tuning (dev, mean of both sets' nDCG@10), best 5: "
        + "; ".join(f"lex {lw:g} name×{nr} {mode}: {m:.3f} ({'/'.join(f'{v:.3f}' for v in ps)})" for m, lw, nr, mode, ps in results[:5])
    )
    default = RankingParams()
    lines.append(
        f"chosen: lexical_weight {best[1]:g}, name_repeat {best[2]}, English queries {best[3]} "
        f"(engine defaults: {default.lexical_weight:g}, {default.name_repeat}, "
        f"{model.english_query_mode})"
    )
    chosen = RankingParams(lexical_weight=best[1], name_repeat=best[2])
    shipped = RankingParams()
    lines.append("")
    header = f"{'set':<11}{'lang':<5}{'n':>5}  {'method':<22}{'nDCG@10':>8}{'R@5':>7}{'MRR':>7}{'×plain':>8}{'×own':>7}"
    lines.append(header)
    summary: dict[str, dict[str, float]] = {}
    for name, (_, s, _) in sets_raw.items():
        agents = catalogues[name]
        methods = {
            "BM25 plain": plain_bm25(agents),
            "BM25 ranker": ranker_fn(ranker(replace(shipped, semantic_weight=0.0)), agents),
            "embedding only": ranker_fn(ranker(replace(shipped, lexical_weight=0.0), model.english_query_mode), agents),
            "hybrid (shipped)": ranker_fn(ranker(shipped, model.english_query_mode), agents),
        }
        if (best[1], best[2], best[3]) != (shipped.lexical_weight, shipped.name_repeat, model.english_query_mode):
            methods["hybrid (dev-best)"] = ranker_fn(ranker(chosen, best[3]), agents)
        evaluated = {label: evaluate(fn, s["test"]) for label, fn in methods.items()}
        for language in ("all", "en", "ko", "mix"):
            if language not in evaluated["BM25 plain"]:
                continue
            plain = evaluated["BM25 plain"][language][0]
            own = evaluated["BM25 ranker"][language][0]
            for label, m in evaluated.items():
                nd, r5, mrr, n = m[language]
                lines.append(
                    f"{name:<11}{language:<5}{n:>5}  {label:<22}{nd:>8.3f}{r5:>7.3f}{mrr:>7.3f}"
                    f"{nd / plain if plain else float('nan'):>8.2f}{nd / own if own else float('nan'):>7.2f}"
                )
                if label == "hybrid (shipped)":
                    summary.setdefault(name, {})[language] = nd / plain if plain else float("nan")
        lines.append("")
    lines.append(
        "goal nDCG@10 ≥ 1.3× BM25 plain overall and per language: "
        + "; ".join(
            f"{name}: " + ", ".join(f"{k} {v:.2f}×{'' if v >= 1.3 else ' (MISSES)'}" for k, v in ratios.items())
            for name, ratios in summary.items()
        )
    )
    lines += ["", "== match calibration ==", *calibration(placed, catalogues, sets_raw, nonsense, model)]
    return lines, {"placed": placed, "catalogues": catalogues}


def calibration(placed: Placed, catalogues: dict, sets_raw: dict, nonsense: list[str], model: BilingualEmbedder) -> list[str]:
    """How often the agent a request was written for is a good match, and how often nonsense gets one."""
    placed.mode = model.english_query_mode
    ranker = AgentRanker(placed)
    lines = []
    for name, (_, s, _) in sets_raw.items():
        agents = catalogues[name]
        by: dict[str, list[int]] = defaultdict(list)
        top_good: dict[str, list[int]] = defaultdict(list)
        for q in s["test"] + s["dev"]:
            ranked = ranker.rank(agents, q.text, [], {}, {}, limit=len(agents))
            gold = max(q.gains, key=lambda a: q.gains[a])
            gold_match = next(r.match for r in ranked if r.agent_id == gold)
            by[q.language].append(int(gold_match == "good"))
            top_good[q.language].append(int(ranked[0].match != "none"))
        lines.append(
            f"{name}: the written-for agent is a good match for "
            + ", ".join(f"{k} {np.mean(v):.0%}" for k, v in sorted(by.items()))
            + "; the answer is not 'none' (some agent good or partial) for "
            + ", ".join(f"{k} {np.mean(v):.0%}" for k, v in sorted(top_good.items()))
        )
    agents = catalogues["Enterprise"]
    flagged = []
    for text in nonsense:
        ranked = ranker.rank(agents, text, [], {}, {}, limit=3)
        best = "good" if any(r.match == "good" for r in ranked) else "partial" if any(r.match == "partial" for r in ranked) else "none"
        if best != "none":
            flagged.append(f"{text} ({best})")
    lines.append(
        f"Enterprise, {len(nonsense)} nonsense / off-topic requests: {len(nonsense) - len(flagged)} answered 'none'"
        + (f"; a match claimed for: {flagged}" if flagged else "")
    )
    # "similar to" threshold: cosines between agents marked near vs random pairs
    data = sets_raw["Enterprise"][2]
    vectors = {a.agent_id: a.embedding for a in agents}
    near = [float(vectors[a["id"]] @ vectors[b]) for a in data["agents"] for b in a["near"]]
    rng = random.Random(5)
    ids = list(vectors)
    random_pairs = [float(vectors[a] @ vectors[b]) for a, b in (rng.sample(ids, 2) for _ in range(2000))]
    lines.append(
        f"agent–agent cosine: near pairs median {np.median(near):.2f} (p25 {np.percentile(near, 25):.2f}); "
        f"random pairs median {np.median(random_pairs):.2f}, p95 {np.percentile(random_pairs, 95):.2f}, "
        f"p99 {np.percentile(random_pairs, 99):.2f}"
    )
    return lines


# ------------------------------------------------------------------------------------------- history
def history_section(placed: Placed, agents: list[AgentDocument], params: RankingParams | None = None) -> list[str]:
    events = ent.histories()
    cases, before = ent.history_cases(events)
    now = ent.now_epoch()
    team_of = ent.users()
    uses_by_user: dict[str, Counter[str]] = defaultdict(Counter)
    for e in before:
        uses_by_user[e.user][e.agent] += 1
    overall = Counter(e.agent for e in before)
    # popularity with recency: each use weighted by a 30-day half-life (what the service's monthly
    # counters approximate with this month at full and last month at half weight)
    recent_team: dict[str, Counter[str]] = defaultdict(Counter)
    recent_all: Counter[str] = Counter()
    for e in before:
        w = 0.5 ** ((ent.SPLIT_DAY - e.day) / 30.0)
        recent_team[team_of[e.user]][e.agent] += w  # type: ignore[assignment]
        recent_all[e.agent] += w  # type: ignore[assignment]
    ids = [a.agent_id for a in agents]
    rng = random.Random(9)
    ranker = AgentRanker(placed, clock_epoch=lambda: now, params=params)
    variants: dict[str, Callable[[ent.HistoryCase], list[str]]] = {}

    def engine(case: ent.HistoryCase, *, own: bool = True, co: bool = True, team: bool = True) -> list[str]:
        history = [UsageSignal(a, n, t) for a, n, t in case.own] if own else []
        # co-usage from everyone else's history (the caller's own is in `history`)
        others = {u: c for u, c in uses_by_user.items() if u != case.user}
        co_usage = co_usage_from(others) if co else None
        ranked = ranker.rank(
            agents, None, history, dict(recent_team[case.team]) if team else {}, dict(recent_all),
            limit=len(agents), co_usage=co_usage,
        )
        return [r.agent_id for r in ranked]

    variants["history ranker (shipped)"] = engine
    variants["  without co-usage"] = lambda c: engine(c, co=False)
    variants["  new user (team + global only)"] = lambda c: engine(c, own=False)
    variants["popularity (global count)"] = lambda c: sorted(ids, key=lambda a: (-overall[a], a))
    variants["random (mean of 20)"] = lambda c: []  # handled below
    lines = [
        (
            f"{len(cases)} users with uses after day {ent.SPLIT_DAY}; {len(before)} uses before it, "
            f"{len(events) - len(before)} after; 'next' = every agent used after the split, 'new' = only "
            "agents the user had not used (their earlier agents left out of every list)"
        ),
        f"{'method':<30}{'next nDCG@10':>13}{'new nDCG@10':>13}{'new R@5':>9}",
    ]
    figures = {}
    for label, fn in variants.items():
        nxt, new, new_r5 = [], [], []
        for case in cases:
            used = {a for a, _, _ in case.own}
            orders = [rng.sample(ids, len(ids)) for _ in range(20)] if label.startswith("random") else [fn(case)]
            for order in orders:
                nxt.append(ent.ndcg(order, case.truth_next) / len(orders))
                if case.truth_new:
                    filtered = [a for a in order if a not in used]
                    new.append(ent.ndcg(filtered, case.truth_new) / len(orders))
                    new_r5.append(ent.recall(filtered, case.truth_new, 5, grade=1) / len(orders))
        n_new = sum(1 for c in cases if c.truth_new)
        figures[label] = (sum(nxt) / len(cases), sum(new) / n_new, sum(new_r5) / n_new)
        lines.append(f"{label:<30}{figures[label][0]:>13.3f}{figures[label][1]:>13.3f}{figures[label][2]:>9.3f}")
    shipped, pop = figures["history ranker (shipped)"], figures["popularity (global count)"]
    lines.append(
        f"history ranker / popularity: next {shipped[0] / pop[0]:.2f}×, new {shipped[1] / pop[1]:.2f}× "
        f"(goal ≥ 2×)"
    )
    return lines
