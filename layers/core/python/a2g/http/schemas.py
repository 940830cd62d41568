"""What every HTTP answer shares: the error body (`a2g.errors.error_body`) and the response models' base.

Response models document what a route returns and check it on the way out (`response_model=` on the route).
They allow extra keys: a field added to a view is documented once its model says so, and a client written
against the document keeps working meanwhile.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="allow")


class FieldProblem(BaseModel):
    field: str = Field(description="the dotted location of the bad value: `name`, `query.limit`, `endpoint.base_url`")
    message: str


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = Field(description="stable, machine-readable: `validation_error`, `not_found`, `forbidden`, ...",
                      examples=["validation_error"])
    message: str = Field(description="for people; may change", examples=["name: Field required"])
    fields: list[FieldProblem] | None = Field(None, description="validation errors: every bad field")
    details: dict[str, Any] | None = Field(None, description="extra facts some errors carry (e.g. `agent_id`)")
    error_id: str | None = Field(None, description="internal errors: the id to quote to an operator")


class ErrorResponse(BaseModel):
    """Every error of the platform's own routes: `{"error": {"code", "message", ...}}`."""

    error: ErrorDetail

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"error": {"code": "validation_error", "message": "name: Field required",
                   "fields": [{"field": "name", "message": "Field required"}]}},
    ]})


class Page(ResponseModel):
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page; null on the last")


__all__ = ["ErrorDetail", "ErrorResponse", "FieldProblem", "Page", "ResponseModel"]
