"""OpenTelemetry intake: an agent's OTLP/HTTP trace export, `<platform>/api/otel/<trace_id>` as
`OTEL_EXPORTER_OTLP_ENDPOINT` (or `/api/otel/v1/traces` with the trace id in `x-a2g-trace-id` or the resource
attribute `a2g.trace_id`), authenticated by the platform API key in `Authorization: Bearer`.

The spans become entries of the trace (a2g.otel), joined with the log-proxy's entries of the same LLM calls
and pushed live. Answers follow OTLP/HTTP (a2g.otel.http): protobuf for protobuf requests.
"""

from __future__ import annotations

from typing import Annotated, Any

from a2g.http import create_app, lambda_handler_for
from a2g.http.body import read_limited_body
from a2g.otel.decode import JSON, media_type
from a2g.otel.http import error_response, export_response
from a2g.otel.intake import build_otel_intake, gateway_call_of
from a2g.otel.schemas import OTLP_ERRORS, OTLP_EXPORT, ExportTraceServiceResponse
from a2g.validation import ResourceId
from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

app = create_app("otel_intake")
# A plain route class: the body may be gzip or protobuf, which the shared JSON reader must not see first.
router = APIRouter(route_class=APIRoute)
intake = build_otel_intake()


async def _export(request: Request, trace_id: str | None, header_trace_id: str | None) -> Response:
    try:
        media = media_type(request.headers.get("content-type"))
    except Exception as exc:  # noqa: BLE001 - answered in JSON: the request's encoding is unknown
        return error_response(exc, JSON)
    try:
        principal = intake.principal(request.headers.get("authorization"))
        raw = await read_limited_body(request, intake.max_body_bytes)
        result = intake.export(principal, raw, request.headers.get("content-type"),
                               request.headers.get("content-encoding"), trace_id, header_trace_id,
                               gateway_call_of(request.headers))
    except Exception as exc:  # noqa: BLE001 - every failure leaves in OTLP's shape (a2g.errors maps it)
        return error_response(exc, media)
    return export_response(result, media)


@router.post("/api/otel/{trace_id}/v1/traces", summary="OTLP/HTTP trace export into one trace",
             response_model=ExportTraceServiceResponse, responses={**OTLP_EXPORT, **OTLP_ERRORS},
             openapi_extra={"security": [{"apiKey": []}]})
async def export_into(trace_id: ResourceId, request: Request) -> Any:
    return await _export(request, trace_id, None)


@router.post("/api/otel/v1/traces", summary="OTLP/HTTP trace export (trace id in x-a2g-trace-id or a2g.trace_id)",
             response_model=ExportTraceServiceResponse, responses={**OTLP_EXPORT, **OTLP_ERRORS},
             openapi_extra={"security": [{"apiKey": []}]})
async def export(request: Request,
                 x_a2g_trace_id: Annotated[ResourceId | None, Header()] = None) -> Any:
    return await _export(request, None, x_a2g_trace_id)


app.include_router(router)
handler = lambda_handler_for(app)
