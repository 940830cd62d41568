"""Fault test: DynamoDB Local is killed (SIGKILL) while agents call the log-proxy, and nothing acknowledged is lost.

A real local runtime with data on disk, a mock OpenAI-compatible LLM started here, the real openai SDK as the
agent. While the store is down: `/api/health` says `dynamodb: down` (503), a normal route answers 503
`storage_unavailable` with Retry-After (not 500), and the proxy keeps answering from its caches. The runtime
reaps and restarts DynamoDB Local by itself; afterwards every call the proxy answered 200 has its stored entry
(GET /api/logs?trace_id=), and the usage counters count each stored entry exactly once. A WebSocket
`subscribe` sent during the outage is answered `storage_unavailable`, not "Internal server error".
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from websockets.sync.client import connect

from tests.e2e.tracing.mock_llm import MockLlm
from tests.e2e.tracing.runtime_helpers import TracingRuntime

# The supervisor waits this long before starting DynamoDB Local again, so that the outage is long enough to
# observe, and longer than the recorder's retries (a2g.tracing.spool.RETRY_DELAYS, ~3.3 s): some entries are
# then spooled to the journal, not just retried.
RESTART_DELAY_SECONDS = 6


def _dynamodb_local_pid(runtime_pid: int) -> int | None:
    """The DynamoDB Local java child of the runtime (None while there is none alive)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, ppid = fields[0], int(fields[1])
        if ppid == runtime_pid and b"DynamoDBLocal.jar" in cmdline and state != "Z":
            return int(entry.name)
    return None


def _zombie_children(runtime_pid: int) -> list[int]:
    zombies = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == runtime_pid and fields[0] == "Z":
                zombies.append(int(entry.name))
    return zombies


def _wait(predicate: Any, timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _all_entries(base_url: str, token: str, trace_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"trace_id": trace_id, "limit": "200", **({"cursor": cursor} if cursor else {})}
        page = httpx.get(base_url + "/api/logs", params=params, headers={"authorization": f"Bearer {token}"},
                         timeout=30)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        cursor = body.get("next_cursor")
        if not cursor:
            return items


def test_killing_dynamodb_local_under_log_proxy_load_loses_no_acknowledged_call(runtime_factory: Any) -> None:
    llm = MockLlm().start()
    try:
        _scenario(runtime_factory, llm)
    finally:
        llm.stop()


def _scenario(runtime_factory: Any, llm: MockLlm) -> None:
    rt = runtime_factory(in_memory=False, env={"A2G_DYNAMODB_RESTART_DELAY_SECONDS": str(RESTART_DELAY_SECONDS)})
    rt.require_functions("LogProxyFunction", "LogsFunction", "HealthFunction", "LlmsFunction", "MyAgentsFunction",
                         "AdminStatsFunction")
    platform = TracingRuntime(rt.base_url, rt.ws_url, dict(rt.env))
    token = platform.sign_in("admin")
    auth = {"authorization": f"Bearer {token}"}
    created = httpx.post(rt.url("/api/admin/llms"), headers=auth, timeout=30, json={
        "name": "mock", "base_url": llm.base_url, "api_key": "sk-fault-upstream-1234", "models": ["fault-gpt"]})
    assert created.status_code == 201, created.text
    api_key = platform.api_key(token)
    trace_id = platform.create_trace("admin", agent_id="agt_fault")
    assert httpx.get(rt.url("/api/health"), timeout=10).json()["stores"] == {"dynamodb": "ok", "s3": "ok"}

    client = openai.OpenAI(base_url=rt.url(f"/api/log-proxy/{trace_id}/v1"), api_key=api_key, max_retries=0,
                           timeout=60)
    acknowledged: list[str] = []  # the prompt of every call the proxy answered 200
    refused: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def agent(worker: int) -> None:
        n = 0
        while not stop.is_set():
            prompt = f"call-{worker}-{n}"
            n += 1
            try:
                answer = client.chat.completions.create(model="fault-gpt",
                                                        messages=[{"role": "user", "content": prompt}])
            except openai.APIStatusError as exc:
                with lock:
                    refused.append(f"{prompt}: {exc.status_code}")
                time.sleep(0.05)
                continue
            assert answer.choices[0].message.content == f"echo: {prompt}"
            with lock:
                acknowledged.append(prompt)

    workers = [threading.Thread(target=agent, args=(i,), daemon=True) for i in range(3)]
    for w in workers:
        w.start()
    ws = connect(rt.ws_connect_url(token=token), open_timeout=30)  # connected while the store is up
    try:
        _wait(lambda: len(acknowledged) >= 10, 60, "10 calls before the fault")
        java = _dynamodb_local_pid(rt.process.pid)
        assert java is not None, "no DynamoDB Local child found"
        before_kill = len(acknowledged)
        os.kill(java, signal.SIGKILL)

        # While it is down: health names the store, a normal route says 503 storage_unavailable, not 500.
        health = _wait(lambda: (r := httpx.get(rt.url("/api/health"), timeout=10)).status_code == 503 and r,
                       RESTART_DELAY_SECONDS, "/api/health to report the outage")
        assert health.json()["status"] == "degraded"
        assert health.json()["stores"] == {"dynamodb": "down", "s3": "ok"}
        assert int(health.headers["retry-after"]) > 0
        route = httpx.get(rt.url("/api/my-agents"), headers=auth, timeout=30)
        assert route.status_code == 503, route.text
        assert route.json()["error"]["code"] == "storage_unavailable"
        assert int(route.headers["retry-after"]) > 0
        assert "127.0.0.1" not in route.text and "Traceback" not in route.text
        # With an API key the authorizer itself needs the store: still 503, not API Gateway's 500 or a 403.
        keyed = httpx.get(rt.url("/api/my-agents"), headers={"authorization": f"Bearer {api_key}"}, timeout=30)
        assert keyed.status_code == 503, keyed.text
        assert keyed.json()["error"]["code"] == "storage_unavailable"
        assert not _zombie_children(rt.process.pid), "the dead DynamoDB Local was not reaped"
        ws.send(json.dumps({"action": "subscribe", "trace_id": trace_id}))
        reply = json.loads(ws.recv(timeout=30))
        assert reply["type"] == "error" and reply["error"]["code"] == "storage_unavailable", reply

        # The runtime starts it again by itself; calls keep coming meanwhile.
        _wait(lambda: httpx.get(rt.url("/api/health"), timeout=10).status_code == 200, 180,
              "DynamoDB Local to be restarted")
        during_outage = len(acknowledged) - before_kill
        new_java = _dynamodb_local_pid(rt.process.pid)
        assert new_java is not None and new_java != java
        _wait(lambda: len(acknowledged) >= before_kill + during_outage + 10, 60, "10 calls after the restart")
    finally:
        ws.close()
        stop.set()
        for w in workers:
            w.join(timeout=90)

    assert during_outage > 0, "no call was answered while DynamoDB Local was down"

    # Every acknowledged call has its stored entry (the journal is replayed within seconds of the restart).
    def stored_prompts() -> set[str] | None:
        prompts = {str(m.get("content")) for e in _all_entries(rt.base_url, token, trace_id)
                   for m in ((e.get("request") or {}).get("messages") or []) if m.get("role") == "user"}
        return prompts if set(acknowledged) <= prompts else None

    try:
        stored = _wait(stored_prompts, 180, "every acknowledged call's entry", interval=1.0)
    except AssertionError:
        final = {str(m.get("content")) for e in _all_entries(rt.base_url, token, trace_id)
                 for m in ((e.get("request") or {}).get("messages") or []) if m.get("role") == "user"}
        lost = sorted(set(acknowledged) - final)
        pytest.fail(f"{len(lost)} of {len(acknowledged)} acknowledged calls have no stored entry: {lost[:20]}")
    assert len(acknowledged) == len(set(acknowledged))
    log = rt.log_text()
    assert "exited with code" in log and "DynamoDB Local is back" in log
    assert "trace record spooled for replay" in log, "the outage was too short to exercise the spool"
    print(f"\nacknowledged {len(acknowledged)} calls ({during_outage} while DynamoDB Local was down), "
          f"refused {len(refused)}, stored {len(stored)} prompts")

    # The usage counters count each stored entry once: replayed records are not counted twice.
    entries = _all_entries(rt.base_url, token, trace_id)
    journal = rt.data_dir / "trace-spool" / "trace-journal.jsonl"
    _wait(lambda: not journal.exists() or journal.stat().st_size == 0, 60, "the journal to be drained")

    def counted() -> int | None:
        usage = httpx.get(rt.url("/api/admin/stats/usage"), headers=auth, timeout=30)
        assert usage.status_code == 200, usage.text
        calls = int(usage.json()["totals"]["calls"])
        return calls if calls >= len(entries) else None

    calls = _wait(counted, 30, "the usage counters to catch up", interval=1.0)
    time.sleep(2)  # a late double count would arrive within the coalescing interval (1 s)
    usage = httpx.get(rt.url("/api/admin/stats/usage"), headers=auth, timeout=30).json()["totals"]["calls"]
    assert calls == usage == len(entries), (calls, usage, len(entries))


def test_a_hung_dynamodb_local_is_killed_and_started_again_with_its_data(runtime_factory: Any) -> None:
    """Alive but not answering (SIGSTOP: what a deadlocked or thrashing JVM looks like from outside) is a
    failure too: the runtime notices within its hang bound, kills the process and starts it again, and what
    was stored on disk before is there after."""
    rt = runtime_factory(in_memory=False, env={"A2G_DYNAMODB_HANG_SECONDS": "3"})
    rt.require_functions("HealthFunction", "ApiKeysFunction")
    platform = TracingRuntime(rt.base_url, rt.ws_url, dict(rt.env))
    token = platform.sign_in("admin")
    auth = {"authorization": f"Bearer {token}"}
    created = httpx.post(rt.url("/api/api-keys"), json={"name": "kept through a hang"}, headers=auth, timeout=30)
    assert created.status_code == 201, created.text
    java = _dynamodb_local_pid(rt.process.pid)
    assert java is not None, "no DynamoDB Local child found"
    os.kill(java, signal.SIGSTOP)
    try:
        new_java = _wait(lambda: (pid := _dynamodb_local_pid(rt.process.pid)) not in (None, java) and pid, 90,
                         "a new DynamoDB Local after the hang", interval=0.5)
    finally:
        if _dynamodb_local_pid(rt.process.pid) == java:  # not killed: let it go, the test failed anyway
            os.kill(java, signal.SIGCONT)
    assert not Path(f"/proc/{java}").exists() or _dynamodb_local_pid(rt.process.pid) != java
    _wait(lambda: httpx.get(rt.url("/api/health"), timeout=10).status_code == 200, 90, "the store to be back")
    listed = httpx.get(rt.url("/api/api-keys"), headers=auth, timeout=30)
    assert listed.status_code == 200, listed.text
    assert "kept through a hang" in [k["name"] for k in listed.json()["items"]]
    log = rt.log_text()
    assert "has not answered for" in log and "DynamoDB Local is back" in log and new_java != java
