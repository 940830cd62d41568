"""Trace, log, usage, connection and LLM-registry storage on the real DynamoDB Local."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from a2g.errors import Conflict
from a2g.realtime.repository import ConnectionRepository
from a2g.tracing.repository import (
    ActiveRun,
    LogRepository,
    TraceRepository,
    UsageRepository,
    usage_detail_key,
)


def _entry(entry_id: str, content: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"entry_id": entry_id, "trace_id": "x", "at": "2026-11-01T00:00:00.000Z", "status": "ok",
            "model": "m", "request": {"messages": [{"role": "user", "content": content}]}, **extra}


def test_traces_owner_lookup_runs_and_delete(ddb: str) -> None:
    traces = TraceRepository()
    agent_trace = traces.create_trace("alice", "agent", agent_id="agt_1")
    meta = traces.get_trace(agent_trace)
    assert meta is not None and meta.owner_user_id == "alice" and meta.kind == "agent"
    assert traces.get_trace("trc_nope") is None and traces.get_trace("a#b") is None
    assert agent_trace in [t.trace_id for t in traces.traces_of("alice")]
    now = int(datetime.now(UTC).timestamp())
    traces.put_run(agent_trace, ActiveRun("ses_live", "trc_s", "2026-11-01T10:00:00.000Z", now + 60))
    traces.put_run(agent_trace, ActiveRun("ses_expired", None, "2026-11-01T09:00:00.000Z", now - 5))
    during = "2026-11-01T10:00:05.000Z"
    assert [r.session_id for r in traces.runs_at(agent_trace, during, now)] == ["ses_live"]
    traces.end_run(agent_trace, "ses_live", "2026-11-01T10:00:10.000Z", now + 600)
    # A call that started during the run still belongs to it, however late its entry is written...
    assert [r.session_id for r in traces.runs_at(agent_trace, during, now)] == ["ses_live"]
    # ...one that started after the run ended does not; neither does one before it started.
    assert traces.runs_at(agent_trace, "2026-11-01T10:00:11.000Z", now) == []
    assert traces.runs_at(agent_trace, "2026-11-01T09:59:59.000Z", now) == []
    traces.end_run(agent_trace, "ses_never_marked", "2026-11-01T10:00:10.000Z", now)  # a no-op
    LogRepository().put([agent_trace], _entry("log_1"), ttl=now + 100)
    traces.delete_trace(agent_trace)
    assert traces.get_trace(agent_trace) is None and LogRepository().get(agent_trace, "log_1") is None


def test_log_entries_page_both_ways_get_and_clear(ddb: str) -> None:
    logs, traces = LogRepository(), TraceRepository()
    agent_trace = traces.create_trace("alice", "agent")
    session_trace = traces.create_trace("alice", "session", session_id="s")
    ids = [f"log_{i:03d}" for i in range(7)]
    for entry_id in ids:
        logs.put([agent_trace], _entry(entry_id), ttl=2_000_000_000)
    logs.put([agent_trace, session_trace], _entry("log_999", session_id="s"), ttl=2_000_000_000)
    first = logs.page(agent_trace, 5, None, newest_first=False)
    rest = logs.page(agent_trace, 5, first.next_cursor, newest_first=False)
    assert [e["entry_id"] for e in first.entries + rest.entries] == [*ids, "log_999"]
    assert rest.next_cursor is None
    newest = logs.page(agent_trace, 3, None, newest_first=True)
    assert [e["entry_id"] for e in newest.entries] == ["log_999", "log_006", "log_005"]
    copy = logs.get(session_trace, "log_999")
    assert copy is not None and copy["trace_id"] == session_trace and copy["session_id"] == "s"
    # Up to a time: what was made later (a call that arrived during the app's undo delay) stays.
    logs.put([agent_trace], _entry("log_later", at="2026-11-01T00:00:09.000Z"), ttl=2_000_000_000)
    assert logs.clear(agent_trace, datetime(2026, 11, 1, 0, 0, 5, tzinfo=UTC)) == 8
    assert [e["entry_id"] for e in logs.page(agent_trace, 5, None, newest_first=False).entries] == ["log_later"]
    assert logs.clear(agent_trace) == 1
    assert logs.page(agent_trace, 5, None, newest_first=False).entries == []
    assert logs.get(session_trace, "log_999") is not None  # the session's copy is its own


def test_huge_entries_are_stored_compressed_or_cut(ddb: str) -> None:
    logs, traces = LogRepository(), TraceRepository()
    trace = traces.create_trace("alice", "agent")
    logs.put([trace], _entry("log_big", "conversation " * 100_000), ttl=2_000_000_000)  # 1.4 MB, compressible
    assert logs.get(trace, "log_big")["request"]["messages"][0]["content"] == "conversation " * 100_000
    noise = os.urandom(600_000).hex()  # incompressible 1.2 MB
    logs.put([trace], _entry("log_noise", noise), ttl=2_000_000_000)
    stored = logs.get(trace, "log_noise")
    assert stored is not None and stored["truncated"] is True


def test_usage_counters_are_atomic_under_concurrency(ddb: str) -> None:
    usage = UsageRepository()
    detail = usage_detail_key("team#1", "alice", "gpt-x", None)
    assert detail == "D#team%231#alice#gpt-x#-"

    def add() -> None:
        for _ in range(5):
            usage.add("2026-11-02", detail, {"calls": 1, "errors": 0, "prompt_tokens": 10,
                                             "completion_tokens": 3, "latency_ms_sum": 7})

    workers = [threading.Thread(target=add) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    client = boto3.client("dynamodb", endpoint_url=ddb, region_name="us-east-1")
    from a2g.settings import get_settings

    table = get_settings().usage_table
    item = client.get_item(TableName=table, Key={"pk": {"S": "DAY#2026-11-02"}, "sk": {"S": detail}})["Item"]
    assert item["calls"]["N"] == "40" and item["prompt_tokens"]["N"] == "400"
    assert item["latency_ms_sum"]["N"] == "280" and item["errors"]["N"] == "0"
    # One update per call, on the detail row only: the day's totals are the sum of its detail rows.
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "DAY#2026-11-02"}, "sk": {"S": "TOTAL"}})


def test_connection_subscriptions_and_listeners(ddb: str) -> None:
    connections = ConnectionRepository()
    connections.add("c1", "alice")
    connections.subscribe("c1", "alice", "trc_a")
    connections.add("c2", "alice")
    connections.subscribe("c2", "alice", "trc_a")
    assert sorted(c.connection_id for c in connections.listeners("trc_a")) == ["c1", "c2"]
    connections.remove("c1")
    assert [c.connection_id for c in connections.listeners("trc_a")] == ["c2"]


def test_llm_registry_keys_models_health(ddb: str) -> None:
    from a2g.llms.crypto import FernetKeyCipher
    from a2g.llms.repository import LlmRepository
    from a2g.llms.service import LlmCreate, LlmRegistry, LlmUpdate
    from a2g.settings import get_settings

    registry = LlmRegistry(LlmRepository(), FernetKeyCipher("a-separate-secret-for-llm-keys-0123456789"))
    created = registry.create(LlmCreate(name="corp-gpt", base_url="https://llm.example/v1/",
                                        api_key="sk-live-abcdef123456", models=["int-gpt-a", "int-gpt-b"]))
    assert created["api_key_masked"] == "sk-…3456" and "api_key" not in created
    assert created["base_url"] == "https://llm.example/v1"
    # At rest: only ciphertext.
    client = boto3.client("dynamodb", endpoint_url=ddb, region_name="us-east-1")
    raw = client.get_item(TableName=get_settings().platform_table,
                          Key={"pk": {"S": f"LLM#{created['llm_id']}"}, "sk": {"S": "META"}})["Item"]
    assert "sk-live-abcdef123456" not in str(raw)
    resolved = registry.resolve_model("int-gpt-a")
    assert resolved is not None and resolved.api_key == "sk-live-abcdef123456"
    with pytest.raises(Conflict):  # a model is served by one LLM only
        registry.create(LlmCreate(name="other", base_url="https://o.example/v1", models=["int-gpt-b"]))
    registry.update(created["llm_id"], LlmUpdate(models=["int-gpt-a", "int-gpt-c"]))
    assert registry.resolve_model("int-gpt-b") is None and registry.resolve_model("int-gpt-c") is not None
    registry.update(created["llm_id"], LlmUpdate(enabled=False))
    assert registry.resolve_model("int-gpt-a") is None
    assert "int-gpt-a" not in [m.model for m in registry.enabled_models()]
    health = registry.record_health(created["llm_id"], False, 12.5, "boom")
    health = registry.record_health(created["llm_id"], False, 13.0, "boom again")
    assert health["health"]["status"] == "unhealthy" and health["health"]["consecutive_failures"] == 2
    assert registry.record_health(created["llm_id"], True, 9.0, None)["health"]["consecutive_failures"] == 0
    registry.delete(created["llm_id"])
    # The model is free again once its LLM is gone.
    again = registry.create(LlmCreate(name="new", base_url="https://n.example/v1", models=["int-gpt-a"]))
    assert registry.resolve_model("int-gpt-a").llm_id == again["llm_id"]  # type: ignore[union-attr]


def test_coalesced_usage_counters_add_up(ddb: str) -> None:
    from a2g.settings import get_settings
    from a2g.tracing.repository import CoalescingUsageWriter

    writer = CoalescingUsageWriter(UsageRepository(), interval=60.0)  # flushed by hand below
    for model in ("m-a", "m-a", "m-b"):
        writer.add("2026-11-03", usage_detail_key("t", "u", model, "agt"), {"calls": 1, "prompt_tokens": 5})
    writer.flush()
    writer.add("2026-11-03", usage_detail_key("t", "u", "m-a", "agt"), {"calls": 1, "prompt_tokens": 5})
    writer.flush()
    client = boto3.client("dynamodb", endpoint_url=ddb, region_name="us-east-1")
    table = get_settings().usage_table

    def row(sk: str) -> dict[str, Any]:
        return client.get_item(TableName=table, Key={"pk": {"S": "DAY#2026-11-03"}, "sk": {"S": sk}})["Item"]

    assert row("D#t#u#m-a#agt")["calls"]["N"] == "3" and row("D#t#u#m-b#agt")["calls"]["N"] == "1"
