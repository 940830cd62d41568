"""Spooled trace records written back to the real DynamoDB Local: the entry readable, the counters added once
however many times the record is replayed; a store that does not answer is recognised as an outage."""

from __future__ import annotations

from pathlib import Path

import boto3
from a2g.tracing.repository import LogRepository, UsageRepository
from a2g.tracing.spool import DurableTraceWriter, JournalSpool, entry_record

from tests.integration.dynamodb_local import point_models_at


def _counters(endpoint: str, day: str, sk: str) -> dict[str, int]:
    import os

    table = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1").Table(
        os.environ["A2G_USAGE_TABLE"])
    item = table.get_item(Key={"pk": f"DAY#{day}", "sk": sk}).get("Item") or {}
    return {k: int(v) for k, v in item.items() if k not in ("pk", "sk")}


def test_add_once_counts_an_entry_once(ddb: str) -> None:
    usage = UsageRepository()
    rows = {"TOTAL": {"calls": 1, "prompt_tokens": 7}, "D#t#u#m#a": {"calls": 1, "prompt_tokens": 7}}
    assert usage.add_once("log_once_1", "2031-01-01", rows) is True
    assert usage.add_once("log_once_1", "2031-01-01", rows) is False
    assert usage.add_once("log_once_2", "2031-01-01", rows) is True
    assert _counters(ddb, "2031-01-01", "TOTAL") == {"calls": 2, "prompt_tokens": 14}
    assert _counters(ddb, "2031-01-01", "D#t#u#m#a") == {"calls": 2, "prompt_tokens": 14}


def test_an_entry_written_while_dynamodb_is_unreachable_is_spooled_and_written_back(ddb: str, tmp_path: Path) -> None:
    logs, usage = LogRepository(), UsageRepository()
    writer = DurableTraceWriter(logs, usage, JournalSpool(tmp_path), sleep=lambda _: None, replay_thread=False)
    entry = {"entry_id": "log_spooled_1", "trace_id": "trc_spool", "at": "2031-02-01T00:00:00.000Z",
             "status": "ok", "model": "m", "request": {"messages": [{"role": "user", "content": "kept"}]}}
    rows = {"TOTAL": {"calls": 1}}
    point_models_at("http://127.0.0.1:9")  # nothing listens there: connection refused, like a dead store
    try:
        stored = writer.write_entry(["trc_spool"], entry, 2_000_000_000, "2031-02-01", rows)
    finally:
        point_models_at(ddb)
    assert stored is False and len(JournalSpool(tmp_path).pending()) == 1

    assert writer.replay() == 1
    assert writer.replay() == 0
    got = logs.get("trc_spool", "log_spooled_1")
    assert got is not None and got["request"]["messages"][0]["content"] == "kept"
    assert _counters(ddb, "2031-02-01", "TOTAL") == {"calls": 1}
    # Replayed again (the journal was not emptied before a crash): still one call.
    JournalSpool(tmp_path).append(entry_record(["trc_spool"], entry, 2_000_000_000, "2031-02-01", rows))
    assert writer.replay() == 1
    assert _counters(ddb, "2031-02-01", "TOTAL") == {"calls": 1}
