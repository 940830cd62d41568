"""Stop (WebSocket action `cancel`): end a running chat run and keep what streamed.

    {"action": "cancel", "session_id", "request_id"?}
    → {"type": "stopping", "session_id", "request_id"}        (the Stop is recorded)
    ... then the run itself ends with {"type": "message", "message": {..., "status": "stopped"}}
    or {"type": "error", "action": "cancel", "session_id", "request_id", "error"}   (refused)

On AWS the run and the Stop are two Lambda invocations that share nothing but storage, so the Stop is a
record (`USER#<user_id>` / `STOP#<session_id>`, an hour's TTL) that the run loop polls about once a second
(`RunLimits.stop_poll_s`, one strongly consistent GetItem) while it streams. Only the session's owner can
stop it: the session is looked up under the caller's own key (not theirs: 404), and the record is written
under it, where only the owner's runs look.

A Stop names the run by `request_id` (what `invoke` was given); without one it stops whichever run of the
session started before it. A Stop that arrives after the run ended matches nothing and expires.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from a2g.chat.ports import ChatStore, StopStore
from a2g.clock import Clock, iso
from a2g.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed, client_error
from a2g.identity.principal import Principal
from a2g.validation import PlainText, ResourceId


class CancelBody(BaseModel):
    """`{"action": "cancel", "session_id", "request_id"?}`."""

    model_config = ConfigDict(extra="ignore")

    action: str = "cancel"
    session_id: ResourceId
    request_id: PlainText | None = Field(None, max_length=100, description="the `request_id` of the invoke to stop")


def stop_matches(stop: tuple[str | None, str] | None, request_id: str | None, run_started_at: str) -> bool:
    """Whether a recorded Stop is meant for the run that has `request_id` and started at `run_started_at`."""
    if stop is None:
        return False
    stop_request_id, requested_at = stop
    if stop_request_id is not None:
        return stop_request_id == request_id
    return requested_at >= run_started_at


class CancelService:
    def __init__(self, *, chats: ChatStore, stops: StopStore, clock: Clock):
        self._chats = chats
        self._stops = stops
        self._clock = clock

    def handle(self, principal: Principal | None, body: Any) -> dict[str, Any]:
        """The push that answers the action (a Stop recorded, or why not)."""
        raw = body if isinstance(body, dict) else {}
        request_id = raw.get("request_id")
        envelope = {
            "session_id": raw.get("session_id") if isinstance(raw.get("session_id"), str) else None,
            "request_id": request_id if isinstance(request_id, str) and len(request_id) <= 100 else None,
        }
        try:
            if principal is None:
                raise Unauthenticated("sign in first")
            if not principal.is_approved:
                raise Forbidden("your account is waiting for an administrator's approval", code="pending_approval")
            request = self._parse(body)
            envelope = {"session_id": request.session_id, "request_id": request.request_id}
            if self._chats.get_session(principal.user_id, request.session_id) is None:
                raise NotFound("chat session not found")
            self._stops.request_stop(principal.user_id, request.session_id, request.request_id,
                                     iso(self._clock.now()))  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - a refusal, or the store being down: the one mapper words it
            return {"type": "error", "action": "cancel", **envelope, "error": client_error(exc)}
        return {"type": "stopping", **envelope}

    @staticmethod
    def _parse(body: Any) -> CancelBody:
        if not isinstance(body, dict):
            raise ValidationFailed("the cancel message must be a JSON object")
        try:
            return CancelBody.model_validate(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise ValidationFailed(f"{where}: {first.get('msg')}" if where else str(first.get("msg"))) from None
