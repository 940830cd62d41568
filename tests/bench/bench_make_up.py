"""Benchmark: how long `make up` takes, on an installed and unchanged checkout, until the platform answers.
A script (prints figures, asserts nothing about time):

    .venv/bin/python tests/bench/bench_make_up.py [--rounds 15]

Each round starts, in alternating order, (a) `make up` — its install checks, the frontend's up-to-date check
and the runtime — and (b) the runtime alone (`python -m a2g_local serve`), the floor that `make up` cannot go
under, each on a free port with a data folder of its own, and times from the start of the command to the first
`GET /api/health` that answers 200 (polled every 20 ms). Then the process group is stopped (SIGINT, as Ctrl-C)
and the next one starts. Both sides pay for DynamoDB Local's start; the difference is what `make up` adds.
Goal (issue 21): `make up` ready in ≤ 4 s.

Run `make up` once before (or `make install build-frontend`): a first run installs and builds, which is not
what this measures. The bench says so if the frontend is not built.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT)]

from tests.e2e.tracing.mock_llm import free_port


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def time_to_ready(command: list[str], port: int, env: dict[str, str], timeout: float = 120.0) -> float:
    """Seconds from starting `command` to the platform's first healthy answer on `port`; stops it after."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        with httpx.Client(timeout=1.0) as client:
            while time.perf_counter() - started < timeout:
                if process.poll() is not None:
                    raise RuntimeError(f"{command[0]} exited with {process.returncode}: "
                                       f"{(process.stderr.read() if process.stderr else b'').decode()[-2000:]}")
                try:
                    if client.get(f"http://127.0.0.1:{port}/api/health").status_code == 200:
                        return time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.02)
        raise RuntimeError(f"not ready after {timeout} s")
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    if not (ROOT / "frontend" / "dist" / ".a2g-build-hash").exists():
        print("the web app is not built: run `make up` (or `make build-frontend`) once first", file=sys.stderr)
        sys.exit(2)
    python = str(ROOT / ".venv" / "bin" / "python")
    sides: dict[str, list[float]] = {"make up": [], "runtime alone": []}
    scratch = Path(tempfile.mkdtemp(prefix="a2g-bench-up-"))
    load_before = os.getloadavg()[0]
    try:
        # one unmeasured start of each: DynamoDB Local's jar and Python's bytecode are in the page cache after it
        for round_no in range(args.rounds + 1):
            order = list(sides) if round_no % 2 == 0 else list(reversed(sides))
            for side in order:
                port = free_port()
                data_dir = scratch / f"{side.replace(' ', '-')}-{round_no}"
                env = {**os.environ, "A2G_PORT": str(port), "A2G_DATA_DIR": str(data_dir)}
                if side == "make up":
                    command = ["make", "--no-print-directory", "up"]
                else:
                    env["PYTHONPATH"] = os.pathsep.join(  # what the Makefile exports
                        str(ROOT / part) for part in ("layers/core/python", "infrastructure/local", "."))
                    command = [python, "-m", "a2g_local", "serve", "--port", str(port), "--data-dir", str(data_dir)]
                seconds = time_to_ready(command, port, env)
                if round_no > 0:
                    sides[side].append(seconds)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"`make up` until /api/health answers — {args.rounds} interleaved rounds, load average "
          f"{load_before:.1f} → {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    for side, values in sides.items():
        print(f"  {side:14s} p50 {pct(values, 50):6.2f} s   p95 {pct(values, 95):6.2f} s   "
              f"min {min(values):6.2f} s")
    make_p50, floor_p50 = statistics.median(sides["make up"]), statistics.median(sides["runtime alone"])
    print(f"  make up adds {make_p50 - floor_p50:+.2f} s at p50 over the runtime alone "
          f"({make_p50 / floor_p50:.2f}x); goal: make up ready in <= 4 s -> {'met' if make_p50 <= 4 else 'NOT met'}")


if __name__ == "__main__":
    main()
