"""The composition root of the playground's functions: real repositories and adapters from settings.

Each builder is cached per process (a warm Lambda reuses it); tests build the services themselves with
fakes and never come here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from a2g.chat.ports import AgentRef
from a2g.chat.repository import ChatRepository, RunStopRepository, UsageRepository
from a2g.chat.service import FilePolicy, FileService, SessionService
from a2g.chat.storage import S3FileStorage
from a2g.clock import default_clock
from a2g.settings import get_settings

if TYPE_CHECKING:  # the invoke machinery is imported by the invoke function only (cold starts)
    from a2g.chat.cancel import CancelService
    from a2g.chat.invoke import InvokeService


class RegistryAgentDirectory:
    """The agent registry (a2g.agents) seen through the playground's AgentDirectory port."""

    def __init__(self, repository: Any = None):
        if repository is None:
            from a2g.agents.repository import AgentRepository

            repository = AgentRepository()
        self._agents = repository

    def get(self, agent_id: str) -> AgentRef | None:
        agent = self._agents.get(agent_id)
        return None if agent is None else AgentRef.from_registry(agent)

    def touch_last_used(self, agent_id: str) -> None:
        self._agents.touch_last_used(agent_id)


class PlatformTracing:
    """Live tracing (a2g.tracing) seen through the playground's SessionTracing port."""

    def __init__(self) -> None:
        from a2g.tracing.repository import TraceRepository

        self._traces = TraceRepository(default_clock())
        self._service: Any = None

    def _runs(self) -> Any:
        if self._service is None:  # built on first use: session CRUD never needs it
            from a2g.tracing.service import build_trace_service

            self._service = build_trace_service(default_clock())
        return self._service

    def create_session_trace(self, user_id: str, agent_id: str, session_id: str) -> str:
        return str(self._traces.create_trace(user_id, "session", agent_id=agent_id, session_id=session_id))

    def delete_trace(self, trace_id: str) -> None:
        self._traces.delete_trace(trace_id)

    def run_started(
        self, *, agent_trace_id: str, session_id: str, session_trace_id: str, user_id: str, ttl_s: int
    ) -> bool:
        return bool(
            self._runs().mark_run_active(
                agent_trace_id, session_id, ttl_s, session_trace_id=session_trace_id, user_id=user_id
            )
        )

    def run_finished(self, *, agent_trace_id: str, session_id: str) -> None:
        self._runs().mark_run_done(agent_trace_id, session_id)


@lru_cache(maxsize=1)
def file_service() -> FileService:
    return FileService(
        ChatRepository(),
        S3FileStorage.from_settings(),
        default_clock(),
        FilePolicy.from_settings(get_settings()),
    )


@lru_cache(maxsize=1)
def _tracing() -> PlatformTracing:
    return PlatformTracing()


@lru_cache(maxsize=1)
def _agents() -> RegistryAgentDirectory:
    return RegistryAgentDirectory()


@lru_cache(maxsize=1)
def session_service() -> SessionService:
    return SessionService(ChatRepository(), _agents(), _tracing(), file_service(), default_clock())


def invoke_service(event: dict[str, Any] | None = None) -> InvokeService:
    """The invoke service for one WebSocket event: its pusher targets the management endpoint of the API
    the event came from (boto3 clients are cached per endpoint, so this is cheap on a warm Lambda)."""
    from a2g.adapters.outbound import AsyncOutboundClient
    from a2g.adapters.websocket_push import ApiGatewayPusher
    from a2g.agent_adapters import adapter_for
    from a2g.chat.invoke import InvokeService, RunLimits

    return InvokeService(
        chats=ChatRepository(),
        usage=UsageRepository(),
        agents=_agents(),
        tracing=_tracing(),
        files=file_service(),
        # One outbound client per event loop (pooled connections belong to their loop): looked up per run.
        adapter_for=lambda framework: adapter_for(framework, AsyncOutboundClient.shared()),
        pusher=ApiGatewayPusher.from_settings(event),
        clock=default_clock(),
        limits=RunLimits.from_settings(get_settings()),
        stops=RunStopRepository(),
    )


def cancel_service() -> CancelService:
    """The `cancel` action's service (Stop): it only records the Stop that the run loop polls for."""
    from a2g.chat.cancel import CancelService

    return CancelService(chats=ChatRepository(), stops=RunStopRepository(), clock=default_clock())
