"""The operations storage on the real DynamoDB Local: the mail outbox delivered to a real HTTP mail API,
the audit log, job cursors and agent health."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from a2g.adapters.mail import Mail, MailApiClient, MailOutbox, OutboxItem
from a2g.clock import FixedClock, iso
from a2g.errors import ValidationFailed
from a2g.operations.repository import (
    AuditEntry,
    AuditRepository,
    HealthCheckRecord,
    HealthRepository,
    HealthState,
    JobCursorRepository,
    StaleHealthState,
)
from ops_mail_sink import MailSink


@pytest.fixture
def sink() -> Iterator[MailSink]:
    sink = MailSink(auth_header=("X-Mail-Key", "k-123")).start()
    yield sink
    sink.stop()


@pytest.fixture
def outbox(ddb: str) -> Iterator[MailOutbox]:
    box = MailOutbox(FixedClock(datetime(2026, 2, 1, tzinfo=UTC)))
    for item in OutboxItem.query("OUTBOX"):  # every test starts with an empty outbox
        item.delete()
    yield box


def mail(n: int | str) -> Mail:
    return Mail(mail_id=f"test:{n}:{uuid.uuid4().hex[:6]}", to=f"user{n}@corp.example", subject=f"s{n}",
                body=f"b{n}", kind="test")


def sender(sink: MailSink, client: httpx.Client) -> MailApiClient:
    return MailApiClient(sink.url, client, "X-Mail-Key: k-123")


def test_enqueue_is_once_per_mail_id(outbox: MailOutbox) -> None:
    m = mail(1)
    assert outbox.enqueue(m) is True
    assert outbox.enqueue(m) is False
    assert [q.mail.mail_id for q in outbox.pending()] == [m.mail_id]
    assert outbox.was_queued(m.mail_id) is not None
    assert outbox.was_queued("never") is None


def test_concurrent_enqueues_of_one_event_queue_one_mail(outbox: MailOutbox) -> None:
    m = mail("race")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: outbox.enqueue(m), range(8)))
    assert results.count(True) == 1
    assert len(outbox.pending()) == 1


def test_delivery_posts_each_mail_once_and_empties_the_outbox(outbox: MailOutbox, sink: MailSink) -> None:
    mails = [mail(i) for i in range(3)]
    for m in mails:
        outbox.enqueue(m)
    with httpx.Client() as client:
        report = outbox.deliver(sender(sink, client))
    assert sorted(report.sent) == sorted(m.mail_id for m in mails)
    assert outbox.pending() == []
    assert [d.idempotency_key for d in sink.delivered] == [m.mail_id for m in mails]  # oldest first
    assert sink.delivered[0].to == "user0@corp.example"
    assert sink.delivered[0].headers["x-mail-key"] == "k-123"


def test_mail_api_down_then_up_delivers_exactly_once(outbox: MailOutbox, sink: MailSink) -> None:
    m = mail("down")
    outbox.enqueue(m)
    sink.stop()  # connection refused
    with httpx.Client() as client:
        down = outbox.deliver(sender(sink, client))
        assert down.sent == [] and down.failed == [m.mail_id]
        [queued] = outbox.pending()
        assert queued.attempts == 1 and "unreachable" in (queued.last_error or "")

        sink.start()
        sink.answer_status = 503  # up but failing
        assert outbox.deliver(sender(sink, client)).sent == []
        sink.answer_status = None
        assert outbox.deliver(sender(sink, client)).sent == [m.mail_id]
        assert outbox.deliver(sender(sink, client)).sent == []
    assert [d.idempotency_key for d in sink.delivered] == [m.mail_id]
    assert outbox.pending() == []


def test_a_lost_acknowledgement_is_resent_with_the_same_key_and_dropped_by_the_api(
    outbox: MailOutbox, sink: MailSink
) -> None:
    """A run that dies after the POST but before deleting the row: the next run re-sends, the API sees the
    same Idempotency-Key and does not deliver again."""
    m = mail("crash")
    outbox.enqueue(m)
    with httpx.Client() as client:
        sender(sink, client).send(m)  # delivered, but the row was never deleted
        outbox.deliver(sender(sink, client))
    assert len(sink.delivered) == 1 and sink.replays == 1
    assert outbox.pending() == []


def test_overlapping_runs_do_not_send_a_mail_twice(outbox: MailOutbox, sink: MailSink) -> None:
    for i in range(5):
        outbox.enqueue(mail(f"overlap{i}"))
    with httpx.Client() as client, ThreadPoolExecutor(4) as pool:
        reports = list(pool.map(lambda _: outbox.deliver(sender(sink, client)), range(4)))
    assert sum(len(r.sent) for r in reports) == 5
    assert len(sink.attempts) == 5  # the lease kept the runs from POSTing the same mail


def test_a_rejected_mail_stays_and_does_not_block_the_rest(outbox: MailOutbox, sink: MailSink) -> None:
    bad = Mail(mail_id=f"bad:{uuid.uuid4().hex[:6]}", to="x", subject="s", body="b")
    good = mail("after-bad")
    outbox.enqueue(bad)
    outbox.enqueue(good)
    with httpx.Client() as client:
        wrong_key = MailApiClient(sink.url, client, "X-Mail-Key: wrong")
        report = outbox.deliver(wrong_key)  # 401: not retryable, both rejected, both kept
        assert report.failed and not report.sent
        assert len(outbox.pending()) == 2
        assert outbox.deliver(sender(sink, client)).sent  # with the right key both go out
    assert outbox.pending() == []


def test_without_a_mail_api_mail_waits(outbox: MailOutbox) -> None:
    outbox.enqueue(mail("later"))
    report = outbox.deliver(None)
    assert report.skipped_reason and len(outbox.pending()) == 1


def test_withdraw_takes_back_an_undelivered_mail_and_it_is_not_queued_again(outbox: MailOutbox) -> None:
    m = mail("withdraw")
    outbox.enqueue(m)
    assert outbox.withdraw(m.mail_id) is True
    assert outbox.pending() == []
    assert outbox.enqueue(m) is False
    assert outbox.withdraw(m.mail_id) is False


# ---- audit log --------------------------------------------------------------------------------------------


def test_audit_log_pages_newest_first_across_months(ddb: str) -> None:
    audit = AuditRepository()
    tag = uuid.uuid4().hex[:8]
    base = datetime(2024, 1, 20, tzinfo=UTC)
    times = [base + timedelta(days=7 * i) for i in range(10)]  # 20 Jan .. 23 Mar: three months
    for i, at in enumerate(times):
        assert audit.record(AuditEntry(at=iso(at), event_id=f"{tag}-{i}", action="agent.disabled",
                                       actor="system:test", agent_id=f"a{i}", details={"n": i}))
    assert audit.record(AuditEntry(at=iso(times[0]), event_id=f"{tag}-0", action="agent.disabled",
                                   actor="system:test")) is False  # the same event twice is one entry
    since, until = base - timedelta(days=1), times[-1] + timedelta(days=1)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = audit.page(since=since, until=until, limit=4, cursor=cursor)
        seen += [e.details["n"] for e in page.entries if e.event_id.startswith(tag)]
        pages += 1
        cursor = page.cursor
        if not cursor:
            break
    assert seen == list(range(9, -1, -1))
    assert pages == 3
    narrow = audit.page(since=times[3], until=times[4], limit=50)
    assert [e.details["n"] for e in narrow.entries if e.event_id.startswith(tag)] == [4, 3]


def test_audit_filter_and_bad_ranges(ddb: str) -> None:
    audit = AuditRepository()
    at = datetime(2023, 5, 5, tzinfo=UTC)
    audit.record(AuditEntry(at=iso(at), event_id="f1", action="agent.deleted", actor="system:test"))
    audit.record(AuditEntry(at=iso(at + timedelta(seconds=1)), event_id="f2", action="agent.warned",
                            actor="system:test"))
    page = audit.page(since=at - timedelta(days=1), until=at + timedelta(days=1), action="agent.deleted")
    assert [e.event_id for e in page.entries] == ["f1"]
    with pytest.raises(ValidationFailed):
        audit.page(since=at, until=at - timedelta(days=1))
    with pytest.raises(ValidationFailed):
        audit.page(since=at - timedelta(days=1), until=at, cursor="1999-01|x")


# ---- cursors and health --------------------------------------------------------------------------------------


def test_job_cursor_round_trip(ddb: str) -> None:
    cursors = JobCursorRepository()
    assert cursors.load("test-job") == {}
    cursors.save("test-job", {"phase": "incidents", "page": "abc"}, datetime.now(UTC))
    assert cursors.load("test-job") == {"phase": "incidents", "page": "abc"}
    cursors.clear("test-job")
    assert cursors.load("test-job") == {}


def test_health_state_is_optimistic_and_indexed_while_an_incident_is_open(ddb: str) -> None:
    repo = HealthRepository(history_days=7)
    agent_id = f"agt_{uuid.uuid4().hex[:8]}"
    state = repo.state(agent_id)
    assert state.version == 0
    state.consecutive_failures = 3
    repo.save_state(state)
    stale = HealthState(agent_id=agent_id)  # read before the write above
    with pytest.raises(StaleHealthState):
        repo.save_state(stale)

    state.incident_id = f"{agent_id}@t"
    repo.save_state(state)
    ids, _ = _all_incidents(repo)
    assert agent_id in ids
    fresh = repo.state(agent_id)
    assert fresh.incident_id == f"{agent_id}@t" and fresh.consecutive_failures == 3

    fresh.incident_id = None
    repo.save_state(fresh)
    assert agent_id not in _all_incidents(repo)[0]


def _all_incidents(repo: HealthRepository) -> tuple[list[str], int]:
    ids: list[str] = []
    cursor = None
    pages = 0
    while True:
        page, cursor = repo.page_open_incidents(cursor=cursor, limit=2)
        ids += page
        pages += 1
        if not cursor:
            return ids, pages


def test_open_incidents_page_through_the_sparse_index(ddb: str) -> None:
    repo = HealthRepository()
    tag = uuid.uuid4().hex[:6]
    for i in range(5):
        s = HealthState(agent_id=f"inc_{tag}_{i}", incident_id="x")
        repo.save_state(s)
    ids, pages = _all_incidents(repo)
    assert {f"inc_{tag}_{i}" for i in range(5)} <= set(ids)
    assert pages >= 3


def test_health_history_newest_first_with_ttl_and_forget(ddb: str) -> None:
    repo = HealthRepository(history_days=7)
    agent_id = f"agt_{uuid.uuid4().hex[:8]}"
    t0 = datetime(2026, 4, 1, tzinfo=UTC)
    for i in range(3):
        repo.add_check(HealthCheckRecord(agent_id=agent_id, checked_at=iso(t0 + timedelta(minutes=5 * i)),
                                         ok=i != 1, latency_ms=12.5, status=200 if i != 1 else None,
                                         error=None if i != 1 else "timeout", url="http://a/ok"))
    repo.save_state(HealthState(agent_id=agent_id, consecutive_failures=0))
    history = repo.history(agent_id)
    assert [h.ok for h in history] == [True, False, True]
    assert history[1].error == "timeout"
    from a2g.operations.repository import HealthCheckItem

    item = next(iter(HealthCheckItem.query(f"AGENTHEALTH#{agent_id}", HealthCheckItem.sk.startswith("CHECK#"))))
    assert int(item.ttl) == int((t0 + timedelta(days=7)).timestamp())
    repo.forget(agent_id)
    assert repo.history(agent_id) == [] and repo.state(agent_id).version == 0
