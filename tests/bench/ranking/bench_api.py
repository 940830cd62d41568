"""`GET /api/agents/ranked` through the real API (local runtime: HTTP -> API Gateway event -> the ranking
function -> DynamoDB Local) at 100, 1,000 and 5,000 PRODUCTION agents, with catalogue refreshes included.

Run:  .venv/bin/python tests/bench/ranking/bench_api.py [--sizes 100,1000,5000] [--requests 150]

Agents are written through the registry's own repository (`AgentRepository.create`, the write path that
bumps the catalogue marker) with a stored vector of the in-process model's width — as the embedding job
leaves them — so that seeding 5,000 agents takes a minute, not the hours the HTTP create would. Then, per
size, `--requests` ranking requests (English, Korean and empty queries) are interleaved with a baseline
request (`GET /api/health`, the runtime's floor); before every 10th ranking request the owner PATCHes one
agent through `/api/my-agents/{id}`, so that request pays for the marker check, the incremental read and
the in-place index update: those requests are in the p95, and are also reported apart ("refresh": a
colour change; "text": a description change, after which the function embeds that agent itself).

CPU: wall-clock figures on a shared machine mostly measure the queue for a core, so each request's CPU
time in the runtime process (every thread's, from /proc/<pid>/task/*/schedstat: nanoseconds; the HTTP
layer, the event conversion, the function and its background thread; DynamoDB Local's own Java process
not counted) is printed beside them, with the same for the health baseline.

Memory: the peak resident size (VmHWM) of the runtime process, which runs every function in-process
(the ranking function's own share is lower: tests/bench/ranking/bench_memory.py); the machine is shared,
so figures are noisy.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "layers" / "core" / "python"))

from tests.e2e.conftest import start_runtime

WORDS = [
    "translate",
    "summarize",
    "report",
    "weather",
    "forecast",
    "recipe",
    "cooking",
    "python",
    "code",
    "review",
    "tests",
    "sql",
    "query",
    "data",
    "warehouse",
    "travel",
    "flight",
    "hotel",
    "booking",
    "policy",
    "leave",
    "vacation",
    "slides",
    "presentation",
    "email",
    "draft",
    "contract",
    "legal",
    "invoice",
    "expense",
    "receipt",
    "image",
    "photo",
    "video",
    "meeting",
    "notes",
    "calendar",
    "schedule",
    "customer",
    "support",
    "ticket",
    "sales",
    "lead",
    "marketing",
    "campaign",
    "analytics",
    "dashboard",
    "chart",
    "security",
    "audit",
    "log",
    "monitoring",
    "alert",
]
QUERIES = [
    "translate my spec sheet to English",
    "이 문서 영어로 번역해줘",
    "find me a recipe with chicken",
    "python 코드 리뷰 부탁해",
    None,
    "book a flight and a hotel for the team offsite",
]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_ms(pid: int) -> float:
    """CPU time so far of every thread of `pid`, in ms (schedstat: ns on a CPU; finer than utime's ticks)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # a thread that ended meanwhile
    return total / 1e6


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--requests", type=int, default=150)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    rt = start_runtime()
    try:
        os.environ.update(rt.env)  # the handlers' settings: the runtime's DynamoDB Local and table names
        from a2g.agents.model import Agent, AgentStatus, Endpoint, Framework, Skill
        from a2g.agents.repository import AgentRepository
        from a2g.ranking import default_embedder, encode_embedding
        from a2g.ranking.embedder import embedder_name
        from helpers import approved_user

        embedder = default_embedder()
        dimension, model = int(embedder.dimension), embedder_name(embedder)  # type: ignore[attr-defined]
        owner = approved_user(rt, f"bench-owner-{uuid.uuid4().hex[:6]}", team="bench")
        reader = approved_user(rt, f"bench-reader-{uuid.uuid4().hex[:6]}", team="bench")
        repository = AgentRepository()
        rng = random.Random(5)
        vectors = np.random.default_rng(5).standard_normal((max(sizes), dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ids: list[str] = []

        def seed(up_to: int) -> float:
            started = time.perf_counter()
            while len(ids) < up_to:
                i = len(ids)
                now = datetime.now(UTC)
                agent = Agent(
                    id=f"agt_{uuid.uuid4().hex[:20]}",
                    owner_id=owner.user_id,
                    name=f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {i}",
                    description=" ".join(rng.choices(WORDS, k=25)) + ".",
                    skills=[
                        Skill(
                            name=rng.choice(WORDS),
                            description=" ".join(rng.choices(WORDS, k=8)),
                            tags=rng.sample(WORDS, 2),
                        )
                        for _ in range(rng.randint(0, 3))
                    ],
                    framework=Framework.CUSTOM,
                    endpoint=Endpoint(base_url=f"http://agents.test/{i}", custom_protocol="openai"),
                    status=AgentStatus.PRODUCTION,
                    created_at=now,
                    updated_at=now,
                )
                repository.create(agent, embedding=encode_embedding(vectors[i]), embedding_model=model)
                ids.append(agent.id)
            return time.perf_counter() - started

        print(
            f"{'agents':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'refresh p50':>12} {'text p50':>9}"
            f" {'health p50':>11} {'ratio p50':>10} {'first ms':>9} {'peak MB':>8}"
            f" | {'cpu p50':>8} {'cpu p95':>8} {'cpu refresh':>12} {'cpu text':>9} {'cpu health':>11}"
        )
        for size in sizes:
            seeded = seed(size)
            # Incremental reads re-read the last 5 s of writes (service._OVERLAP); a real catalogue is not
            # written in one minute, so let the seeding fall out of that window before measuring.
            time.sleep(6)
            started = time.perf_counter()
            first = reader.get("/api/agents/ranked", params={"q": "translate"})
            first_ms = (time.perf_counter() - started) * 1000
            assert first.status_code == 200, first.text
            for _ in range(3):
                reader.get("/api/agents/ranked", params={"q": "warm"})
            ranked, refresh, refresh_text, health = [], [], [], []
            cpu, cpu_refresh, cpu_text, cpu_health = [], [], [], []
            pid = rt.process.pid
            for n in range(args.requests):
                changed = n % 10 == 0
                if changed:
                    agent_id = rng.choice(ids)
                    current = owner.get(f"/api/my-agents/{agent_id}").json()
                    # Every other change is to the text: the registry then drops the stored vector and the
                    # ranking function embeds that agent itself; the others (colour) need no embedding.
                    text = (n // 10) % 2 == 1
                    change = (
                        {"description": " ".join(rng.choices(WORDS, k=20))}
                        if text
                        else {"color": rng.choice(["#4F46E5", "#059669", "#DC2626"])}
                    )
                    patched = owner.patch(
                        f"/api/my-agents/{agent_id}", json={"version": current["version"], **change}
                    )
                    assert patched.status_code == 200, patched.text
                q = QUERIES[n % len(QUERIES)]
                cpu_before, started = _cpu_ms(pid), time.perf_counter()
                response = reader.get("/api/agents/ranked", params={"q": q} if q else {})
                elapsed = (time.perf_counter() - started) * 1000
                spent = _cpu_ms(pid) - cpu_before
                assert response.status_code == 200, response.text
                ranked.append(elapsed)
                cpu.append(spent)
                if changed:
                    (refresh_text if text else refresh).append(elapsed)
                    (cpu_text if text else cpu_refresh).append(spent)
                cpu_before, started = _cpu_ms(pid), time.perf_counter()
                reader.get("/api/health")
                health.append((time.perf_counter() - started) * 1000)
                cpu_health.append(_cpu_ms(pid) - cpu_before)
            p50, h50 = statistics.median(ranked), statistics.median(health)
            print(
                f"{size:>7} {p50:>8.1f} {_pct(ranked, 0.95):>8.1f} {max(ranked):>8.1f}"
                f" {statistics.median(refresh):>12.1f} {statistics.median(refresh_text or [0]):>9.1f} {h50:>11.1f}"
                f" {p50 / h50:>9.1f}x {first_ms:>9.0f} {_peak_rss_mb(rt.process.pid):>8.0f}"
                f" | {statistics.median(cpu):>8.1f} {_pct(cpu, 0.95):>8.1f} {statistics.median(cpu_refresh):>12.1f}"
                f" {statistics.median(cpu_text or [0]):>9.1f} {statistics.median(cpu_health):>11.1f}"
                f"   (seeded in {seeded:.0f} s, load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    finally:
        rt.stop()


if __name__ == "__main__":
    main()
