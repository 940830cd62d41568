"""The catalogue read raw (low-level client, no PynamoDB model instances) gives exactly what the registry's own
model and serializer give for the same rows: the public JSON, the ranking text, the stored vector and the keys —
for agents with and without skills, tags, logo, last use and vector, in every status, and for changes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np
from a2g.agents.model import Agent, AgentStatus, Endpoint, Framework, Skill
from a2g.agents.repository import AgentItem, AgentRepository, to_agent
from a2g.clock import FixedClock, iso
from a2g.ranking import encode_embedding
from a2g.ranking.repository import RankingRepository

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _agent(i: int, status: AgentStatus, **kw: object) -> Agent:
    at = NOW + timedelta(seconds=i)
    return Agent(**{  # type: ignore[arg-type]
        "id": f"agt_raw_{i}", "owner_id": f"owner-{i % 2}", "name": f"Agent {i} 번역", "description": f"does {i}",
        "framework": Framework.CUSTOM, "status": status, "created_at": at, "updated_at": at,
        "endpoint": Endpoint(base_url=f"http://agents.test/{i}", custom_protocol="openai"), **kw})


def test_raw_rows_read_as_the_registry_serializes_them(ranking_ddb: str) -> None:
    repository = AgentRepository(FixedClock(NOW))
    vector = encode_embedding(np.linspace(-1, 1, 8, dtype=np.float32))
    repository.create(_agent(1, AgentStatus.PRODUCTION, skills=[
        Skill(id="s1", name="translate", description="any language", tags=["ko", "en"]),
        Skill(name="summarise")]), embedding=vector, embedding_model="model-a")
    repository.create(_agent(2, AgentStatus.PRODUCTION, logo_url="https://cdn.test/logo.png", color="#059669",
                             last_used_at=NOW, description=""))
    repository.create(_agent(3, AgentStatus.DEVELOPMENT))
    repository.create(_agent(4, AgentStatus.PRODUCTION, framework=Framework.LANGGRAPH), embedding=vector)

    read = {e.agent_id: e for e in RankingRepository().production_agents()}
    assert sorted(read) == ["agt_raw_1", "agt_raw_2", "agt_raw_4"]
    for item in AgentItem.gsi2.query("STATUS#PRODUCTION"):
        agent = to_agent(item)
        entry = read[agent.id]
        assert entry.public == agent.public_view()
        assert (entry.name, entry.description, entry.version, entry.owner_id, entry.updated_at) == (
            agent.name, agent.description, agent.version, agent.owner_id, item.updated_at)
        assert entry.skills == [(s.name, s.description, list(s.tags)) for s in agent.skills]
        assert entry.embedding == (bytes(item.embedding) if item.embedding else None)
        assert entry.embedding_model == item.embedding_model

    time.sleep(0.01)
    changes = {c.agent_id: c for c in RankingRepository().changes_since(iso(NOW + timedelta(seconds=1.5)))}
    assert sorted(changes) == ["agt_raw_2", "agt_raw_3", "agt_raw_4"]
    assert changes["agt_raw_3"].entry is None  # not published: a removal for readers
    assert changes["agt_raw_2"].entry == read["agt_raw_2"] and changes["agt_raw_2"].version == 1
