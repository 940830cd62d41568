"""Transport failures (httpx, websockets) as the SDK's typed errors, worded as sentences."""

from __future__ import annotations

import httpx

from a2g_sdk.errors import (
    A2GError,
    AuthenticationFailed,
    ConnectionFailed,
    RunTimedOut,
    UnexpectedResponse,
    error_for_status,
)


def connection_error(exc: httpx.HTTPError, base_url: str, what: str) -> A2GError:
    if isinstance(exc, httpx.TimeoutException):
        return ConnectionFailed(f"{what}: the platform at {base_url} did not answer in time", code="timeout")
    reason = _reason(exc)
    return ConnectionFailed(f"{what}: cannot reach the platform at {base_url} ({reason})")


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused: is it running?"
    if "Name or service not known" in text or "nodename nor servname" in text or "Errno -2" in text:
        return "no such host"
    return text


def websocket_error(exc: BaseException, ws_url: str) -> A2GError:
    """A WebSocket that could not be opened, or broke during a run."""
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        said = _refused_handshake(status, exc.response.body)
        if said is not None:  # the platform's $connect said why (401 with the credential's code, 403 pending)
            return said
        if status in (401, 403):
            return AuthenticationFailed(
                f"the platform refused the WebSocket at {ws_url}: the API key or token is wrong, expired or "
                "revoked, the account waits for approval, or the trace is not yours", status=status,
                code="credential_refused")
        return UnexpectedResponse(f"{ws_url} answered HTTP {status} instead of opening a WebSocket; "
                                  "is this the platform's WebSocket URL?", status=status)
    if isinstance(exc, ConnectionClosed):
        return ConnectionFailed(f"the WebSocket to {ws_url} closed before the run ended", code="connection_closed")
    if isinstance(exc, TimeoutError):
        return ConnectionFailed(f"the WebSocket at {ws_url} did not open in time", code="timeout")
    return ConnectionFailed(f"cannot open the WebSocket at {ws_url} ({_reason(exc)})")


def _refused_handshake(status: int, body: bytes | None) -> A2GError | None:
    import json

    try:
        envelope = json.loads(body or b"").get("error")
    except (ValueError, AttributeError):
        return None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("message"), str):
        return None
    return error_for_status(status, {"error": envelope}, "", "")


def run_timed_out(timeout: float, what: str = "the agent's run") -> RunTimedOut:
    return RunTimedOut(f"{what} sent nothing for {timeout:g} seconds")
