"""Benchmark: what the format bridges cost per call, in-process (prints figures, asserts nothing about time):

    .venv/bin/python tests/bench/bench_bridges.py [--rounds 2000]

For each translated direction (client ← upstream): the request rewrite, the whole-answer rewrite, and a
streamed answer (two text deltas and two parallel tool calls, ~10 upstream events) fed through a fresh
translator — p50 and p95 in microseconds, and events in / out. The proxy's added latency on a translated call
is roughly request + response (or, streamed, the per-event share of the stream figure).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "layers/core/python"), str(ROOT)]

from a2g.tracing.formats.bridges import bridge_between

from tests.unit.tracing.bridges.bridge_payloads import UPSTREAM

REQUESTS = {
    "chat": {"model": "m", "stream": True, "messages": [{"role": "system", "content": "Be brief."},
                                                         {"role": "user", "content": "Weather in Paris?"}],
             "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]},
    "messages": {"model": "m", "max_tokens": 100, "system": "Be brief.", "stream": True,
                 "messages": [{"role": "user", "content": "Weather in Paris?"}],
                 "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}]},
    "gemini": {"contents": [{"role": "user", "parts": [{"text": "Weather in Paris?"}]}],
               "systemInstruction": {"parts": [{"text": "Be brief."}]},
               "tools": [{"functionDeclarations": [{"name": "get_weather", "parameters": {"type": "OBJECT"}}]}]},
    "responses": {"model": "m", "input": "Weather in Paris?", "instructions": "Be brief.", "stream": True,
                  "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]},
}


def _us(samples: list[float]) -> str:
    samples = sorted(samples)
    return f"p50 {samples[len(samples) // 2] * 1e6:7.1f} µs  p95 {samples[int(len(samples) * 0.95)] * 1e6:7.1f} µs"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    rounds = parser.parse_args().rounds
    print(f"{'client <- upstream':24} {'request':32} {'response':32} {'stream (whole)':32} events in/out")
    for client, body in REQUESTS.items():
        for upstream, (whole, stream, _) in UPSTREAM.items():
            bridge = bridge_between(client, upstream)
            if bridge is None:
                continue
            req, resp, strm = [], [], []
            out = b""
            for _ in range(rounds):
                t = time.perf_counter()
                bridge.request(body, model="m", stream=True)
                t1 = time.perf_counter()
                bridge.response(whole, request=body, model="m")
                t2 = time.perf_counter()
                translator = bridge.stream(request=body, model="m")
                out = translator.feed(stream) + translator.close()
                t3 = time.perf_counter()
                req.append(t1 - t)
                resp.append(t2 - t1)
                strm.append(t3 - t2)
            events_in = stream.count(b"data:")
            events_out = out.count(b"data:")
            print(f"{client + ' <- ' + upstream:24} {_us(req):32} {_us(resp):32} {_us(strm):32} "
                  f"{events_in}/{events_out}")


if __name__ == "__main__":
    main()
