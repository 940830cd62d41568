"""The OTLP intake's documented answers (OpenAPI): OTLP's own response shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from a2g.http.schemas import ErrorResponse


class PartialSuccess(BaseModel):
    rejectedSpans: str = Field(description="how many spans were not kept (int64 as a string, OTLP JSON)")
    errorMessage: str = Field(description="why")


class ExportTraceServiceResponse(BaseModel):
    """OTLP's export response: empty when every span was kept."""

    partialSuccess: PartialSuccess | None = None


_PROTOBUF_BODY = {"application/x-protobuf": {"schema": {"type": "string", "format": "binary"}}}
_RETRY = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}

OTLP_EXPORT: dict[int | str, dict[str, Any]] = {
    200: {"description": "the spans were kept (`partialSuccess` names those that were not); an "
                         "`ExportTraceServiceResponse` protobuf to a protobuf request",
          "content": _PROTOBUF_BODY},
}


def _error(description: str, retry: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"model": ErrorResponse,
                           "description": description + "; a `google.rpc.Status` protobuf to a protobuf request",
                           "content": _PROTOBUF_BODY}
    if retry:
        out["headers"] = _RETRY
    return out


OTLP_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("`invalid_otlp_body`, `invalid_json`, `trace_id_required`, `unsupported_media_type`, "
                "`unsupported_content_encoding`, `invalid_correlation_header` (X-A2G-Context-Id / X-A2G-Task-Id) or "
                "`validation_error`"),
    401: _error("`missing_api_key` or `invalid_api_key`"),
    403: _error("`pending_approval`: the key's user is not approved yet"),
    404: _error("`trace_not_found`: no such trace of the key's user (nothing stored)"),
    413: _error("`payload_too_large` (body or decompressed body) or `too_many_spans`"),
    429: _error("`throttled`: the key is over its rate limit", retry=True),
    503: _error("`storage_unavailable`: retry after the given seconds", retry=True),
}
"""The error answers (JSON `{"error": {code, message}}` to JSON requests)."""
