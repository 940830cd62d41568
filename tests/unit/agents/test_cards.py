"""A2A card validation (v1.0 and v0.3), the published card and the AI Catalog document."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from a2g.agents.cards import (
    AI_CATALOG_MEDIA_TYPE,
    MAX_CARD_BYTES,
    ai_catalog,
    candidate_card_urls,
    card_url_for,
    normalise_url,
    parse_card,
    published_card,
)
from a2g.agents.model import Agent, AgentStatus, Endpoint, Framework, Skill
from a2g.errors import PayloadTooLarge, ValidationFailed

from tests.unit.agents.agents_fakes import v03_card, v1_card


def test_v1_card_is_normalised() -> None:
    card = parse_card(v1_card())
    assert card.card_shape == "1.0" and card.protocol_version == "1.0"
    assert card.url == "https://agents.example.com/echo/"
    assert card.name == "Echo" and card.version == "1.0.0" and card.streaming is True
    assert [(s.id, s.name, s.tags) for s in card.skills] == [("echo", "Echo", ["echo", "test"])]


def test_v03_card_is_normalised() -> None:
    card = parse_card(v03_card())
    assert card.card_shape == "0.3" and card.protocol_version == "0.3.0"
    assert card.url == "https://agents.example.com/legacy/" and card.streaming is False


def test_v1_picks_the_first_jsonrpc_interface() -> None:
    data = v1_card(supportedInterfaces=[
        {"url": "https://grpc.example.com", "protocolBinding": "GRPC", "protocolVersion": "1.0"},
        {"url": "https://rpc.example.com/a2a", "protocolBinding": "JSONRPC", "protocolVersion": "1.0",
         "tenant": "t1"},
    ])
    card = parse_card(data)
    assert card.url == "https://rpc.example.com/a2a" and card.tenant == "t1"


def test_v03_additional_interfaces_are_considered() -> None:
    card = parse_card(v03_card(preferredTransport="GRPC", url="https://grpc.example.com",
                               additionalInterfaces=[{"url": "https://rpc.example.com/", "transport": "JSONRPC"}]))
    assert card.url == "https://rpc.example.com/"


@pytest.mark.parametrize(
    ("card", "missing"),
    [
        ({"supportedInterfaces": []}, ["name", "description", "version", "supportedInterfaces", "capabilities",
                                       "defaultInputModes", "defaultOutputModes", "skills"]),
        ({"name": "x", "url": "https://a.example"}, ["description", "version", "capabilities",
                                                     "defaultInputModes", "defaultOutputModes", "skills"]),
    ],
)
def test_missing_fields_are_all_named(card: dict, missing: list[str]) -> None:
    with pytest.raises(ValidationFailed) as err:
        parse_card(card)
    assert err.value.code == "invalid_agent_card" and err.value.status == 400
    assert err.value.details["missing"] == missing
    for name in missing:
        assert name in err.value.message


def test_missing_skill_and_interface_fields_are_named() -> None:
    data = v1_card(supportedInterfaces=[{"url": "https://x.example"}], skills=[{"id": "a", "name": "A"}])
    with pytest.raises(ValidationFailed) as err:
        parse_card(data)
    assert err.value.details["missing"] == [
        "supportedInterfaces[0].protocolBinding", "supportedInterfaces[0].protocolVersion",
        "skills[0].description", "skills[0].tags",
    ]


def test_a_card_without_jsonrpc_is_refused() -> None:
    data = v1_card(supportedInterfaces=[{"url": "https://g.example", "protocolBinding": "GRPC",
                                         "protocolVersion": "1.0"}])
    with pytest.raises(ValidationFailed, match="JSONRPC"):
        parse_card(data)


@pytest.mark.parametrize("url", ["ftp://x.example/", "not a url", "javascript:alert(1)"])
def test_interface_url_must_be_http(url: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_card(v1_card(url=url))


def test_oversized_card_is_413() -> None:
    big = v1_card(description="x" * (MAX_CARD_BYTES + 1))
    with pytest.raises(PayloadTooLarge) as err:
        parse_card(big)
    assert err.value.status == 413 and err.value.code == "card_too_large"


@pytest.mark.parametrize("not_a_card", [[], "card", 3, None])
def test_non_objects_are_refused(not_a_card: object) -> None:
    with pytest.raises(ValidationFailed):
        parse_card(not_a_card)


def test_source_key_ignores_trailing_slash_case_and_default_port() -> None:
    a = parse_card(v1_card(url="https://Agents.Example.com:443/echo/")).source_key
    b = parse_card(v03_card(url="https://agents.example.com/echo")).source_key
    c = parse_card(v1_card(url="https://agents.example.com/other")).source_key
    assert a == b != c
    assert normalise_url("HTTP://[::1]:80/x/") == "http://[::1]/x"


def test_candidate_card_urls() -> None:
    assert candidate_card_urls("https://a.example/agent/") == [
        "https://a.example/agent/.well-known/agent-card.json",
        "https://a.example/agent/.well-known/agent.json",
        "https://a.example/agent/",
    ]
    assert candidate_card_urls("https://a.example/card.json") == ["https://a.example/card.json"]
    assert candidate_card_urls("https://a.example/.well-known/agent.json") == [
        "https://a.example/.well-known/agent.json"
    ]


def _agent(**kw: object) -> Agent:
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    base: dict[str, object] = {
        "id": "agt_1", "owner_id": "alice", "name": "Weather", "description": "Forecasts", "framework": Framework.AGNO,
        "endpoint": Endpoint(base_url="https://agno.example.com", agno_agent_id="weather"),
        "status": AgentStatus.PRODUCTION, "created_at": now, "updated_at": now, "version": 3,
        "skills": [Skill(name="forecast", description="daily", tags=["weather", "daily"]),
                Skill(name="alerts", tags=["weather"])],
        "logo_url": "https://cdn.example.com/w.png", "color": "#00AA00",
    }
    base.update(kw)
    return Agent.model_validate(base)


def test_published_card_of_a_native_agent_is_the_gateways_v1_card() -> None:
    card = published_card(_agent(), "https://a2g.example.com/")
    gateway = "https://a2g.example.com/api/a2a/agents/agt_1"
    # an A2A client can call it: JSON-RPC at the gateway, never at the agent's own address
    assert [(i["url"], i["protocolBinding"]) for i in card["supportedInterfaces"]] == [
        (gateway, "JSONRPC"), (gateway, "JSONRPC"), (gateway + "/v1", "HTTP+JSON")]
    assert "agno.example.com" not in json.dumps(card)
    assert card["securitySchemes"]["a2g_api_key"]["httpAuthSecurityScheme"]["scheme"] == "Bearer"
    assert card["securityRequirements"] == [{"schemes": {"a2g_api_key": {"list": []}}}]
    assert card["capabilities"] == {"streaming": True, "pushNotifications": False}
    assert card["iconUrl"] == "https://cdn.example.com/w.png"
    assert [s["id"] for s in card["skills"]] == ["skill-1", "skill-2"]
    for required in ("name", "description", "version", "capabilities", "defaultInputModes",
                     "defaultOutputModes", "skills"):
        assert card[required] not in (None, "")


def test_published_card_of_an_a2a_agent_keeps_its_skills_but_not_its_address() -> None:
    raw = v1_card()
    agent = _agent(framework=Framework.A2A, a2a_card=raw,
                   endpoint=Endpoint(base_url="https://agents.example.com/echo/"))
    card = published_card(agent, "https://a2g.example.com")
    assert parse_card(card).url == "https://a2g.example.com/api/a2a/agents/agt_1"
    assert "agents.example.com" not in json.dumps(card)
    assert card["iconUrl"] == "https://cdn.example.com/w.png"  # filled in: the card had none
    assert [s["id"] for s in card["skills"]] == [s["id"] for s in raw["skills"]]


def test_ai_catalog_has_the_draft_shape() -> None:
    doc = ai_catalog([_agent(), _agent(id="agt_2")], "https://a2g.example.com",
                     next_page_url="https://a2g.example.com/api/catalog?cursor=abc")
    json.dumps(doc)  # plain JSON
    assert doc["specVersion"] == "1.0"
    assert doc["host"]["displayName"] and doc["host"]["identifier"] == "a2g.example.com"
    entries = doc["entries"]
    assert len(entries) == 3
    first = entries[0]
    assert first["type"] == "application/a2a-agent-card+json"
    assert first["url"] == card_url_for("https://a2g.example.com", "agt_1")
    assert first["identifier"] and "data" not in first  # exactly one of url / data
    assert first["tags"] == ["weather", "daily"]
    assert first["updatedAt"] == "2026-11-01T12:00:00.000Z"
    assert "displayName" not in first  # the card carries the name (draft: omit to avoid drift)
    assert entries[-1]["type"] == AI_CATALOG_MEDIA_TYPE  # the next page, as a nested catalog
    identifiers = [e["identifier"] for e in entries]
    assert len(set(identifiers)) == len(identifiers)  # identifiers unique when no version is given


def test_skill_examples_are_kept_bounded_and_published() -> None:
    skill = {"id": "book", "name": "Book", "description": "books rooms", "tags": [],
             "examples": ["Book room 4 at 10", "  ", "Book room 4 at 10", 7, "x" * 900]}
    card = parse_card(v1_card(skills=[skill]))
    examples = card.skills[0].examples
    assert examples[0] == "Book room 4 at 10" and len(examples) == 2  # blanks, repeats, non-strings dropped
    assert len(examples[1]) == 500
    with pytest.raises(ValueError):
        Skill(name="s", examples=[f"e{i}" for i in range(11)])
    agent = Agent(id="agt_1", owner_id="dev", name="Rooms", framework=Framework.CUSTOM,
                  endpoint=Endpoint(base_url="https://rooms.example.com"), status=AgentStatus.PRODUCTION,
                  skills=[Skill(name="Book", examples=["Book room 4"])],
                  created_at=datetime(2026, 1, 1, tzinfo=UTC), updated_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert published_card(agent, "https://a2g.example.com")["skills"][0]["examples"] == ["Book room 4"]
