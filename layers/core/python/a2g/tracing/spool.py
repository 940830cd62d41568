"""Nothing the log-proxy acknowledged is lost when its storage fails.

A call's entry is written after the client has its answer, so a failed write cannot be reported to anyone:
it has to succeed later. `DurableTraceWriter` writes an entry (and, on Lambda, its counters); when the store
is unreachable (`a2g.errors.is_storage_outage`) it retries with backoff (`RETRY_DELAYS`, a few seconds in
all: long enough for a throttle or a blip, short enough not to hold a worker thread through an outage), then
hands the record to a spool:

- `JournalSpool` (the local runtime, any long-lived process): one JSON line per record, appended and fsynced
  to `<A2G_TRACE_SPOOL_DIR>/trace-journal.jsonl` (`<data dir>/trace-spool/` locally). A replayer thread
  writes the records back on start, as soon as a write succeeds again, and every few seconds while any wait.
- `SqsSpool` (AWS Lambda): a message to the dead-letter queue `TraceReplayQueue` (template.yaml), whose
  `TraceReplayFunction` writes it back; a record that still fails returns to the queue after its visibility
  timeout, and after many receives parks in `TraceReplayParkedQueue` for a documented redrive. A Lambda's
  /tmp dies with the instance and a frozen instance runs no background thread, so a local file is only the
  fallback for when SQS itself cannot be reached.

Replaying is idempotent, keyed by the entry id: the entry is a plain Put of the same item, and its counters
are applied in one transaction with a `APPLIED#<entry id>` marker that is written only if absent, so a record
replayed twice (or replayed after an ambiguous first attempt) counts once.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from a2g.errors import is_storage_outage
from a2g.log import logger
from a2g.tracing.repository import LogStore

# Seconds between attempts of one write while the store does not answer (then the record is spooled).
RETRY_DELAYS = (0.1, 0.3, 0.9, 2.0)
JOURNAL_NAME = "trace-journal.jsonl"
REJECTED_NAME = "trace-journal.rejected.jsonl"
# SQS takes 256 KB per message; an entry above this (compressed, base64) is stored cut, as DynamoDB would.
SQS_MAX_ENTRY_BYTES = 180_000

UsageRows = dict[str, dict[str, int]]  # sort key (TOTAL, D#...) -> counters to ADD


class UsageLedger(Protocol):
    def add_once(self, entry_id: str, day: str, rows: UsageRows) -> bool: ...


class Spool(Protocol):
    def append(self, record: dict[str, Any]) -> None: ...


# ------------------------------------------------------------------------------------------------------
# Records: what is kept of a write that could not be made
# ------------------------------------------------------------------------------------------------------


def entry_record(targets: list[str], entry: dict[str, Any], ttl: int, day: str, rows: UsageRows) -> dict[str, Any]:
    """An entry not yet written, with its counters (which were not applied either)."""
    return {"id": f"entry:{entry['entry_id']}", "kind": "entry", "entry_id": entry["entry_id"], "targets": targets,
            "ttl": ttl, "day": day, "rows": rows, "entry": _pack(entry)}


def usage_record(entry_id: str, day: str, rows: UsageRows) -> dict[str, Any]:
    """Counters of a written entry that could not be applied."""
    return {"id": f"usage:{entry_id}", "kind": "usage", "entry_id": entry_id, "day": day, "rows": rows}


def _pack(entry: dict[str, Any]) -> str:
    raw = json.dumps(entry, separators=(",", ":"), default=str).encode()
    return base64.b64encode(zlib.compress(raw, 6)).decode()


def unpack_entry(record: dict[str, Any]) -> dict[str, Any]:
    value = json.loads(zlib.decompress(base64.b64decode(record["entry"])))
    return value if isinstance(value, dict) else {}


def apply_record(record: dict[str, Any], logs: LogStore, ledger: UsageLedger) -> None:
    """Write a spooled record back. Safe to repeat: the Put rewrites the same item, the counters count once."""
    if record["kind"] == "entry":
        logs.put(list(record["targets"]), unpack_entry(record), int(record["ttl"]))
    if record.get("rows"):
        ledger.add_once(record["entry_id"], record["day"], record["rows"])


# ------------------------------------------------------------------------------------------------------
# Spools
# ------------------------------------------------------------------------------------------------------


class JournalSpool:
    """An append-only JSON-lines file; each append is fsynced before it returns."""

    def __init__(self, directory: Path | str):
        self.directory = Path(directory)
        self.path = self.directory / JOURNAL_NAME
        self.rejected_path = self.directory / REJECTED_NAME
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            while True:
                with open(self.path, "a", encoding="utf-8") as fh:
                    fcntl.flock(fh, fcntl.LOCK_EX)  # another process on the same dir (a second worker)
                    if os.fstat(fh.fileno()).st_ino != os.stat(self.path).st_ino:
                        continue  # `remove` replaced the file while we waited: append to the new one
                    fh.write(line)
                    fh.flush()
                    os.fsync(fh.fileno())
                    return

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return self._read()

    def __len__(self) -> int:
        return len(self.pending())

    def remove(self, ids: set[str], rejected: list[dict[str, Any]] | None = None) -> None:
        """Drop the records with these ids (written back); `rejected` ones move to the rejected file."""
        if not ids and not rejected:
            return
        with self._lock:
            if rejected:
                with open(self.rejected_path, "a", encoding="utf-8") as fh:
                    fh.writelines(json.dumps(r, separators=(",", ":")) + "\n" for r in rejected)
                    fh.flush()
                    os.fsync(fh.fileno())
            gone = ids | {r["id"] for r in rejected or []}
            with open(self.path, "a+", encoding="utf-8") as lock_fh:
                fcntl.flock(lock_fh, fcntl.LOCK_EX)
                keep = [r for r in self._read() if r.get("id") not in gone]
                tmp = self.path.with_suffix(".tmp")
                with open(tmp, "w", encoding="utf-8") as fh:
                    fh.writelines(json.dumps(r, separators=(",", ":")) + "\n" for r in keep)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)

    def _read(self) -> list[dict[str, Any]]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        records, seen = [], set()
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:  # a line cut by a crash mid-append: its call was never acknowledged as stored
                continue
            if isinstance(record, dict) and record.get("id") not in seen:
                seen.add(record.get("id"))
                records.append(record)
        return records


class SqsSpool:
    """Sends each record to the dead-letter queue; falls back to a local journal if SQS cannot be reached."""

    def __init__(self, queue_url: str, sqs: Any, fallback: JournalSpool | None = None):
        self.queue_url, self._sqs, self.fallback = queue_url, sqs, fallback

    def append(self, record: dict[str, Any]) -> None:
        if record.get("kind") == "entry" and len(record["entry"]) > SQS_MAX_ENTRY_BYTES:
            from a2g.tracing.entries import cut_entry

            record = {**record, "entry": _pack(cut_entry(unpack_entry(record), SQS_MAX_ENTRY_BYTES))}
        try:
            self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(record, separators=(",", ":")))
        except Exception:
            if self.fallback is None:
                raise
            logger.error("dead-letter queue unreachable; record kept in the local journal",
                         extra={"entry_id": record.get("entry_id")})
            self.fallback.append(record)


# ------------------------------------------------------------------------------------------------------
# The writer
# ------------------------------------------------------------------------------------------------------


class DurableTraceWriter:
    """Writes entries (and counters) with bounded retries; spools what the store would not take; replays."""

    def __init__(self, logs: LogStore, ledger: UsageLedger, spool: Spool | None, *,
                 delays: tuple[float, ...] = RETRY_DELAYS, sleep: Callable[[float], None] = time.sleep,
                 replay_interval: float = 2.0, replay_thread: bool = True, probe: Callable[[], None] | None = None,
                 max_replay_interval: float = 30.0):
        self._logs, self._ledger, self.spool = logs, ledger, spool
        self._delays, self._sleep = delays, sleep
        self._replay_interval, self._max_replay_interval = replay_interval, max_replay_interval
        # One quick request (short timeouts, no retries) before a replay the timer started: a store that is
        # still starting would otherwise hold the replayer in the repositories' long timeouts and retries.
        self._probe = probe
        self.blocked = False  # the last replay stopped at an outage
        self._wake = threading.Event()
        self._replay_lock = threading.Lock()
        self.spooled = 0  # records handed to the spool by this process
        self.replayed = 0  # records this process wrote back
        journal = self.journal
        if journal is not None and replay_thread:
            threading.Thread(target=self._replay_loop, name="trace-replay", daemon=True).start()

    @property
    def journal(self) -> JournalSpool | None:
        if isinstance(self.spool, JournalSpool):
            return self.spool
        if isinstance(self.spool, SqsSpool):
            return self.spool.fallback
        return None

    # -- writing ------------------------------------------------------------------------------------
    def write_entry(self, targets: list[str], entry: dict[str, Any], ttl: int, day: str, rows: UsageRows) -> bool:
        """Write the entry; True when it was stored now (the caller then counts it), False when spooled (its
        counters go with it and are applied on replay). Raises only on a failure that is not an outage."""
        try:
            self._retrying(lambda: self._logs.put(targets, entry, ttl))
        except Exception as exc:
            if self.spool is None or not is_storage_outage(exc):
                raise
            self._spool(entry_record(targets, entry, ttl, day, rows), exc)
            return False
        self._store_answered()
        return True

    def count(self, add: Callable[[], None], entry_id: str, day: str, rows: UsageRows) -> None:
        """Apply counters with `add` (a plain ADD); spooled for an idempotent replay if the store is down."""
        try:
            self._retrying(add)
        except Exception as exc:
            if self.spool is None or not is_storage_outage(exc):
                raise
            self._spool(usage_record(entry_id, day, rows), exc)

    def _retrying(self, write: Callable[[], None]) -> None:
        for delay in (*self._delays, None):
            try:
                write()
                return
            except Exception as exc:
                if delay is None or not is_storage_outage(exc):
                    raise
                self._sleep(delay)

    def _spool(self, record: dict[str, Any], exc: BaseException) -> None:
        self.spool.append(record)  # type: ignore[union-attr]  # raises if even the spool fails: logged by the caller
        self.spooled += 1
        logger.warning("storage unavailable: trace record spooled for replay",
                       extra={"entry_id": record["entry_id"], "kind": record["kind"],
                              "error_type": type(exc).__name__})

    def _store_answered(self) -> None:
        journal = self.journal
        if journal is not None and journal.path.exists() and journal.path.stat().st_size > 0:
            self._wake.set()

    # -- replaying ----------------------------------------------------------------------------------
    def replay(self) -> int:
        """Write back what the journal holds, oldest first; stops at the first outage. Returns how many."""
        journal = self.journal
        if journal is None:
            return 0
        with self._replay_lock:
            done: set[str] = set()
            rejected: list[dict[str, Any]] = []
            self.blocked = False
            try:
                for record in journal.pending():
                    try:
                        apply_record(record, self._logs, self._ledger)
                    except Exception as exc:  # noqa: BLE001 - sorted below: outage or refusal
                        if is_storage_outage(exc):
                            self.blocked = True
                            break
                        # Not an outage: retrying will not help. Kept aside (never dropped), and said loudly.
                        logger.error("spooled trace record refused by the store; moved aside",
                                     extra={"entry_id": record.get("entry_id"), "error_type": type(exc).__name__,
                                            "file": str(journal.rejected_path)})
                        rejected.append(record)
                        continue
                    done.add(record["id"])
            finally:
                journal.remove(done, rejected)
            if done:
                self.replayed += len(done)
                logger.info("spooled trace records written back", extra={"count": len(done),
                                                                        "left": len(journal.pending())})
            return len(done)

    def _replay_loop(self) -> None:
        """Replays on start; then when a write succeeds again (woken at once) and on a timer that backs off
        (2, 4, … 30 s) while the store stays down. A timer's replay is preceded by the quick probe."""
        journal = self.journal
        assert journal is not None
        interval, woken = self._replay_interval, True
        while True:
            try:
                if journal.path.exists() and journal.path.stat().st_size > 0:
                    if woken or self._probe_answers():
                        self.replay()
                    else:
                        self.blocked = True
                    interval = (min(interval * 2, self._max_replay_interval) if self.blocked
                                else self._replay_interval)
            except Exception:  # noqa: BLE001 - the loop must survive anything
                logger.exception("trace journal replay failed")
            woken = self._wake.wait(interval)
            self._wake.clear()

    def _probe_answers(self) -> bool:
        if self._probe is None:
            return True
        try:
            self._probe()
        except Exception:  # noqa: BLE001 - any failure: not yet
            return False
        return True


def replay_message_body(body: str, logs: LogStore, ledger: UsageLedger) -> None:
    """One SQS message of the dead-letter queue written back (`TraceReplayFunction`)."""
    apply_record(json.loads(body), logs, ledger)
