"""The lean DynamoDB client against the real DynamoDB Local: what it writes is what PynamoDB's models read back
(entries, usage counters), a failed condition is `ConditionFailed`, and a connection the store drops is retried
(through a loopback relay that cuts the first connection, as a load balancer closes an idle one)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import a2g.identity.repository  # noqa: F401 - declared before the `ddb` fixture points every model at its store
import pytest
from a2g.adapters.dynamodb_wire import ConditionFailed, DynamoDbWire, StorageRequestRefused
from a2g.tracing.models import LogEntryItem, UsageCounterItem
from a2g.tracing.repository import LogRepository, UsageRepository


def test_entries_written_lean_read_back_through_the_models(ddb: str) -> None:
    entry = {"entry_id": "log_wire_1", "trace_id": "trc_wire_a", "at": "2031-03-01T00:00:00.000Z",
             "status": "ok", "model": "m-1", "agent_id": "researcher", "session_id": None, "latency_ms": 12.5,
             "request": {"messages": [{"role": "user", "content": "héllo \u2603"}]}}
    LogRepository().put(["trc_wire_a", "trc_wire_b"], entry, 2_000_000_000)  # a BatchWriteItem of two
    for trace_id in ("trc_wire_a", "trc_wire_b"):
        item = LogEntryItem.get(f"TRACE#{trace_id}", "LOG#log_wire_1")
        assert (item.trace_id, item.model, item.agent_id, item.session_id, item.latency_ms, item.ttl) == (
            trace_id, "m-1", "researcher", None, 12.5, 2_000_000_000)
        got = LogRepository().get(trace_id, "log_wire_1")
        assert got is not None and got["request"]["messages"][0]["content"] == "héllo \u2603"
        assert got["trace_id"] == trace_id
    LogRepository().put(["trc_wire_c"], {**entry, "entry_id": "log_wire_2"}, 2_000_000_000)  # one PutItem
    assert [e["entry_id"] for e in LogRepository().recent("trc_wire_c", 5)] == ["log_wire_2"]


def test_usage_rows_add_up_atomically(ddb: str) -> None:
    usage = UsageRepository()
    usage.add("2031-03-02", "D#t#u#m#a", {"calls": 1, "errors": 0, "prompt_tokens": 7})
    usage.add("2031-03-02", "D#t#u#m#a", {"calls": 1, "errors": 1, "prompt_tokens": 5, "completion_tokens": 2})
    row = UsageCounterItem.get("DAY#2031-03-02", "D#t#u#m#a")
    assert (row.calls, row.errors, row.prompt_tokens, row.completion_tokens) == (2, 1, 12, 2)
    with pytest.raises(ValueError, match="unknown usage counters"):
        usage.add("2031-03-02", "D#t#u#m#a", {"bogus": 1})


def _wire(endpoint: str) -> DynamoDbWire:
    return DynamoDbWire(endpoint, LogEntryItem.Meta.region, sleep=lambda _: None)


def test_a_failed_condition_and_a_refused_request_are_told_apart(ddb: str) -> None:
    wire, table = _wire(ddb), LogEntryItem.Meta.table_name
    item = {"pk": {"S": "TRACE#trc_wire_cond"}, "sk": {"S": "LOG#x"}}
    wire.put_item(table, item, ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(ConditionFailed):
        wire.put_item(table, item, ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(StorageRequestRefused) as refused:
        wire.put_item(table, {"pk": {"S": "TRACE#trc_wire_cond"}})  # no sort key
    assert refused.value.error_code == "ValidationException"
    with pytest.raises(StorageRequestRefused) as missing:
        wire.put_item("no-such-table", item)
    assert missing.value.error_code == "ResourceNotFoundException"


@pytest.fixture
def cutting_relay(ddb: str) -> Iterator[tuple[str, list[int]]]:
    """A TCP relay to DynamoDB Local that closes the first connection it accepts without a byte."""
    target_port = int(ddb.rsplit(":", 1)[1])
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = [0]

    def pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            dst.close()

    def serve() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            accepted[0] += 1
            if accepted[0] == 1:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", target_port))
            threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    listener.close()


def test_a_dropped_connection_is_retried_on_a_new_one(ddb: str, cutting_relay: tuple[str, list[int]]) -> None:
    endpoint, accepted = cutting_relay
    wire, table = _wire(endpoint), UsageCounterItem.Meta.table_name
    wire.update_item(table, {"pk": {"S": "DAY#2031-03-03"}, "sk": {"S": "D#retry"}}, "ADD #c :c",
                     names={"#c": "calls"}, values={":c": {"N": "1"}})
    assert accepted[0] == 2  # the first connection was cut; the retry went through a second one
    assert UsageCounterItem.get("DAY#2031-03-03", "D#retry").calls == 1  # and counted once
