"""The mail API client's request and error classes, and each framework's health probe."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from a2g.adapters.mail import Mail, MailApiClient, MailDeliveryFailed
from a2g.errors import UpstreamFailed, ValidationFailed
from a2g.operations.ports import AgentView
from a2g.operations.probes import AgentProber, probe_plan


class Response:
    def __init__(self, status_code: int):
        self.status_code = status_code


class Poster:
    def __init__(self, status: int = 202, error: Exception | None = None):
        self.status, self.error = status, error
        self.requests: list[tuple[str, Any, dict[str, str]]] = []

    def post(self, url: str, *, json: Any, headers: dict[str, str]) -> Response:
        self.requests.append((url, json, headers))
        if self.error:
            raise self.error
        return Response(self.status)


MAIL = Mail(mail_id="health-disabled:a1@2026", to="ann@corp.example", subject="S", body="B", kind="k")


def test_mail_request_carries_payload_auth_and_idempotency_key() -> None:
    poster = Poster()
    MailApiClient("https://mail.corp/send", poster, "X-Api-Key: s3cret").send(MAIL)
    url, payload, headers = poster.requests[0]
    assert url == "https://mail.corp/send"
    assert payload == {"to": "ann@corp.example", "subject": "S", "body": "B"}
    assert headers["Idempotency-Key"] == "health-disabled:a1@2026"
    assert headers["X-Api-Key"] == "s3cret"


def test_a_bare_auth_value_is_an_authorization_header() -> None:
    poster = Poster()
    MailApiClient("https://mail.corp/send", poster, "Bearer abc").send(MAIL)
    assert poster.requests[0][2]["Authorization"] == "Bearer abc"


@pytest.mark.parametrize(("status", "retryable"), [(500, True), (503, True), (429, True), (409, True),
                                                   (400, False), (401, False), (422, False)])
def test_failed_answers(status: int, retryable: bool) -> None:
    with pytest.raises(MailDeliveryFailed) as info:
        MailApiClient("https://mail.corp/send", Poster(status)).send(MAIL)
    assert info.value.retryable is retryable
    assert info.value.status == status


def test_unreachable_or_refused_api_is_retryable() -> None:
    for error in (UpstreamFailed("connection refused"), ValidationFailed("destination not allowed")):
        with pytest.raises(MailDeliveryFailed) as info:
            MailApiClient("https://mail.corp/send", Poster(error=error)).send(MAIL)
        assert info.value.retryable


T = datetime(2026, 1, 1, tzinfo=UTC)


def agent(framework: str, base: str = "http://agent.corp:8000/", card_url: str | None = None) -> AgentView:
    return AgentView(agent_id="a", owner_id="o", name="n", status="PRODUCTION", framework=framework,
                     base_url=base, created_at=T, updated_at=T, card_url=card_url)


@pytest.mark.parametrize(("framework", "card", "first"), [
    ("A2A", "http://agent.corp:8000/.well-known/agent-card.json", ("GET", "http://agent.corp:8000/.well-known/agent-card.json")),
    ("A2A", None, ("GET", "http://agent.corp:8000/.well-known/agent-card.json")),
    ("AGNO", None, ("GET", "http://agent.corp:8000/health")),
    ("ADK", None, ("GET", "http://agent.corp:8000/list-apps")),
    ("LANGGRAPH", None, ("GET", "http://agent.corp:8000/ok")),
    ("CUSTOM", None, ("HEAD", "http://agent.corp:8000/")),
])
def test_probe_plan_per_framework(framework: str, card: str | None, first: tuple[str, str]) -> None:
    step = probe_plan(agent(framework, card_url=card))[0]
    assert (step.method, step.url) == first


class Requester:
    def __init__(self, answers: dict[tuple[str, str], int | Exception]):
        self.answers = answers
        self.asked: list[tuple[str, str]] = []

    def request(self, method: str, url: str, **_: Any) -> Response:
        self.asked.append((method, url))
        answer = self.answers.get((method, url), 404)
        if isinstance(answer, Exception):
            raise answer
        return Response(answer)


def test_agno_falls_back_to_agents_listing_when_health_is_missing() -> None:
    http = Requester({("GET", "http://agent.corp:8000/agents"): 200})
    result, url = AgentProber(http).check(agent("AGNO"))
    assert result.ok and url.endswith("/agents")


def test_a_server_that_does_not_answer_is_not_asked_twice() -> None:
    http = Requester({("GET", "http://agent.corp:8000/health"): UpstreamFailed("connection refused")})
    result, _ = AgentProber(http).check(agent("AGNO"))
    assert not result.ok and result.status is None and "connection refused" in (result.error or "")
    assert len(http.asked) == 1


@pytest.mark.parametrize(("status", "ok"), [(200, True), (404, True), (405, True), (500, False), (503, False)])
def test_custom_agents_are_up_when_they_answer_below_500(status: int, ok: bool) -> None:
    http = Requester({("HEAD", "http://agent.corp:8000/"): status, ("GET", "http://agent.corp:8000/"): status})
    assert AgentProber(http).check(agent("CUSTOM"))[0].ok is ok


@pytest.mark.parametrize(("status", "ok"), [(200, True), (404, False), (500, False)])
def test_framework_endpoints_must_answer_2xx(status: int, ok: bool) -> None:
    http = Requester({("GET", "http://agent.corp:8000/list-apps"): status})
    assert AgentProber(http).check(agent("ADK"))[0].ok is ok
