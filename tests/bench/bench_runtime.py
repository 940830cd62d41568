"""Benchmark of the local runtime (prints figures; never asserts on time).

    .venv/bin/python tests/bench/bench_runtime.py [--requests 2000] [--pushes 500]

1. GET /api/health through the local runtime (API Gateway v2 event -> Mangum -> FastAPI -> DynamoDB Local)
   against the same FastAPI app under plain uvicorn with the same environment and the same DynamoDB Local:
   requests/s and p50/p95 latency, one keep-alive client, then 8 concurrent clients; the two servers are
   measured in alternating rounds so that load from elsewhere on the machine hits both alike.
2. WebSocket push latency: boto3 `post_to_connection` called -> the client has the message, p50/p95
   (on the test-only template, whose authorizer accepts token "good"); and the full round trip
   client message -> route function -> push -> client.

Loopback only; bounded request counts.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))
from tests.e2e.conftest import RuntimeProcess, start_runtime

FIXTURE_TEMPLATE = REPO_ROOT / "tests" / "e2e" / "fixtures" / "runtime_template" / "template.yaml"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _sequential(url: str, count: int) -> tuple[float, list[float]]:
    latencies = []
    with httpx.Client(timeout=30) as client:
        started = time.perf_counter()
        for _ in range(count):
            t0 = time.perf_counter()
            r = client.get(url)
            latencies.append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200:
                raise SystemExit(f"{url} answered {r.status_code}: {r.text[:200]}")
        elapsed = time.perf_counter() - started
    return count / elapsed, latencies


def _concurrent(url: str, count: int, workers: int = 8) -> float:
    per_worker = count // workers
    errors: list[str] = []

    def work() -> None:
        with httpx.Client(timeout=30) as client:
            for _ in range(per_worker):
                r = client.get(url)
                if r.status_code != 200:
                    errors.append(r.text[:200])

    threads = [threading.Thread(target=work) for _ in range(workers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} errors, first: {errors[0]}")
    return per_worker * workers / elapsed


def _start_plain_uvicorn(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    launch = {k: v for k, v in os.environ.items() if not k.startswith(("A2G_", "AWS_"))}
    launch.update(env)
    launch["PYTHONPATH"] = str(REPO_ROOT / "layers" / "core" / "python")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app:app", "--app-dir", str(REPO_ROOT / "functions" / "health"),
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=launch, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api/health"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"uvicorn exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("plain uvicorn did not start")


def bench_health(requests: int, rounds: int = 4) -> None:
    rt = start_runtime()
    uvicorn_process = None
    try:
        rt.require_functions = lambda *a: None  # type: ignore[method-assign]
        handler_env = dict(rt.env)
        uvicorn_process, plain_url = _start_plain_uvicorn(handler_env)
        runtime_url = rt.url("/api/health")
        for url in (runtime_url, plain_url):  # warm up: imports, connections, DynamoDB Local's JIT
            _sequential(url, 200)
        per_round = max(50, requests // rounds)
        seq: dict[str, list[float]] = {"runtime": [], "uvicorn": []}
        rps: dict[str, list[float]] = {"runtime": [], "uvicorn": []}
        conc: dict[str, list[float]] = {"runtime": [], "uvicorn": []}
        for _ in range(rounds):
            for name, url in (("runtime", runtime_url), ("uvicorn", plain_url)):
                rate, latencies = _sequential(url, per_round)
                rps[name].append(rate)
                seq[name].extend(latencies)
                conc[name].append(_concurrent(url, per_round))
        print(f"\nGET /api/health - {per_round * rounds} sequential + {per_round * rounds} concurrent (8 clients) "
              f"requests per server, {rounds} alternating rounds")
        print(f"{'':28}{'local runtime':>16}{'plain uvicorn':>16}{'ratio':>10}")
        r_rps, u_rps = statistics.mean(rps["runtime"]), statistics.mean(rps["uvicorn"])
        r_conc, u_conc = statistics.mean(conc["runtime"]), statistics.mean(conc["uvicorn"])
        print(f"{'req/s, 1 client':28}{r_rps:16.0f}{u_rps:16.0f}{r_rps / u_rps:10.2f}")
        print(f"{'req/s, 8 clients':28}{r_conc:16.0f}{u_conc:16.0f}{r_conc / u_conc:10.2f}")
        for q, label in ((0.5, "p50 latency (ms)"), (0.95, "p95 latency (ms)")):
            r, u = _percentile(seq["runtime"], q), _percentile(seq["uvicorn"], q)
            print(f"{label:28}{r:16.2f}{u:16.2f}{r / u:10.2f}")
    finally:
        if uvicorn_process is not None:
            os.killpg(uvicorn_process.pid, 15)
            uvicorn_process.wait(timeout=10)
        rt.cleanup()


def bench_push(pushes: int) -> None:
    from websockets.sync.client import connect

    rt: RuntimeProcess = start_runtime(FIXTURE_TEMPLATE, strict=True)
    try:
        management = rt.boto3_client("apigatewaymanagementapi")
        with connect(rt.ws_connect_url(token="good"), max_size=2**20) as ws:
            ws.send(json.dumps({"action": "echo"}))
            connection_id = json.loads(ws.recv(timeout=10))["connection_id"]
            for i in range(50):  # warm up
                management.post_to_connection(ConnectionId=connection_id, Data=b'{"warm": %d}' % i)
                ws.recv(timeout=10)
            push: list[float] = []
            for i in range(pushes):
                payload = json.dumps({"i": i, "pad": "x" * 200}).encode()
                t0 = time.perf_counter()
                management.post_to_connection(ConnectionId=connection_id, Data=payload)
                got = ws.recv(timeout=10)
                push.append((time.perf_counter() - t0) * 1000)
                assert json.loads(got)["i"] == i
            round_trip: list[float] = []
            for i in range(pushes):
                t0 = time.perf_counter()
                ws.send(json.dumps({"action": "echo", "i": i}))
                reply = json.loads(ws.recv(timeout=10))
                round_trip.append((time.perf_counter() - t0) * 1000)
                assert reply["body"]["i"] == i
        print(f"\nWebSocket, {pushes} messages each")
        print(f"{'':52}{'p50 ms':>10}{'p95 ms':>10}")
        print(f"{'post_to_connection (boto3) -> client received':52}"
              f"{_percentile(push, 0.5):10.2f}{_percentile(push, 0.95):10.2f}")
        print(f"{'client message -> route function pushes -> client':52}"
              f"{_percentile(round_trip, 0.5):10.2f}{_percentile(round_trip, 0.95):10.2f}")
    finally:
        rt.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="requests per server and mode (bounded)")
    parser.add_argument("--pushes", type=int, default=500)
    args = parser.parse_args()
    tempfile.tempdir = tempfile.gettempdir()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    bench_health(min(args.requests, 20000))
    bench_push(min(args.pushes, 5000))


if __name__ == "__main__":
    main()
