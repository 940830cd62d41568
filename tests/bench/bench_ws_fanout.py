"""Benchmark: WebSocket fan-out of one trace's entries to 1, 50 and 200 subscribers. A script (prints figures,
asserts nothing about time):

    .venv/bin/python tests/bench/bench_ws_fanout.py [--rounds 20] [--sizes 1,50,200] [--concurrency 16]
                                                    [--modes in-process,http]

It starts the local runtime (its real log-proxy, DynamoDB Local, WebSocket API and @connections endpoint) and
the mock OpenAI-compatible LLM in separate processes, registers the mock through the admin API, makes one
trace per audience size and opens that many real WebSocket clients on it: half subscribe on connect
(`/ws?token=&trace_id=`), half with the `subscribe` action. Each round then makes one log-proxy call per trace,
in an order that rotates every round (so no size always goes first), and records, for every subscriber, the
delay from the proxy having answered the call to that subscriber having the entry on its socket. Printed:
p50/p95 of those delays per size, the p95 of each round's slowest subscriber, and the ratios against the
1-subscriber case measured in the same run, and the CPU the runtime process spent per call (answer, storage
and pushes; it moves far less with the machine's load than the delays do). `--modes in-process,http` runs one
runtime per push mode (the functions' in-process port, or signed HTTP requests to the runtime's own @connections
as before) with the rounds alternating between them, and prints the ratios. Target (issue 20): p95 ≤ 100 ms at
200 subscribers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.e2e.tracing.mock_llm import free_port
from tests.e2e.tracing.runtime_helpers import TracingRuntime, start_runtime


def cpu_ms(pid: int) -> float:
    """User + system CPU the process has used so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


class Subscriber:
    """One WebSocket client; notes when each entry (found by its marker) reached it."""

    def __init__(self, ws: ClientConnection):
        self.ws = ws
        self.arrivals: dict[str, float] = {}
        self.duplicates = 0
        self.task: asyncio.Task[None] | None = None

    async def listen(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                now = time.perf_counter()
                text = raw if isinstance(raw, str) else raw.decode()
                # The marker is the call's user message; cheap to find without parsing the whole entry, so
                # 250 clients in one process do not add their own parsing to the figures.
                start = text.find("fanout-marker-")
                if start < 0 or '"trace.entry"' not in text:
                    continue
                marker = text[start:text.index('"', start)].split("\\", 1)[0]
                if marker in self.arrivals:
                    self.duplicates += 1
                else:
                    self.arrivals[marker] = now


async def open_subscribers(runtime: TracingRuntime, token: str, trace_id: str, count: int) -> list[Subscriber]:
    async def one(i: int) -> Subscriber:
        if i % 2 == 0:
            ws = await connect(f"{runtime.ws_url}?token={token}&trace_id={trace_id}", open_timeout=60,
                               max_size=2**20)
        else:
            ws = await connect(f"{runtime.ws_url}?token={token}", open_timeout=60, max_size=2**20)
            await ws.send(json.dumps({"action": "subscribe", "trace_id": trace_id}))
            reply = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if reply.get("type") != "subscribed":
                raise RuntimeError(f"subscribe answered {reply}")
        sub = Subscriber(ws)
        sub.task = asyncio.create_task(sub.listen())
        return sub

    subscribers: list[Subscriber] = []
    for batch in range(0, count, 20):  # 20 handshakes at a time: the runtime's function pool is bounded
        subscribers += await asyncio.gather(*(one(i) for i in range(batch, min(count, batch + 20))))
    return subscribers


class Setup:
    """One runtime (one push mode), its traces, audiences and figures."""

    def __init__(self, mode: str, runtime: TracingRuntime, pid: int, sizes: list[int]):
        self.mode, self.runtime, self.pid = mode, runtime, pid
        self.traces: dict[int, str] = {}
        self.audiences: dict[int, list[Subscriber]] = {}
        self.headers: dict[str, str] = {}
        self.delays: dict[int, list[float]] = {n: [] for n in sizes}
        self.slowest: dict[int, list[float]] = {n: [] for n in sizes}
        self.missing: dict[int, int] = dict.fromkeys(sizes, 0)
        self.cpu: dict[int, list[float]] = {n: [] for n in sizes}

    async def prepare(self, llm_url: str, sizes: list[int]) -> None:
        runtime = self.runtime
        token = runtime.sign_in("admin")
        admin = {"authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(timeout=60) as http:
            (await http.post(runtime.base_url + "/api/admin/llms", headers=admin, json={
                "name": "bench", "base_url": llm_url, "api_key": "sk-bench-0000", "models": ["bench-gpt"]})
             ).raise_for_status()
        self.headers = {"authorization": f"Bearer {runtime.api_key(token)}"}
        self.traces = {n: runtime.create_trace("admin", agent_id=f"agt_fanout_{n}") for n in sizes}
        for n in sizes:
            self.audiences[n] = await open_subscribers(runtime, token, self.traces[n], n)


async def run(setups: list[Setup], llm_url: str, args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    for setup in setups:
        await setup.prepare(llm_url, sizes)
    print(f"{sum(sizes) * len(setups)} WebSocket clients open", flush=True)

    async with httpx.AsyncClient(timeout=60) as http:
        async def call(setup: Setup, n: int, marker: str) -> float:
            url = f"{setup.runtime.base_url}/api/log-proxy/{setup.traces[n]}/v1/chat/completions"
            response = await http.post(url, headers=setup.headers, json={
                "model": "bench-gpt", "messages": [{"role": "user", "content": marker}]})
            response.raise_for_status()
            return time.perf_counter()

        async def wait_for(setup: Setup, n: int, marker: str, timeout: float = 10.0) -> None:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if all(marker in s.arrivals for s in setup.audiences[n]):
                    return
                await asyncio.sleep(0.005)

        loads: list[float] = []
        for i in range(args.warmup + args.rounds):
            order = sizes[i % len(sizes):] + sizes[:i % len(sizes)]
            modes = setups[i % len(setups):] + setups[:i % len(setups)]
            for setup in modes:
                for n in order:
                    marker = f"fanout-marker-{n}-{i}"
                    cpu_before = cpu_ms(setup.pid)
                    answered = await call(setup, n, marker)
                    await wait_for(setup, n, marker)
                    setup.cpu[n].append(cpu_ms(setup.pid) - cpu_before)
                    if i < args.warmup:
                        continue
                    got = [(s.arrivals[marker] - answered) * 1000 for s in setup.audiences[n] if marker in s.arrivals]
                    setup.missing[n] += n - len(got)
                    setup.delays[n] += got
                    if got:
                        setup.slowest[n].append(max(got))
                    await asyncio.sleep(args.gap_ms / 1000)
            if i >= args.warmup:
                loads.append(os.getloadavg()[0])

    print(f"WebSocket fan-out benchmark — {args.rounds} interleaved rounds (+{args.warmup} warm-up), "
          f"{args.gap_ms:.0f} ms between calls, push modes {', '.join(s.mode for s in setups)} "
          f"(one runtime each, rounds alternating)")
    print(f"machine load average while measuring: min {min(loads):.1f}, median {statistics.median(loads):.1f}, "
          f"max {max(loads):.1f} (1 min), {os.cpu_count()} cores")
    print("push latency: proxy answered the call → subscriber has the entry")
    base = sizes[0]
    for setup in setups:
        print(f" {setup.mode}:")
        for n in sizes:
            p50, p95 = pct(setup.delays[n], 50), pct(setup.delays[n], 95)
            ratio = (f"   ×{p50 / pct(setup.delays[base], 50):5.1f} p50, ×{p95 / pct(setup.delays[base], 95):5.1f} "
                     f"p95 vs {base}" if n != base else "")
            print(f"  {n:4d} subscribers  p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   slowest per round p95 "
                  f"{pct(setup.slowest[n], 95):7.1f} ms   runtime CPU per call {statistics.mean(setup.cpu[n]):6.1f} ms "
                  f"(mean)   (n={len(setup.delays[n])}, missing {setup.missing[n]}){ratio}")
    if len(setups) == 2:
        first, second = setups
        for n in sizes:
            print(f"  {n:4d} subscribers  {second.mode} / {first.mode}: p50 ×"
                  f"{pct(second.delays[n], 50) / pct(first.delays[n], 50):5.2f}, p95 ×"
                  f"{pct(second.delays[n], 95) / pct(first.delays[n], 95):5.2f}, CPU per call ×"
                  f"{statistics.mean(second.cpu[n]) / max(0.1, statistics.mean(first.cpu[n])):5.2f}")
    duplicates = sum(s.duplicates for setup in setups for subs in setup.audiences.values() for s in subs)
    print(f"duplicate deliveries: {duplicates}   target: p95 ≤ 100 ms at 200 subscribers")
    everyone = [s for setup in setups for subs in setup.audiences.values() for s in subs]
    await asyncio.gather(*(s.ws.close() for s in everyone))
    for s in everyone:
        if s.task:
            s.task.cancel()
    await asyncio.sleep(3)  # let the runtime run the $disconnect functions before it is stopped


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20, help="measured rounds (each: one call per size)")
    parser.add_argument("--warmup", type=int, default=10,
                        help="unmeasured rounds first (thread pools and their per-thread clients warm up)")
    parser.add_argument("--sizes", default="1,50,200", help="audience sizes; the first is the ratios' base")
    parser.add_argument("--concurrency", type=int, help="A2G_WS_PUSH_CONCURRENCY for the runtime")
    parser.add_argument("--gap-ms", type=float, default=100.0, help="pause after each round's call")
    parser.add_argument("--modes", default="in-process",
                        help="how the runtime's functions push (A2G_LOCAL_WS_PUSH), one runtime each, rounds "
                             "alternating: in-process (the default), http (signed requests to its @connections), "
                             "or both: in-process,http")
    args = parser.parse_args()

    llm_port = free_port()
    llm = subprocess.Popen([sys.executable, "-m", "tests.e2e.tracing.mock_llm", str(llm_port)], cwd=ROOT,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    extra: dict[str, Any] = {"POWERTOOLS_LOG_LEVEL": "ERROR", "A2G_LOG_LEVEL": "WARNING",
                             "A2G_API_KEY_RATE_LIMIT": "100000"}
    if args.concurrency:
        extra["A2G_WS_PUSH_CONCURRENCY"] = str(args.concurrency)
    processes: list[subprocess.Popen[bytes]] = []
    setups: list[Setup] = []
    sizes = [int(s) for s in args.sizes.split(",")]
    try:
        for mode in args.modes.split(","):
            process, runtime = start_runtime({**extra, "A2G_LOCAL_WS_PUSH": mode})
            processes.append(process)
            setups.append(Setup(mode, runtime, process.pid, sizes))
        asyncio.run(run(setups, f"http://127.0.0.1:{llm_port}/v1", args))
    finally:
        for process in processes:
            process.terminate()
        llm.terminate()
        for process in processes:
            process.wait(timeout=60)
        llm.wait(timeout=10)

if __name__ == "__main__":
    main()
