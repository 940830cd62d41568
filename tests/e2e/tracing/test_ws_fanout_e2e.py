"""Fan-out on the local runtime: many real WebSocket subscribers of one trace (half subscribed on connect, half
with the `subscribe` action), real log-proxy calls against the mock LLM, and a stale subscription whose
connection is gone (the @connections endpoint answers 410 for it).

Every subscriber gets every entry exactly once, all in one order; a subscriber of another trace gets none of
them; the stale connection, and only it, is forgotten. The log-proxy runs inside the runtime's process, so its
pushes take the in-process port (`a2g_local.connections`), not signed HTTP requests to the runtime itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.e2e.tracing.conftest import Developer
from tests.e2e.tracing.runtime_helpers import ROOT, TracingRuntime

pytestmark = pytest.mark.e2e

SUBSCRIBERS = 24
CALLS = 4
STALE = "c3RhbGUtY29ubmVjdGlvbg="  # an id shaped like API Gateway's that no socket has


def _connections(runtime: TracingRuntime, code: str, *args: str) -> str:
    """Run `code` with a `ConnectionRepository` against the runtime's own table (as its functions do)."""
    script = "import sys,json;from a2g.realtime.repository import ConnectionRepository as R;r=R();" + code
    out = subprocess.run([sys.executable, "-c", script, *args], env={**os.environ, **runtime.env()},
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return out.stdout.strip()


async def _subscriber(runtime: TracingRuntime, token: str, trace_id: str, on_connect: bool) -> ClientConnection:
    if on_connect:
        return await connect(f"{runtime.ws_url}?token={token}&trace_id={trace_id}", open_timeout=30)
    ws = await connect(f"{runtime.ws_url}?token={token}", open_timeout=30)
    await ws.send(json.dumps({"action": "subscribe", "trace_id": trace_id}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 30)) == {"type": "subscribed", "trace_id": trace_id}
    return ws


async def _entries(ws: ClientConnection, wanted: int, timeout: float) -> list[dict[str, Any]]:
    """Trace entries received until `wanted` arrived, then for a short while more (a duplicate would show)."""
    received: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            raw = await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            break
        message = json.loads(raw)
        if message.get("type") == "trace.entry":
            received.append(message)
            if len(received) == wanted:
                deadline = min(deadline, time.monotonic() + 1.0)
    return received


def test_every_subscriber_gets_each_entry_once_in_one_order_and_the_stale_one_is_forgotten(
        tracing_runtime: TracingRuntime, developer: Developer, runtime: Any) -> None:
    log_from = len(runtime.log_text())
    trace_id = tracing_runtime.create_trace("admin", agent_id="agt_fanout_e2e")
    other_trace = tracing_runtime.create_trace("admin", agent_id="agt_fanout_other")
    # A subscription row left by a connection that vanished without $disconnect.
    _connections(tracing_runtime, "r.add(sys.argv[1],'admin');r.subscribe(sys.argv[1],'admin',sys.argv[2])",
                 STALE, trace_id)
    markers = [f"fan-out {i}" for i in range(CALLS)]

    async def scenario() -> tuple[list[list[dict[str, Any]]], list[dict[str, Any]]]:
        subscribers = await asyncio.gather(*(
            _subscriber(tracing_runtime, developer.token, trace_id, on_connect=i % 2 == 0)
            for i in range(SUBSCRIBERS)))
        bystander = await _subscriber(tracing_runtime, developer.token, other_trace, on_connect=True)
        try:
            async with httpx.AsyncClient(timeout=60) as http:
                # All calls at once, so their fan-outs overlap: every connection must still see one order.
                responses = await asyncio.gather(*(http.post(
                    f"{tracing_runtime.base_url}/api/log-proxy/{trace_id}/v1/chat/completions",
                    headers={"authorization": f"Bearer {developer.api_key}"},
                    json={"model": developer.model, "messages": [{"role": "user", "content": marker}]})
                    for marker in markers))
                assert [r.status_code for r in responses] == [200] * CALLS, [r.text for r in responses]
            received = await asyncio.gather(*(_entries(ws, CALLS, timeout=30) for ws in subscribers))
            stray = await _entries(bystander, 1, timeout=1.0)
        finally:
            for ws in [*subscribers, bystander]:
                await ws.close()
        return list(received), stray

    received, stray = asyncio.run(scenario())
    log = runtime.log_text()[log_from:]
    assert "WS CONNECT" in log, "the runtime's request log is not at INFO: the next check would prove nothing"
    assert "/@connections/" not in log, "the log-proxy pushed through HTTP requests to the runtime itself"

    orders = set()
    for entries in received:
        assert {m["trace_id"] for m in entries} == {trace_id}
        contents = [m["entry"]["request"]["messages"][-1]["content"] for m in entries]
        assert sorted(contents) == markers, f"a subscriber got {contents}"  # each entry exactly once
        orders.add(tuple(m["entry"]["entry_id"] for m in entries))
    assert len(orders) == 1, "subscribers got the entries in different orders"
    assert stray == [], "a subscriber of another trace got this trace's entries"

    # The stale connection (and nothing else) is forgotten, off the delivery path: wait for it.
    deadline = time.monotonic() + 20
    listed = [STALE]
    while time.monotonic() < deadline:
        listed = json.loads(_connections(
            tracing_runtime, "print(json.dumps([c.connection_id for c in r.listeners(sys.argv[1])]))", trace_id))
        if STALE not in listed:
            break
        time.sleep(0.5)
    assert STALE not in listed
    assert _connections(tracing_runtime, "print(r.get(sys.argv[1]))", STALE) == "None"
