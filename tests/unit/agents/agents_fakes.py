"""In-memory stand-ins for the registry's ports, with the same optimistic-locking rules as DynamoDB."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from a2g.agents.cards import NormalizedCard
from a2g.agents.model import Agent, AgentPage, AgentStatus, Endpoint, Framework
from a2g.agents.repository import SourceMove
from a2g.errors import Conflict, ValidationFailed

_KEEP: Any = object()


class MemoryAgentStore:
    def __init__(self) -> None:
        self.agents: dict[tuple[str, str], Agent] = {}
        self.sources: dict[tuple[str, str], str] = {}
        self.embeddings: dict[str, tuple[bytes | None, str | None]] = {}
        self.writes = 0

    def create(self, agent: Agent, *, source_key: str | None = None, source_url: str | None = None,
               replace_source: bool = False, embedding: bytes | None = None,
               embedding_model: str | None = None) -> Agent:
        key = (agent.owner_id, agent.id)
        if key in self.agents:
            raise Conflict("exists", code="already_registered")
        if source_key and (agent.owner_id, source_key) in self.sources and not replace_source:
            raise Conflict("exists", code="already_registered")
        self.agents[key] = agent.model_copy(update={"source_key": source_key})
        if source_key:
            self.sources[(agent.owner_id, source_key)] = agent.id
        self.embeddings[agent.id] = (embedding, embedding_model)
        self.writes += 1
        return copy.deepcopy(self.agents[key])

    def get(self, agent_id: str) -> Agent | None:
        for (_, aid), agent in self.agents.items():
            if aid == agent_id:
                return copy.deepcopy(agent)
        return None

    def get_owned(self, owner_id: str, agent_id: str) -> Agent | None:
        agent = self.agents.get((owner_id, agent_id))
        return copy.deepcopy(agent) if agent else None

    def list_by_owner(self, owner_id: str, *, cursor: str | None = None, limit: int = 50) -> AgentPage:
        mine = sorted((a for (o, _), a in self.agents.items() if o == owner_id), key=lambda a: a.id, reverse=True)
        start = int(cursor) if cursor else 0
        chunk = mine[start:start + limit]
        more = start + limit < len(mine)
        return AgentPage(agents=chunk, cursor=str(start + limit) if more else None)

    def list_by_status(self, status: AgentStatus | str, *, cursor: str | None = None, limit: int = 50,
                       updated_until: datetime | None = None, newest_first: bool = False) -> AgentPage:
        found = [a for a in self.agents.values() if a.status == AgentStatus(status)
                 and (updated_until is None or a.updated_at <= updated_until)]
        found.sort(key=lambda a: (a.updated_at, a.id), reverse=newest_first)
        start = int(cursor) if cursor else 0
        chunk = found[start:start + limit]
        return AgentPage(agents=chunk, cursor=str(start + limit) if start + limit < len(found) else None)

    def update(self, owner_id: str, agent_id: str, expected_version: int, changes: dict[str, Any], *,
               updated_at: datetime, embedding: Any = _KEEP, embedding_model: Any = _KEEP,
               source_move: SourceMove | None = None) -> Agent:
        agent = self.agents.get((owner_id, agent_id))
        if agent is None or agent.version != expected_version:
            raise Conflict("changed", code="version_conflict")
        if source_move is not None:
            if source_move.new_key and (owner_id, source_move.new_key) in self.sources \
                    and not source_move.replace_new:
                raise Conflict("exists", code="already_registered")
            if source_move.old_key and source_move.drop_old:
                del self.sources[(owner_id, source_move.old_key)]
            if source_move.new_key:
                self.sources[(owner_id, source_move.new_key)] = agent_id
        updated = agent.model_copy(update={**changes, "updated_at": updated_at, "version": agent.version + 1})
        self.agents[(owner_id, agent_id)] = Agent.model_validate(updated.model_dump())
        if embedding is not _KEEP:
            self.embeddings[agent_id] = (embedding, embedding_model)
        self.writes += 1
        return copy.deepcopy(self.agents[(owner_id, agent_id)])

    def delete(self, owner_id: str, agent_id: str, *, expected_version: int | None = None) -> bool:
        agent = self.agents.get((owner_id, agent_id))
        if agent is None:
            return False
        if expected_version is not None and agent.version != expected_version:
            raise Conflict("changed", code="version_conflict")
        del self.agents[(owner_id, agent_id)]
        if agent.source_key and self.sources.get((owner_id, agent.source_key)) == agent_id:
            del self.sources[(owner_id, agent.source_key)]
        self.writes += 1
        return True

    def source_agent_id(self, owner_id: str, source_key: str) -> str | None:
        return self.sources.get((owner_id, source_key))

    def touch_last_used(self, agent_id: str) -> None:
        pass


class FakeTraces:
    def __init__(self) -> None:
        self.created: list[tuple[str, str, str | None]] = []
        self.deleted: list[str] = []

    def create_trace(self, owner_user_id: str, kind: Any, agent_id: str | None = None,
                     session_id: str | None = None) -> str:
        trace_id = f"trc_{len(self.created) + 1}"
        self.created.append((trace_id, owner_user_id, agent_id))
        assert kind == "agent"
        return trace_id

    def delete_trace(self, trace_id: str) -> None:
        self.deleted.append(trace_id)


class FakeDiscovery:
    """Cards served from a dict; destinations refused when their host is listed in `refused_hosts`."""

    def __init__(self) -> None:
        self.cards: dict[str, dict[str, Any]] = {}
        self.refused_hosts = {"169.254.169.254", "localhost", "127.0.0.1", "10.0.0.1"}
        self.unreachable: set[str] = set()
        self.checked: list[str] = []
        self.answered: list[str] = []

    def _host(self, url: str) -> str:
        from urllib.parse import urlsplit

        return urlsplit(url).hostname or ""

    def check_destination(self, url: str) -> None:
        self.checked.append(url)
        if self._host(url) in self.refused_hosts:
            raise ValidationFailed(f"{url} refused", code="destination_not_allowed")

    def fetch_card(self, url: str) -> tuple[dict[str, Any], str]:
        self.check_destination(url)
        for candidate in (url.rstrip("/") + "/.well-known/agent-card.json", url):
            if candidate in self.cards:
                return copy.deepcopy(self.cards[candidate]), candidate
        raise ValidationFailed("no card", code="card_not_found")

    def check_answers(self, card: NormalizedCard) -> None:
        from a2g.errors import UpstreamFailed

        self.answered.append(card.url)
        if card.url in self.unreachable:
            raise UpstreamFailed("down", code="agent_unreachable")

    def scan(self, framework: Framework, url: str) -> dict[str, Any]:
        self.check_destination(url)
        return {"framework": framework.value, "base_url": url, "candidates": []}


def v1_card(url: str = "https://agents.example.com/echo/", name: str = "Echo", **overrides: Any) -> dict[str, Any]:
    card: dict[str, Any] = {
        "name": name,
        "description": "Echoes what you say",
        "supportedInterfaces": [{"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
        "version": "1.0.0",
        "capabilities": {"streaming": True},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [{"id": "echo", "name": "Echo", "description": "Echo back", "tags": ["echo", "test"]}],
    }
    card.update(overrides)
    return card


def v03_card(url: str = "https://agents.example.com/legacy/", name: str = "Legacy", **overrides: Any) -> dict[str, Any]:
    card: dict[str, Any] = {
        "name": name,
        "description": "A v0.3 agent",
        "url": url,
        "protocolVersion": "0.3.0",
        "preferredTransport": "JSONRPC",
        "version": "0.9.0",
        "capabilities": {"streaming": False},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [{"id": "old", "name": "Old", "description": "Old skill", "tags": ["legacy"]}],
    }
    card.update(overrides)
    return card


def endpoint(base_url: str = "https://agno.example.com", **kw: Any) -> Endpoint:
    return Endpoint(base_url=base_url, **kw)
