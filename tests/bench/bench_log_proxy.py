"""Benchmark: what the log-proxy adds over calling the same LLM directly, and how fast entries reach the
live panel. A script (prints figures, asserts nothing about time):

    .venv/bin/python tests/bench/bench_log_proxy.py [--calls 200] [--stream-words 16]

It starts the local runtime (its real log-proxy, DynamoDB Local, WebSocket API) and the mock LLM in separate
processes, registers the mock through the admin API, and then, interleaved in one run (direct and proxied
alternate, order flipped every round so neither always goes first):
- non-streaming calls: latency direct vs through the proxy (p50/p95, and the added p50/p95 of the pairs);
- streaming calls: time to first chunk and total, direct vs proxied, and the number of SSE events each side saw;
- delivery: a WebSocket client subscribed to the trace records when each entry arrives; the delay from the
  client having the proxied answer to the entry on the socket (p50/p95).
Targets (issue 5): added p50 < 5 ms, identical chunk counts, delivery p95 < 100 ms.

`--record-modes N` runs the function itself in two processes of its own against one DynamoDB Local
(`tests/bench/lambda_log_proxy.py`): with the Lambda's wiring (`A2G_ENV=aws`, record mode `before_end`) and
with the local runtime's (`detach`), N calls of each kind per block, interleaved with each other and the direct
call, with the `--gap-ms` pause and with none; per block it prints the latency, the function process's CPU per
call (every thread; load-independent where the latency is not) and its DynamoDB calls per call.
Targets (issue 21): before_end ≤ 2 DynamoDB calls and ≤ 3 ms CPU per call. `--skip-runtime` runs only that;
`--baselines` adds, interleaved, the same Lambda wiring with its two writes through PynamoDB/botocore (as before
the lean client: `be/botocore`) and with no writes (`be/no-writes`, the floor).

`--formats N` then runs every wire format (issue 14) in N interleaved rounds — OpenAI chat and Responses,
Anthropic Messages, Gemini, plain and streamed, passed through; Anthropic and Gemini clients on the OpenAI LLM
and an OpenAI chat client on the Anthropic LLM, translated — each against the direct call and a bare aiohttp
relay (`tests/bench/bare_relay.py`: no checks, no logging) measured in the same rounds as the floor, and prints
the proxy's added p50 and time to first event as a ratio to the relay's (goal: at most 2x).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

import httpx
from websockets.sync.client import connect

from tests.e2e.tracing.mock_llm import free_port
from tests.e2e.tracing.runtime_helpers import start_runtime


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def fmt(values: list[float]) -> str:
    return f"p50 {pct(values, 50):7.2f} ms   p95 {pct(values, 95):7.2f} ms   (n={len(values)})"


def timed_call(client: httpx.Client, url: str, headers: dict[str, str], body: dict[str, Any]
               ) -> tuple[float, float | None, int, float]:
    """(total ms, first-chunk ms, SSE data events, perf_counter at completion)."""
    start = time.perf_counter()
    first = None
    events = 0
    with client.stream("POST", url, headers=headers, json=body) as response:
        response.raise_for_status()
        pending = b""
        for chunk in response.iter_raw():
            if first is None:
                first = (time.perf_counter() - start) * 1000
            pending += chunk
            *done, pending = pending.split(b"\n\n")
            events += sum(1 for event in done if b"data:" in event)
    end = time.perf_counter()
    return (end - start) * 1000, first, events, end


class DeliveryWatcher(threading.Thread):
    def __init__(self, ws_url: str):
        super().__init__(daemon=True)
        self.ws = connect(ws_url, open_timeout=30)
        self.arrivals: dict[str, float] = {}
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            try:
                raw = self.ws.recv(timeout=0.5)
            except TimeoutError:
                continue
            except Exception:  # noqa: BLE001 - closed
                return
            now = time.perf_counter()
            message = json.loads(raw)
            if message.get("type") == "trace.entry":
                messages = (message["entry"].get("request") or {}).get("messages") or [{}]
                self.arrivals[str(messages[-1].get("content"))] = now


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200, help="calls of each kind on each path")
    parser.add_argument("--stream-words", type=int, default=16)
    parser.add_argument("--formats", type=int, default=0, help="rounds of the every-format comparison (0: skip)")
    parser.add_argument("--record-modes", type=int, default=0,
                        help="calls per block of the before_end / detach comparison (0: skip)")
    parser.add_argument("--skip-runtime", action="store_true",
                        help="only the --record-modes comparison (no local runtime)")
    parser.add_argument("--baselines", action="store_true",
                        help="with --record-modes: also the Lambda wiring with its two writes through "
                             "PynamoDB/botocore (before the lean client) and with no writes at all (the floor)")
    parser.add_argument("--no-watch", action="store_true",
                        help="no WebSocket listener (isolates the proxy's own overhead from the pushes)")
    parser.add_argument("--gap-ms", type=float, default=50.0,
                        help="pause after every call: a real agent's calls are at least an LLM answer apart, "
                             "while back-to-back calls to a mock that answers in 3 ms make each call share the "
                             "machine with the previous call's recording (try --gap-ms 0)")
    args = parser.parse_args()
    if args.skip_runtime:
        run_record_modes(args)
        return

    llm_port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    llm = subprocess.Popen([sys.executable, "-m", "tests.e2e.tracing.mock_llm", str(llm_port)], cwd=ROOT, env=env)
    providers_port, relay_chat_port, relay_providers_port = free_port(), free_port(), free_port()
    helpers = [] if not args.formats else [
        subprocess.Popen([sys.executable, "-m", "tests.e2e.tracing.mock_providers", str(providers_port)], cwd=ROOT,
                         env=env),
        subprocess.Popen([sys.executable, "-m", "tests.bench.bare_relay", str(relay_chat_port),
                          f"http://127.0.0.1:{llm_port}"], cwd=ROOT, env=env),
        subprocess.Popen([sys.executable, "-m", "tests.bench.bare_relay", str(relay_providers_port),
                          f"http://127.0.0.1:{providers_port}"], cwd=ROOT, env=env),
    ]
    # The per-key limit (20/s by default) would throttle a benchmark's back-to-back calls.
    runtime_process, runtime = start_runtime({"POWERTOOLS_LOG_LEVEL": "ERROR", "A2G_LOG_LEVEL": "WARNING",
                                              "A2G_API_KEY_RATE_LIMIT": "100000"})
    try:
        run(runtime, f"http://127.0.0.1:{llm_port}/v1", args)
        if args.record_modes:
            run_record_modes(args)
        if args.formats:
            run_formats(runtime, args, runtime_process.pid, llm=f"http://127.0.0.1:{llm_port}", providers=f"http://127.0.0.1:{providers_port}",
                        relays={"chat": f"http://127.0.0.1:{relay_chat_port}/relay/x",
                                "providers": f"http://127.0.0.1:{relay_providers_port}/relay/x"})
    finally:
        runtime_process.terminate()
        llm.terminate()
        for helper in helpers:
            helper.terminate()
        runtime_process.wait(timeout=30)
        llm.wait(timeout=10)


def run(runtime: Any, llm_url: str, args: argparse.Namespace) -> None:
    token = runtime.sign_in("admin")
    admin = {"authorization": f"Bearer {token}"}
    httpx.post(runtime.base_url + "/api/admin/llms", headers=admin, json={
        "name": "bench", "base_url": llm_url, "api_key": "sk-bench-0000", "models": ["bench-gpt"]},
        timeout=60).raise_for_status()
    key = runtime.api_key(token)
    trace_id = runtime.create_trace("admin", agent_id="agt_bench")
    proxied_url = f"{runtime.base_url}/api/log-proxy/{trace_id}/v1/chat/completions"
    direct_url = f"{llm_url}/chat/completions"
    proxied_headers = {"authorization": f"Bearer {key}"}
    direct_headers = {"authorization": "Bearer sk-bench-0000"}
    watcher = None if args.no_watch else DeliveryWatcher(f"{runtime.ws_url}?token={token}&trace_id={trace_id}")
    if watcher is not None:
        watcher.start()

    words = " ".join(f"w{i}" for i in range(args.stream_words))
    client = httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=4))
    # Warm both paths (cold start, connection pools, caches) before measuring.
    for _ in range(10):
        for url, headers in ((direct_url, direct_headers), (proxied_url, proxied_headers)):
            timed_call(client, url, headers, {"model": "bench-gpt", "messages": [{"role": "user", "content": "warm"}]})
            timed_call(client, url, headers, {"model": "bench-gpt", "stream": True,
                                              "messages": [{"role": "user", "content": "warm " + words}]})

    plain = {"direct": [], "proxied": []}
    ttfc = {"direct": [], "proxied": []}
    total = {"direct": [], "proxied": []}
    events = {"direct": [], "proxied": []}
    added, added_ttfc = [], []
    answered: dict[str, float] = {}
    for i in range(args.calls):
        order = ("direct", "proxied") if i % 2 == 0 else ("proxied", "direct")
        round_plain: dict[str, float] = {}
        round_first: dict[str, float] = {}
        for side in order:
            url, headers = (direct_url, direct_headers) if side == "direct" else (proxied_url, proxied_headers)
            marker = f"plain {i} {side}"
            ms, _, _, done = timed_call(client, url, headers,
                                        {"model": "bench-gpt", "messages": [{"role": "user", "content": marker}]})
            time.sleep(args.gap_ms / 1000)
            plain[side].append(ms)
            round_plain[side] = ms
            if side == "proxied":
                answered[marker] = done
            marker = f"stream {i} {side} {words}"
            ms, first, count, done = timed_call(client, url, headers, {
                "model": "bench-gpt", "stream": True, "messages": [{"role": "user", "content": marker}]})
            total[side].append(ms)
            ttfc[side].append(first or ms)
            round_first[side] = first or ms
            events[side].append(count)
            if side == "proxied":
                answered[marker] = done
            time.sleep(args.gap_ms / 1000)
        added.append(round_plain["proxied"] - round_plain["direct"])
        added_ttfc.append(round_first["proxied"] - round_first["direct"])

    delivery: list[float] = []
    if watcher is not None:
        deadline = time.monotonic() + 10
        while len(watcher.arrivals) < len(answered) and time.monotonic() < deadline:
            time.sleep(0.05)
        watcher.stop = True
        delivery = [(watcher.arrivals[m] - t) * 1000 for m, t in answered.items() if m in watcher.arrivals]

    print(f"log-proxy benchmark — {args.calls} interleaved rounds, {args.gap_ms:.0f} ms after each call, "
          f"local runtime at {runtime.base_url}")
    print(f"machine load average: {os.getloadavg()[0]:.1f} (1 min), {os.cpu_count()} cores")
    print("non-streaming call latency")
    print(f"  direct      {fmt(plain['direct'])}")
    print(f"  proxied     {fmt(plain['proxied'])}")
    print(f"  added       {fmt(added)}      target: p50 < 5 ms")
    print(f"streaming ({args.stream_words} words) time to first chunk")
    print(f"  direct      {fmt(ttfc['direct'])}")
    print(f"  proxied     {fmt(ttfc['proxied'])}")
    print(f"  added       {fmt(added_ttfc)}")
    print("streaming total")
    print(f"  direct      {fmt(total['direct'])}")
    print(f"  proxied     {fmt(total['proxied'])}")
    same = events["direct"] == events["proxied"]
    print(f"SSE data events per stream: direct {statistics.mean(events['direct']):.1f}, "
          f"proxied {statistics.mean(events['proxied']):.1f} — identical in every round: {same}")
    if watcher is not None:
        print(f"trace delivery (client has the answer → entry on the WebSocket): {fmt(delivery)}   "
              "target: p95 < 100 ms")
        print(f"entries delivered: {len(delivery)} of {len(answered)}")


def run_record_modes(args: argparse.Namespace) -> None:
    """before_end (Lambda's wiring) and detach (the local runtime's) side by side: latency, CPU and DynamoDB
    calls per call of the function's own process, with and without a pause between calls."""
    sys.path[1:1] = [str(ROOT / "layers/core/python"), str(ROOT / "infrastructure/local")]
    from tests import environment_defaults

    environment_defaults.apply()  # the table names DynamoDB Local is given, as the function processes read them
    from tests.integration.dynamodb_local import dynamodb_local

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers/core/python"),
                                                        str(ROOT / "infrastructure/local")])}
    llm_port = free_port()
    llm = subprocess.Popen([sys.executable, "-m", "tests.e2e.tracing.mock_llm", str(llm_port)], cwd=ROOT, env=env)
    servers: dict[str, tuple[subprocess.Popen[str], str, dict[str, str]]] = {}
    try:
        with dynamodb_local("bench-modes") as ddb:
            sides = [("before_end", "aws", {}), ("detach", "local", {})]
            if args.baselines:  # the same Lambda wiring, interleaved: its writes through botocore, and none
                sides[1:1] = [("be/botocore", "aws", {"BENCH_BOTOCORE_WRITES": "1"}),
                              ("be/no-writes", "aws", {"BENCH_NO_STORAGE": "1"})]
            for mode, wiring, extra in sides:
                port = free_port()
                process = subprocess.Popen(
                    [sys.executable, "-m", "tests.bench.lambda_log_proxy", str(port), ddb,
                     f"http://127.0.0.1:{llm_port}/v1", wiring], cwd=ROOT, env={**env, **extra},
                    stdout=subprocess.PIPE, text=True)
                assert process.stdout is not None
                seeded = json.loads(process.stdout.readline())
                servers[mode] = (process, f"http://127.0.0.1:{port}", seeded)
            client = httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=4))
            for _, base, _ in servers.values():
                for _ in range(300):
                    try:
                        client.get(base + "/__bench/stats").raise_for_status()
                        break
                    except httpx.HTTPError:
                        time.sleep(0.1)
            _record_mode_blocks(client, servers, f"http://127.0.0.1:{llm_port}/v1", args)
    finally:
        for process, _, _ in servers.values():
            process.terminate()
            process.wait(timeout=30)
        llm.terminate()


def _record_mode_blocks(client: httpx.Client, servers: dict[str, Any], llm_url: str,
                        args: argparse.Namespace) -> None:
    sides = {"direct": (f"{llm_url}/chat/completions", {"authorization": "Bearer sk-bench-0000"})}
    for mode, (_, base, seeded) in servers.items():
        sides[mode] = (f"{base}/api/log-proxy/{seeded['trace_id']}/v1/chat/completions",
                       {"authorization": f"Bearer {seeded['key']}"})

    def stats(mode: str) -> dict[str, Any]:
        return client.get(servers[mode][1] + "/__bench/stats").json()  # type: ignore[no-any-return]

    def body(text: str, stream: bool) -> dict[str, Any]:
        return {"model": "bench-gpt", "stream": stream, "messages": [{"role": "user", "content": text}]}

    for i in range(20):  # warm: cold start, pools, caches
        for side, (url, headers) in sides.items():
            timed_call(client, url, headers, body(f"warm {i}", bool(i % 2)))
    time.sleep(1.5)
    print(f"\nrecord modes — the function in its own process against DynamoDB Local, {args.record_modes} calls per "
          f"block, interleaved ({', '.join(sides)}); load average {os.getloadavg()[0]:.1f}, "
          f"{os.cpu_count()} cores")
    print(f"{'block':22} {'side':12} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms/call':>12} {'DynamoDB calls/call':>20}")
    for gap_ms in (args.gap_ms, 0.0):
        for stream in (False, True):
            before = {mode: stats(mode) for mode in servers}
            latency: dict[str, list[float]] = {side: [] for side in sides}
            order = list(sides)
            for i in range(args.record_modes):
                for side in (order if i % 2 == 0 else order[::-1]):
                    url, headers = sides[side]
                    ms, _, _, _ = timed_call(client, url, headers, body(f"{side} {i}", stream))
                    latency[side].append(ms)
                    if gap_ms:
                        time.sleep(gap_ms / 1000)
            time.sleep(1.5)  # detach records after the answer and coalesces counters for a second
            after = {mode: stats(mode) for mode in servers}
            block = f"{'stream' if stream else 'plain'}, gap {gap_ms:.0f} ms"
            for side, values in latency.items():
                cpu = calls = ""
                if side in servers:
                    n = args.record_modes
                    cpu = f"{(after[side]['cpu_seconds'] - before[side]['cpu_seconds']) * 1000 / n:12.2f}"
                    made = {op: count - before[side]["dynamodb"].get(op, 0)
                            for op, count in after[side]["dynamodb"].items()}
                    total = sum(made.values()) / n
                    detail = ", ".join(f"{op} {count / n:.2f}" for op, count in sorted(made.items()) if count)
                    calls = f"{total:6.2f}  ({detail})"
                print(f"{block:22} {side:12} {pct(values, 50):8.2f} {pct(values, 95):8.2f} {cpu:>12} {calls}")
    print(f"load average after: {os.getloadavg()[0]:.1f}. Targets (issue 21): before_end ≤ 2 DynamoDB calls and "
          "≤ 3 ms CPU per call.")


def process_cpu_seconds(pid: int) -> float:
    """CPU time of every live thread of a process, in nanosecond resolution (/proc/<pid>/task/*/schedstat)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as fh:
                total += int(fh.read().split()[0])
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue  # a thread that ended meanwhile
    return total / 1e9


def run_formats(runtime: Any, args: argparse.Namespace, runtime_pid: int, llm: str, providers: str,
                relays: dict[str, str]) -> None:
    token = runtime.sign_in("admin")
    admin = {"authorization": f"Bearer {token}"}
    for name, provider, base, models in (("bench-openai", "openai", providers + "/v1", ["bench-resp"]),
                                         ("bench-anthropic", "anthropic", providers, ["bench-claude"]),
                                         ("bench-gemini", "gemini", providers, ["bench-gemini"])):
        httpx.post(runtime.base_url + "/api/admin/llms", headers=admin, json={
            "name": name, "provider": provider, "base_url": base, "api_key": "sk-bench-0000", "models": models},
            timeout=60).raise_for_status()
    key = runtime.api_key(token)
    base = f"{runtime.base_url}/api/log-proxy/{runtime.create_trace('admin', agent_id='agt_formats')}"
    words = " ".join(f"w{i}" for i in range(args.stream_words))
    gemini_path = "/v1beta/models/bench-gemini:"

    def chat(model: str, stream: bool) -> dict[str, Any]:
        return {"model": model, "stream": stream, "messages": [{"role": "user", "content": words}]}

    def messages(model: str, stream: bool) -> dict[str, Any]:
        return {"model": model, "max_tokens": 64, "stream": stream, "messages": [{"role": "user", "content": words}]}

    gemini_body = {"contents": [{"role": "user", "parts": [{"text": words}]}]}
    up = {"openai": {"authorization": "Bearer sk-bench-0000"}, "anthropic": {"x-api-key": "sk-bench-0000",
          "anthropic-version": "2023-06-01"}, "gemini": {"x-goog-api-key": "sk-bench-0000"}}
    mine = {"openai": {"authorization": f"Bearer {key}"}, "anthropic": {"x-api-key": key,
            "anthropic-version": "2023-06-01"}, "gemini": {"x-goog-api-key": key}}
    # name: (client headers, proxied path, body, direct URL and headers, relay URL or None)
    cases: dict[str, tuple[dict[str, str], str, dict[str, Any], str, dict[str, str], str | None]] = {}
    for stream in (False, True):
        tag = "stream" if stream else "plain"
        gemini_action = "streamGenerateContent?alt=sse" if stream else "generateContent"
        cases[f"chat {tag}"] = (mine["openai"], "/v1/chat/completions", chat("bench-gpt", stream),
                                llm + "/v1/chat/completions", up["openai"], relays["chat"] + "/v1/chat/completions")
        cases[f"responses {tag}"] = (mine["openai"], "/v1/responses", {"model": "bench-resp", "input": words,
                                     "stream": stream}, providers + "/v1/responses", up["openai"],
                                     relays["providers"] + "/v1/responses")
        cases[f"messages {tag}"] = (mine["anthropic"], "/v1/messages", messages("bench-claude", stream),
                                    providers + "/v1/messages", up["anthropic"], relays["providers"] + "/v1/messages")
        cases[f"gemini {tag}"] = (mine["gemini"], gemini_path + gemini_action, gemini_body,
                                  providers + gemini_path + gemini_action, up["gemini"],
                                  relays["providers"] + gemini_path + gemini_action)
        # translated: the direct call is the same upstream call in the LLM's own format
        cases[f"messages→chat {tag}"] = (mine["anthropic"], "/v1/messages", messages("bench-gpt", stream),
                                         llm + "/v1/chat/completions", up["openai"], None)
        cases[f"chat→messages {tag}"] = (mine["openai"], "/v1/chat/completions", chat("bench-claude", stream),
                                         providers + "/v1/messages", up["anthropic"], None)
    direct_bodies = {"messages→chat": chat("bench-gpt", False), "chat→messages": messages("bench-claude", False)}
    client = httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=8))
    added: dict[str, dict[str, list[float]]] = {c: {"proxy": [], "relay": [], "proxy_first": [], "relay_first": []}
                                                for c in cases}
    counts: dict[str, dict[str, list[int]]] = {c: {"direct": [], "proxy": [], "relay": []} for c in cases}
    # The runtime's CPU from the proxied call's start to the end of the pause after it (its recording included).
    cpu: dict[str, list[float]] = {c: [] for c in cases}
    load_before = os.getloadavg()[0]
    for i in range(args.formats + 5):  # the first 5 rounds warm every path
        for name, (headers, path, body, direct_url, direct_headers, relay_url) in cases.items():
            stream = name.endswith("stream")
            direct_body = dict(direct_bodies.get(name.split(" ")[0], body), **({"stream": True} if stream and
                               name.split(" ")[0] in direct_bodies else {}))
            sides = [("direct", direct_url, direct_headers, direct_body), ("proxy", base + path, headers, body)]
            if relay_url:
                sides.append(("relay", relay_url, direct_headers, body))
            if i % 2:
                sides.reverse()
            seen: dict[str, tuple[float, float]] = {}
            for side, url, side_headers, side_body in sides:
                cpu_before = process_cpu_seconds(runtime_pid) if side == "proxy" else 0.0
                ms, first, events, _ = timed_call(client, url, side_headers, side_body)
                seen[side] = (ms, first or ms)
                if i >= 5:
                    counts[name][side].append(events)
                time.sleep(args.gap_ms / 1000)
                if side == "proxy" and i >= 5:
                    cpu[name].append((process_cpu_seconds(runtime_pid) - cpu_before) * 1000)
            if i >= 5:
                for side in ("proxy", "relay"):
                    if side in seen:
                        added[name][side].append(seen[side][0] - seen["direct"][0])
                        added[name][side + "_first"].append(seen[side][1] - seen["direct"][1])
    print(f"\nevery wire format — {args.formats} interleaved rounds (direct, bare aiohttp relay, log-proxy), "
          f"load average {load_before:.1f} → {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    print(f"{'case':24} {'proxy +p50':>10} {'relay +p50':>10} {'ratio':>6} {'proxy +ttfe':>11} "
          f"{'relay +ttfe':>11} {'ratio':>6} {'CPU ms':>7}  events direct/proxy (identical)")
    for name, figures in added.items():
        proxy, proxy_first = pct(figures["proxy"], 50), pct(figures["proxy_first"], 50)
        relay = pct(figures["relay"], 50) if figures["relay"] else None
        relay_first = pct(figures["relay_first"], 50) if figures["relay_first"] else None

        def ratio(a: float, b: float | None) -> str:
            return f"{a / b:6.1f}" if b and b > 0 else "     -"

        same = counts[name]["direct"] == counts[name]["proxy"] if "→" not in name else "n/a (translated)"
        print(f"{name:24} {proxy:9.2f}  {relay if relay is not None else float('nan'):9.2f}  {ratio(proxy, relay)} "
              f"{proxy_first:10.2f}  {relay_first if relay_first is not None else float('nan'):10.2f}  "
              f"{ratio(proxy_first, relay_first)} {statistics.median(cpu[name]):7.2f}  "
              f"{statistics.mean(counts[name]['direct']):.0f}/"
              f"{statistics.mean(counts[name]['proxy']):.0f} ({same})")
    print("(translated rows compare with the direct call of the LLM's own format; goal: ratio ≤ 2 for pass-through;"
          " CPU ms: the runtime process's median CPU per proxied call, its recording included)")


if __name__ == "__main__":
    main()
