"""Agent-ranking benchmark, on two sets: MetaTool (English, with hand-written Korean and mixed requests)
and the enterprise development set (``enterprise.py``: 78 agents, 246 ko / en / mixed requests with graded
judgements, 25 users' usage histories). Prints, in one run:

* relevance per set and language: nDCG@10, Recall@5, MRR of the hybrid ranker vs BM25 (plain and the
  ranker's own lexical side) and the ratio, after tuning the fusion on both sets' dev splits together
  (``relevance.py``);
* match calibration: how often the written-for agent is a "good match", and that nonsense gets "none";
* history without a request: the history ranker vs popularity vs random (``relevance.history_section``);
* latency of ``AgentRanker.rank`` at 1,000 agents (single-threaded BLAS), cold start including model
  load (a fresh process), memory.

Run:  .venv/bin/python tests/bench/ranking/bench_ranking.py [--queries 1000] [--dev 500] [--seed 7]
      [--latency-only] [--sizes 1000] [--repeats 70] [--memory-only]

The file name does not start with ``test_``, so pytest never collects it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

# A 512 MB Lambda has about a third of a vCPU: multi-threaded BLAS only adds contention there, and on a
# shared machine it turns milliseconds into seconds. Measure what the function will run.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "layers" / "core" / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from a2g.ranking import AgentDocument, AgentRanker, TextEmbedder, UsageSignal, default_embedder

# the shared data folder sits beside the checkout (or beside the folder of worktrees)
DATA = next(
    (p for p in (REPO.parent / "shared" / "data" / "ranking", REPO.parents[1] / "shared" / "data" / "ranking") if p.is_dir()),
    REPO.parent / "shared" / "data" / "ranking",
)


def synthetic_catalogue(size: int, rng: random.Random, dimension: int) -> list[AgentDocument]:
    if DATA.is_dir():
        descriptions = list(json.loads((DATA / "plugin_des.json").read_text(encoding="utf-8")).values())
    else:
        descriptions = ["An agent that helps with work."]
    words = " ".join(descriptions).split()
    vectors = np.random.default_rng(size).standard_normal((size, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    agents = []
    for i in range(size):
        skills = [
            (" ".join(rng.sample(words, 2)), " ".join(rng.sample(words, 8)), rng.sample(words, 2))
            for _ in range(rng.randint(0, 3))
        ]
        agents.append(
            AgentDocument(
                agent_id=f"agent-{i:05d}",
                name=f"{rng.choice(words)}-{i}",
                description=rng.choice(descriptions) + " " + " ".join(rng.sample(words, 10)),
                skills=skills,
                embedding=vectors[i],
                team=f"team-{i % 7}",
            )
        )
    return agents


def _fresh(agent: AgentDocument) -> AgentDocument:
    """A copy with new string and array objects, as decoded from a database on each request."""
    return replace(
        agent,
        agent_id="".join(agent.agent_id),
        name=(agent.name + " ")[:-1],
        description=(agent.description + " ")[:-1],
        embedding=None if agent.embedding is None else agent.embedding.copy(),
    )


def latency_section(sizes: list[int], repeats: int, model: TextEmbedder) -> list[str]:
    rng = random.Random(3)
    queries = [
        "translate my spec sheet to English",
        "what's the weather tomorrow in Busan",
        "이 문서 영어로 번역해줘",
        "PDF 파일 요약해줘",
        "find me a recipe with chicken",
        "help me write a cover letter for a job",
        None,
    ]
    load_avg = os.getloadavg()[0]
    lines = [
        (
            f"machine load average {load_avg:.1f} on {os.cpu_count()} cores; "
            f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}"
        ),
        "wall = elapsed time; cpu = this process's CPU time (what the call costs without contention)",
        (
            f"{'agents':>7}{'cold ms':>9}{'p50 wall':>10}{'p95 wall':>10}{'p50 cpu':>9}{'p95 cpu':>9}"
            f"{'EN p50':>8}{'KO p50':>8}{'fresh p50':>11}{'no-q p50':>10}"
        ),
    ]
    for size in sizes:
        agents = synthetic_catalogue(size, rng, model.dimension)  # type: ignore[attr-defined]
        history = [
            UsageSignal(a.agent_id, rng.randint(1, 40), time.time() - rng.uniform(0, 90) * 86_400)
            for a in rng.sample(agents, min(10, size))
        ]
        team = {a.agent_id: rng.randint(0, 50) for a in rng.sample(agents, min(size, 200))}
        overall = {a.agent_id: rng.randint(0, 500) for a in agents}
        ranker = AgentRanker(model)
        started = time.perf_counter()
        ranker.rank(agents, queries[0], history, team, overall)
        cold = (time.perf_counter() - started) * 1000
        timings, cpu, no_query = [], [], []
        by_language: dict[str, list[float]] = {"en": [], "ko": []}
        for i in range(repeats):
            query = queries[i % len(queries)]
            started, started_cpu = time.perf_counter(), time.process_time()
            ranker.rank(agents, query, history, team, overall)
            elapsed = (time.perf_counter() - started) * 1000
            if query is None:
                no_query.append(elapsed)
                continue
            timings.append(elapsed)
            cpu.append((time.process_time() - started_cpu) * 1000)
            by_language["en" if query.isascii() else "ko"].append(elapsed)
        fresh = []
        for i in range(max(5, repeats // 5)):
            copies = [_fresh(a) for a in agents]
            started = time.perf_counter()
            ranker.rank(copies, queries[i % 6], history, team, overall)
            fresh.append((time.perf_counter() - started) * 1000)

        def p95(values: list[float]) -> float:
            return statistics.quantiles(values, n=20)[18]

        lines.append(
            f"{size:>7}{cold:>9.0f}{statistics.median(timings):>10.1f}{p95(timings):>10.1f}"
            f"{statistics.median(cpu):>9.1f}{p95(cpu):>9.1f}"
            f"{statistics.median(by_language['en']):>8.1f}{statistics.median(by_language['ko']):>8.1f}"
            f"{statistics.median(fresh):>11.1f}{statistics.median(no_query):>10.1f}"
        )
    return lines


LAMBDA_PROBE = """
import os, sys
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, {path!r})
import numpy as np
from a2g.ranking import AgentDocument, AgentRanker, default_embedder
model = default_embedder(multilingual={multilingual})
rng = np.random.default_rng(1)
vectors = rng.standard_normal((1000, model.dimension)).astype(np.float32)
agents = [AgentDocument(f"a{{i}}", f"agent {{i}}", "helps with things " * 20, [], vectors[i]) for i in range(1000)]
ranker = AgentRanker(model)
for q in ["translate my spec sheet", "이 문서 번역해줘", None] * 5:
    ranker.rank(agents, q, [], {{}}, {{}})
# VmHWM, not ru_maxrss: Linux carries ru_maxrss of the parent over fork and exec
print(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")))
"""


COLD_PROBE = """
import os, sys, time
os.environ["OPENBLAS_NUM_THREADS"] = "1"; os.environ["OMP_NUM_THREADS"] = "1"
wall, cpu = time.perf_counter(), time.process_time()
sys.path.insert(0, {path!r})
import numpy as np
from a2g.ranking import AgentDocument, AgentRanker, default_embedder
model = default_embedder()
rng = np.random.default_rng(1)
vectors = rng.standard_normal((1000, model.dimension)).astype(np.float32)
vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
agents = [AgentDocument(f"a{{i}}", f"agent {{i}}", "helps with things " * 20, [], vectors[i]) for i in range(1000)]
ranker = AgentRanker(model)
ranker.rank(agents, "translate my spec sheet", [], {{}}, {{}})
ranker.rank(agents, "이 문서 번역해줘", [], {{}}, {{}})
print(time.perf_counter() - wall, time.process_time() - cpu)
"""


MODEL_MEMORY_PROBE = """
import os, sys
os.environ["OPENBLAS_NUM_THREADS"] = "1"; os.environ["OMP_NUM_THREADS"] = "1"
sys.path.insert(0, {path!r})

def rss():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS")) / 1024

steps = []
import numpy as np, tokenizers, safetensors.numpy  # the RankingLayer's libraries: not the models' share
from a2g.ranking import AgentRanker
from a2g.ranking.embedder import MiniLMEmbedder
from a2g.ranking.multilingual import BilingualEmbedder, e5_model_path
steps.append(("import", rss()))
english = MiniLMEmbedder()
steps.append(("MiniLM loaded", rss()))
model = BilingualEmbedder(english, e5_model_path())
model.multilingual
steps.append(("e5 loaded", rss()))
model.embed_query("translate my spec sheet to English")
steps.append(("English request", rss()))
model.embed_query("이 문서 영어로 번역해줘")
steps.append(("Korean request", rss()))
texts = [f"Agent {{i}} summarises PDF contracts, 계약서 {{i}} 검토와 번역, quarterly finance reports " * 3
         for i in range(64)]
model.embed(texts)
steps.append(("64 agent texts embedded", rss()))
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
print(" | ".join(f"{{name}} {{value:.0f}}" for name, value in steps)
      + f" || models: {{steps[-1][1] - steps[0][1]:.0f}} MB (MiniLM +{{steps[1][1] - steps[0][1]:.0f}}, "
      + f"e5 +{{steps[2][1] - steps[1][1]:.0f}}, use +{{steps[-1][1] - steps[2][1]:.0f}}); peak {{peak:.0f}} MB")
"""


def model_memory() -> str:
    """Resident size of a fresh process step by step: the libraries, each model, then using them."""
    out = subprocess.run(
        [sys.executable, "-c", MODEL_MEMORY_PROBE.format(path=str(REPO / "layers" / "core" / "python"))],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    return f"RSS MB, fresh process: {out} (goal: both models ≤ 130 MB)"


def cold_start(runs: int = 3) -> list[str]:
    """A fresh interpreter: imports, both models loaded, a 1,000-agent catalogue indexed, one English and
    one Korean request ranked (what the first request of a cold function pays, before the handler's
    own imports)."""
    walls, cpus = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", COLD_PROBE.format(path=str(REPO / "layers" / "core" / "python"))],
            capture_output=True, text=True, check=True,
        ).stdout.split()
        walls.append(float(out[0]))
        cpus.append(float(out[1]))
    return [
        (
            f"cold start (fresh process: import, load MiniLM + e5, index 1,000 agents, rank EN + KO), {runs} runs: "
            f"wall median {statistics.median(walls):.2f} s (min {min(walls):.2f}), CPU median "
            f"{statistics.median(cpus):.2f} s; load average {os.getloadavg()[0]:.1f} (goal ≤ 2 s)"
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=1000, help="held-out MetaTool requests (default 1000)")
    parser.add_argument("--dev", type=int, default=500, help="MetaTool dev requests for tuning (default 500)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=70, help="rank() calls per catalogue size")
    parser.add_argument("--sizes", default="1000")
    parser.add_argument("--latency-only", action="store_true", help="skip relevance and history")
    parser.add_argument("--memory-only", action="store_true", help="only the memory figures")
    args = parser.parse_args()
    if args.memory_only:
        print(model_memory())
        return

    import relevance

    model = default_embedder()
    print(f"load average at start: {os.getloadavg()}")
    if not args.latency_only:
        print("== relevance ==")
        lines, state = relevance.relevance_section(model, DATA, args.queries, args.dev, args.seed)  # type: ignore[arg-type]
        for line in lines:
            print(line, flush=True)
        print("\n== history without a request (enterprise set) ==")
        for line in relevance.history_section(state["placed"], state["catalogues"]["Enterprise"]):
            print(line, flush=True)

    print("\n== latency of AgentRanker.rank (query embedding included) ==")
    for line in latency_section([int(s) for s in args.sizes.split(",")], args.repeats, model):
        print(line, flush=True)
    print("\n== cold start ==")
    for line in cold_start():
        print(line, flush=True)

    print("\n== memory ==")
    print(model_memory(), flush=True)
    probe = subprocess.run(
        [sys.executable, "-c", LAMBDA_PROBE.format(path=str(REPO / "layers" / "core" / "python"), multilingual=True)],
        capture_output=True, text=True, check=True,
    )
    print(f"peak RSS, fresh process ranking 1,000 agents, English + Korean requests: {int(probe.stdout) / 1024:.0f} MB")


if __name__ == "__main__":
    main()
