"""AgentRepository and the whole AgentService against DynamoDB Local: keys, versions, pages, sources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from a2g.agents.model import Agent, AgentCreate, AgentPatch, AgentStatus, Endpoint, Framework, Skill
from a2g.agents.repository import AgentItem, AgentRepository, SourceMove
from a2g.agents.service import AgentService, CatalogService
from a2g.clock import FixedClock
from a2g.errors import Conflict, ValidationFailed
from a2g.identity.principal import Principal
from a2g.ids import new_id

from tests.unit.agents.agents_fakes import FakeDiscovery, v1_card

pytestmark = pytest.mark.usefixtures("agents_ddb")

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _agent(owner: str = "alice", *, at: datetime = T0, status: AgentStatus = AgentStatus.DEVELOPMENT,
           **kw: Any) -> Agent:
    data: dict[str, Any] = {
        "id": new_id("agt"), "owner_id": owner, "name": "Weather", "description": "Forecasts", "framework": Framework.AGNO,
        "endpoint": Endpoint(base_url="https://agno.example.com", agno_agent_id="weather"), "status": status,
        "created_at": at, "updated_at": at, "skills": [Skill(id="f", name="forecast", description="daily", tags=["w"])],
        "trace_id": "trc_x",
    }
    data.update(kw)
    return Agent.model_validate(data)


def test_create_get_and_keys() -> None:
    repo = AgentRepository(FixedClock(T0))
    agent = repo.create(_agent(), embedding=b"\x01\x02", embedding_model="m")
    assert agent.version == 1
    item = AgentItem.get("OWNER#alice", f"AGENT#{agent.id}")
    assert (item.gsi1pk, item.gsi1sk) == (f"AGENT#{agent.id}", "AGENT")
    assert (item.gsi2pk, item.gsi2sk) == ("STATUS#DEVELOPMENT", f"2026-11-01T09:00:00.000Z#{agent.id}")
    assert item.embedding == b"\x01\x02" and item.embedding_model == "m"
    got = repo.get(agent.id)
    assert got is not None and got.model_dump() == agent.model_dump()
    assert repo.get_owned("alice", agent.id) is not None
    assert repo.get_owned("bob", agent.id) is None
    assert repo.get("agt_missing") is None and repo.get("AGENT#x") is None


def test_update_is_conditional_on_the_version() -> None:
    repo = AgentRepository(FixedClock(T0))
    agent = repo.create(_agent())
    later = T0 + timedelta(hours=1)
    updated = repo.update("alice", agent.id, 1, {"name": "Weather 2", "logo_url": "https://x.example/l.png",
                                                 "status": AgentStatus.PRODUCTION}, updated_at=later)
    assert updated.version == 2 and updated.name == "Weather 2" and updated.status == AgentStatus.PRODUCTION
    item = AgentItem.get("OWNER#alice", f"AGENT#{agent.id}")
    assert item.gsi2pk == "STATUS#PRODUCTION" and item.gsi2sk.startswith("2026-11-01T10:00:00.000Z#")
    with pytest.raises(Conflict) as err:
        repo.update("alice", agent.id, 1, {"name": "lost"}, updated_at=later)
    assert err.value.code == "version_conflict"
    assert repo.get(agent.id).name == "Weather 2"
    with pytest.raises(Conflict):
        repo.update("bob", agent.id, 2, {"name": "not bob's"}, updated_at=later)  # another owner's key: gone
    cleared = repo.update("alice", agent.id, 2, {"logo_url": None}, updated_at=later)
    assert cleared.logo_url is None and cleared.version == 3


def test_touch_last_used_does_not_bump_the_version() -> None:
    clock = FixedClock(T0)
    repo = AgentRepository(clock)
    agent = repo.create(_agent())
    repo.touch_last_used(agent.id)
    touched = repo.get(agent.id)
    assert touched.last_used_at == T0 and touched.version == 1
    clock.advance(seconds=30)
    repo.touch_last_used(agent.id)  # within a minute: no write
    assert repo.get(agent.id).last_used_at == T0
    clock.advance(seconds=60)
    repo.touch_last_used(agent.id)
    assert repo.get(agent.id).last_used_at == T0 + timedelta(seconds=90)
    # a PATCH that read version 1 still succeeds
    assert repo.update("alice", agent.id, 1, {"name": "x"}, updated_at=clock.now()).version == 2
    repo.touch_last_used("agt_gone")  # unknown agents are ignored


def test_list_by_owner_pages_newest_first() -> None:
    repo = AgentRepository()
    ids = [repo.create(_agent()).id for _ in range(5)]
    repo.create(_agent("bob"))
    first = repo.list_by_owner("alice", limit=2)
    second = repo.list_by_owner("alice", limit=2, cursor=first.cursor)
    third = repo.list_by_owner("alice", limit=2, cursor=second.cursor)
    seen = [a.id for page in (first, second, third) for a in page.agents]
    assert seen == ids[::-1]
    with pytest.raises(ValidationFailed):
        repo.list_by_owner("bob", cursor=first.cursor)  # alice's cursor is no good for bob's list
    with pytest.raises(ValidationFailed):
        repo.list_by_owner("alice", cursor="garbage!")


def test_list_by_status_orders_and_filters_by_updated_at() -> None:
    repo = AgentRepository()
    old = repo.create(_agent(status=AgentStatus.PRODUCTION, at=T0))
    mid = repo.create(_agent("bob", status=AgentStatus.PRODUCTION, at=T0 + timedelta(days=10)))
    new = repo.create(_agent(status=AgentStatus.PRODUCTION, at=T0 + timedelta(days=20)))
    repo.create(_agent(status=AgentStatus.DEVELOPMENT, at=T0))
    assert [a.id for a in repo.list_by_status("PRODUCTION").agents] == [old.id, mid.id, new.id]
    assert [a.id for a in repo.list_by_status(AgentStatus.PRODUCTION, newest_first=True).agents] == [
        new.id, mid.id, old.id]
    until = repo.list_by_status("PRODUCTION", updated_until=T0 + timedelta(days=10))
    assert [a.id for a in until.agents] == [old.id, mid.id]
    page1 = repo.list_by_status("PRODUCTION", limit=2)
    page2 = repo.list_by_status("PRODUCTION", limit=2, cursor=page1.cursor)
    assert [a.id for a in page1.agents + page2.agents] == [old.id, mid.id, new.id]


def test_set_status_and_delete() -> None:
    repo = AgentRepository(FixedClock(T0))
    agent = repo.create(_agent())
    disabled = repo.set_status(agent.id, AgentStatus.DISABLED, expected_version=1)
    assert disabled is not None and disabled.status == AgentStatus.DISABLED
    with pytest.raises(Conflict):
        repo.set_status(agent.id, AgentStatus.PRODUCTION, expected_version=1)
    assert repo.set_status("agt_gone", AgentStatus.DISABLED) is None
    with pytest.raises(Conflict):
        repo.delete("alice", agent.id, expected_version=1)
    assert repo.delete("alice", agent.id, expected_version=2) is True
    assert repo.get(agent.id) is None
    assert repo.delete("alice", agent.id) is False


def test_source_rows_make_create_unique() -> None:
    repo = AgentRepository()
    first = repo.create(_agent(), source_key="abc", source_url="https://a.example")
    assert repo.source_agent_id("alice", "abc") == first.id
    with pytest.raises(Conflict):
        repo.create(_agent(), source_key="abc")
    assert len(repo.list_by_owner("alice").agents) == 1  # the transaction stored nothing
    repo.delete("alice", first.id)
    assert repo.source_agent_id("alice", "abc") is None
    second = repo.create(_agent(), source_key="abc")
    assert repo.source_agent_id("alice", "abc") == second.id


def test_update_moves_the_source_row_in_one_transaction() -> None:
    repo = AgentRepository()
    first = repo.create(_agent(), source_key="old", source_url="https://a.example")
    other = repo.create(_agent(), source_key="taken", source_url="https://b.example")
    at = T0 + timedelta(minutes=1)
    moved = repo.update("alice", first.id, 1, {"source_key": "new"}, updated_at=at,
                        source_move=SourceMove("old", True, "new", "https://c.example", False))
    assert moved.version == 2 and moved.source_key == "new"
    assert repo.source_agent_id("alice", "old") is None and repo.source_agent_id("alice", "new") == first.id
    # Claiming another agent's row fails as a whole: no version bump, no row touched.
    with pytest.raises(Conflict) as err:
        repo.update("alice", first.id, 2, {"source_key": "taken"}, updated_at=at,
                    source_move=SourceMove("new", True, "taken", "https://b.example", False))
    assert err.value.code == "already_registered"
    assert repo.get_owned("alice", first.id).version == 2
    assert repo.source_agent_id("alice", "new") == first.id and repo.source_agent_id("alice", "taken") == other.id
    # A stale version is a version conflict, even with a source move.
    with pytest.raises(Conflict) as err:
        repo.update("alice", first.id, 1, {"source_key": None}, updated_at=at,
                    source_move=SourceMove("new", True, None, None, False))
    assert err.value.code == "version_conflict" and repo.source_agent_id("alice", "new") == first.id


def test_service_end_to_end_on_dynamodb() -> None:
    """The real repository and the real trace repository under the service."""
    from a2g.tracing.repository import TraceRepository

    clock = FixedClock(T0)
    discovery = FakeDiscovery()
    service = AgentService(AgentRepository(clock), TraceRepository(clock), discovery, clock,
                           public_url="http://127.0.0.1:3000")
    alice = Principal(user_id="alice", role="USER", team="t")
    created = service.register(alice, v1_card())
    assert created.created
    trace = TraceRepository(clock).get_trace(created.agent.trace_id)
    assert trace is not None and trace.owner_user_id == "alice" and trace.kind == "agent"
    assert trace.agent_id == created.agent.id
    again = service.register(alice, v1_card(description="v2"))
    assert not again.created and again.agent.id == created.agent.id and again.agent.version == 2
    assert AgentItem.get("OWNER#alice", f"AGENT#{created.agent.id}").embedding is None  # ranking embeds it

    manual = service.create(alice, AgentCreate.model_validate({
        "name": "W", "framework": "ADK", "endpoint": {"base_url": "https://adk.example.com", "adk_app_name": "w"}}))
    patched = service.patch(alice, manual.id, AgentPatch(version=1, skills=[Skill(name="s", tags=["a"])]))
    assert patched.skills[0].tags == ["a"]
    with pytest.raises(Conflict):
        service.patch(alice, manual.id, AgentPatch(version=1, name="stale"))
    service.publish(alice, manual.id)
    catalog = CatalogService(AgentRepository(clock), public_url="http://127.0.0.1:3000")
    assert [a["id"] for a in catalog.list_published()["items"]] == [manual.id]
    service.delete(alice, manual.id)
    assert TraceRepository(clock).get_trace(manual.trace_id) is None
