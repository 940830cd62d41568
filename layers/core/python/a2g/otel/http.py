"""OTLP/HTTP answers: the export response and errors, as protobuf for a protobuf request, JSON otherwise.

The OTLP spec: 200 with `ExportTraceServiceResponse` (a `partialSuccess` when spans were rejected), 400 for
a body that is not an export request, 413, 429/503 with `Retry-After` (exporters retry those), and an error
body that is a `google.rpc.Status` in the request's encoding.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import Response

from a2g.errors import map_exception
from a2g.otel.decode import PROTOBUF
from a2g.otel.intake import ExportResult


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _status_protobuf(code: int, message: str) -> bytes:
    """`google.rpc.Status{code, message}` by hand: two fields are not worth another package."""
    text = message.encode()
    return _field(1, 0) + _varint(code) + _field(2, 2) + _varint(len(text)) + text


# HTTP status → gRPC code, as the OTLP/HTTP spec pairs them.
_GRPC_CODES = {400: 3, 401: 16, 403: 7, 404: 5, 413: 3, 415: 3, 429: 8, 503: 14}


def export_response(result: ExportResult, media: str) -> Response:
    if media == PROTOBUF:
        body = b""
        if result.rejected:
            text = result.message.encode()
            partial = _field(1, 0) + _varint(result.rejected) + _field(2, 2) + _varint(len(text)) + text
            body = _field(1, 2) + _varint(len(partial)) + partial
        return Response(body, media_type=PROTOBUF)
    document: dict[str, Any] = {}
    if result.rejected:
        document["partialSuccess"] = {"rejectedSpans": str(result.rejected), "errorMessage": result.message}
    return Response(json.dumps(document), media_type="application/json")


def error_response(exc: BaseException, media: str) -> Response:
    status, body, headers = map_exception(exc)
    if media == PROTOBUF:
        error = body.get("error", {})
        text = f"{error.get('code')}: {error.get('message')}"
        return Response(_status_protobuf(_GRPC_CODES.get(status, 13), text), status_code=status,
                        media_type=PROTOBUF, headers=headers)
    return Response(json.dumps(body), status_code=status, media_type="application/json", headers=headers)
