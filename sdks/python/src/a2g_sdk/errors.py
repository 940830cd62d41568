"""Every failure the SDK reports is an `A2GError`, one subclass per kind, carrying what the platform said.

The platform answers errors as `{"error": {"code", "message", "details"?}}`; `status`, `code`, `message` and
`details` are exactly that. Failures that never reached a platform handler get a code of the SDK's own:

| class | when | code |
|---|---|---|
| `ConfigurationError` | no credential, no or a malformed platform URL | `no_credential`, `no_platform_url`, `bad_platform_url` |
| `ConnectionFailed` | the platform could not be reached (refused, DNS, TLS, timeout) | `unreachable`, `timeout` |
| `AuthenticationFailed` | 401: the key or token was refused, and why (`CREDENTIAL_REFUSALS`); API Gateway's bare 401 / 403 | the platform's (`invalid_api_key`, `revoked_api_key`, `invalid_token`, `token_expired`, ...), or `credential_missing` / `credential_refused` |
| `PermissionDenied` | 403 from the platform (e.g. `pending_approval`, `session_required`) | the platform's |
| `InvalidRequest` | 400 / 422 | the platform's (`validation_error`, `invalid_agent_card`, ...) |
| `NotFound`, `Conflict`, `PayloadTooLarge`, `RateLimited` | 404, 409, 413, 429 | the platform's |
| `UpstreamError` | 502 / 504: an agent, a card URL or an LLM failed | the platform's |
| `ServerError` | any other 5xx | the platform's |
| `UnexpectedResponse` | the answer was not the platform's JSON (wrong URL?) | `unexpected_response` |
| `RunFailed` | a chat run ended with the agent's error (the saved error message is `run_message`) | the platform's |
| `RunTimedOut` | a chat run sent nothing more before the SDK's timeout | `run_timeout` |
"""

from __future__ import annotations

from typing import Any


class A2GError(Exception):
    """The platform refused a call, or could not be reached. `str()` is one sentence plus status and code."""

    default_code = "error"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code or self.default_code
        self.details: dict[str, Any] = dict(details or {})

    def __str__(self) -> str:
        if self.status:
            return f"{self.message} ({self.status} {self.code})"
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r}, code={self.code!r})"


class ConfigurationError(A2GError):
    default_code = "configuration_error"


class ConnectionFailed(A2GError):
    default_code = "unreachable"


class AuthenticationFailed(A2GError):
    default_code = "unauthenticated"


class PermissionDenied(A2GError):
    default_code = "forbidden"


class InvalidRequest(A2GError):
    default_code = "validation_error"


class NotFound(A2GError):
    default_code = "not_found"


class Conflict(A2GError):
    default_code = "conflict"


class PayloadTooLarge(A2GError):
    default_code = "payload_too_large"


class RateLimited(A2GError):
    default_code = "throttled"


class UpstreamError(A2GError):
    default_code = "upstream_error"


class ServerError(A2GError):
    default_code = "internal_error"


class UnexpectedResponse(A2GError):
    default_code = "unexpected_response"


class RunFailed(A2GError):
    """The agent's run ended in an error; the platform saved it as an assistant message (`run_message`)."""

    default_code = "agent_error"

    def __init__(self, message: str, *, code: str | None = None, run_message: dict[str, Any] | None = None) -> None:
        super().__init__(message, code=code)
        self.run_message = run_message


class RunTimedOut(A2GError):
    default_code = "run_timeout"


_BY_STATUS: dict[int, type[A2GError]] = {
    400: InvalidRequest, 401: AuthenticationFailed, 403: PermissionDenied, 404: NotFound, 409: Conflict,
    413: PayloadTooLarge, 422: InvalidRequest, 429: RateLimited, 502: UpstreamError, 504: UpstreamError,
}

# Codes a WebSocket push carries without an HTTP status (a refused `invoke`).
_BY_CODE: dict[str, type[A2GError]] = {
    "unauthenticated": AuthenticationFailed, "forbidden": PermissionDenied,
    "pending_approval": PermissionDenied, "not_found": NotFound, "validation_error": InvalidRequest,
    "conflict": Conflict, "payload_too_large": PayloadTooLarge, "throttled": RateLimited,
    "trace_not_found": NotFound, "not_last_message": Conflict, "session_required": PermissionDenied, "internal_error": ServerError,
    "storage_unavailable": ServerError,
}


CREDENTIAL_REFUSALS: dict[str, str] = {
    "invalid_api_key": "the platform does not know this API key: check A2G_API_KEY (or --api-key), "
                       "or create a key in the web app's Settings",
    "revoked_api_key": "this API key was revoked: create a new one in the web app's Settings",
    "invalid_token": "the access token is not a valid platform token: sign in again for a new one",
    "token_expired": "the access token has expired: sign in again for a new one, or use an API key",
    "credential_required": "the platform wants 'Authorization: Bearer <API key or token>': pass an API key or a token",
    "account_removed": "the account this token was issued to no longer exists",
}
"""Why the platform's authorizer refused the credential (401 with one of these codes), in the SDK's sentence:
what to do about it, from code."""

_BY_CODE.update(dict.fromkeys(CREDENTIAL_REFUSALS, AuthenticationFailed))


def error_for_status(status: int, body: Any, text: str, base_url: str) -> A2GError:
    """The typed error of an HTTP answer that was not a success."""
    envelope = body.get("error") if isinstance(body, dict) else None
    if isinstance(envelope, dict) and isinstance(envelope.get("message"), str):
        code = envelope.get("code") if isinstance(envelope.get("code"), str) else None
        details = envelope.get("details") if isinstance(envelope.get("details"), dict) else None
        if status == 401 and code in CREDENTIAL_REFUSALS:
            return AuthenticationFailed(CREDENTIAL_REFUSALS[code], status=status, code=code, details=details)
        kind = _BY_STATUS.get(status) or (ServerError if status >= 500 else A2GError)
        return kind(envelope["message"], status=status, code=code, details=details)
    gateway_message = body.get("message") if isinstance(body, dict) else None
    # API Gateway's own answers: no Authorization header at all (401), or an authorizer that denies (403; the
    # platform's lets the request through with the reason instead, answered above).
    if status == 403 and gateway_message == "Forbidden":
        return AuthenticationFailed(
            "the platform refused the credential: the API key or token is wrong, expired or revoked",
            status=status, code="credential_refused")
    if status == 401 and gateway_message == "Unauthorized":
        return AuthenticationFailed("the platform wants a credential: pass an API key or a token",
                                    status=status, code="credential_missing")
    snippet = " ".join(text.split())[:200]
    return UnexpectedResponse(
        f"{base_url} answered HTTP {status} without the platform's error body"
        + (f" ({snippet})" if snippet else "") + "; is this the A2G platform's URL?",
        status=status)


def error_for_code(code: str, message: str) -> A2GError:
    """The typed error of a refusal pushed over the WebSocket (`{"type": "error", "error": {...}}`)."""
    return _BY_CODE.get(code, A2GError)(CREDENTIAL_REFUSALS.get(code, message), code=code)
