"""The response model of `GET /api/health`."""

from __future__ import annotations

from pydantic import Field

from a2g.http.schemas import ResponseModel


class ScheduleBeat(ResponseModel):
    last_beat_at: str
    beats: int


class Health(ResponseModel):
    status: str = Field(examples=["ok"])
    storage: str = Field(examples=["ok"])
    schedules: dict[str, ScheduleBeat] = Field(description="when each schedule last ran, by schedule name")


__all__ = ["Health", "ScheduleBeat"]
