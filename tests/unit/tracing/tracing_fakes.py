"""In-memory stand-ins for the tracing ports, and a `LogProxy` wired to them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from a2g.adapters.outbound import DestinationPolicy
from a2g.adapters.relay import RelayClient
from a2g.adapters.websocket_push import ConnectionGone, FanoutReport
from a2g.errors import Throttled
from a2g.identity.principal import Principal
from a2g.ids import new_id
from a2g.realtime.repository import Connection
from a2g.tracing.broadcaster import TraceBroadcaster
from a2g.tracing.proxy import LogProxy, ResolvedModel
from a2g.tracing.recorder import CallRecorder
from a2g.tracing.repository import ActiveRun, EntryPage, TraceMeta

ALICE_KEY = "a2g_sk_" + "a" * 43
BOB_KEY = "a2g_sk_" + "b" * 43
PENDING_KEY = "a2g_sk_" + "p" * 43
LLM_KEY = "sk-upstream-secret-1234"


class FakeTraces:
    def __init__(self) -> None:
        self.traces: dict[str, TraceMeta] = {}
        self.runs: dict[str, dict[str, ActiveRun]] = {}

    def create_trace(self, owner_user_id: str, kind: str, agent_id: str | None = None,
                     session_id: str | None = None) -> str:
        trace_id = new_id("trc")
        self.traces[trace_id] = TraceMeta(trace_id, owner_user_id, kind, agent_id, session_id, "2026-01-01")
        return trace_id

    def get_trace(self, trace_id: str) -> TraceMeta | None:
        return self.traces.get(trace_id)

    def put_run(self, agent_trace_id: str, run: ActiveRun) -> None:
        self.runs.setdefault(agent_trace_id, {})[run.session_id] = run

    def end_run(self, agent_trace_id: str, session_id: str, ended_at: str, keep_until: int) -> None:
        run = self.runs.get(agent_trace_id, {}).get(session_id)
        if run is not None:
            self.runs[agent_trace_id][session_id] = replace(run, ended_at=ended_at)

    def runs_at(self, agent_trace_id: str, at: str, at_epoch: int) -> list[ActiveRun]:
        return [r for r in self.runs.get(agent_trace_id, {}).values() if r.covers(at, at_epoch)]


def _replace_or_append(items: list[dict[str, Any]], entry: dict[str, Any]) -> None:
    for index, old in enumerate(items):
        if old.get("entry_id") == entry.get("entry_id"):
            items[index] = entry
            return
    items.append(entry)


class FakeLogs:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self.by_trace: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def put(self, trace_ids: list[str], entry: dict[str, Any], ttl: int) -> None:
        """As DynamoDB's PutItem, per trace: an entry written again under its id replaces the stored one."""
        with self._lock:
            for trace_id in trace_ids:
                _replace_or_append(self.by_trace.setdefault(trace_id, []),
                                   {**entry, "trace_id": trace_id, "_ttl": ttl})
            self.entries.append(entry)  # every write, in order (a rewrite shows twice here)

    def page(self, trace_id: str, limit: int, cursor: str | None, newest_first: bool) -> EntryPage:
        items = list(self.by_trace.get(trace_id, []))
        if newest_first:
            items.reverse()
        start = int(cursor or 0)
        chunk = items[start:start + limit]
        return EntryPage(chunk, str(start + limit) if start + limit < len(items) else None)

    def get(self, trace_id: str, entry_id: str) -> dict[str, Any] | None:
        return next((e for e in self.by_trace.get(trace_id, []) if e["entry_id"] == entry_id), None)

    def clear(self, trace_id: str, up_to: datetime | None = None) -> int:
        if up_to is None:
            return len(self.by_trace.pop(trace_id, []))
        from a2g.tracing.repository import made_by

        held = self.by_trace.get(trace_id, [])
        kept = [e for e in held if not made_by(e.get("at"), up_to)]
        self.by_trace[trace_id] = kept
        return len(held) - len(kept)

    def recent(self, trace_id: str, limit: int) -> list[dict[str, Any]]:
        return list(reversed(self.by_trace.get(trace_id, [])))[:limit]


class FakeUsage:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict[str, int]] = {}
        self.applied: set[str] = set()  # entries whose counters `add_once` added (the APPLIED# markers)
        self._lock = threading.Lock()

    def add_once(self, entry_id: str, day: str, rows: dict[str, dict[str, int]]) -> bool:
        with self._lock:
            if entry_id in self.applied:
                return False
            self.applied.add(entry_id)
            for sk, counters in rows.items():
                row = self.rows.setdefault((day, sk), {})
                for name, value in counters.items():
                    row[name] = row.get(name, 0) + value
        return True

    def add(self, day: str, detail_key: str, counters: dict[str, int]) -> None:
        with self._lock:
            row = self.rows.setdefault((day, detail_key), {})  # one row per call, as the real store
            for name, value in counters.items():
                row[name] = row.get(name, 0) + value


class FakeConnections:
    def __init__(self) -> None:
        self.subs: dict[str, list[Connection]] = {}
        self.removed: list[str] = []

    def subscribe(self, connection_id: str, user_id: str, trace_id: str) -> None:
        self.subs.setdefault(trace_id, []).append(Connection(connection_id, user_id))

    def unsubscribe(self, connection_id: str, trace_id: str) -> None:
        self.subs[trace_id] = [c for c in self.subs.get(trace_id, []) if c.connection_id != connection_id]

    def listeners(self, trace_id: str) -> list[Connection]:
        return list(self.subs.get(trace_id, []))

    def remove(self, connection_id: str) -> None:
        self.removed.append(connection_id)
        for trace_id in self.subs:
            self.unsubscribe(connection_id, trace_id)


class FakePusher:
    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self.gone: set[str] = set()

    def push(self, connection_id: str, message: dict[str, Any]) -> None:
        if connection_id in self.gone:
            raise ConnectionGone(connection_id)
        self.messages.append((connection_id, message))

    def push_many(self, connection_ids: Sequence[str], message: dict[str, Any]) -> FanoutReport:
        report = FanoutReport()
        for connection_id in connection_ids:
            try:
                self.push(connection_id, message)
                report.delivered.append(connection_id)
            except ConnectionGone:
                report.gone.append(connection_id)
        return report


class FakeModels:
    def __init__(self, base_url: str) -> None:
        self.models = {
            name: ResolvedModel(name, "llm_1", "mock", base_url, LLM_KEY, timeout)
            for name, timeout in (("mock-gpt", 30.0), ("slow-model", 0.5), ("broken-stream", 30.0),
                                  ("error-model", 30.0))
        }
        self.lookups = 0

    def resolve_model(self, model: str) -> ResolvedModel | None:
        self.lookups += 1
        return self.models.get(model)

    def enabled_models(self) -> list[ResolvedModel]:
        return list(self.models.values())


class FakeRate:
    def __init__(self) -> None:
        self.limit: int | None = None
        self.counts: dict[str, int] = {}

    def __call__(self, key_id: str) -> None:
        self.counts[key_id] = self.counts.get(key_id, 0) + 1
        if self.limit is not None and self.counts[key_id] > self.limit:
            raise Throttled("rate limit exceeded", retry_after=7)


@dataclass
class Fakes:
    traces: FakeTraces
    logs: FakeLogs
    usage: FakeUsage
    connections: FakeConnections
    pusher: FakePusher
    models: FakeModels
    rate: FakeRate
    proxy: LogProxy
    principals: dict[str, Principal] = field(default_factory=dict)


def loopback_client_factory() -> Any:
    """The proxy's guarded relay client, one per event loop, allowed to reach the loopback mock LLM (as
    A2G_OUTBOUND_ALLOW would)."""
    policy = DestinationPolicy.from_allow_list(["127.0.0.1"])

    def factory() -> RelayClient:
        loop = asyncio.get_running_loop()
        client = RelayClient._per_loop.get(loop)
        if client is None:  # registered like `RelayClient.shared()`, so the app's shutdown closes it
            client = RelayClient._per_loop[loop] = RelayClient(policy)
        return client

    return factory


def build_fakes(llm_base_url: str) -> Fakes:
    traces, logs, usage = FakeTraces(), FakeLogs(), FakeUsage()
    connections, pusher = FakeConnections(), FakePusher()
    models, rate = FakeModels(llm_base_url), FakeRate()
    principals = {
        ALICE_KEY: Principal("alice", "USER", "team-a", "api_key", "key_alice"),
        BOB_KEY: Principal("bob", "USER", "team-b", "api_key", "key_bob"),
        PENDING_KEY: Principal("pat", "PENDING", "team-a", "api_key", "key_pat"),
    }
    recorder = CallRecorder(logs, usage, TraceBroadcaster(connections, pusher), ttl_days=30, runs=traces)
    # Every call's running entry at once, so the live-push tests see it for the mock's instant answers
    # (test_proxy_openai_sdk has the delay the real proxy uses).
    proxy = LogProxy(principals.get, rate, traces, models, loopback_client_factory(), recorder,
                     max_body_bytes=100_000, cache_seconds=30.0, running_delay_seconds=0.0)
    return Fakes(traces, logs, usage, connections, pusher, models, rate, proxy, principals)
