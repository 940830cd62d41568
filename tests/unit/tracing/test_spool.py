"""The recorder never loses an entry it acknowledged: retried while the store is down, spooled to the journal
when it stays down, replayed when it is back (and on start), and counted exactly once however often replayed."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from a2g.identity.principal import Principal
from a2g.tracing.broadcaster import TraceBroadcaster
from a2g.tracing.recorder import CallOutcome, CallRecorder
from a2g.tracing.spool import DurableTraceWriter, JournalSpool, SqsSpool, entry_record, replay_message_body
from botocore.exceptions import EndpointConnectionError
from pynamodb.exceptions import PutError

from tests.unit.tracing.tracing_fakes import FakeConnections, FakeLogs, FakePusher, FakeTraces, FakeUsage


def outage() -> Exception:
    return PutError("Failed to put item", cause=EndpointConnectionError(endpoint_url="http://127.0.0.1:1/"))


class FlakyLogs(FakeLogs):
    """A log store that is down until `up` is set (every put raises an outage meanwhile)."""

    def __init__(self, fail_first: int = 0) -> None:
        super().__init__()
        self.up = threading.Event()
        self.attempts = 0
        self.fail_first = fail_first

    def put(self, trace_ids: list[str], entry: dict[str, Any], ttl: int) -> None:
        self.attempts += 1
        if self.attempts <= self.fail_first or (not self.fail_first and not self.up.is_set()):
            raise outage()
        super().put(trace_ids, entry, ttl)


class LedgerUsage(FakeUsage):
    """The usage fake with `add_once` (a marker per entry, as UsageRepository has); `down` makes it fail."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def add_once(self, entry_id: str, day: str, rows: dict[str, dict[str, int]]) -> bool:
        if self.down:
            raise outage()
        return super().add_once(entry_id, day, rows)


def _outcome(traces: FakeTraces, trace_id: str, prompt: str) -> CallOutcome:
    return CallOutcome(
        trace=traces.get_trace(trace_id),  # type: ignore[arg-type]
        principal=Principal("alice", "USER", "team-a", "api_key", "key_a"),
        kind="chat.completions", started_at=datetime(2026, 3, 1, 12, tzinfo=UTC), latency_ms=10.0, http_status=200,
        request_body={"model": "m", "messages": [{"role": "user", "content": prompt}]}, model="m",
        response={"choices": [{"message": {"role": "assistant", "content": "ok"}}],
                  "usage": {"prompt_tokens": 3, "completion_tokens": 2}},
    )


def _recorder(logs: FakeLogs, usage: LedgerUsage, writer: DurableTraceWriter) -> tuple[CallRecorder, FakeTraces]:
    traces = FakeTraces()
    recorder = CallRecorder(logs, usage, TraceBroadcaster(FakeConnections(), FakePusher()), ttl_days=30,
                            runs=traces, writer=writer)
    return recorder, traces


def test_a_short_outage_is_ridden_out_by_the_retries(tmp_path: Path) -> None:
    logs, usage, sleeps = FlakyLogs(fail_first=2), LedgerUsage(), []
    writer = DurableTraceWriter(logs, usage, JournalSpool(tmp_path), sleep=sleeps.append, replay_thread=False)
    recorder, traces = _recorder(logs, usage, writer)
    trace_id = traces.create_trace("alice", "agent", agent_id="agt_1")

    asyncio.run(recorder.record(_outcome(traces, trace_id, "hello")))

    assert len(logs.entries) == 1 and sleeps == [0.1, 0.3]  # two backoffs, then it went through
    assert usage.rows[("2026-03-01", "D#team-a#alice#m#agt_1")]["calls"] == 1
    assert JournalSpool(tmp_path).pending() == []


def test_entries_written_while_the_store_is_down_are_spooled_then_replayed_and_counted_once(tmp_path: Path) -> None:
    logs, usage = FlakyLogs(), LedgerUsage()
    writer = DurableTraceWriter(logs, usage, JournalSpool(tmp_path), sleep=lambda _: None, replay_thread=False)
    recorder, traces = _recorder(logs, usage, writer)
    trace_id = traces.create_trace("alice", "agent", agent_id="agt_1")

    async def calls() -> list[dict[str, Any]]:
        return [await recorder.record(_outcome(traces, trace_id, f"call-{i}")) for i in range(5)]

    entries = asyncio.run(calls())
    journal = JournalSpool(tmp_path)
    assert logs.entries == [] and [r["entry_id"] for r in journal.pending()] == [e["entry_id"] for e in entries]
    assert usage.rows == {}, "a spooled entry is counted on replay, not now"
    # The journal is on disk: each record is a JSON line with the whole entry.
    assert len((tmp_path / "trace-journal.jsonl").read_text().splitlines()) == 5

    assert writer.replay() == 0  # still down: nothing is lost, nothing is dropped
    assert len(journal.pending()) == 5

    logs.up.set()
    assert writer.replay() == 5
    assert sorted(e["entry_id"] for e in logs.entries) == sorted(e["entry_id"] for e in entries)
    assert [m["content"] for e in logs.entries for m in e["request"]["messages"]] == [f"call-{i}" for i in range(5)]
    assert usage.rows[("2026-03-01", "D#team-a#alice#m#agt_1")] == {"calls": 5, "errors": 0, "prompt_tokens": 15,
        "completion_tokens": 10, "latency_ms_sum": 50}
    assert journal.pending() == []


def test_a_replay_repeated_after_a_crash_counts_nothing_twice(tmp_path: Path) -> None:
    """The journal was replayed but the process died before removing the records: replayed again."""
    logs, usage = FlakyLogs(), LedgerUsage()
    logs.up.set()
    journal = JournalSpool(tmp_path)
    entry = {"entry_id": "log_1", "trace_id": "trc_1", "at": "2026-03-01T12:00:00Z", "status": "ok"}
    record = entry_record(["trc_1"], entry, 123, "2026-03-01", {"TOTAL": {"calls": 1}, "D#a": {"calls": 1}})
    journal.append(record)
    first = DurableTraceWriter(logs, usage, journal, replay_thread=False)
    first.replay()
    journal.append(record)  # as if removing it had not happened
    DurableTraceWriter(logs, usage, JournalSpool(tmp_path), replay_thread=False).replay()
    assert usage.rows[("2026-03-01", "TOTAL")] == {"calls": 1}
    assert len(logs.entries) == 2 and {e["entry_id"] for e in logs.entries} == {"log_1"}  # same item, rewritten


def test_the_journal_is_replayed_on_start_by_a_new_process(tmp_path: Path) -> None:
    logs, usage = FlakyLogs(), LedgerUsage()
    spooling = DurableTraceWriter(logs, usage, JournalSpool(tmp_path), sleep=lambda _: None, replay_thread=False)
    spooling.write_entry(["trc_1"], {"entry_id": "log_9", "status": "ok"}, 1, "2026-03-01",
                         {"TOTAL": {"calls": 1}})
    logs.up.set()
    # A new process (the runtime restarted): its replayer thread finds the journal at once.
    DurableTraceWriter(logs, usage, JournalSpool(tmp_path), replay_interval=0.05)
    for _ in range(200):
        if logs.entries:
            break
        threading.Event().wait(0.02)
    assert [e["entry_id"] for e in logs.entries] == ["log_9"]
    assert usage.rows[("2026-03-01", "TOTAL")] == {"calls": 1}


def test_counters_that_fail_after_the_entry_was_stored_are_spooled_alone(tmp_path: Path) -> None:
    logs, usage = FlakyLogs(), LedgerUsage()
    logs.up.set()
    writer = DurableTraceWriter(logs, usage, JournalSpool(tmp_path), sleep=lambda _: None, replay_thread=False)

    def add() -> None:
        raise outage()

    writer.count(add, "log_5", "2026-03-01", {"TOTAL": {"calls": 1}})
    [record] = JournalSpool(tmp_path).pending()
    assert record["kind"] == "usage" and "entry" not in record
    writer.replay()
    assert usage.rows[("2026-03-01", "TOTAL")] == {"calls": 1} and logs.entries == []


def test_a_record_the_store_refuses_for_good_is_moved_aside_not_dropped_nor_retried_forever(tmp_path: Path) -> None:
    class Refusing(FakeLogs):
        def put(self, trace_ids: list[str], entry: dict[str, Any], ttl: int) -> None:
            raise ValueError("item too large")

    journal = JournalSpool(tmp_path)
    journal.append(entry_record(["trc_1"], {"entry_id": "log_x"}, 1, "2026-03-01", {}))
    writer = DurableTraceWriter(Refusing(), LedgerUsage(), journal, replay_thread=False)
    assert writer.replay() == 0
    assert journal.pending() == []
    assert json.loads((tmp_path / "trace-journal.rejected.jsonl").read_text())["entry_id"] == "log_x"


def test_a_line_cut_by_a_crash_does_not_hide_the_others(tmp_path: Path) -> None:
    journal = JournalSpool(tmp_path)
    journal.append(entry_record(["t"], {"entry_id": "log_a"}, 1, "d", {}))
    with open(journal.path, "a", encoding="utf-8") as fh:
        fh.write('{"id": "entry:log_b", "kin')
    assert [r["entry_id"] for r in journal.pending()] == ["log_a"]


def test_not_an_outage_is_not_spooled(tmp_path: Path) -> None:
    class Broken(FakeLogs):
        def put(self, trace_ids: list[str], entry: dict[str, Any], ttl: int) -> None:
            raise ValueError("a bug")

    writer = DurableTraceWriter(Broken(), LedgerUsage(), JournalSpool(tmp_path), replay_thread=False)
    with pytest.raises(ValueError):
        writer.write_entry(["t"], {"entry_id": "log_1"}, 1, "d", {})
    assert JournalSpool(tmp_path).pending() == []


# --- AWS: the dead-letter queue --------------------------------------------------------------------------


class FakeSqs:
    def __init__(self, fail: bool = False) -> None:
        self.messages: list[dict[str, Any]] = []
        self.fail = fail

    def send_message(self, **kw: Any) -> dict[str, Any]:
        if self.fail:
            raise EndpointConnectionError(endpoint_url="https://sqs.example/")
        self.messages.append(kw)
        return {"MessageId": "m1"}


def test_on_aws_records_go_to_the_dead_letter_queue_and_its_function_replays_them(tmp_path: Path) -> None:
    sqs, logs, usage = FakeSqs(), FlakyLogs(), LedgerUsage()
    writer = DurableTraceWriter(logs, usage, SqsSpool("https://sqs/q", sqs, fallback=JournalSpool(tmp_path)),
                                sleep=lambda _: None, replay_thread=False)
    big = {"entry_id": "log_7", "trace_id": "trc_1", "at": "2026-03-01T00:00:00Z", "status": "ok",
           "request": {"messages": [{"role": "user", "content": os.urandom(400_000).hex()}]}}
    assert writer.write_entry(["trc_1"], big, 1, "2026-03-01", {"TOTAL": {"calls": 1}}) is False
    [message] = sqs.messages
    assert message["QueueUrl"] == "https://sqs/q" and len(message["MessageBody"]) < 256_000  # SQS's limit

    logs.up.set()
    replay_message_body(message["MessageBody"], logs, usage)
    replay_message_body(message["MessageBody"], logs, usage)  # SQS delivers at least once
    assert logs.entries[0]["entry_id"] == "log_7" and usage.rows[("2026-03-01", "TOTAL")] == {"calls": 1}


def test_when_sqs_is_unreachable_too_the_record_is_kept_in_the_local_journal(tmp_path: Path) -> None:
    writer = DurableTraceWriter(FlakyLogs(), LedgerUsage(),
                                SqsSpool("https://sqs/q", FakeSqs(fail=True), fallback=JournalSpool(tmp_path)),
                                sleep=lambda _: None, replay_thread=False)
    writer.write_entry(["t"], {"entry_id": "log_8"}, 1, "d", {})
    assert [r["entry_id"] for r in JournalSpool(tmp_path).pending()] == ["log_8"]


def test_a_store_still_down_is_probed_quickly_and_the_replay_waits_for_it(tmp_path: Path) -> None:
    """The timer's replays ask the quick probe first (a starting store would hold the replayer in long
    timeouts); a write that succeeds again wakes the replay at once."""
    logs, usage, probes = FlakyLogs(), LedgerUsage(), []
    journal = JournalSpool(tmp_path)
    journal.append(entry_record(["trc_1"], {"entry_id": "log_p"}, 1, "2026-03-01", {"TOTAL": {"calls": 1}}))

    def probe() -> None:
        probes.append(1)
        raise outage()

    writer = DurableTraceWriter(logs, usage, JournalSpool(tmp_path), sleep=lambda _: None, probe=probe,
                                replay_interval=0.01, max_replay_interval=0.02)
    for _ in range(500):
        if len(probes) >= 3:
            break
        threading.Event().wait(0.01)
    attempts_while_down = logs.attempts
    assert len(probes) >= 3 and attempts_while_down == 1  # only the replay on start tried a write
    logs.up.set()
    writer.write_entry(["trc_1"], {"entry_id": "log_q"}, 1, "2026-03-01", {})  # the store answers again
    for _ in range(500):
        if len(logs.entries) == 2:
            break
        threading.Event().wait(0.01)
    assert {e["entry_id"] for e in logs.entries} == {"log_p", "log_q"}
    assert usage.rows[("2026-03-01", "TOTAL")] == {"calls": 1}
