"""Latency of the ranking *service* — what `GET /api/agents/ranked` spends inside the function — for a
catalogue of 1,000 agents (or ``--sizes``), with a fake repository in place of DynamoDB.

Run:  .venv/bin/python tests/bench/ranking/bench_service.py [--sizes 100,1000] [--repeats 60]

What one warm request does here: read the caller's history (the fake answers at once; on AWS this is one
DynamoDB Query, typically 3-8 ms, not included), team popularity (cached), rank with the in-process model
(request embedding included) and build the response JSON. Stored agent vectors are random unit vectors of
the in-process model's width, labelled with its name, as the registry stores them (the ranker's cost does
not depend on their values). Reported:

* cold — the first request of a new function instance: catalogue read (fake), decoding every stored
  vector, BM25 index, and the model's first use (the model load itself is timed apart);
* refresh — a request right after the cache period ran out: this fake store has no write counter, so the
  catalogue is re-read in full and compared with what the service keeps (nothing changed: nothing is
  re-indexed); the real repository's marker makes a refresh one GetItem and an incremental Query;
* warm p50 / p95, wall and CPU, over English, Korean, mixed and empty requests, users with and without
  history.

The machine is shared and often loaded: CPU time says what a request costs without contention.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # a 512 MB Lambda has a fraction of one core
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "layers" / "core" / "python"))

from a2g.clock import SystemClock
from a2g.identity.principal import Principal
from a2g.ranking import default_embedder, encode_embedding
from a2g.ranking.embedder import embedder_name
from a2g.ranking.ports import CatalogueEntry, EmbeddingEndpoint, UsageRecord
from a2g.ranking.service import RankingService

_VOCABULARY = (
    "translate summarize report weather forecast recipe cooking python code review tests sql query data "
    "warehouse travel flight hotel booking policy leave vacation slides presentation email draft contract "
    "legal invoice expense receipt image photo video meeting notes calendar schedule customer support "
    "ticket sales lead marketing campaign analytics dashboard chart security audit log monitoring alert"
)
WORDS = _VOCABULARY.split()

QUERIES = [
    "translate my spec sheet to English",
    "what's the weather tomorrow in Busan",
    "이 문서 영어로 번역해줘",
    "PDF 파일 요약해줘",
    "find me a recipe with chicken",
    "python 코드 리뷰 부탁해",
    None,
]


class FakeRankingStore:
    """The repository's interface over in-memory data (no I/O)."""

    def __init__(self, entries: list[CatalogueEntry], history: dict[str, list[UsageRecord]],
                 popularity: dict[str | None, dict[str, int]]) -> None:
        self.entries = entries
        self.history = history
        self.counts = popularity

    def production_agents(self) -> list[CatalogueEntry]:
        return list(self.entries)

    def usage_of(self, user_id: str) -> list[UsageRecord]:
        return self.history.get(user_id, [])

    def popularity(self, months: list[str], team: str | None) -> dict[str, int]:
        return self.counts.get(team, {})

    def embedding_endpoint(self, model: str) -> EmbeddingEndpoint | None:
        return None


def catalogue(size: int, dimension: int, model: str, rng: random.Random) -> list[CatalogueEntry]:
    vectors = np.random.default_rng(size).standard_normal((size, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    entries = []
    for i in range(size):
        name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {i}"
        description = " ".join(rng.choices(WORDS, k=25)) + "."
        skills = [(rng.choice(WORDS), " ".join(rng.choices(WORDS, k=8)), rng.sample(WORDS, 2))
                  for _ in range(rng.randint(0, 3))]
        public = {"id": f"agt_{i:05d}", "owner_id": "dev", "name": name, "description": description,
                  "logo_url": None, "color": "#4F46E5",
                  "skills": [{"name": s[0], "description": s[1], "tags": s[2]} for s in skills],
                  "framework": "CUSTOM", "status": "PRODUCTION", "created_at": "2026-11-01T00:00:00.000Z",
                  "updated_at": "2026-11-01T00:00:00.000Z", "last_used_at": None, "version": 2}
        entries.append(CatalogueEntry(
            agent_id=f"agt_{i:05d}", version=2, public=public, name=name, description=description,
            skills=skills, embedding=encode_embedding(vectors[i]), embedding_model=model,
        ))
    return entries


def measure(size: int, repeats: int) -> str:
    rng = random.Random(5)
    started = time.perf_counter()
    model = default_embedder()
    model.embed(["load"])
    load_s = time.perf_counter() - started
    entries = catalogue(size, model.dimension, embedder_name(model), rng)  # type: ignore[attr-defined]
    now = time.time()
    history = {"regular": [UsageRecord(e.agent_id, rng.randint(1, 40), now - rng.uniform(0, 60) * 86_400)
                           for e in rng.sample(entries, min(10, size))]}
    popularity: dict[str | None, dict[str, int]] = {
        None: {e.agent_id: rng.randint(0, 500) for e in entries},
        "data": {e.agent_id: rng.randint(0, 50) for e in rng.sample(entries, min(200, size))},
    }
    clock_now = [0.0]
    service = RankingService(FakeRankingStore(entries, history, popularity), lambda: model, SystemClock(),
                             cache_seconds=30, monotonic=lambda: clock_now[0])
    users = [Principal("regular", "USER", "data"), Principal("newcomer", "USER", "data")]

    started = time.perf_counter()
    service.ranked(users[0], QUERIES[0])
    cold_ms = (time.perf_counter() - started) * 1000

    clock_now[0] = 31.0  # the cache period is over: the next request re-reads the catalogue
    started = time.perf_counter()
    service.ranked(users[0], QUERIES[1])
    refresh_ms = (time.perf_counter() - started) * 1000

    wall: list[float] = []
    cpu: list[float] = []
    by_kind: dict[str, list[float]] = {"en": [], "ko/mixed": [], "no q": []}
    for i in range(repeats):
        query = QUERIES[i % len(QUERIES)]
        user = users[i % 2]
        started, started_cpu = time.perf_counter(), time.process_time()
        answer = service.ranked(user, query)
        elapsed = (time.perf_counter() - started) * 1000
        assert answer["items"], "the service answered nothing"
        wall.append(elapsed)
        cpu.append((time.process_time() - started_cpu) * 1000)
        kind = "no q" if query is None else ("en" if query.isascii() else "ko/mixed")
        by_kind[kind].append(elapsed)

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[18]

    return (
        f"{size:>7}{load_s:>8.1f}{cold_ms:>9.0f}{refresh_ms:>10.1f}{statistics.median(wall):>10.1f}"
        f"{p95(wall):>10.1f}{statistics.median(cpu):>9.1f}{p95(cpu):>9.1f}"
        + "".join(f"{statistics.median(v):>10.1f}" for v in by_kind.values())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--repeats", type=int, default=70)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    print("times in ms (model load in s); wall = elapsed, cpu = this process's CPU time")
    print(f"{'agents':>7}{'load s':>8}{'cold':>9}{'refresh':>10}{'p50 wall':>10}{'p95 wall':>10}"
          f"{'p50 cpu':>9}{'p95 cpu':>9}{'EN p50':>10}{'KO p50':>10}{'no-q p50':>10}")
    for size in (int(s) for s in args.sizes.split(",")):
        print(measure(size, args.repeats))


if __name__ == "__main__":
    main()
