"""The log-proxy function in a process of its own, for the benchmark: with `aws` the Lambda's wiring
(`A2G_ENV=aws`: record mode `before_end`, the Lambda's repositories and caches), with `local` the local
runtime's (`detach`, coalesced counters), against a DynamoDB Local, served by uvicorn as the Lambda Web Adapter
serves it. Seeds one user, API key, LLM and agent trace, prints them as one JSON line, then serves.

    python -m tests.bench.lambda_log_proxy <port> <dynamodb endpoint> <LLM base URL> [aws|local]

`GET /__bench/stats` answers this process's CPU seconds so far (every thread) and the DynamoDB calls it has
made, by operation — counted on the botocore session every client of the process is built from, and on the
lean client of the two writes (`a2g.adapters.dynamodb_wire.observe`).
`GET /__bench/profile?start` / `?<file.pstat>` profile it with yappi on the CPU clock, every thread (yappi is
not a dependency: `uv pip install yappi` into the virtualenv to use it). `BENCH_NO_STORAGE=1` leaves the two
writes out, to see what the rest of a call costs; `BENCH_BOTOCORE_WRITES=1` makes them through PynamoDB/botocore
as before the lean client (the baseline).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from typing import Any

from tests import environment_defaults


def _environment(dynamodb: str, env: str) -> None:
    environment_defaults.apply()
    os.environ.update({
        "A2G_ENV": env,
        "INITIAL_ADMIN_IDS": "bench",
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb,
        "A2G_OUTBOUND_ALLOW": "127.0.0.1",
        "A2G_LLM_KEY_SECRET": "bench-llm-key-secret-bench-llm-key-secret",
        # A push target exists on AWS; nothing listens here, so only the listener lookup is exercised.
        "A2G_WS_MANAGEMENT_URL": "http://127.0.0.1:9/ws",
        "A2G_API_KEY_RATE_LIMIT": "100000",
        "A2G_TRACE_SPOOL_DIR": os.environ.get("A2G_TRACE_SPOOL_DIR", f"/tmp/a2g-bench-spool-{os.getpid()}"),
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "A2G_LOG_LEVEL": "WARNING",
    })


CALLS: Counter[str] = Counter()


def _count(event_name: str, **_: Any) -> None:
    CALLS[event_name.rsplit(".", 1)[-1]] += 1


def _seed(llm_url: str) -> dict[str, str]:
    from a2g.errors import Conflict
    from a2g.identity.principal import Principal
    from a2g.identity.wiring import api_key_service, user_directory
    from a2g.llms.service import LlmCreate, build_llm_registry
    from a2g.tracing.repository import TraceRepository

    user = user_directory().sign_in("bench", team="bench-team")  # an initial admin: approved at once
    principal = Principal(user_id=user.user_id, role=user.role, team=user.team)
    key = api_key_service().create(principal, "bench")["key"]
    try:
        build_llm_registry().create(LlmCreate(name="bench", base_url=llm_url, api_key="sk-bench-0000",
                                              models=["bench-gpt"]))
    except Conflict:  # the other process of the benchmark registered it in the same database
        pass
    trace_id = TraceRepository().create_trace(user.user_id, "agent", agent_id="agt_bench")
    return {"key": key, "trace_id": trace_id}


def _botocore_put(self: Any, trace_ids: list[str], entry: dict[str, Any], ttl: int) -> None:
    """LogRepository.put through PynamoDB/botocore, as it was before the lean client (the baseline)."""
    from a2g.tracing.models import LogEntryItem
    from a2g.tracing.repository import encode_payload

    items = [LogEntryItem(pk=f"TRACE#{t}", sk=f"LOG#{entry['entry_id']}", entry_id=entry["entry_id"], trace_id=t,
                          at=entry["at"], model=entry.get("model") or None, status=entry["status"],
                          agent_id=entry.get("agent_id"), session_id=entry.get("session_id"),
                          latency_ms=entry.get("latency_ms"), payload=encode_payload(entry), ttl=ttl)
             for t in trace_ids]
    if len(items) == 1:
        items[0].save()
        return
    with LogEntryItem.batch_write() as batch:
        for item in items:
            batch.save(item)


def _botocore_add_rows(self: Any, day: str, rows: dict[str, dict[str, int]]) -> None:
    from a2g.tracing.models import UsageCounterItem

    for sk, counters in rows.items():
        UsageCounterItem(pk=f"DAY#{day}", sk=sk).update(
            actions=[getattr(UsageCounterItem, name).add(value) for name, value in counters.items()])


def main() -> None:
    port, dynamodb, llm_url = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    _environment(dynamodb, sys.argv[4] if len(sys.argv) > 4 else "aws")
    from a2g.aws_session import botocore_session

    from a2g.adapters import dynamodb_wire

    botocore_session().register("before-call.dynamodb", _count)
    dynamodb_wire.observe(lambda operation: _count(operation))  # the lean client's calls (the two writes)
    seeded = _seed(llm_url)
    from a2g.tracing.repository import LogRepository, UsageRepository

    if os.environ.get("BENCH_NO_STORAGE"):  # what the call costs without its two writes (the floor)
        LogRepository.put = lambda *a, **k: None  # type: ignore[method-assign]
        UsageRepository.add_rows = lambda *a, **k: None  # type: ignore[method-assign]
    if os.environ.get("BENCH_BOTOCORE_WRITES"):  # the baseline: the two writes as they were made before
        LogRepository.put = _botocore_put  # type: ignore[method-assign]
        UsageRepository.add_rows = _botocore_add_rows  # type: ignore[method-assign]

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "functions", "log_proxy"))
    import uvicorn
    from app import app as proxy_app  # the function's own module, as Lambda imports it

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/__bench/profile":  # yappi, CPU clock, every thread
            import yappi

            if scope["query_string"] == b"start":
                yappi.set_clock_type("cpu")
                yappi.start()
            else:
                yappi.stop()
                yappi.get_func_stats().save(scope["query_string"].decode(), type="pstat")
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        if scope["type"] == "http" and scope["path"] == "/__bench/stats":
            body = json.dumps({"cpu_seconds": time.process_time(), "dynamodb": dict(CALLS)}).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        await proxy_app(scope, receive, send)

    print(json.dumps(seeded), flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on")


if __name__ == "__main__":
    main()
