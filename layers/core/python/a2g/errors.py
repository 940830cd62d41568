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


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update(extra)
    return {"error": body}


def map_exception(exc: BaseException) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, JSON body, extra headers) for any exception; unknown ones become an opaque 500."""
    if isinstance(exc, PlatformError):
        headers: dict[str, str] = {}
        if isinstance(exc, Throttled):
            headers["Retry-After"] = str(exc.retry_after)
        extra = {"details": exc.details} if exc.details else {}
        return exc.status, error_body(exc.code, exc.message, **extra), headers
    # Storage-level conditions that mean something to a client.
    name = type(exc).__name__
    if name in {"PutError", "UpdateError", "DeleteError", "TransactWriteError"} and _is_conditional(exc):
        return 409, error_body("conflict", "the resource changed or already exists"), {}
    if name in {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}:
        return 503, error_body("service_unavailable", "storage is busy, retry shortly"), {"Retry-After": "1"}
    error_id = uuid.uuid4().hex[:12]
    from a2g.log import logger

    logger.exception("unhandled error", extra={"error_id": error_id})
    return 500, error_body("internal_error", f"internal error (error id {error_id})", error_id=error_id), {}


def _is_conditional(exc: BaseException) -> bool:
    cause = getattr(exc, "cause_response_code", None) or ""
    return "ConditionalCheckFailed" in str(cause) or "ConditionalCheckFailed" in str(exc)
