"""OTLP/HTTP request bodies → plain spans: protobuf or JSON (the OTLP JSON mapping), optionally gzip.

Both encodings end in the same `Span` values, so the mapping never knows which one arrived. The protobuf
classes (`opentelemetry-proto`) are imported only when a protobuf body arrives: a cold start that answers JSON
or a refused key never loads them.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass, field
from typing import Any

from a2g.errors import PayloadTooLarge, ValidationFailed
from a2g.json_input import read_json

MAX_SPANS_PER_REQUEST = 2000
MAX_ATTRIBUTE_CHARS = 16_000  # one attribute's text; longer ones are cut and marked
MAX_ATTRIBUTES_PER_SPAN = 256
CUT_MARK = "…[cut]"

PROTOBUF = "application/x-protobuf"
JSON = "application/json"


class BadOtlpBody(ValidationFailed):
    code = "invalid_otlp_body"


@dataclass
class Span:
    trace_id: str  # hex, as OTLP JSON writes it
    span_id: str
    parent_span_id: str | None
    name: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]
    resource: dict[str, Any]
    status_code: int = 0  # 0 unset, 1 ok, 2 error
    status_message: str = ""
    kind: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    cut: bool = False  # an attribute was shortened or dropped


def media_type(content_type: str | None) -> str:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in (PROTOBUF, "application/protobuf"):
        return PROTOBUF
    if media == JSON or media == "":
        return JSON
    raise ValidationFailed(f"unsupported content type {media!r}: send {PROTOBUF} or {JSON}",
                           code="unsupported_media_type")


def decompress(raw: bytes, encoding: str | None, max_bytes: int) -> bytes:
    """The body un-gzipped (bounded: a small bomb must not expand past `max_bytes`)."""
    enc = (encoding or "identity").strip().lower()
    if enc in ("", "identity"):
        return raw
    if enc != "gzip":
        raise ValidationFailed(f"unsupported content encoding {enc!r}: send gzip or none",
                               code="unsupported_content_encoding")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(raw, max_bytes + 1)
    except zlib.error:
        raise BadOtlpBody("the body is not valid gzip") from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise PayloadTooLarge(f"the decompressed body is larger than {max_bytes} bytes", code="payload_too_large")
    if not inflater.eof:
        raise BadOtlpBody("the gzip body is truncated")
    return out


def decode_request(raw: bytes, content_type: str | None, max_bytes: int) -> list[Span]:
    """Every span of an ExportTraceServiceRequest; `BadOtlpBody` (400) when it is not one."""
    if media_type(content_type) == PROTOBUF:
        document = _protobuf_document(raw)
    else:
        document = read_json(raw, max_bytes=max_bytes, max_depth=64, empty={})
    if not isinstance(document, dict):
        raise BadOtlpBody("the body is not an ExportTraceServiceRequest object")
    return _spans(document)


def _protobuf_document(raw: bytes) -> dict[str, Any]:
    from google.protobuf import json_format
    from google.protobuf.message import DecodeError
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    message = ExportTraceServiceRequest()
    try:
        message.ParseFromString(raw)
    except (DecodeError, ValueError, RecursionError):
        raise BadOtlpBody("the body is not a valid OTLP protobuf ExportTraceServiceRequest") from None
    document: dict[str, Any] = json_format.MessageToDict(message)
    # The JSON mapping of protobuf writes bytes as base64; OTLP JSON writes trace and span ids as hex.
    for resource_spans in document.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                for key in ("traceId", "spanId", "parentSpanId"):
                    if span.get(key):
                        span[key] = base64.b64decode(span[key]).hex()
    return document


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadOtlpBody(f"{what} must be a list")
    return value


def _spans(document: dict[str, Any]) -> list[Span]:
    spans: list[Span] = []
    for resource_spans in _list(document.get("resourceSpans"), "resourceSpans"):
        if not isinstance(resource_spans, dict):
            raise BadOtlpBody("resourceSpans items must be objects")
        resource_doc = resource_spans.get("resource") or {}
        resource, _ = attributes(resource_doc.get("attributes") if isinstance(resource_doc, dict) else None)
        for scope_spans in _list(resource_spans.get("scopeSpans"), "scopeSpans"):
            if not isinstance(scope_spans, dict):
                raise BadOtlpBody("scopeSpans items must be objects")
            for raw_span in _list(scope_spans.get("spans"), "spans"):
                spans.append(_span(raw_span, resource))
                if len(spans) > MAX_SPANS_PER_REQUEST:
                    raise PayloadTooLarge(f"more than {MAX_SPANS_PER_REQUEST} spans in one request: "
                                          "export smaller batches", code="too_many_spans")
    return spans


def _hex_id(value: Any, length: int, what: str, required: bool = True) -> str | None:
    if value in (None, ""):
        if required:
            raise BadOtlpBody(f"a span has no {what}")
        return None
    if not isinstance(value, str) or len(value) != length:
        raise BadOtlpBody(f"{what} must be {length} hex digits")
    try:
        int(value, 16)
    except ValueError:
        raise BadOtlpBody(f"{what} must be {length} hex digits") from None
    return value.lower()


def _nanos(value: Any, what: str) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        raise BadOtlpBody(f"{what} must be an integer") from None
    if number < 0 or number > 2**63:
        raise BadOtlpBody(f"{what} is out of range")
    return number


def _span(raw: Any, resource: dict[str, Any]) -> Span:
    if not isinstance(raw, dict):
        raise BadOtlpBody("spans items must be objects")
    attrs, cut = attributes(raw.get("attributes"))
    status: dict[str, Any] = raw["status"] if isinstance(raw.get("status"), dict) else {}
    code = status.get("code", 0)
    if isinstance(code, str):  # the protobuf JSON mapping writes enum names
        code = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}.get(code, 0)
    kind = raw.get("kind", 0)
    name = raw.get("name")
    if not isinstance(name, str):
        name = ""
    events = []
    for event in _list(raw.get("events"), "events")[:32]:
        if isinstance(event, dict):
            event_attrs, event_cut = attributes(event.get("attributes"))
            cut = cut or event_cut
            events.append({"name": str(event.get("name") or "")[:200], "attributes": event_attrs})
    start = _nanos(raw.get("startTimeUnixNano"), "startTimeUnixNano")
    end = _nanos(raw.get("endTimeUnixNano"), "endTimeUnixNano")
    return Span(
        trace_id=_hex_id(raw.get("traceId"), 32, "traceId") or "",
        span_id=_hex_id(raw.get("spanId"), 16, "spanId") or "",
        parent_span_id=_hex_id(raw.get("parentSpanId"), 16, "parentSpanId", required=False),
        name=_cut_text(name[:500])[0], start_ns=start, end_ns=max(end, start), attributes=attrs,
        resource=resource, status_code=code if isinstance(code, int) else 0,
        status_message=str(status.get("message") or "")[:2000], kind=kind if isinstance(kind, int) else 0,
        events=events, cut=cut,
    )


def _cut_text(text: str) -> tuple[str, bool]:
    if len(text) <= MAX_ATTRIBUTE_CHARS:
        return text, False
    return text[:MAX_ATTRIBUTE_CHARS] + CUT_MARK, True


def attributes(raw: Any) -> tuple[dict[str, Any], bool]:
    """OTLP `KeyValue`s as a plain dict (long strings cut, marked); whether anything was cut."""
    out: dict[str, Any] = {}
    cut = False
    for item in _list(raw, "attributes"):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise BadOtlpBody("attributes must be {key, value} objects")
        if len(out) >= MAX_ATTRIBUTES_PER_SPAN:
            cut = True
            break
        value, was_cut = _any_value(item.get("value"), 0)
        out[item["key"][:256]] = value
        cut = cut or was_cut
    return out, cut


def _any_value(raw: Any, depth: int) -> tuple[Any, bool]:
    if not isinstance(raw, dict) or depth > 8:
        return None, depth > 8
    if "stringValue" in raw:
        return _cut_text(str(raw["stringValue"]))
    if "boolValue" in raw:
        return bool(raw["boolValue"]), False
    if "intValue" in raw:
        try:
            return int(raw["intValue"]), False
        except (TypeError, ValueError):
            raise BadOtlpBody("intValue must be an integer") from None
    if "doubleValue" in raw:
        try:
            return float(raw["doubleValue"]), False
        except (TypeError, ValueError):
            raise BadOtlpBody("doubleValue must be a number") from None
    if "arrayValue" in raw:
        values = (raw["arrayValue"] or {}).get("values") if isinstance(raw["arrayValue"], dict) else None
        items, cut = [], False
        for v in _list(values, "arrayValue.values")[:200]:
            value, was_cut = _any_value(v, depth + 1)
            items.append(value)
            cut = cut or was_cut
        return items, cut
    if "kvlistValue" in raw:
        values = (raw["kvlistValue"] or {}).get("values") if isinstance(raw["kvlistValue"], dict) else None
        return attributes(values)
    if "bytesValue" in raw:
        return "<bytes>", False
    return None, False
