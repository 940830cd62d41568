"""The adapters to other domains: LLM registry, users' addresses, chat data, agent registry."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from a2g.errors import Conflict, ValidationFailed
from a2g.operations.bridges import (
    ChatAgentData,
    RegistryAgents,
    RegistryLlms,
    UserDisplayNames,
    UserMailDirectory,
    agent_view,
)
from a2g.operations.ports import AgentView

T = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class LlmRecord:
    llm_id: str
    name: str
    enabled: bool = True
    health_checked_at: str | None = None


class AsyncRegistry:
    def __init__(self) -> None:
        self.records = [LlmRecord("l1", "main", health_checked_at="2026-01-01T00:00:00.000Z"),
                        LlmRecord("l2", "off", enabled=False), LlmRecord("l3", "empty")]

    def list_llms(self, include_disabled: bool = True) -> list[LlmRecord]:
        return [r for r in self.records if include_disabled or r.enabled]

    async def probe(self, llm_id: str, model: str | None = None) -> dict[str, Any]:
        if llm_id == "l3":
            raise ValidationFailed("the LLM serves no model to test")
        await asyncio.sleep(0)
        return {"llm_id": llm_id, "ok": True, "status": 200, "latency_ms": 12.5, "error": None}


def test_llms_are_listed_enabled_only_with_their_last_check() -> None:
    views = RegistryLlms(AsyncRegistry()).list_enabled()
    assert [v.llm_id for v in views] == ["l1", "l3"]
    assert views[0].last_checked_at == T and views[1].last_checked_at is None


def test_llm_probes_report_failures_and_leave_the_callers_event_loop_alone() -> None:
    """The jobs run on a thread that other handlers reuse: it must still have its event loop afterwards."""
    outcome: dict[str, Any] = {}

    def worker() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        outcome["results"] = RegistryLlms(AsyncRegistry()).probe_all(["l1", "l3"])
        outcome["same_loop"] = asyncio.get_event_loop() is loop
        loop.close()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    results = outcome["results"]
    assert results["l1"].ok and results["l1"].latency_ms == 12.5
    assert not results["l3"].ok and "no model" in (results["l3"].error or "")
    assert outcome["same_loop"]


def test_mail_addresses() -> None:
    emails = {"ann": "ann.lee@corp.example"}
    directory = UserMailDirectory("corp.example", read_email=emails.get)
    assert directory.mail_address("ann") == "ann.lee@corp.example"
    assert directory.mail_address("bob") == "bob@corp.example"
    assert directory.mail_address("cy@other.example") == "cy@other.example"
    assert UserMailDirectory(None, read_email=emails.get).mail_address("bob") is None


def test_mail_address_falls_back_to_the_domain_when_the_profile_cannot_be_read() -> None:
    def broken(_: str) -> str:
        raise RuntimeError("table unreachable")

    assert UserMailDirectory("@corp.example", read_email=broken).mail_address("dee") == "dee@corp.example"


def test_display_names_are_read_once_and_a_failed_read_is_not_remembered() -> None:
    reads: list[str] = []
    failing = {"dee"}

    def read(user_id: str) -> str | None:
        reads.append(user_id)
        if user_id in failing:
            raise RuntimeError("table unreachable")
        return {"ann": "Ann Lee"}.get(user_id)

    names = UserDisplayNames(read_name=read)
    assert [names.display_name("ann"), names.display_name("ann"), names.display_name("bob")] == ["Ann Lee", "Ann Lee", None]
    assert names.display_name("dee") is None
    failing.clear()
    assert names.display_name("dee") is None and reads == ["ann", "bob", "dee", "dee"]


@dataclass
class Session:
    session_id: str


@dataclass
class Page:
    items: list[Session]
    next_cursor: str | None = None


@dataclass
class FakeSessions:
    sessions: dict[str, list[str]] = field(default_factory=dict)
    deleted: list[tuple[str, str]] = field(default_factory=list)

    def list_sessions(self, user: Any, agent_id: str, limit: int | None, cursor: str | None) -> Page:
        ids = self.sessions.get(f"{user.user_id}/{agent_id}", [])
        return Page([Session(i) for i in ids[: limit or 50]])

    def delete_session(self, user: Any, session_id: str) -> None:
        for key, ids in self.sessions.items():
            if key.startswith(user.user_id + "/") and session_id in ids:
                ids.remove(session_id)
                self.deleted.append((user.user_id, session_id))


class FakeTraces:
    def __init__(self) -> None:
        self.deleted: list[str] = []

    def delete_trace(self, trace_id: str) -> None:
        self.deleted.append(trace_id)


def view(**kw: Any) -> AgentView:
    base: dict[str, Any] = {"agent_id": "agt_1", "owner_id": "ann", "name": "A", "status": "DEVELOPMENT",
                            "framework": "A2A", "base_url": "http://a", "created_at": T, "updated_at": T,
                            "version": 3, "trace_id": "trc_1"}
    base.update(kw)
    return AgentView(**base)


def test_chat_data_is_deleted_page_by_page_with_the_agents_trace() -> None:
    sessions = FakeSessions({"ann/agt_1": [f"s{i}" for i in range(7)], "bob/agt_1": ["other"]})
    traces = FakeTraces()
    ChatAgentData(sessions, traces, page_size=3).delete_agent_data(view())
    assert [s for _, s in sessions.deleted] == [f"s{i}" for i in range(7)]
    assert sessions.sessions["bob/agt_1"] == ["other"]  # only the owner's sessions are the agent's
    assert traces.deleted == ["trc_1"]


class FakeRepo:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.conflict = False
        self.gone = False

    def set_status(self, agent_id: str, status: str, *, expected_version: int | None = None,
                   at: datetime | None = None) -> Any:
        self.calls.append(("set_status", agent_id, status, expected_version, at))
        if self.conflict:
            raise Conflict("changed")
        return None if self.gone else object()

    def delete(self, owner_id: str, agent_id: str, *, expected_version: int | None = None) -> bool:
        self.calls.append(("delete", owner_id, agent_id, expected_version))
        if self.conflict:
            raise Conflict("changed")
        return not self.gone


class Clock:
    def now(self) -> datetime:
        return T


@pytest.mark.parametrize(("conflict", "gone", "expected"), [(False, False, True), (True, False, False),
                                                            (False, True, False)])
def test_registry_changes_are_conditional_on_the_version_read(conflict: bool, gone: bool, expected: bool) -> None:
    repo = FakeRepo()
    repo.conflict, repo.gone = conflict, gone
    agents = RegistryAgents(repo, Clock())  # type: ignore[arg-type]
    assert agents.set_status(view(), "DISABLED") is expected
    assert agents.delete(view()) is expected
    assert repo.calls[0] == ("set_status", "agt_1", "DISABLED", 3, T)
    assert repo.calls[1] == ("delete", "ann", "agt_1", 3)


def test_a_registry_agent_as_the_jobs_see_it() -> None:
    from a2g.agents.model import Agent, AgentStatus, Endpoint, Framework

    agent = Agent(id="agt_9", owner_id="ann", name="N", framework=Framework.ADK,
                  endpoint=Endpoint(base_url="http://adk:8000", adk_app_name="app"), status=AgentStatus.PRODUCTION,
                  created_at=T, updated_at=T, version=4, trace_id="trc_9", card_url=None)
    v = agent_view(agent)
    assert (v.agent_id, v.status, v.framework, v.base_url, v.version, v.trace_id) == (
        "agt_9", "PRODUCTION", "ADK", "http://adk:8000", 4, "trc_9")
    assert v.endpoint["adk_app_name"] == "app"
