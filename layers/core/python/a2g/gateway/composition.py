"""The gateway's composition root: the real registry, chats, tracing, identity and outbound client."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from a2g.agent_adapters import HISTORY_TURNS, Turn
from a2g.gateway.app import Gateway
from a2g.gateway.service import Conversation, GatewayService


class TraceAgentCallLog:
    """`agent_call` entries: written under each trace (Traces table) and pushed to its live listeners."""

    def __init__(self, logs: Any, broadcaster: Any, ttl_days: int):
        self._logs, self._broadcaster, self._ttl_days = logs, broadcaster, ttl_days

    def record(self, traces: list[tuple[str, str]], entry: dict[str, Any]) -> None:
        from a2g.tracing.entries import cut_entry
        from a2g.tracing.repository import entry_ttl

        at = datetime.fromisoformat(entry["at"]).astimezone(UTC)
        self._logs.put([trace_id for trace_id, _ in traces], {**entry, "trace_id": traces[0][0]},
                       entry_ttl(at, self._ttl_days))
        for trace_id, owner in traces:
            message = {"type": "trace.entry", "trace_id": trace_id,
                       "entry": cut_entry({**entry, "trace_id": trace_id})}
            self._broadcaster.publish(trace_id, owner, message)


def build_gateway() -> Gateway:
    from a2g.adapters.outbound import AsyncOutboundClient
    from a2g.agent_adapters import adapter_for
    from a2g.agents.repository import AgentRepository
    from a2g.chat.composition import PlatformTracing, RegistryAgentDirectory, file_service
    from a2g.chat.repository import ChatRepository, UsageRepository
    from a2g.chat.service import SessionService
    from a2g.clock import default_clock
    from a2g.gateway.adapted import AdaptedRun
    from a2g.gateway.passthrough import PassThrough
    from a2g.gateway.repository import GatewayTaskRepository
    from a2g.identity.rate_limit import check_key_rate
    from a2g.identity.wiring import request_authorizer
    from a2g.realtime.repository import ConnectionRepository
    from a2g.settings import get_settings
    from a2g.tracing.broadcaster import TraceBroadcaster
    from a2g.tracing.repository import LogRepository
    from a2g.tracing.repository import UsageRepository as TracingUsageRepository
    from a2g.tracing.service import default_pusher

    settings = get_settings()
    clock = default_clock()
    chats, agents, tracing = ChatRepository(), AgentRepository(), PlatformTracing()
    authorizer = request_authorizer()
    service = GatewayService(
        authorize=authorizer.principal_for,
        check_rate=check_key_rate,
        agents=agents,
        sessions=SessionService(chats, RegistryAgentDirectory(agents), tracing, file_service(), clock),
        chats=chats,
        usage=UsageRepository(),
        tracing=tracing,
        calls=TraceAgentCallLog(LogRepository(), TraceBroadcaster(ConnectionRepository(), default_pusher()),
                                settings.trace_ttl_days),
        tasks=GatewayTaskRepository(),
        clock=clock,
        public_url=settings.public_url,
        counters=TracingUsageRepository(),
    )

    def recent_turns(c: Conversation) -> list[Turn]:
        messages = chats.recent_messages(c.principal.user_id, c.session.session_id, HISTORY_TURNS + 1)
        turns = [Turn(m.role, m.content) for m in messages if m.status == "complete" and m.content]
        if turns and turns[-1].role == "user" and turns[-1].content == c.user_text:
            turns = turns[:-1]  # the message just saved is the current one
        return turns[-HISTORY_TURNS:]

    idle, run = float(settings.agent_idle_timeout_seconds), float(settings.agent_run_timeout_seconds)
    return Gateway(
        service,
        PassThrough(AsyncOutboundClient.shared, read_timeout_s=idle),  # one client per event loop
        AdaptedRun(lambda framework: adapter_for(framework, AsyncOutboundClient.shared()), recent_turns,
                   idle_timeout_s=idle, run_timeout_s=run),
    )
