"""GET /api/health: is the API up, which of its stores answer, do the schedules fire."""

from __future__ import annotations

from a2g.http import create_app, lambda_handler_for
from a2g.http.openapi import PUBLIC
from a2g.platform.health import build_health_service
from a2g.platform.schemas import Health
from fastapi.responses import JSONResponse

app = create_app("health")
health_service = build_health_service()


@app.get("/api/health", response_model=Health, summary="Is the API up, which stores answer, do the schedules fire",
         responses={503: {"model": Health, "description": "a store is down (named in `stores`); Retry-After"}},
         openapi_extra=PUBLIC)
def health() -> JSONResponse:
    """200 `{"status": "ok", "stores": {...}}`, or 503 `{"status": "degraded", "stores": {"dynamodb": "down"}}`."""
    report = health_service.check()
    return JSONResponse(report.body, status_code=report.status_code, headers=report.headers)


handler = lambda_handler_for(app)
