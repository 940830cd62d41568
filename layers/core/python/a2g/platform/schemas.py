"""The response model of `GET /api/health`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from a2g.http.schemas import ResponseModel


class ScheduleBeat(ResponseModel):
    last_beat_at: str
    beats: int


class Health(ResponseModel):
    """200 when every store answers; 503 (with Retry-After) naming the stores that are down."""

    status: Literal["ok", "degraded"] = Field(examples=["ok"])
    storage: Literal["ok", "down"] = Field(examples=["ok"])
    stores: dict[str, Literal["ok", "down"]] = Field(
        description="each store's answer to one quick probe", examples=[{"dynamodb": "ok", "s3": "ok"}])
    schedules: dict[str, ScheduleBeat] | None = Field(
        description="when each schedule last ran, by schedule name (null while DynamoDB is down)")


__all__ = ["Health", "ScheduleBeat"]
