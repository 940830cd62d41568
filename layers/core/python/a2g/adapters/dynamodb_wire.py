"""DynamoDB's JSON 1.0 protocol as plain signed HTTP requests: the log-proxy's per-call writes.

Why not botocore (PynamoDB's client) on this path: on Lambda (`record_mode` `before_end`) a warm log-proxy call
makes two DynamoDB writes on the response path, and botocore spent 1.0–1.4 ms of CPU on each (its serializer
and validators, a dozen event hooks, endpoint rules, request objects, urllib3) — most of a call's CPU. This
client sends the same request: `POST /` with `X-Amz-Target: DynamoDB_20120810.<Operation>` and the operation's
JSON, SigV4 signed (`sign_v4`, checked against botocore's signer in tests/unit), over one kept-alive socket
per thread (the recorder's storage threads are the pool), written in one `sendall` and read with the buffered
reader's `readline` (http.client spent as much CPU parsing the answer's headers through the email package
as the rest of the request).

What it keeps from botocore: the credentials chain of the process's one session (`a2g.aws_session`; refreshable
credentials are frozen per request, so an expiring role is refreshed as botocore would), the region, the
endpoint (`AWS_ENDPOINT_URL_DYNAMODB` / the models' `Meta.host`, else `https://dynamodb.<region>.amazonaws.com`)
and botocore's CA bundle. What it keeps of the semantics callers rely on:
- throttling, 5xx, a dropped connection and a response whose CRC32 does not match are retried with jittered
  exponential back-off (`max_attempts` in all), then raised as `a2g.errors.StorageUnavailable` (an outage:
  `a2g.tracing.spool.DurableTraceWriter` retries it further and spools it);
- `ConditionalCheckFailedException` is `ConditionFailed` (a `Conflict`), `TransactionCanceledException` is
  `TransactionCanceled` with its reasons; DynamoDB refusing the request itself (`ValidationException`, an
  item too large, a missing table) is `StorageRequestRefused` — our bug, never the client's, so a 500 whose
  details only go to the log;
- connect and read timeouts are short (1 s / 3 s): a Lambda is billed while it waits.

Observers (`observe`) see each API call's operation name once, as botocore's `before-call` event does: the
storage-call counts of the benchmark and of tests/integration count both clients.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import random
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from a2g.errors import Conflict, PlatformError, StorageUnavailable

TARGET_PREFIX = "DynamoDB_20120810."
CONTENT_TYPE = "application/x-amz-json-1.0"
# Error codes (the part of `__type` after `#`) that mean "not now": retried, then an outage.
RETRIED_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "TransactionInProgressException",
    "LimitExceededException",
})

_observers: list[Callable[[str], None]] = []


def observe(callback: Callable[[str], None]) -> Callable[[], None]:
    """Call `callback(operation)` for each API call made through any client of this module; returns the
    function that stops it."""
    _observers.append(callback)
    return lambda: _observers.remove(callback)


class ConditionFailed(Conflict):
    code = "condition_failed"


class TransactionCanceled(Conflict):
    code = "transaction_canceled"

    def __init__(self, message: str, reasons: list[dict[str, Any]]):
        super().__init__(message)
        self.reasons = reasons


class StorageRequestRefused(PlatformError):
    """DynamoDB refused the request as malformed (or the table is missing): a bug of ours, not an outage."""

    code = "storage_request_refused"

    def __init__(self, message: str, error_code: str):
        super().__init__(message)
        self.error_code = error_code


# ------------------------------------------------------------------------------------------------------
# Signature Version 4 (the subset DynamoDB needs: POST /, no query string, a small in-memory body)
# ------------------------------------------------------------------------------------------------------


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


_signing_keys: dict[tuple[str, str, str, str], bytes] = {}


def signing_key(secret_key: str, day: str, region: str, service: str) -> bytes:
    """The day's derived key (four HMACs), kept: it changes once a day or when the credentials rotate."""
    cache_key = (secret_key, day, region, service)
    key = _signing_keys.get(cache_key)
    if key is None:
        key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), day), region), service), "aws4_request")
        if len(_signing_keys) > 16:
            _signing_keys.clear()
        _signing_keys[cache_key] = key
    return key


def sign_v4(*, method: str, host: str, path: str, headers: dict[str, str], body: bytes, access_key: str,
            secret_key: str, token: str | None, region: str, service: str, amz_date: str) -> dict[str, str]:
    """`headers` plus `X-Amz-Date`, `X-Amz-Security-Token` (with a session token) and `Authorization`.

    Every header given is signed, with `host`, as botocore's `SigV4Auth` signs what a request carries."""
    signed = {name.lower(): value.strip() for name, value in headers.items()}
    signed["host"] = host
    signed["x-amz-date"] = amz_date
    if token:
        signed["x-amz-security-token"] = token
    names = sorted(signed)
    signed_names = ";".join(names)
    canonical = "\n".join((method, path, "", *(f"{n}:{signed[n]}" for n in names), "", signed_names,
                           hashlib.sha256(body).hexdigest()))
    day = amz_date[:8]
    scope = f"{day}/{region}/{service}/aws4_request"
    string_to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = hmac.new(signing_key(secret_key, day, region, service), string_to_sign.encode(),
                         hashlib.sha256).hexdigest()
    out = dict(headers)
    out["X-Amz-Date"] = amz_date
    if token:
        out["X-Amz-Security-Token"] = token
    out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed_names}, "
                            f"Signature={signature}")
    return out


# ------------------------------------------------------------------------------------------------------
# The client
# ------------------------------------------------------------------------------------------------------


class DynamoDbWire:
    """One DynamoDB endpoint. Thread-safe: each thread keeps its own kept-alive connection."""

    def __init__(self, endpoint_url: str | None, region: str, *, credentials: Any = None,
                 connect_timeout: float = 1.0, read_timeout: float = 3.0, max_attempts: int = 3,
                 base_delay: float = 0.025, sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)):
        """`credentials`: a botocore credentials object (default: the process session's, resolved on the first
        call); `sleep` / `now`: the back-off's and the signature's clocks (tests)."""
        url = (endpoint_url or f"https://dynamodb.{region}.amazonaws.com").rstrip("/")
        parts = urlsplit(url)
        self._https = parts.scheme == "https"
        self._hostname = parts.hostname or "localhost"
        self._port = parts.port or (443 if self._https else 80)
        default_port = 443 if self._https else 80
        self.host = self._hostname if self._port == default_port else f"{self._hostname}:{self._port}"
        self._path = parts.path or "/"
        self._region = region
        self._credentials = credentials
        self._timeouts = (connect_timeout, read_timeout)
        self._max_attempts = max(1, max_attempts)
        self._base_delay = base_delay
        self._sleep, self._now = sleep, now
        self._ssl: ssl.SSLContext | None = None
        self._local = threading.local()

    # --- operations -----------------------------------------------------------------------------------

    def put_item(self, table: str, item: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return self.call("PutItem", {"TableName": table, "Item": item, **extra})

    def update_item(self, table: str, key: dict[str, Any], update: str, *, names: dict[str, str] | None = None,
                    values: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        payload: dict[str, Any] = {"TableName": table, "Key": key, "UpdateExpression": update, **extra}
        if names:
            payload["ExpressionAttributeNames"] = names
        if values:
            payload["ExpressionAttributeValues"] = values
        return self.call("UpdateItem", payload)

    def put_items(self, table: str, items: list[dict[str, Any]]) -> None:
        """Up to 25 items in one BatchWriteItem; what DynamoDB leaves unprocessed is sent again with back-off,
        and still left after `max_attempts` is an outage (the caller's retry or spool takes over)."""
        requests: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in items]}
        for attempt in range(1, self._max_attempts + 1):
            answer = self.call("BatchWriteItem", {"RequestItems": requests})
            requests = answer.get("UnprocessedItems") or {}
            if not requests:
                return
            if attempt < self._max_attempts:
                self._back_off(attempt)
        raise StorageUnavailable("DynamoDB left items of a batch write unprocessed")

    def call(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        """One API call (JSON in, JSON out) with the retries described in the module docstring."""
        for observer in _observers:
            observer(operation)
        body = json.dumps(payload, separators=(",", ":")).encode()
        last: BaseException | None = None
        for attempt in range(1, self._max_attempts + 1):
            try:
                status, headers, raw = self._send(operation, body)
            except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, closed while idle
                last = exc
            else:
                crc = headers.get("x-amz-crc32")
                if crc is not None and crc.isdigit() and int(crc) != zlib.crc32(raw):
                    last = StorageUnavailable("a DynamoDB response did not match its checksum")
                elif status < 300:
                    return json.loads(raw) if raw else {}
                else:
                    error = _error(status, raw)
                    if not _retried(status, error):
                        raise error
                    last = error
            if attempt < self._max_attempts:
                self._back_off(attempt)
        if isinstance(last, StorageUnavailable):
            raise last
        raise StorageUnavailable(f"DynamoDB did not answer {operation}") from last

    # --- HTTP ---------------------------------------------------------------------------------------------

    def _back_off(self, attempt: int) -> None:
        # Full jitter (randomness for spreading retries, not secrecy), as botocore's standard mode does.
        self._sleep(random.uniform(0, self._base_delay * (2 ** (attempt - 1))))  # noqa: S311

    def _send(self, operation: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        headers = self._signed({"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + operation}, body)
        # Headers and body in one write, so the server wakes once; the answer read with the C-level buffered
        # reader (http.client's header parsing through the email package cost as much as the rest of a call).
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (f"POST {self._path} HTTP/1.1\r\nHost: {self.host}\r\n{head}"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            try:
                return self._exchange(connection, request)
            except _StaleConnection:
                pass  # closed by the server while idle (or while the function was frozen): once more, on a new one
        return self._exchange(self._connect(), request)

    def _exchange(self, connection: _Connection, request: bytes) -> tuple[int, dict[str, str], bytes]:
        try:
            connection.sock.sendall(request)
            status, headers, raw = _read_response(connection.reader)
        except BaseException:
            connection.close()
            self._local.connection = None
            raise
        if headers.get("connection", "").lower() == "close":
            connection.close()
            self._local.connection = None
        return status, headers, raw

    def _connect(self) -> _Connection:
        connect_timeout, read_timeout = self._timeouts
        sock = socket.create_connection((self._hostname, self._port), timeout=connect_timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._https:
                if self._ssl is None:
                    from botocore.httpsession import get_cert_path  # botocore's CA bundle, as its client uses

                    self._ssl = ssl.create_default_context(cafile=get_cert_path(True))
                sock = self._ssl.wrap_socket(sock, server_hostname=self._hostname)
            sock.settimeout(read_timeout)
        except BaseException:
            sock.close()
            raise
        connection = self._local.connection = _Connection(sock)
        return connection

    def _signed(self, headers: dict[str, str], body: bytes) -> dict[str, str]:
        credentials = self._credentials
        if credentials is None:
            from a2g.aws_session import botocore_session  # the process's one session (its credentials chain)

            credentials = self._credentials = botocore_session().get_credentials()
        if credentials is None:
            raise StorageRequestRefused("no AWS credentials to sign DynamoDB requests with", "NoCredentials")
        frozen = credentials.get_frozen_credentials()  # refreshes expiring credentials (botocore's lock)
        return sign_v4(method="POST", host=self.host, path=self._path, headers=headers, body=body,
                       access_key=frozen.access_key, secret_key=frozen.secret_key, token=frozen.token,
                       region=self._region, service="dynamodb", amz_date=self._now().strftime("%Y%m%dT%H%M%SZ"))


class _StaleConnection(ConnectionError):
    """A kept-alive connection that gave no answer at all: the server had closed it."""


class _Connection:
    __slots__ = ("reader", "sock")

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.reader = sock.makefile("rb")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # far above anything DynamoDB answers (a Query page is at most 1 MB)


def _read_response(reader: Any) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one HTTP/1.1 response (Content-Length or chunked)."""
    try:
        line = reader.readline(65537)
    except (ConnectionResetError, BrokenPipeError) as exc:
        raise _StaleConnection(str(exc)) from exc
    if not line:
        raise _StaleConnection("the connection was closed before an answer")
    parts = line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise http.client.BadStatusLine(repr(line[:80]))
    status = int(parts[1])
    headers: dict[str, str] = {}
    while True:
        line = reader.readline(65537)
        if line in (b"\r\n", b"\n"):
            break
        if not line:
            raise http.client.IncompleteRead(b"")
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(reader.readline(1026).split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while reader.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                break
            chunks.append(_read_exactly(reader, size))
            reader.readline(3)
        return status, headers, b"".join(chunks)
    length = int(headers.get("content-length") or 0)
    if length > MAX_RESPONSE_BYTES:
        raise http.client.HTTPException("a DynamoDB answer larger than any it sends")
    return status, headers, _read_exactly(reader, length) if length else b""


def _read_exactly(reader: Any, size: int) -> bytes:
    data = reader.read(size)
    if len(data) != size:
        raise http.client.IncompleteRead(data, size - len(data))
    return bytes(data)


def _error(status: int, raw: bytes) -> PlatformError:
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        answer = {}
    answer = answer if isinstance(answer, dict) else {}
    code = str(answer.get("__type") or "").rsplit("#", 1)[-1] or f"HTTP{status}"
    message = str(answer.get("message") or answer.get("Message") or code)
    if code == "ConditionalCheckFailedException":
        return ConditionFailed(message)
    if code == "TransactionCanceledException":
        reasons = answer.get("CancellationReasons")
        return TransactionCanceled(message, reasons if isinstance(reasons, list) else [])
    if status >= 500 or code in RETRIED_CODES:
        outage = StorageUnavailable(f"DynamoDB answered {status} {code}")
        outage.details = {"error_code": code}
        return outage
    return StorageRequestRefused(f"DynamoDB refused the request: {code}: {message}", code)


def _retried(status: int, error: PlatformError) -> bool:
    return isinstance(error, StorageUnavailable) or status >= 500


_clients: dict[tuple[str | None, str], DynamoDbWire] = {}
_clients_lock = threading.Lock()


def shared_wire(endpoint_url: str | None, region: str) -> DynamoDbWire:
    """The process's one client per endpoint (its connections are per thread)."""
    key = (endpoint_url, region)
    found = _clients.get(key)
    if found is None:
        with _clients_lock:
            found = _clients.get(key)
            if found is None:
                found = _clients[key] = DynamoDbWire(endpoint_url, region)
    return found
