"""Storage of traces, their log entries, active runs and the usage counters (docs/data-model.md).

Traces table: `TRACE#<id>/META` (owner, kind), `TRACE#<id>/LOG#<entry_id>` (entries, `ttl`),
`TRACE#<agent trace id>/RUN#<session_id>` (a chat run in progress, short `ttl`).
Usage table: `DAY#<yyyy-mm-dd>/D#<team>#<user>#<model>#<agent>`, atomic ADD: one update per call carries every
counter (a day's totals are the sum of its detail rows; days written before that also hold a `TOTAL` row,
which nothing reads any more).
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from a2g.clock import Clock, SystemClock, epoch, iso
from a2g.errors import ValidationFailed
from a2g.ids import new_id
from a2g.tracing.models import ActiveRunItem, LogEntryItem, TraceItem, UsageCounterItem
from a2g.validation import is_id

TraceKind = Literal["agent", "session"]
# DynamoDB's item limit is 400 KB; leave room for the summary attributes and keys.
MAX_STORED_PAYLOAD_BYTES = 350_000


@dataclass(frozen=True)
class TraceMeta:
    trace_id: str
    owner_user_id: str
    kind: str
    agent_id: str | None
    session_id: str | None
    created_at: str


# An ended run is kept this long, so an entry recorded a little after its call still finds the run it was in.
ENDED_RUN_KEEP_SECONDS = 600


@dataclass(frozen=True)
class ActiveRun:
    """A chat run of an agent: calls that *started* between `started_at` and `ended_at` belong to it."""

    session_id: str
    session_trace_id: str | None
    started_at: str  # ISO-8601 UTC with milliseconds (sorts as text)
    expires_at: int  # epoch seconds: a run never marked done stops covering calls then
    ended_at: str | None = None

    def covers(self, at: str, at_epoch: int) -> bool:
        if at < self.started_at:
            return False
        if self.ended_at is not None:
            return at <= self.ended_at
        return at_epoch < self.expires_at


@dataclass(frozen=True)
class EntryPage:
    entries: list[dict[str, Any]]
    next_cursor: str | None


class TraceStore(Protocol):
    def create_trace(
        self, owner_user_id: str, kind: TraceKind, agent_id: str | None = None, session_id: str | None = None
    ) -> str: ...
    def get_trace(self, trace_id: str) -> TraceMeta | None: ...
    def put_run(self, agent_trace_id: str, run: ActiveRun) -> None: ...
    def end_run(self, agent_trace_id: str, session_id: str, ended_at: str, keep_until: int) -> None: ...
    def runs_at(self, agent_trace_id: str, at: str, at_epoch: int) -> list[ActiveRun]: ...


class LogStore(Protocol):
    def put(self, trace_ids: list[str], entry: dict[str, Any], ttl: int) -> None: ...
    def page(self, trace_id: str, limit: int, cursor: str | None, newest_first: bool) -> EntryPage: ...
    def get(self, trace_id: str, entry_id: str) -> dict[str, Any] | None: ...
    def clear(self, trace_id: str, up_to: datetime | None = None) -> int:
        """Delete the trace's entries (only those whose `at` is not after `up_to`, when given)."""
        ...
    def recent(self, trace_id: str, limit: int) -> list[dict[str, Any]]: ...


class UsageStore(Protocol):
    def add(self, day: str, detail_key: str, counters: dict[str, int]) -> None: ...
    def add_once(self, entry_id: str, day: str, rows: dict[str, dict[str, int]]) -> bool: ...


# ------------------------------------------------------------------------------------------------------
# Traces and runs
# ------------------------------------------------------------------------------------------------------


class TraceRepository:
    """Trace ownership and active runs. `create_trace` / `get_trace` are the API other domains call."""

    def __init__(self, clock: Clock | None = None):
        self._clock = clock or SystemClock()

    def create_trace(
        self, owner_user_id: str, kind: TraceKind, agent_id: str | None = None, session_id: str | None = None
    ) -> str:
        if kind not in ("agent", "session"):
            raise ValueError(f"unknown trace kind {kind!r}")
        trace_id = new_id("trc")
        TraceItem(
            pk=f"TRACE#{trace_id}", sk="META", gsi1pk=f"USER#{owner_user_id}", gsi1sk=f"TRACE#{trace_id}",
            trace_id=trace_id, owner_user_id=owner_user_id, kind=kind, agent_id=agent_id,
            session_id=session_id, created_at=iso(self._clock.now()),
        ).save(condition=TraceItem.pk.does_not_exist())
        return trace_id

    def get_trace(self, trace_id: str) -> TraceMeta | None:
        if not trace_id or "#" in trace_id:
            return None
        try:
            item = TraceItem.get(f"TRACE#{trace_id}", "META")
        except TraceItem.DoesNotExist:
            return None
        return TraceMeta(item.trace_id, item.owner_user_id, item.kind, item.agent_id, item.session_id,
                         item.created_at)

    def traces_of(self, owner_user_id: str) -> list[TraceMeta]:
        return [
            TraceMeta(i.trace_id, i.owner_user_id, i.kind, i.agent_id, i.session_id, i.created_at)
            for i in TraceItem.gsi1.query(f"USER#{owner_user_id}", TraceItem.gsi1sk.startswith("TRACE#"))
        ]

    def delete_trace(self, trace_id: str) -> None:
        """Delete a trace with everything under it (its agent or session was deleted)."""
        with TraceItem.batch_write() as batch:
            for item in TraceItem.query(f"TRACE#{trace_id}", attributes_to_get=["pk", "sk"]):
                batch.delete(item)

    def put_run(self, agent_trace_id: str, run: ActiveRun) -> None:
        ActiveRunItem(
            pk=f"TRACE#{agent_trace_id}", sk=f"RUN#{run.session_id}", session_id=run.session_id,
            session_trace_id=run.session_trace_id, started_at=run.started_at, expires_at=run.expires_at,
            ttl=run.expires_at + ENDED_RUN_KEEP_SECONDS,
        ).save()

    def end_run(self, agent_trace_id: str, session_id: str, ended_at: str, keep_until: int) -> None:
        item = ActiveRunItem(pk=f"TRACE#{agent_trace_id}", sk=f"RUN#{session_id}")
        try:
            item.update(actions=[ActiveRunItem.ended_at.set(ended_at), ActiveRunItem.ttl.set(keep_until)],
                        condition=ActiveRunItem.pk.exists())
        except Exception as exc:  # the run was never marked (or aged out): nothing to end
            if "ConditionalCheckFailed" not in str(exc):
                raise

    def runs_at(self, agent_trace_id: str, at: str, at_epoch: int) -> list[ActiveRun]:
        """The runs that cover a call started at `at` (a trace holds a handful of run items at most)."""
        return [run for run in self.runs(agent_trace_id) if run.covers(at, at_epoch)]

    def runs(self, agent_trace_id: str) -> list[ActiveRun]:
        """Every run item of the agent trace (the OTLP intake matches a whole batch of spans against them)."""
        return [
            ActiveRun(item.session_id, item.session_trace_id, item.started_at, int(item.expires_at), item.ended_at)
            for item in ActiveRunItem.query(f"TRACE#{agent_trace_id}", ActiveRunItem.sk.startswith("RUN#"))
        ]


# ------------------------------------------------------------------------------------------------------
# Log entries
# ------------------------------------------------------------------------------------------------------


def encode_payload(entry: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(entry, separators=(",", ":"), default=str).encode(), 6)


def decode_payload(payload: bytes) -> dict[str, Any]:
    value = json.loads(zlib.decompress(payload))
    return value if isinstance(value, dict) else {}


def _encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    sk = key.get("sk", {}).get("S")
    return base64.urlsafe_b64encode(sk.encode()).decode().rstrip("=") if sk else None


def _decode_cursor(trace_id: str, cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    # Anything but a cursor of this listing is a 400, as on every other listing (it used to restart paging).
    try:
        sk = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        sk = ""
    if not sk.startswith("LOG#") or not is_id(sk[4:]):
        raise ValidationFailed("the cursor is not valid for this list", code="invalid_cursor")
    return {"pk": {"S": f"TRACE#{trace_id}"}, "sk": {"S": sk}}


class LogRepository:
    def put(self, trace_ids: list[str], entry: dict[str, Any], ttl: int) -> None:
        """Write one entry under each trace (the agent trace and, when tagged, the session trace).

        Through the lean client (`a2g.adapters.dynamodb_wire`), not PynamoDB: it is one of the two writes of
        every log-proxy call, and the item is the one `LogEntryItem` reads back."""
        payload = encode_payload(entry)
        if len(payload) > MAX_STORED_PAYLOAD_BYTES:
            from a2g.tracing.entries import cut_entry

            payload = encode_payload(cut_entry(entry, MAX_STORED_PAYLOAD_BYTES))
        common = _log_attributes(entry, payload, ttl)
        items = [{"pk": {"S": f"TRACE#{trace_id}"}, "sk": {"S": f"LOG#{entry['entry_id']}"},
                  "trace_id": {"S": trace_id}, **common} for trace_id in trace_ids]
        wire, table = wire_for(LogEntryItem)
        if len(items) == 1:
            wire.put_item(table, items[0])
        else:
            wire.put_items(table, items)

    def page(self, trace_id: str, limit: int, cursor: str | None, newest_first: bool) -> EntryPage:
        results = LogEntryItem.query(
            f"TRACE#{trace_id}", LogEntryItem.sk.startswith("LOG#"), limit=limit,
            scan_index_forward=not newest_first, last_evaluated_key=_decode_cursor(trace_id, cursor),
        )
        entries = [self._entry(item) for item in results]
        next_cursor = _encode_cursor(results.last_evaluated_key) if len(entries) >= limit else None
        return EntryPage(entries, next_cursor)

    def get(self, trace_id: str, entry_id: str) -> dict[str, Any] | None:
        try:
            return self._entry(LogEntryItem.get(f"TRACE#{trace_id}", f"LOG#{entry_id}"))
        except LogEntryItem.DoesNotExist:
            return None

    def clear(self, trace_id: str, up_to: datetime | None = None) -> int:
        count = 0
        with LogEntryItem.batch_write() as batch:
            for item in LogEntryItem.query(
                f"TRACE#{trace_id}", LogEntryItem.sk.startswith("LOG#"), attributes_to_get=["pk", "sk", "at"]
            ):
                if up_to is not None and not made_by(item.at, up_to):
                    continue
                batch.delete(item)
                count += 1
        return count

    def recent(self, trace_id: str, limit: int) -> list[dict[str, Any]]:
        return self.page(trace_id, limit, None, newest_first=True).entries

    @staticmethod
    def _entry(item: LogEntryItem) -> dict[str, Any]:
        entry = decode_payload(item.payload)
        entry["trace_id"] = item.trace_id  # the copy under a session trace names that trace
        return entry


def _log_attributes(entry: dict[str, Any], payload: bytes, ttl: int) -> dict[str, Any]:
    """A `LogEntryItem`'s attributes in DynamoDB JSON, as PynamoDB writes them (nulls left out)."""
    attributes: dict[str, Any] = {
        "entry_id": {"S": entry["entry_id"]}, "at": {"S": entry["at"]}, "status": {"S": entry["status"]},
        "payload": {"B": base64.b64encode(payload).decode()}, "ttl": {"N": str(int(ttl))},
    }
    for name in ("model", "agent_id", "session_id"):
        value = entry.get(name)
        if value:
            attributes[name] = {"S": str(value)}
    latency = entry.get("latency_ms")
    if latency is not None:
        attributes["latency_ms"] = {"N": json.dumps(latency)}
    return attributes


def wire_for(model: Any) -> tuple[Any, str]:
    """The lean DynamoDB client for `model`'s endpoint (wherever its `Meta` points now), and its table."""
    from a2g.adapters.dynamodb_wire import shared_wire

    meta = model.Meta
    return shared_wire(getattr(meta, "host", None), meta.region), meta.table_name


def made_by(at: str | None, up_to: datetime) -> bool:
    """Whether an entry's `at` is at or before `up_to`; an entry without a readable time counts as older."""
    try:
        moment = datetime.fromisoformat(at or "")
    except ValueError:
        return True
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) <= up_to


def entry_ttl(at: datetime, days: int) -> int:
    return epoch(at + timedelta(days=days))


# ------------------------------------------------------------------------------------------------------
# Usage counters
# ------------------------------------------------------------------------------------------------------


def key_part(value: str | None) -> str:
    """One component of a usage sort key: `#` and `%` escaped so the key splits back unambiguously."""
    if not value:
        return "-"
    return value.replace("%", "%25").replace("#", "%23")


def usage_detail_key(team: str | None, user: str | None, model: str | None, agent: str | None) -> str:
    return "D#" + "#".join(key_part(v) for v in (team, user, model, agent))


# The counters a usage row holds (`UsageCounterItem`'s number attributes).
USAGE_COUNTERS = frozenset({"calls", "errors", "prompt_tokens", "completion_tokens", "latency_ms_sum"})


class UsageRepository:
    def add(self, day: str, detail_key: str, counters: dict[str, int]) -> None:
        """ADD the counters to the day's detail row: one atomic update (the day's totals are summed on read)."""
        self.add_rows(day, {detail_key: counters})

    def add_rows(self, day: str, rows: dict[str, dict[str, int]]) -> None:
        """One UpdateItem per row, `ADD` of every counter (through the lean client: the other write of every
        log-proxy call)."""
        wire, table = wire_for(UsageCounterItem)
        for sk, counters in rows.items():
            unknown = set(counters) - USAGE_COUNTERS
            if unknown:
                raise ValueError(f"unknown usage counters {sorted(unknown)}")
            names = {f"#c{i}": name for i, name in enumerate(counters)}
            values = {f":c{i}": {"N": str(int(value))} for i, value in enumerate(counters.values())}
            wire.update_item(table, {"pk": {"S": f"DAY#{day}"}, "sk": {"S": sk}},
                             "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counters))),
                             names=names, values=values)

    def add_once(self, entry_id: str, day: str, rows: dict[str, dict[str, int]]) -> bool:
        """ADD one entry's counters unless they were already added: one transaction with the marker
        `DAY#<day>/APPLIED#<entry_id>`, written only if absent (statistics read `D#` rows and `TOTAL` only).
        False when the marker was there (a replayed record counted before)."""
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        from a2g.db import transaction_connection

        connection = transaction_connection(UsageCounterItem)
        try:
            with TransactWrite(connection=connection) as tx:
                tx.save(UsageCounterItem(pk=f"DAY#{day}", sk=f"APPLIED#{entry_id}"),
                        condition=UsageCounterItem.sk.does_not_exist())
                for sk, counters in rows.items():
                    tx.update(UsageCounterItem(pk=f"DAY#{day}", sk=sk),
                              actions=[getattr(UsageCounterItem, name).add(value) for name, value in counters.items()])
        except TransactWriteError as exc:
            reasons = exc.cancellation_reasons
            if reasons and reasons[0] is not None and "ConditionalCheckFailed" in (reasons[0].code or ""):
                return False
            raise
        return True


class CoalescingUsageWriter:
    """Sums counters in memory and ADDs them at most once per `interval` seconds per row.

    Under load every call would otherwise cost a counter write; coalesced, a busy second costs one write per
    distinct row. Counters reach the table within `interval` of the entry (the statistics pages read days,
    so a second's delay is invisible); a process that is stopped flushes what it holds (`flush`, atexit). Used
    where the process outlives its requests (the local runtime, containers); on Lambda the plain repository
    writes per call, since a frozen process would hold counts indefinitely.
    """

    def __init__(self, store: UsageRepository, interval: float = 1.0):
        import atexit
        import threading

        self._store, self._interval = store, interval
        self._pending: dict[str, dict[str, dict[str, int]]] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="usage-flush", daemon=True)
        self._thread.start()
        atexit.register(self.flush)

    def add(self, day: str, detail_key: str, counters: dict[str, int]) -> None:
        with self._lock:
            rows = self._pending.setdefault(day, {})
            row = rows.setdefault(detail_key, {})
            for name, value in counters.items():
                row[name] = row.get(name, 0) + value
        self._wake.set()

    def add_once(self, entry_id: str, day: str, rows: dict[str, dict[str, int]]) -> bool:
        """A replayed entry's counters: written at once and idempotently (never coalesced)."""
        return self._store.add_once(entry_id, day, rows)

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for day, rows in pending.items():
            for sk, counters in rows.items():
                # Row by row: a failure keeps only the rows not written (keeping a written one would count it
                # twice at the next attempt).
                try:
                    self._store.add_rows(day, {sk: counters})
                except Exception as exc:  # noqa: BLE001 - keep the counts for the next attempt
                    from a2g.log import logger

                    logger.warning("usage counters not written yet", extra={"error_type": type(exc).__name__})
                    with self._lock:
                        row = self._pending.setdefault(day, {}).setdefault(sk, {})
                        for name, value in counters.items():
                            row[name] = row.get(name, 0) + value
                    self._wake.set()  # try again after the next interval, even if no call comes

    def _loop(self) -> None:
        import time

        while True:
            self._wake.wait()
            self._wake.clear()
            time.sleep(self._interval)
            self.flush()
