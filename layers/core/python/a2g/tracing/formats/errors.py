"""The proxy's one error type, neutral: each wire format renders it in its own body (`error_body`).

`type` is the neutral category, named as OpenAI names it (`invalid_request_error`, `authentication_error`,
`permission_error`, `not_found_error`, `rate_limit_error`, `upstream_error`, `timeout_error`, `server_error`);
`code` is the platform's own code (`invalid_api_key`, `upstream_auth_failed`, ...). No message ever carries an
LLM's base URL: the LLM is named by its registry name.
"""

from __future__ import annotations

from typing import Any


class ProxyError(Exception):
    def __init__(self, status: int, error_type: str, code: str, message: str, retry_after: int | None = None,
                 headers: list[tuple[bytes, bytes]] | None = None):
        super().__init__(message)
        self.status, self.type, self.code, self.message = status, error_type, code, message
        self.retry_after = retry_after
        self.headers = headers or []  # passed-through upstream headers (rate limits, request ids)

    def body(self) -> dict[str, Any]:
        """OpenAI's error body (the default format)."""
        return {"error": {"message": self.message, "type": self.type, "param": None, "code": self.code}}

    def as_entry_error(self) -> dict[str, Any]:
        return {"type": self.type, "code": self.code, "message": self.message}

    def response_headers(self) -> list[tuple[bytes, bytes]]:
        headers = list(self.headers)
        if self.retry_after is not None and not any(k == b"retry-after" for k, _ in headers):
            headers.append((b"retry-after", str(self.retry_after).encode()))
        return headers


def bad_request(code: str, message: str) -> ProxyError:
    return ProxyError(400, "invalid_request_error", code, message)


def status_type(status: int) -> str:
    """The neutral category of an HTTP status."""
    return {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
            404: "not_found_error", 413: "invalid_request_error", 429: "rate_limit_error",
            504: "timeout_error"}.get(status, "server_error" if status < 502 else "upstream_error")
