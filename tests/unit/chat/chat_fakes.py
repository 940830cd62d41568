"""In-memory stand-ins for the playground's ports, passed to the services through their constructors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

from a2g.adapters.websocket_push import ConnectionGone
from a2g.agent_adapters import AgentCall, AgentEvent
from a2g.chat.cancel import CancelService
from a2g.chat.invoke import InvokeService, RunLimits
from a2g.chat.models import AgentUse, ChatMessage, ChatSession, Page, StoredFile
from a2g.chat.ports import AgentRef
from a2g.chat.service import FilePolicy, FileService, SessionService
from a2g.clock import FixedClock
from a2g.identity.principal import Principal


def user(user_id: str, role: str = "USER") -> Principal:
    return Principal(user_id=user_id, role=role, team="team-a")  # type: ignore[arg-type]


class InMemoryChats:
    def __init__(self) -> None:
        self.sessions: dict[tuple[str, str], ChatSession] = {}
        self.messages: dict[str, list[ChatMessage]] = {}
        self.files: dict[tuple[str, str], StoredFile] = {}
        self.events: list[str] = []  # the order of writes, for "saved before" assertions

    def put_session(self, session: ChatSession) -> None:
        assert (session.user_id, session.session_id) not in self.sessions
        self.sessions[(session.user_id, session.session_id)] = session

    def get_session(self, user_id: str, session_id: str) -> ChatSession | None:
        return self.sessions.get((user_id, session_id))

    def list_sessions(self, user_id: str, agent_id: str, limit: int, cursor: str | None) -> Page:
        mine = sorted(
            (s for (u, _), s in self.sessions.items() if u == user_id and s.agent_id == agent_id),
            key=lambda s: (s.updated_at, s.session_id),
            reverse=True,
        )
        start = int(cursor or 0)
        items = mine[start : start + limit]
        more = start + limit < len(mine)
        return Page(items, str(start + limit) if more else None)

    def touch_session(
        self, user_id: str, session_id: str, *, at: str, new_messages: int, title: str | None
    ) -> bool:
        session = self.sessions.get((user_id, session_id))
        if session is None:
            return False
        self.sessions[(user_id, session_id)] = replace(
            session,
            updated_at=at,
            message_count=session.message_count + new_messages,
            title=title or session.title,
        )
        self.events.append(f"touch:{session_id}")
        return True

    def save_agent_state(self, user_id: str, session_id: str, state: dict[str, str]) -> bool:
        session = self.sessions.get((user_id, session_id))
        if session is None:
            return False
        self.sessions[(user_id, session_id)] = replace(session, agent_state=dict(state))
        return True

    def delete_session(self, user_id: str, session_id: str) -> None:
        self.sessions.pop((user_id, session_id), None)

    def put_message(self, message: ChatMessage) -> None:
        self.messages.setdefault(message.session_id, []).append(message)
        self.events.append(f"message:{message.role}:{message.status}")

    def list_messages(self, user_id: str, session_id: str, limit: int, cursor: str | None) -> Page:
        mine = [m for m in self.messages.get(session_id, []) if m.user_id == user_id]
        start = int(cursor or 0)
        return Page(mine[start : start + limit], str(start + limit) if start + limit < len(mine) else None)

    def recent_messages(self, user_id: str, session_id: str, limit: int) -> list[ChatMessage]:
        return [m for m in self.messages.get(session_id, []) if m.user_id == user_id][-limit:]

    def delete_message(self, user_id: str, session_id: str, message_id: str) -> bool:
        before = self.messages.get(session_id, [])
        after = [m for m in before if not (m.message_id == message_id and m.user_id == user_id)]
        self.messages[session_id] = after
        self.events.append(f"delete:{message_id}")
        return len(after) < len(before)

    def delete_messages(self, session_id: str) -> int:
        return len(self.messages.pop(session_id, []))


    def put_file(self, file: StoredFile) -> None:
        self.files[(file.user_id, file.file_id)] = file

    def get_file(self, user_id: str, file_id: str) -> StoredFile | None:
        return self.files.get((user_id, file_id))

    def files_of_session(self, user_id: str, session_id: str) -> list[StoredFile]:
        return [f for (u, _), f in self.files.items() if u == user_id and f.session_id == session_id]

    def delete_files(self, files: list[StoredFile]) -> None:
        for file in files:
            self.files.pop((file.user_id, file.file_id), None)


class InMemoryStops:
    """The Stop records; `reads` counts the run loop's looks (it must throttle them)."""

    def __init__(self) -> None:
        self.stops: dict[tuple[str, str], tuple[str | None, str]] = {}
        self.reads = 0
        self.on_read: Any = None  # a callable run on each read (e.g. to press Stop at the n-th look)

    def request_stop(self, user_id: str, session_id: str, request_id: str | None, at: str) -> None:
        self.stops[(user_id, session_id)] = (request_id, at)

    def stop_of(self, user_id: str, session_id: str) -> tuple[str | None, str] | None:
        self.reads += 1
        if self.on_read is not None:
            self.on_read(self.reads)
        return self.stops.get((user_id, session_id))

    def clear_stop(self, user_id: str, session_id: str) -> None:
        self.stops.pop((user_id, session_id), None)

class InMemoryUsage:
    def __init__(self) -> None:
        self.uses: dict[tuple[str, str], AgentUse] = {}
        self.popularity: dict[str, int] = {}

    def record_use(self, user_id: str, agent_id: str, at: str, team: str | None = None,
                   popular: bool = True) -> None:
        if popular:
            self.popularity[agent_id] = self.popularity.get(agent_id, 0) + 1
        old = self.uses.get((user_id, agent_id))
        self.uses[(user_id, agent_id)] = AgentUse(
            user_id, agent_id, (old.uses if old else 0) + 1, at, old.first_used_at if old else at
        )

    def uses_of(self, user_id: str) -> list[AgentUse]:
        return [u for (uid, _), u in self.uses.items() if uid == user_id]


class FakeAgents:
    def __init__(self, *agents: AgentRef) -> None:
        self.agents = {a.agent_id: a for a in agents}
        self.touched: list[str] = []

    def get(self, agent_id: str) -> AgentRef | None:
        return self.agents.get(agent_id)

    def touch_last_used(self, agent_id: str) -> None:
        self.touched.append(agent_id)


class FakeTracing:
    def __init__(self) -> None:
        self.created: list[tuple[str, str, str]] = []
        self.deleted: list[str] = []
        self.active: dict[tuple[str, str], dict[str, Any]] = {}
        self.history: list[str] = []

    def create_session_trace(self, user_id: str, agent_id: str, session_id: str) -> str:
        self.created.append((user_id, agent_id, session_id))
        return f"trc_session_{len(self.created)}"

    def delete_trace(self, trace_id: str) -> None:
        self.deleted.append(trace_id)

    def run_started(
        self, *, agent_trace_id: str, session_id: str, session_trace_id: str, user_id: str, ttl_s: int
    ) -> bool:
        self.active[(agent_trace_id, session_id)] = {"session_trace_id": session_trace_id, "user_id": user_id,
                                                     "ttl_s": ttl_s}  # fmt: skip
        self.history.append(f"started:{agent_trace_id}:{session_id}")
        return True

    def run_finished(self, *, agent_trace_id: str, session_id: str) -> None:
        self.active.pop((agent_trace_id, session_id), None)
        self.history.append(f"finished:{agent_trace_id}:{session_id}")


class FakeStorage:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.deleted: list[str] = []
        self.presigned_uploads: list[dict[str, Any]] = []

    def presign_upload(self, key: str, *, content_type: str, size: int, expires_s: int) -> dict[str, Any]:
        self.presigned_uploads.append({"key": key, "content_type": content_type, "size": size})
        return {"url": "http://s3.test/bucket", "fields": {"key": key, "Content-Type": content_type}}

    def presign_download(
        self, key: str, *, file_name: str, content_type: str, inline: bool, expires_s: int
    ) -> str:
        return f"http://s3.test/bucket/{key}?inline={inline}&expires={expires_s}"

    def object_size(self, key: str) -> int | None:
        data = self.objects.get(key)
        return None if data is None else len(data)

    def read(self, key: str, max_bytes: int) -> bytes:
        return self.objects[key]

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.objects.pop(key, None)
            self.deleted.append(key)


class RecordingPusher:
    """Records pushes; `gone_after` simulates the browser closing the tab after that many pushes."""

    def __init__(self, gone_after: int | None = None) -> None:
        self.pushed: list[dict[str, Any]] = []
        self.gone_after = gone_after

    def push(self, connection_id: str, message: dict[str, Any]) -> None:
        if self.gone_after is not None and len(self.pushed) >= self.gone_after:
            raise ConnectionGone(connection_id)
        self.pushed.append(message)

    def types(self) -> list[str]:
        return [m["type"] for m in self.pushed]


@dataclass
class ScriptedAdapter:
    """An agent adapter that yields a script of events (with optional pauses) or raises."""

    events: list[AgentEvent | float | BaseException] = field(default_factory=list)
    calls: list[AgentCall] = field(default_factory=list)
    framework: str = "CUSTOM"
    before_first: Any = None  # a callable run when the agent is first called (e.g. to inspect storage)

    async def run(self, call: AgentCall) -> AsyncIterator[AgentEvent]:
        self.calls.append(call)
        if self.before_first is not None:
            self.before_first()
        for item in self.events:
            if isinstance(item, float | int) and not isinstance(item, bool):
                await asyncio.sleep(float(item))
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item  # type: ignore[misc]


def agent(
    agent_id: str = "agt_1",
    owner_id: str = "dev",
    status: str = "DEVELOPMENT",
    framework: str = "CUSTOM",
    trace_id: str | None = "trc_agent_1",
) -> AgentRef:
    return AgentRef(
        agent_id=agent_id,
        owner_id=owner_id,
        framework=framework,
        status=status,
        endpoint={"base_url": "http://agent.test", "custom_protocol": "json"},
        trace_id=trace_id,
        name=agent_id,
    )


@dataclass
class World:
    chats: InMemoryChats
    usage: InMemoryUsage
    agents: FakeAgents
    tracing: FakeTracing
    storage: FakeStorage
    clock: FixedClock
    files: FileService
    sessions: SessionService
    pusher: RecordingPusher
    adapter: ScriptedAdapter
    stops: InMemoryStops = field(default_factory=InMemoryStops)

    def invoke_service(self, limits: RunLimits | None = None, pusher: Any = "default") -> InvokeService:
        return InvokeService(
            chats=self.chats,
            usage=self.usage,
            agents=self.agents,
            tracing=self.tracing,
            files=self.files,
            adapter_for=lambda framework: self.adapter,
            pusher=self.pusher if pusher == "default" else pusher,
            clock=self.clock,
            limits=limits or RunLimits(idle_timeout_s=2.0, run_timeout_s=5.0, progress_interval_s=0.05,
                                       stop_poll_s=0.02),
            stops=self.stops,
        )

    def cancel_service(self) -> CancelService:
        return CancelService(chats=self.chats, stops=self.stops, clock=self.clock)

    def upload(self, owner: str, session_id: str, name: str, content_type: str, data: bytes) -> str:
        """Create an upload through the service and 'upload' the bytes as the browser would."""
        created = self.files.create_upload(
            user(owner), session_id=session_id, file_name=name, content_type=content_type, size=len(data)
        )
        key = self.storage.presigned_uploads[-1]["key"]
        self.storage.objects[key] = data
        return str(created["file"]["file_id"])


def world(*agents: AgentRef, max_bytes: int = 1024) -> World:
    chats, usage, tracing, storage = InMemoryChats(), InMemoryUsage(), FakeTracing(), FakeStorage()
    directory = FakeAgents(*(agents or (agent(),)))
    clock = FixedClock()
    policy = FilePolicy(
        max_bytes=max_bytes, allowed_types=("image/*", "video/mp4", "application/pdf", "text/plain")
    )
    files = FileService(chats, storage, clock, policy)
    sessions = SessionService(chats, directory, tracing, files, clock)
    return World(chats, usage, directory, tracing, storage, clock, files, sessions, RecordingPusher(),
                 ScriptedAdapter())  # fmt: skip
