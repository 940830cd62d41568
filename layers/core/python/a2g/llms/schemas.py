"""Response models of the LLM registry routes (`public_view`, the probe, the users' catalogue); the request
bodies are `LlmCreate` / `LlmUpdate` in `a2g.llms.service`."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from a2g.http.schemas import ResponseModel


class LlmHealth(ResponseModel):
    status: str = Field(description="`unknown`, `ok` or `failing`")
    checked_at: str | None
    latency_ms: float | None
    error: str | None
    consecutive_failures: int


class LlmView(ResponseModel):
    """A registered LLM as administrators see it: its key is never returned, only a masked hint."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "llm_id": "llm_01HX...", "name": "gateway", "base_url": "https://llm.example.com/v1",
        "api_key_masked": "sk-...a1B2", "has_api_key": True, "models": ["gpt-4o-mini"], "enabled": True,
        "timeout_seconds": 120, "health": {"status": "ok", "checked_at": "2026-05-01T09:00:00Z", "latency_ms": 210.0,
                                           "error": None, "consecutive_failures": 0},
        "created_at": "2026-05-01T08:00:00Z", "updated_at": "2026-05-01T08:00:00Z",
    }]})

    llm_id: str
    name: str
    base_url: str
    api_key_masked: str | None
    has_api_key: bool
    models: list[str]
    enabled: bool
    timeout_seconds: float
    health: LlmHealth
    created_at: str
    updated_at: str


class LlmList(ResponseModel):
    items: list[LlmView]


class LlmProbe(ResponseModel):
    """One small chat completion against the LLM, recorded as its health."""

    llm_id: str
    model: str
    ok: bool
    status: int | None = Field(description="the LLM's HTTP status; null when it could not be reached")
    latency_ms: float
    error: str | None


class EnabledModel(ResponseModel):
    model: str
    llm_name: str
    health_status: str


class LogProxyGuide(ResponseModel):
    base_url_template: str = Field(description="the OpenAI base URL, with `{trace_id}` to fill in")
    api_key: str
    agent_id_header: str
    notes: list[str]
    python_example: str


class ModelCatalogue(ResponseModel):
    """The enabled models (no URLs, no keys) and how to point an agent's LLM client at the log-proxy."""

    models: list[EnabledModel]
    guide: LogProxyGuide


__all__ = ["EnabledModel", "LlmHealth", "LlmList", "LlmProbe", "LlmView", "LogProxyGuide", "ModelCatalogue"]
