"""One error hierarchy for the whole platform and the one mapping of it to HTTP.

Services raise these; handlers never build error bodies by hand. Anything else that escapes a handler is
a 500 with an error id: the details go to the log, never to the client.
"""

from __future__ import annotations

import uuid
from typing import Any


class PlatformError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class ValidationFailed(PlatformError):
    status, code = 400, "validation_error"


class Unauthenticated(PlatformError):
    status, code = 401, "unauthenticated"


class Forbidden(PlatformError):
    status, code = 403, "forbidden"


class NotFound(PlatformError):
    """Also the answer for "exists but is not yours": we never reveal another user's resource."""

    status, code = 404, "not_found"


class Conflict(PlatformError):
    status, code = 409, "conflict"


class PayloadTooLarge(PlatformError):
    status, code = 413, "payload_too_large"


class Throttled(PlatformError):
    status, code = 429, "throttled"

    def __init__(self, message: str, *, retry_after: int = 1, **kw: Any):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class UpstreamFailed(PlatformError):
    status, code = 502, "upstream_error"


class UpstreamTimeout(PlatformError):
    status, code = 504, "upstream_timeout"


class ServiceUnavailable(PlatformError):
    status, code = 503, "service_unavailable"

    def __init__(self, message: str, *, retry_after: int = 1, **kw: Any):
        super().__init__(message, **kw)
        self.retry_after = retry_after


# How long a client is told to wait when the platform's storage cannot be reached (DynamoDB Local restarts in
# a few seconds; a DynamoDB outage or throttling usually clears in that time too).
STORAGE_RETRY_AFTER_SECONDS = 5


class StorageUnavailable(ServiceUnavailable):
    """The platform's storage (DynamoDB, S3) cannot be reached or refuses for now: 503, retry later."""

    code = "storage_unavailable"

    def __init__(self, message: str = "the platform's storage is unavailable, retry shortly", *,
                 retry_after: int = STORAGE_RETRY_AFTER_SECONDS, **kw: Any):
        super().__init__(message, retry_after=retry_after, **kw)


# botocore's failures that mean "the store did not answer" (connection refused or reset, connect or read
# timeout), matched by class name along the MRO so that this module needs no botocore import. Plain
# `TimeoutError`s are deliberately not here: an outbound call's timeout is not a storage outage.
_OUTAGE_CLASSES = frozenset({
    "EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError",
    "HTTPClientError", "ProxyConnectionError",
})
# DynamoDB error codes that mean "not now" rather than "not this request".
_BUSY_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure",
    "LimitExceededException", "SlowDown",
})


def is_storage_outage(exc: BaseException) -> bool:
    """True when `exc` (or what caused it: PynamoDB's `cause`, `__cause__`, `__context__`) is the store being
    unreachable, timing out, throttling or failing with a 5xx — a condition a retry later can cure."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, StorageUnavailable):
            return True
        if any(cls.__name__ in _OUTAGE_CLASSES for cls in type(current).__mro__):
            return True
        if type(current).__name__ in _BUSY_CODES:  # boto3's modelled exceptions
            return True
        response = getattr(current, "response", None)
        if isinstance(response, dict):  # botocore ClientError
            code = str((response.get("Error") or {}).get("Code") or "")
            status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
            if code in _BUSY_CODES or (isinstance(status, int) and status >= 500):
                return True
        cause = getattr(current, "cause", None)  # PynamoDB keeps the botocore error here
        todo += [cause if isinstance(cause, BaseException) else None, current.__cause__, current.__context__]
    return False


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update(extra)
    return {"error": body}


def expected_error(exc: BaseException) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    """(status, JSON body, extra headers) for an error the platform raises on purpose (a refusal, a conflict
    the store reported); None for anything else (an outage, a bug). Logs nothing."""
    if isinstance(exc, PlatformError):
        headers: dict[str, str] = {}
        if isinstance(exc, (Throttled, ServiceUnavailable)):
            headers["Retry-After"] = str(exc.retry_after)
        extra = {"details": exc.details} if exc.details else {}
        return exc.status, error_body(exc.code, exc.message, **extra), headers
    # Storage-level conditions that mean something to a client.
    name = type(exc).__name__
    if name in {"PutError", "UpdateError", "DeleteError", "TransactWriteError"} and _is_conditional(exc):
        return 409, error_body("conflict", "the resource changed or already exists"), {}
    return None


def map_exception(exc: BaseException) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, JSON body, extra headers) for any exception; unknown ones become an opaque 500."""
    expected = expected_error(exc)
    if expected is not None:
        return expected
    if is_storage_outage(exc):
        # Not a bug of ours and not the client's: say so (503 + Retry-After), without the store's URL or a trace.
        from a2g.log import logger

        logger.warning("storage unavailable", extra={"error_type": type(exc).__name__})
        outage = StorageUnavailable()
        return outage.status, error_body(outage.code, outage.message), {"Retry-After": str(outage.retry_after)}
    error_id = uuid.uuid4().hex[:12]
    from a2g.log import logger

    logger.exception("unhandled error", extra={"error_id": error_id})
    return 500, error_body("internal_error", f"internal error (error id {error_id})", error_id=error_id), {}


def client_error(exc: BaseException) -> dict[str, Any]:
    """The `{"code", "message"[, "retry_after"]}` a WebSocket client is sent for `exc`: the same mapping as
    HTTP (a storage outage is `storage_unavailable`, anything unknown an opaque `internal_error` with an id)."""
    _, body, headers = map_exception(exc)
    error = dict(body["error"])
    if "Retry-After" in headers:
        error["retry_after"] = int(headers["Retry-After"])
    return error


def _is_conditional(exc: BaseException) -> bool:
    cause = getattr(exc, "cause_response_code", None) or ""
    return "ConditionalCheckFailed" in str(cause) or "ConditionalCheckFailed" in str(exc)
