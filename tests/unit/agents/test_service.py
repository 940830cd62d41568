"""AgentService and CatalogService rules with in-memory fakes: ownership, versions, lifecycle, registration."""

from __future__ import annotations

from typing import Any

import pytest
from a2g.agents.model import AgentCreate, AgentPatch, AgentStatus, Framework, ScanRequest
from a2g.agents.service import AgentService, CatalogService
from a2g.clock import FixedClock
from a2g.errors import Conflict, NotFound, PayloadTooLarge, PlatformError, UpstreamFailed, ValidationFailed
from a2g.identity.principal import Principal
from pydantic import ValidationError

from tests.unit.agents.agents_fakes import (
    FakeDiscovery,
    FakeTraces,
    MemoryAgentStore,
    v03_card,
    v1_card,
)

ALICE = Principal(user_id="alice", role="USER", team="t1")
BOB = Principal(user_id="bob", role="USER", team="t2")
ALICE_KEY = Principal(user_id="alice", role="USER", team="t1", auth_kind="api_key", api_key_id="k1")
PUBLIC = "https://a2g.example.com"


class World:
    def __init__(self) -> None:
        self.store = MemoryAgentStore()
        self.traces = FakeTraces()
        self.discovery = FakeDiscovery()
        self.clock = FixedClock()
        self.cleaned: list[str] = []
        world = self

        class Cleaner:
            def delete_agent_data(self, agent: Any) -> None:
                world.cleaned.append(agent.id)

        self.service = AgentService(self.store, self.traces, self.discovery, self.clock, public_url=PUBLIC,
                                    cleaner=Cleaner())
        self.catalog = CatalogService(self.store, public_url=PUBLIC)


@pytest.fixture
def w() -> World:
    return World()


def agno_body(**kw: Any) -> AgentCreate:
    data: dict[str, Any] = {
        "name": "Weather", "description": "Forecasts the weather", "framework": "AGNO",
        "endpoint": {"base_url": "https://agno.example.com", "agno_agent_id": "weather"},
        "skills": [{"name": "forecast", "description": "daily forecast", "tags": ["weather"]}],
        "color": "#00aa00", "logo_url": "https://cdn.example.com/w.png",
    }
    data.update(kw)
    return AgentCreate.model_validate(data)


# --- create -----------------------------------------------------------------------------------------------


def test_create_makes_a_development_agent_with_its_own_trace(w: World) -> None:
    agent = w.service.create(ALICE, agno_body())
    assert agent.status == AgentStatus.DEVELOPMENT and agent.version == 1 and agent.owner_id == "alice"
    assert agent.color == "#00AA00"
    assert w.traces.created == [(agent.trace_id, "alice", agent.id)]
    view = w.service.view(agent)
    assert view["log_proxy_base_url"] == f"{PUBLIC}/api/log-proxy/{agent.trace_id}/v1"
    assert view["endpoint"] == {"base_url": "https://agno.example.com", "agno_agent_id": "weather"}
    # no ranking embedding on the create path (the ranking function embeds agents that have none)
    assert w.store.embeddings[agent.id] == (None, None)


def test_a_failed_save_removes_the_new_trace(w: World) -> None:
    def boom(*a: Any, **k: Any) -> Any:
        raise RuntimeError("storage down")

    w.store.create = boom  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        w.service.create(ALICE, agno_body())
    assert [t for t, *_ in w.traces.created] == w.traces.deleted


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"color": "green"}, "#RRGGBB"),
        ({"color": "#12345"}, "#RRGGBB"),
        ({"color": "#GGGGGG"}, "#RRGGBB"),
        ({"logo_url": "ftp://cdn.example.com/x.png"}, "http or https"),
        ({"logo_url": "javascript:alert(1)"}, "http or https"),
        ({"endpoint": {"base_url": "https://agno.example.com"}}, "agno_agent_id"),
        ({"endpoint": {"base_url": "file:///etc/passwd", "agno_agent_id": "x"}}, "http or https"),
        ({"framework": "ADK"}, "adk_app_name"),
        ({"framework": "LANGGRAPH"}, "langgraph_assistant_id"),
        ({"framework": "CUSTOM"}, "custom_protocol"),
        ({"framework": "ROBOT"}, "framework"),
        ({"name": ""}, "name"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_create_input_is_refused(change: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        agno_body(**change)


@pytest.mark.parametrize("base_url", ["http://169.254.169.254/latest", "http://localhost:8000", "http://10.0.0.1/"])
def test_create_refuses_internal_endpoints_and_stores_nothing(w: World, base_url: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        w.service.create(ALICE, agno_body(endpoint={"base_url": base_url, "agno_agent_id": "a"}))
    assert err.value.code == "destination_not_allowed"
    assert w.store.writes == 0 and w.traces.created == []


def test_manual_a2a_agent_with_card_takes_endpoint_from_card(w: World) -> None:
    body = AgentCreate.model_validate({
        "name": "Echo (mine)", "framework": "A2A", "endpoint": {"base_url": "https://ignored.example.com"},
        "a2a_card": v1_card(),
    })
    agent = w.service.create(ALICE, body)
    assert agent.endpoint.base_url == "https://agents.example.com/echo/"
    assert agent.endpoint.a2a_protocol_version == "1.0" and agent.endpoint.a2a_streaming is True
    # registering the same agent later through the SDK updates this one
    result = w.service.register(ALICE_KEY, v1_card())
    assert not result.created and result.agent.id == agent.id


# --- read / ownership ----------------------------------------------------------------------------------------


def test_other_users_agents_are_not_found(w: World) -> None:
    agent = w.service.create(ALICE, agno_body())
    with pytest.raises(NotFound):
        w.service.get_mine(BOB, agent.id)
    with pytest.raises(NotFound):
        w.service.patch(BOB, agent.id, AgentPatch(version=1, name="mine now"))
    with pytest.raises(NotFound):
        w.service.delete(BOB, agent.id)
    with pytest.raises(NotFound):
        w.service.publish(BOB, agent.id)
    with pytest.raises(NotFound):
        w.service.withdraw(BOB, agent.id)
    assert w.store.get_owned("alice", agent.id).name == "Weather"  # untouched
    assert w.service.list_mine(BOB)["items"] == []


def test_list_mine_pages_newest_first(w: World) -> None:
    ids = [w.service.create(ALICE, agno_body(name=f"A{i}")).id for i in range(3)]
    first = w.service.list_mine(ALICE, limit=2)
    assert [a["id"] for a in first["items"]] == ids[::-1][:2]
    second = w.service.list_mine(ALICE, limit=2, cursor=first["next_cursor"])
    assert [a["id"] for a in second["items"]] == [ids[0]] and second["next_cursor"] is None
    with pytest.raises(ValidationFailed):
        w.service.list_mine(ALICE, limit=1000)


# --- patch -------------------------------------------------------------------------------------------------


def test_patch_with_the_version_read(w: World) -> None:
    agent = w.service.create(ALICE, agno_body())
    updated = w.service.patch(ALICE, agent.id, AgentPatch(version=1, description="Now with rain", color="#112233"))
    assert updated.version == 2 and updated.description == "Now with rain" and updated.color == "#112233"
    assert updated.name == "Weather"  # untouched fields stay
    # what the agent is about changed: its stored vector is dropped, not left stale for ranking
    assert w.store.embeddings[agent.id] == (None, None)


def test_patch_that_changes_only_presentation_keeps_the_stored_embedding(w: World) -> None:
    agent = w.service.create(ALICE, agno_body())
    w.store.embeddings[agent.id] = (b"vector", "model")  # as the ranking side stored it
    w.service.patch(ALICE, agent.id, AgentPatch(version=1, color="#445566"))
    assert w.store.embeddings[agent.id] == (b"vector", "model")
    w.service.patch(ALICE, agent.id, AgentPatch(version=2, skills=[]))
    assert w.store.embeddings[agent.id] == (None, None)


def test_stale_patch_is_409_and_writes_nothing(w: World) -> None:
    agent = w.service.create(ALICE, agno_body())
    w.service.patch(ALICE, agent.id, AgentPatch(version=1, name="v2"))
    writes = w.store.writes
    with pytest.raises(Conflict) as err:
        w.service.patch(ALICE, agent.id, AgentPatch(version=1, name="lost update"))
    assert err.value.status == 409 and err.value.details == {"current_version": 2}
    assert w.store.writes == writes and w.store.get_owned("alice", agent.id).name == "v2"


def test_patch_requires_a_version() -> None:
    with pytest.raises(ValidationError, match="version"):
        AgentPatch.model_validate({"name": "x"})


def test_patch_validates_framework_and_endpoint_together(w: World) -> None:
    agent = w.service.create(ALICE, agno_body())
    with pytest.raises(ValidationFailed, match="adk_app_name"):
        w.service.patch(ALICE, agent.id, AgentPatch(version=1, framework=Framework.ADK))
    moved = w.service.patch(ALICE, agent.id, AgentPatch.model_validate({
        "version": 1, "framework": "ADK", "endpoint": {"base_url": "https://adk.example.com", "adk_app_name": "w"}}))
    assert moved.framework == Framework.ADK and moved.endpoint.adk_app_name == "w"
    with pytest.raises(ValidationFailed) as err:
        w.service.patch(ALICE, agent.id, AgentPatch.model_validate({
            "version": 2, "endpoint": {"base_url": "http://169.254.169.254/", "adk_app_name": "w"}}))
    assert err.value.code == "destination_not_allowed"


def test_patch_null_clears_logo_and_resets_colour(w: World) -> None:
    agent = w.service.create(ALICE, agno_body())
    updated = w.service.patch(ALICE, agent.id, AgentPatch.model_validate({"version": 1, "logo_url": None,
                                                                           "color": None}))
    assert updated.logo_url is None and updated.color == "#4F46E5"
    with pytest.raises(ValidationFailed):
        w.service.patch(ALICE, agent.id, AgentPatch.model_validate({"version": 2, "name": None}))


def test_bad_patch_input_is_refused() -> None:
    for bad in ({"color": "#ZZZZZZ"}, {"logo_url": "data:image/png;base64,AAAA"}, {"status": "PRODUCTION"}):
        with pytest.raises(ValidationError):
            AgentPatch.model_validate({"version": 1, **bad})


# --- lifecycle ---------------------------------------------------------------------------------------------


def test_publish_withdraw_and_the_catalogue(w: World) -> None:
    agent = w.service.create(ALICE, agno_body())
    assert w.catalog.list_published()["items"] == []
    with pytest.raises(NotFound):
        w.catalog.get_visible(BOB, agent.id)  # a development agent is invisible to others
    assert w.catalog.get_visible(ALICE, agent.id)["trace_id"] == agent.trace_id  # but not to its owner

    published = w.service.publish(ALICE, agent.id, version=1)
    assert published.status == AgentStatus.PRODUCTION and published.version == 2
    listed = w.catalog.list_published()["items"]
    assert [a["id"] for a in listed] == [agent.id]
    seen_by_bob = w.catalog.get_visible(BOB, agent.id)
    assert "trace_id" not in seen_by_bob and "endpoint" not in seen_by_bob
    assert w.catalog.published_card(agent.id)["name"] == "Weather"
    doc = w.catalog.catalog()
    assert [e["extensions"]["a2g.agent"]["agent_id"] for e in doc["entries"]] == [agent.id]

    assert w.service.publish(ALICE, agent.id).version == 2  # idempotent
    with pytest.raises(Conflict):
        w.service.withdraw(ALICE, agent.id, version=1)  # stale
    withdrawn = w.service.withdraw(ALICE, agent.id, version=2)
    assert withdrawn.status == AgentStatus.DEVELOPMENT
    assert w.catalog.list_published()["items"] == []
    with pytest.raises(NotFound):
        w.catalog.published_card(agent.id)


def test_publishing_a_disabled_agent_re_enables_it(w: World) -> None:
    agent = w.service.create(ALICE, agno_body())
    w.store.update("alice", agent.id, 1, {"status": AgentStatus.DISABLED}, updated_at=w.clock.now())
    assert w.service.publish(ALICE, agent.id).status == AgentStatus.PRODUCTION


def test_delete_removes_agent_trace_and_chat_data(w: World) -> None:
    agent = w.service.create(ALICE, agno_body())
    with pytest.raises(Conflict):
        w.service.delete(ALICE, agent.id, version=7)
    w.service.delete(ALICE, agent.id, version=1)
    assert w.store.get(agent.id) is None
    assert w.traces.deleted == [agent.trace_id] and w.cleaned == [agent.id]
    with pytest.raises(NotFound):
        w.service.delete(ALICE, agent.id)


# --- A2A registration ----------------------------------------------------------------------------------------


def test_register_v1_card_then_again_updates_in_place(w: World) -> None:
    first = w.service.register(ALICE_KEY, {**v1_card(), "color": "#ff0000"})
    assert first.created and first.agent.framework == Framework.A2A and first.agent.color == "#FF0000"
    assert first.agent.endpoint.base_url == "https://agents.example.com/echo/"
    assert w.discovery.answered == ["https://agents.example.com/echo/"]  # the agent was asked to answer

    again = w.service.register(ALICE_KEY, v1_card(description="Echoes, now louder"))
    assert not again.created and again.agent.id == first.agent.id
    assert again.agent.description == "Echoes, now louder" and again.agent.version == 2
    assert again.agent.color == "#FF0000"  # extras not repeated are kept
    assert len(w.store.agents) == 1 and len(w.traces.created) == 1

    same = w.service.register(ALICE_KEY, v1_card(description="Echoes, now louder"))
    assert same.agent.version == 2  # nothing changed: no write


def test_register_v03_card(w: World) -> None:
    result = w.service.register(ALICE_KEY, v03_card())
    assert result.created
    assert result.agent.endpoint.a2a_protocol_version == "0.3.0"
    assert result.agent.endpoint.a2a_streaming is False
    assert result.agent.a2a_card["protocolVersion"] == "0.3.0"


def test_register_by_card_url_and_by_posted_card_is_one_agent(w: World) -> None:
    w.discovery.cards["https://agents.example.com/echo/.well-known/agent-card.json"] = v1_card()
    by_url = w.service.register(ALICE_KEY, {"card_url": "https://agents.example.com/echo/", "logo_url":
                                            "https://cdn.example.com/e.png"})
    assert by_url.created and by_url.agent.card_url.endswith("/.well-known/agent-card.json")
    assert by_url.agent.logo_url == "https://cdn.example.com/e.png"
    assert w.discovery.answered == []  # the fetch itself proved the server answers
    posted = w.service.register(ALICE_KEY, {"card": v1_card(name="Echo 2")})
    assert not posted.created and posted.agent.id == by_url.agent.id and posted.agent.name == "Echo 2"


def test_two_users_registering_the_same_url_get_their_own_agents(w: World) -> None:
    a = w.service.register(ALICE_KEY, v1_card())
    b = w.service.register(BOB, v1_card())
    assert a.created and b.created and a.agent.id != b.agent.id


def _moved(agent: Any, url: str) -> AgentPatch:
    endpoint = {**agent.endpoint.model_dump(), "base_url": url}
    return AgentPatch(version=agent.version, endpoint=endpoint)


def test_an_a2a_agents_registration_follows_its_url(w: World) -> None:
    first = w.service.register(ALICE_KEY, v1_card()).agent
    moved = w.service.patch(ALICE, first.id, _moved(first, "https://agents.example.com/echo-v2/"))
    # Registering the new URL updates the moved agent; the old URL is free for a new agent.
    again = w.service.register(ALICE_KEY, v1_card(url="https://agents.example.com/echo-v2/", name="Echo v2"))
    assert not again.created and again.agent.id == moved.id and again.agent.name == "Echo v2"
    fresh = w.service.register(ALICE_KEY, v1_card())
    assert fresh.created and fresh.agent.id != first.id
    assert sorted(w.store.sources.values()) == sorted([first.id, fresh.agent.id])


def test_moving_an_a2a_agent_onto_another_agents_url_is_409_and_changes_nothing(w: World) -> None:
    first = w.service.register(ALICE_KEY, v1_card()).agent
    second = w.service.register(ALICE_KEY, v1_card(url="https://agents.example.com/other/")).agent
    sources, writes = dict(w.store.sources), w.store.writes
    with pytest.raises(Conflict) as err:
        w.service.patch(ALICE, second.id, _moved(second, "https://AGENTS.example.com:443/echo"))  # same, normalised
    assert err.value.code == "already_registered" and err.value.details == {"agent_id": first.id}
    assert w.store.sources == sources and w.store.writes == writes
    assert w.store.get_owned("alice", second.id).endpoint.base_url == "https://agents.example.com/other/"


def test_an_agent_that_stops_being_a2a_frees_its_url(w: World) -> None:
    first = w.service.register(ALICE_KEY, v1_card()).agent
    w.service.patch(ALICE, first.id, AgentPatch(version=first.version, framework="CUSTOM",
                                                 endpoint={"base_url": "https://custom.example.com/chat",
                                                           "custom_protocol": "json"}))
    assert w.store.sources == {} and w.store.get_owned("alice", first.id).source_key is None
    assert w.service.register(ALICE_KEY, v1_card()).created


def test_register_after_delete_creates_a_new_agent(w: World) -> None:
    first = w.service.register(ALICE_KEY, v1_card())
    w.service.delete(ALICE, first.agent.id)
    second = w.service.register(ALICE_KEY, v1_card())
    assert second.created and second.agent.id != first.agent.id


@pytest.mark.parametrize(
    ("body", "error", "code"),
    [
        ({**v1_card(), "color": "red"}, ValidationFailed, "validation_error"),
        ({**v1_card(), "logo_url": "ftp://x/y.png"}, ValidationFailed, "validation_error"),
        ({"name": "no interfaces"}, ValidationFailed, "invalid_agent_card"),
        (v1_card(skills=[{"id": "s"}]), ValidationFailed, "invalid_agent_card"),
        ({"card": v1_card(description="x" * 300_000)}, PayloadTooLarge, "card_too_large"),
        (v1_card(url="http://169.254.169.254/latest/meta-data/"), ValidationFailed, "destination_not_allowed"),
        (v1_card(url="http://localhost:9999/"), ValidationFailed, "destination_not_allowed"),
        ({"card_url": "http://169.254.169.254/latest/meta-data/"}, ValidationFailed, "destination_not_allowed"),
        ({"card_url": "https://nowhere.example.com/"}, ValidationFailed, "card_not_found"),
        ({**v1_card(), "framework": "AGNO"}, ValidationFailed, "validation_error"),
        ([1, 2], ValidationFailed, "validation_error"),
    ],
)
def test_bad_registrations_store_nothing(w: World, body: Any, error: type[PlatformError], code: str) -> None:
    with pytest.raises(error) as err:
        w.service.register(ALICE_KEY, body)
    assert err.value.code == code
    assert w.store.writes == 0 and w.traces.created == []


def test_register_refuses_an_agent_that_does_not_answer(w: World) -> None:
    w.discovery.unreachable.add("https://agents.example.com/echo/")
    with pytest.raises(UpstreamFailed):
        w.service.register(ALICE_KEY, v1_card())
    assert w.store.writes == 0


def test_register_with_a_native_framework_needs_its_endpoint(w: World) -> None:
    body = {**v1_card(), "framework": "AGNO",
            "endpoint": {"base_url": "https://agno.example.com", "agno_agent_id": "echo"}}
    result = w.service.register(ALICE_KEY, body)
    assert result.agent.framework == Framework.AGNO and result.agent.endpoint.agno_agent_id == "echo"
    assert result.agent.a2a_card["name"] == "Echo"


def test_scan_goes_through_discovery(w: World) -> None:
    assert w.service.scan(ALICE, ScanRequest(framework=Framework.ADK, url="https://adk.example.com"))[
        "framework"] == "ADK"
    with pytest.raises(ValidationFailed):
        w.service.scan(ALICE, ScanRequest(framework=Framework.AGNO, url="http://169.254.169.254/"))
    with pytest.raises(ValidationError):
        ScanRequest(framework=Framework.AGNO, url="gopher://x")
