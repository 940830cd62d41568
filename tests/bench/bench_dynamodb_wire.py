"""Benchmark: the CPU of one log-proxy write through the lean client (a2g.adapters.dynamodb_wire) against the
same write through PynamoDB/botocore, and of signing alone, interleaved in one run against one DynamoDB Local.
A script (prints figures and ratios, asserts nothing about time):

    .venv/bin/python tests/bench/bench_dynamodb_wire.py [--rounds 15] [--calls 200]

Each round makes `--calls` writes of each kind, the order flipped every round, and takes the process's CPU time
(`time.process_time`: this thread's work and botocore's, not DynamoDB Local's) per write; it prints the
medians over the rounds. Writes: the entry (`PutItem` of a `LogEntryItem`-shaped item, ~2 KB payload) and the
usage update (`UpdateItem` ADD of five counters). Signing: `sign_v4` vs botocore's `SigV4Auth.add_auth` on the
same request.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "layers/core/python"), str(ROOT / "infrastructure/local")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    from tests import environment_defaults

    environment_defaults.apply()
    from tests.integration.dynamodb_local import dynamodb_local, point_models_at

    with dynamodb_local("bench-wire") as ddb:
        import a2g.tracing.models  # noqa: F401 - declared before pointing the models at the database

        point_models_at(ddb)
        run(args)


def run(args: argparse.Namespace) -> None:
    from a2g.adapters.dynamodb_wire import DynamoDbWire, sign_v4
    from a2g.aws_session import botocore_session
    from a2g.tracing.models import LogEntryItem, UsageCounterItem
    from a2g.tracing.repository import encode_payload
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    entry = {"entry_id": "log_x", "trace_id": "trc_bench", "at": "2031-01-01T00:00:00.000Z", "status": "ok",
             "request": {"messages": [{"role": "user", "content": f"question {i} " * 20} for i in range(8)]}}
    payload = encode_payload(entry)
    wire = DynamoDbWire(LogEntryItem.Meta.host, LogEntryItem.Meta.region)
    n = [0]

    def lean_put() -> None:
        n[0] += 1
        wire.put_item(LogEntryItem.Meta.table_name, {
            "pk": {"S": "TRACE#trc_bench"}, "sk": {"S": f"LOG#lean{n[0]}"}, "entry_id": {"S": "x"},
            "trace_id": {"S": "trc_bench"}, "at": {"S": entry["at"]}, "status": {"S": "ok"},
            "payload": {"B": __import__("base64").b64encode(payload).decode()}, "ttl": {"N": "2000000000"}})

    def botocore_put() -> None:  # what LogRepository.put did before the lean client
        n[0] += 1
        LogEntryItem(pk="TRACE#trc_bench", sk=f"LOG#boto{n[0]}", entry_id="x", trace_id="trc_bench",
                     at=entry["at"], status="ok", payload=payload, ttl=2_000_000_000).save()

    counters = {"calls": 1, "errors": 0, "prompt_tokens": 12, "completion_tokens": 30, "latency_ms_sum": 5}

    def lean_update() -> None:
        wire.update_item(UsageCounterItem.Meta.table_name, {"pk": {"S": "DAY#2031-01-01"}, "sk": {"S": "D#lean"}},
                         "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counters))),
                         names={f"#c{i}": k for i, k in enumerate(counters)},
                         values={f":c{i}": {"N": str(v)} for i, v in enumerate(counters.values())})

    def botocore_update() -> None:
        item = UsageCounterItem(pk="DAY#2031-01-01", sk="D#boto")
        item.update(actions=[getattr(UsageCounterItem, k).add(v) for k, v in counters.items()])

    credentials = botocore_session().get_credentials().get_frozen_credentials()
    body = b'{"TableName":"t","Item":{"pk":{"S":"a"}}}' * 20
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.PutItem"}

    def lean_sign() -> None:
        sign_v4(method="POST", host="dynamodb.us-east-1.amazonaws.com", path="/", headers=headers, body=body,
                access_key=credentials.access_key, secret_key=credentials.secret_key, token=credentials.token,
                region="us-east-1", service="dynamodb", amz_date=time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))

    def botocore_sign() -> None:
        request = AWSRequest("POST", "https://dynamodb.us-east-1.amazonaws.com/", data=body, headers=dict(headers))
        SigV4Auth(credentials, "dynamodb", "us-east-1").add_auth(request)

    pairs: list[tuple[str, Any, Any, int]] = [
        ("PutItem (entry)", lean_put, botocore_put, args.calls),
        ("UpdateItem (usage)", lean_update, botocore_update, args.calls),
        ("signing only", lean_sign, botocore_sign, args.calls * 10),
    ]
    for _, lean, boto, _ in pairs:  # warm: connections, PynamoDB's table description, botocore's client
        for _ in range(20):
            lean()
            boto()
    results: dict[str, dict[str, list[float]]] = {name: {"lean": [], "botocore": []} for name, *_ in pairs}
    for round_ in range(args.rounds):
        for name, lean, boto, calls in pairs:
            sides = [("lean", lean), ("botocore", boto)]
            for side, fn in (sides if round_ % 2 == 0 else sides[::-1]):
                start = time.process_time()
                for _ in range(calls):
                    fn()
                results[name][side].append((time.process_time() - start) * 1e6 / calls)
    print(f"\nlean DynamoDB client vs PynamoDB/botocore, CPU µs per call (process_time), medians of {args.rounds} "
          f"interleaved rounds; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'':22} {'lean':>10} {'botocore':>10} {'botocore/lean':>14}")
    for name, sides in results.items():
        lean_us, boto_us = statistics.median(sides["lean"]), statistics.median(sides["botocore"])
        print(f"{name:22} {lean_us:10.0f} {boto_us:10.0f} {boto_us / lean_us:13.1f}x")


if __name__ == "__main__":
    main()
