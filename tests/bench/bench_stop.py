"""Benchmark: how quickly Stop ends a streaming chat run on the local runtime. A script (prints figures,
asserts nothing about time):

    .venv/bin/python tests/bench/bench_stop.py [--runs 20]

It starts the local runtime and a mock LLM that streams slowly, registers a CUSTOM agent on it, and for each
run sends `invoke`, waits for two chunks, sends `cancel` (the second WebSocket message, handled by ws_cancel
in another function invocation; the run sees it through ChatsTable) and measures until the `stopped`
message: the time from `cancel` to the `stopping` answer and to the run's end, and how many chunks still
arrived in between. The run loop polls for a Stop every `stop_poll_s` (1 s), so the end is expected within
about one poll interval plus a save and a push.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

import httpx
from websockets.sync.client import connect

from tests.e2e.tracing.mock_llm import MockLlm
from tests.e2e.tracing.runtime_helpers import start_runtime


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    llm = MockLlm(chunks=200, pause_s=0.1)
    llm.script = lambda body: " ".join(f"w{i}" for i in range(200))
    llm.start()
    process, rt = start_runtime()
    try:
        token = rt.sign_in("admin")
        api = httpx.Client(base_url=rt.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        agent = api.post("/api/my-agents", json={"name": "Slow", "framework": "CUSTOM",
                                                 "endpoint": {"base_url": llm.base_url, "custom_protocol": "openai"}}
                         ).json()  # fmt: skip
        session = api.post(f"/api/agents/{agent['id']}/sessions", json={}).json()
        ws = connect(f"{rt.ws_url}?token={token}", open_timeout=30)
        to_ack, to_end, late_chunks = [], [], []
        for run in range(args.runs):
            rid = f"bench-{run}"
            ws.send(json.dumps({"action": "invoke", "session_id": session["session_id"], "message": "go",
                                "request_id": rid}))  # fmt: skip
            chunks = 0
            while chunks < 2:
                if json.loads(ws.recv(timeout=60)).get("type") == "chunk":
                    chunks += 1
            sent = time.perf_counter()
            ws.send(json.dumps({"action": "cancel", "session_id": session["session_id"], "request_id": rid}))
            late = 0
            while True:
                push = json.loads(ws.recv(timeout=60))
                kind = push.get("type")
                if kind == "stopping":
                    to_ack.append((time.perf_counter() - sent) * 1000)
                elif kind == "chunk":
                    late += 1
                elif kind in ("message", "error"):
                    to_end.append((time.perf_counter() - sent) * 1000)
                    assert push["message"]["status"] == "stopped", push
                    break
            late_chunks.append(late)
        ws.close()
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.runs} runs, poll interval 1 s")
        print(f"cancel -> stopping   p50 {statistics.median(to_ack):7.1f} ms  p95 {_pct(to_ack, 0.95):7.1f} ms")
        print(f"cancel -> run ended  p50 {statistics.median(to_end):7.1f} ms  p95 {_pct(to_end, 0.95):7.1f} ms"
              f"  max {max(to_end):7.1f} ms")
        print(f"chunks after cancel  p50 {statistics.median(late_chunks):5.1f}  max {max(late_chunks)}"
              f"  (the agent streams one every 100 ms)")
    finally:
        process.terminate()
        process.wait(timeout=30)
        llm.stop()


if __name__ == "__main__":
    main()
