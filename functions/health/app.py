"""GET /api/health: is the API up, can it reach its storage, do the schedules fire."""

from __future__ import annotations

from typing import Any

from a2g.http import create_app, lambda_handler_for
from a2g.http.openapi import PUBLIC
from a2g.platform.heartbeat import HeartbeatRepository
from a2g.platform.schemas import Health

app = create_app("health")
heartbeats = HeartbeatRepository()


@app.get("/api/health", response_model=Health, summary="Is the API up, its storage reachable, do the schedules fire", openapi_extra=PUBLIC)
def health() -> dict[str, Any]:
    return {"status": "ok", "storage": "ok", "schedules": heartbeats.latest()}


handler = lambda_handler_for(app)
