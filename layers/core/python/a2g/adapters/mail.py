"""Mail to people: the company mail API client and a durable outbox in front of it.

Alerts must never be lost and never arrive twice, while the mail API may be down for hours. So nothing
sends mail directly: a job *enqueues* a `Mail` (a PlatformTable row), and delivery is a separate step that
every scheduled run performs at its end.

- Each mail has an idempotency id chosen by the caller from the event it reports (e.g. `health-disabled:
  <agent>@<incident start>`). Enqueueing writes a dedup row `MAILID#<id>` and the outbox row in one
  transaction, conditional on the dedup row being new: enqueueing the same event twice - a job fired twice,
  a retry after a crash - queues one mail.
- Delivery POSTs `{"to", "subject", "body"}` with the id in an `Idempotency-Key` header, then deletes the
  outbox row. A failed POST leaves the row for the next run. A crash between a successful POST and the
  delete re-sends with the same key, which the receiving API uses to drop the duplicate: exactly once from
  the receiver's point of view.
- A short lease on a row before it is sent keeps two overlapping runs from sending it at the same time.

Keys (docs/data-model.md, PlatformTable): `pk=OUTBOX, sk=<created_at>#<mail_id>` (oldest first) and
`pk=MAILID#<mail_id>, sk=MAIL` (dedup, kept `MAIL_DEDUP_DAYS`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from a2g.clock import Clock, SystemClock, epoch, iso
from a2g.db import PlatformModel, table_meta, transaction_connection
from a2g.log import logger
from a2g.settings import get_settings

OUTBOX_PK = "OUTBOX"
# How long an enqueued id is remembered. Every event id the platform uses names a moment (an incident's
# start, an idle streak's reference time), so a later event never reuses one; 90 days is far longer than
# any retry or warning window.
MAIL_DEDUP_DAYS = 90
# Long enough for one POST with its timeout; a run that died holding a lease frees the row after this.
LEASE_SECONDS = 120


@dataclass(frozen=True)
class Mail:
    """One message to one person. `mail_id` is the idempotency id: the same event, the same id."""

    mail_id: str
    to: str
    subject: str
    body: str
    kind: str = ""


@dataclass(frozen=True)
class QueuedMail:
    mail: Mail
    created_at: str
    attempts: int
    last_error: str | None
    outbox_sk: str


class MailDeliveryFailed(Exception):
    """The mail API did not take the mail. `retryable` says whether the API itself is unavailable
    (network, timeout, 5xx, 429): then the rest of the batch waits for the next run too."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status


class MailSender(Protocol):
    def send(self, mail: Mail) -> None:
        """Deliver one mail or raise `MailDeliveryFailed`."""
        ...


class HttpPoster(Protocol):
    """The part of an HTTP client the mail API needs (the guarded outbound client, or httpx in tests)."""

    def post(self, url: str, *, json: Any, headers: dict[str, str]) -> Any: ...


class MailApiClient:
    """`POST <INTERNAL_MAIL_API_ENDPOINT>` with `{"to", "subject", "body"}`, the configured auth header and
    `Idempotency-Key: <mail_id>`. Any 2xx is delivered."""

    def __init__(self, endpoint: str, http: HttpPoster, auth_header: str | None = None):
        self._endpoint = endpoint
        self._http = http
        self._auth = _parse_header(auth_header) if auth_header else None

    def send(self, mail: Mail) -> None:
        headers = {"Idempotency-Key": mail.mail_id, "Content-Type": "application/json"}
        if self._auth:
            headers[self._auth[0]] = self._auth[1]
        payload = {"to": mail.to, "subject": mail.subject, "body": mail.body}
        try:
            response = self._http.post(self._endpoint, json=payload, headers=headers)
        except Exception as exc:  # connection refused, timeout, refused by the outbound guard
            raise MailDeliveryFailed(f"mail API unreachable: {type(exc).__name__}: {exc}", retryable=True) from exc
        status = int(getattr(response, "status_code", 0))
        if 200 <= status < 300:
            return
        # 409: the same key is still being processed by the API (IETF idempotency-key draft) - try again.
        retryable = status >= 500 or status in (408, 409, 425, 429)
        raise MailDeliveryFailed(f"mail API answered {status}", retryable=retryable, status=status)


def _parse_header(raw: str) -> tuple[str, str]:
    """`"Name: value"` → (name, value); a bare value is taken as an `Authorization` header."""
    name, sep, value = raw.partition(":")
    if not sep:
        return "Authorization", raw.strip()
    return name.strip(), value.strip()


class OutboxItem(PlatformModel):
    Meta = table_meta("platform")
    pk = UnicodeAttribute(hash_key=True)  # "OUTBOX"
    sk = UnicodeAttribute(range_key=True)  # "<created_at>#<mail_id>"
    mail_id = UnicodeAttribute()
    recipient = UnicodeAttribute()
    subject = UnicodeAttribute()
    body = UnicodeAttribute()
    kind = UnicodeAttribute(default="")
    created_at = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    last_error = UnicodeAttribute(null=True)
    last_attempt_at = UnicodeAttribute(null=True)
    lease_until_ms = NumberAttribute(default=0)


class MailIdItem(PlatformModel):
    """Remembers that a mail id was enqueued (and where its outbox row is) so it is never queued twice."""

    Meta = table_meta("platform")
    pk = UnicodeAttribute(hash_key=True)  # "MAILID#<mail_id>"
    sk = UnicodeAttribute(range_key=True)  # "MAIL"
    outbox_sk = UnicodeAttribute()
    created_at = UnicodeAttribute()
    ttl = NumberAttribute()


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped_reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"sent": len(self.sent), "failed": len(self.failed), "skipped_reason": self.skipped_reason}


class MailOutbox:
    """The durable queue of mails not yet delivered (PlatformTable)."""

    def __init__(self, clock: Clock | None = None):
        self._clock = clock or SystemClock()

    def _connection(self) -> Connection:
        return transaction_connection(OutboxItem)

    def enqueue(self, mail: Mail) -> bool:
        """Queue a mail; False when this mail id was queued before (nothing is written then)."""
        now = self._clock.now()
        created = iso(now)
        outbox_sk = f"{created}#{mail.mail_id}"
        dedup = MailIdItem(
            pk=f"MAILID#{mail.mail_id}", sk="MAIL", outbox_sk=outbox_sk, created_at=created,
            ttl=epoch(now + timedelta(days=MAIL_DEDUP_DAYS)),
        )
        row = OutboxItem(
            pk=OUTBOX_PK, sk=outbox_sk, mail_id=mail.mail_id, recipient=mail.to, subject=mail.subject,
            body=mail.body, kind=mail.kind, created_at=created,
        )
        for attempt in range(3):
            try:
                with TransactWrite(connection=self._connection()) as tx:
                    tx.save(dedup, condition=MailIdItem.pk.does_not_exist())
                    tx.save(row)
                break
            except TransactWriteError as exc:
                if _cancelled_because(exc, "ConditionalCheckFailed"):
                    return False
                # Another transaction on the same id at the same moment: retry; its condition decides.
                if not _cancelled_because(exc, "TransactionConflict") or attempt == 2:
                    raise
        logger.info("mail queued", extra={"mail_id": mail.mail_id, "kind": mail.kind})
        return True

    def was_queued(self, mail_id: str) -> str | None:
        """When this mail id was queued (ISO time), or None."""
        try:
            return MailIdItem.get(f"MAILID#{mail_id}", "MAIL").created_at
        except MailIdItem.DoesNotExist:
            return None

    def withdraw(self, mail_id: str) -> bool:
        """Take back a mail that has not been delivered yet (the event it reported did not happen after
        all). The dedup row stays, so the same event id is not queued again. True if a row was removed."""
        try:
            outbox_sk = MailIdItem.get(f"MAILID#{mail_id}", "MAIL").outbox_sk
        except MailIdItem.DoesNotExist:
            return False
        try:
            OutboxItem(pk=OUTBOX_PK, sk=outbox_sk).delete(condition=OutboxItem.pk.exists())
        except DeleteError:
            return False
        logger.info("mail withdrawn", extra={"mail_id": mail_id})
        return True

    def pending(self, limit: int = 100) -> list[QueuedMail]:
        """Mails waiting for delivery, oldest first."""
        return [_queued(item) for item in OutboxItem.query(OUTBOX_PK, limit=limit)]

    def deliver(self, sender: MailSender | None, *, limit: int = 50) -> DeliveryReport:
        """Try to deliver up to `limit` mails, oldest first. A mail whose POST fails stays queued for the
        next run; when the API itself is unavailable the run stops trying the rest."""
        report = DeliveryReport()
        if sender is None:
            report.skipped_reason = "INTERNAL_MAIL_API_ENDPOINT is not set"
            count = sum(1 for _ in OutboxItem.query(OUTBOX_PK, limit=1))
            if count:
                logger.warning("mail waits in the outbox: no mail API configured")
            return report
        for item in OutboxItem.query(OUTBOX_PK, limit=limit):
            if not self._lease(item):
                continue  # another run is sending it right now
            queued = _queued(item)
            try:
                sender.send(queued.mail)
            except MailDeliveryFailed as exc:
                self._record_failure(item, str(exc))
                report.failed.append(item.mail_id)
                log = logger.warning if exc.retryable else logger.error
                log("mail not delivered; it stays in the outbox",
                    extra={"mail_id": item.mail_id, "attempts": int(item.attempts) + 1, "error": str(exc)})
                if exc.retryable:
                    report.skipped_reason = "mail API unavailable"
                    break
                continue
            # Delivered. If this delete is lost the next run re-sends with the same Idempotency-Key.
            OutboxItem(pk=OUTBOX_PK, sk=item.sk).delete()
            report.sent.append(item.mail_id)
            logger.info("mail delivered", extra={"mail_id": item.mail_id, "kind": item.kind})
        return report

    def _lease(self, item: OutboxItem) -> bool:
        now_ms = int(self._clock.now().timestamp() * 1000)
        try:
            item.update(
                actions=[OutboxItem.lease_until_ms.set(now_ms + LEASE_SECONDS * 1000)],
                condition=OutboxItem.pk.exists()
                & (OutboxItem.lease_until_ms.does_not_exist() | (OutboxItem.lease_until_ms < now_ms)),
            )
        except UpdateError:
            return False
        return True

    def _record_failure(self, item: OutboxItem, error: str) -> None:
        try:
            item.update(
                actions=[
                    OutboxItem.attempts.add(1),
                    OutboxItem.last_error.set(error[:500]),
                    OutboxItem.last_attempt_at.set(iso(self._clock.now())),
                    OutboxItem.lease_until_ms.set(0),
                ],
                condition=OutboxItem.pk.exists(),
            )
        except UpdateError:  # pragma: no cover - the row vanished (withdrawn meanwhile)
            pass


def _queued(item: OutboxItem) -> QueuedMail:
    return QueuedMail(
        mail=Mail(mail_id=item.mail_id, to=item.recipient, subject=item.subject, body=item.body, kind=item.kind),
        created_at=item.created_at, attempts=int(item.attempts or 0), last_error=item.last_error,
        outbox_sk=item.sk,
    )


def _cancelled_because(exc: TransactWriteError, code: str) -> bool:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(r is not None and getattr(r, "code", "") == code for r in reasons)


def mail_sender_from_settings(http: HttpPoster) -> MailSender | None:
    """The configured mail API client, or None when `INTERNAL_MAIL_API_ENDPOINT` is unset (mail then
    waits in the outbox until it is configured). `http` should be the guarded outbound client: the mail
    API is an outbound call like any other and is reachable on a private network only when allowed."""
    settings = get_settings()
    if not settings.mail_api_endpoint:
        return None
    auth = settings.mail_api_auth_header.get_secret_value() if settings.mail_api_auth_header else ""
    return MailApiClient(settings.mail_api_endpoint, http, auth.strip() or None)
