"""How each kind of agent is asked whether it is alive.

| framework | request | healthy when |
|---|---|---|
| A2A | `GET <card url>` (else `/.well-known/agent-card.json`, then `/.well-known/agent.json`) | 2xx |
| AGNO (AgentOS) | `GET /health`, or `GET /agents` when `/health` is missing (older AgentOS) | 2xx |
| ADK (api_server) | `GET /list-apps` | 2xx |
| LANGGRAPH (server) | `GET /ok` | 2xx |
| CUSTOM | `HEAD <base url>`, or `GET` when HEAD is not allowed | any answer below 500 |

A CUSTOM agent is only known by its base URL, which need not serve anything at `/`; a server that answers
at all (a 404 included) is up, while connection errors, timeouts and 5xx are down.

A fallback request is tried only when the previous one got an HTTP answer: a server that does not answer
at all is not asked twice, so a dead agent costs one timeout per check.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Protocol

from a2g.operations.ports import AgentView, ProbeResult


@dataclass(frozen=True)
class ProbeStep:
    method: str
    url: str
    any_answer_below_500: bool = False


def _join(base: str, path: str) -> str:
    return base.rstrip("/") + path


def probe_plan(agent: AgentView) -> list[ProbeStep]:
    base = agent.base_url
    framework = agent.framework.upper()
    if framework == "A2A":
        if agent.card_url:
            return [ProbeStep("GET", agent.card_url)]
        return [ProbeStep("GET", _join(base, "/.well-known/agent-card.json")),
                ProbeStep("GET", _join(base, "/.well-known/agent.json"))]
    if framework == "AGNO":
        return [ProbeStep("GET", _join(base, "/health")), ProbeStep("GET", _join(base, "/agents"))]
    if framework == "ADK":
        return [ProbeStep("GET", _join(base, "/list-apps"))]
    if framework == "LANGGRAPH":
        return [ProbeStep("GET", _join(base, "/ok"))]
    return [ProbeStep("HEAD", base, any_answer_below_500=True), ProbeStep("GET", base, any_answer_below_500=True)]


class HttpRequester(Protocol):
    """The part of the guarded outbound client a probe needs."""

    def request(self, method: str, url: str, **kwargs: Any) -> Any: ...


class AgentProber:
    """Runs an agent's probe plan through the guarded outbound client."""

    def __init__(self, http: HttpRequester):
        self._http = http

    def check(self, agent: AgentView) -> tuple[ProbeResult, str]:
        """(result, the URL that decided it)."""
        plan = probe_plan(agent)
        result = ProbeResult(ok=False, latency_ms=0.0, error="no probe")
        url = plan[0].url if plan else agent.base_url
        for step in plan:
            url = step.url
            result = self._one(step)
            if result.ok or result.status is None:
                break  # healthy, or no answer at all: a fallback would only wait for another timeout
        return result, url

    def _one(self, step: ProbeStep) -> ProbeResult:
        started = time.perf_counter()
        try:
            response = self._http.request(step.method, step.url)
        except Exception as exc:  # noqa: BLE001 - refused by the guard, connection refused, timeout, too large
            elapsed = (time.perf_counter() - started) * 1000
            return ProbeResult(ok=False, latency_ms=elapsed, error=f"{type(exc).__name__}: {exc}"[:300])
        elapsed = (time.perf_counter() - started) * 1000
        status = int(getattr(response, "status_code", 0))
        ok = status < 500 if step.any_answer_below_500 else 200 <= status < 300
        return ProbeResult(ok=ok, latency_ms=elapsed, status=status,
                           error=None if ok else f"{step.method} {step.url} answered {status}")
