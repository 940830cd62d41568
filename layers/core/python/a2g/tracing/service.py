"""Trace rules: who may read, clear and listen to a trace, and how a chat run tags an agent trace's calls.

Every operation takes the caller's user id and answers 404 for a trace that is missing *or* not theirs, so a
trace id reveals nothing about other users' traces.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from a2g.clock import Clock, SystemClock, epoch, iso
from a2g.errors import NotFound, ValidationFailed
from a2g.log import logger
from a2g.tracing.broadcaster import TraceBroadcaster
from a2g.tracing.entries import cut_entry
from a2g.tracing.repository import ENDED_RUN_KEEP_SECONDS, ActiveRun, LogStore, TraceMeta, TraceStore
from a2g.validation import check_id

MAX_PAGE = 200
MAX_RUN_TTL_SECONDS = 3600


class SubscriptionStore(Protocol):
    def subscribe(self, connection_id: str, user_id: str, trace_id: str) -> None: ...
    def unsubscribe(self, connection_id: str, trace_id: str) -> None: ...


class TraceService:
    def __init__(
        self,
        traces: TraceStore,
        logs: LogStore,
        subscriptions: SubscriptionStore,
        broadcaster: TraceBroadcaster | None = None,
        clock: Clock | None = None,
    ):
        self._traces, self._logs, self._subscriptions = traces, logs, subscriptions
        self._broadcaster = broadcaster
        self._clock = clock or SystemClock()

    # --- ownership ---------------------------------------------------------------------------------------

    def owned_trace(self, user_id: str, trace_id: str | None) -> TraceMeta:
        if not trace_id:
            raise ValidationFailed("trace_id is required", code="trace_id_required")
        check_id(trace_id, "trace_id")  # malformed (e.g. longer than a key may be): 400, never a lookup
        meta = self._traces.get_trace(trace_id)
        if meta is None or meta.owner_user_id != user_id:
            raise NotFound("no such trace", code="trace_not_found")
        return meta

    # --- WebSocket subscriptions ------------------------------------------------------------------------

    def subscribe(self, connection_id: str, user_id: str, trace_id: str | None) -> TraceMeta:
        meta = self.owned_trace(user_id, trace_id)
        self._subscriptions.subscribe(connection_id, user_id, meta.trace_id)
        return meta

    def unsubscribe(self, connection_id: str, trace_id: str | None) -> None:
        if not trace_id:
            raise ValidationFailed("trace_id is required", code="trace_id_required")
        check_id(trace_id, "trace_id")
        self._subscriptions.unsubscribe(connection_id, trace_id)

    # --- history -------------------------------------------------------------------------------------------

    def history(
        self, user_id: str, trace_id: str | None, limit: int = 50, cursor: str | None = None,
        order: Literal["asc", "desc"] = "asc",
    ) -> dict[str, Any]:
        meta = self.owned_trace(user_id, trace_id)
        if order not in ("asc", "desc"):
            raise ValidationFailed("order must be asc or desc")
        limit = max(1, min(int(limit), MAX_PAGE))
        page = self._logs.page(meta.trace_id, limit, cursor, newest_first=order == "desc")
        return {
            "trace_id": meta.trace_id,
            "kind": meta.kind,
            "agent_id": meta.agent_id,
            "session_id": meta.session_id,
            "order": order,
            "items": [cut_entry(e) for e in page.entries],
            "next_cursor": page.next_cursor,
        }

    def entry(self, user_id: str, trace_id: str | None, entry_id: str) -> dict[str, Any]:
        meta = self.owned_trace(user_id, trace_id)
        entry = self._logs.get(meta.trace_id, check_id(entry_id, "entry_id"))
        if entry is None:
            raise NotFound("no such log entry", code="entry_not_found")
        return entry

    def clear(self, user_id: str, trace_id: str | None, up_to: str | None = None) -> int:
        """Delete the trace's entries; with `up_to` (an ISO time) only those made at or before it, so calls
        that arrived after the developer pressed Clear (the app sends it after a delay to allow an undo)
        are kept."""
        meta = self.owned_trace(user_id, trace_id)
        until = _moment(up_to) if up_to else None
        deleted = self._logs.clear(meta.trace_id, until)
        message: dict[str, Any] = {"type": "trace.cleared", "trace_id": meta.trace_id}
        if until is not None:
            message["up_to"] = iso(until)
        if self._broadcaster is not None:
            try:
                self._broadcaster.publish(meta.trace_id, user_id, message)
            except Exception as exc:  # noqa: BLE001 - the clear itself succeeded
                logger.warning("could not announce a cleared trace", extra={"error": str(exc)})
        return deleted

    # --- chat runs (called by the playground) ---------------------------------------------------------

    def mark_run_active(
        self,
        agent_trace_id: str,
        session_id: str,
        ttl_s: int = 300,
        *,
        session_trace_id: str | None = None,
        user_id: str | None = None,
    ) -> bool:
        """Tag the agent trace's calls with `session_id` for the next `ttl_s` seconds (renew to extend).

        Entries written meanwhile carry `session_id` and, when `session_trace_id` is given, are also written to
        and pushed on that session trace. Returns False (and tags nothing) when `user_id` is given and does not
        own the agent trace, or the session trace belongs to someone else: a user chatting with another
        developer's published agent must not see that agent's LLM calls.
        """
        agent_trace = self._traces.get_trace(agent_trace_id)
        if agent_trace is None:
            return False
        if user_id is not None and agent_trace.owner_user_id != user_id:
            return False
        if session_trace_id:
            session_trace = self._traces.get_trace(session_trace_id)
            if session_trace is None or session_trace.owner_user_id != agent_trace.owner_user_id:
                return False
        now = self._clock.now()
        ttl_s = max(1, min(int(ttl_s), MAX_RUN_TTL_SECONDS))
        self._traces.put_run(agent_trace_id, ActiveRun(
            session_id=session_id, session_trace_id=session_trace_id, started_at=iso(now),
            expires_at=epoch(now + timedelta(seconds=ttl_s)),
        ))
        return True

    def mark_run_done(self, agent_trace_id: str, session_id: str) -> None:
        """The run is over: calls that start from now on are no longer tagged with the session. (Calls that
        started during the run are still tagged, however late their entries are written.)"""
        now = self._clock.now()
        self._traces.end_run(agent_trace_id, session_id, iso(now), epoch(now) + ENDED_RUN_KEEP_SECONDS)


def build_trace_service(clock: Clock | None = None) -> TraceService:
    """The real service: DynamoDB repositories and, when a management endpoint is configured, the pusher."""
    from a2g.realtime.repository import ConnectionRepository
    from a2g.tracing.repository import LogRepository, TraceRepository

    connections = ConnectionRepository()
    return TraceService(TraceRepository(clock), LogRepository(), connections,
                        TraceBroadcaster(connections, default_pusher()), clock)


def default_pusher() -> Any:
    """The API Gateway management API pusher, or None (pushes skipped) where no endpoint is configured."""
    from a2g.adapters.websocket_push import ApiGatewayPusher

    try:
        return ApiGatewayPusher.from_settings()
    except RuntimeError:
        logger.warning("A2G_WS_MANAGEMENT_URL is not set: trace entries are stored but not pushed")
        return None


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed("up_to: expected an ISO time, e.g. 2026-05-01T10:00:00.000Z") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
