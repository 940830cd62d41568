"""The gateway's ASGI app (functions/a2a_gateway serves it streaming; tests build it with their own service).

    POST /api/a2a/agents/{agent_id}                               A2A JSON-RPC 2.0 (v0.3 and v1.0 methods)
    GET  /api/a2a/agents/{agent_id}/.well-known/agent-card.json   the gateway's card for the agent

Refusals before the JSON-RPC layer are HTTP errors in the platform's format (401 no or bad credential,
403 pending, 404 an agent the caller may not call, 413 too large, 429 throttled); a request that reaches it
gets JSON-RPC answers, errors included (HTTP 200, the spec's codes). Streams are `text/event-stream`, one
JSON-RPC response per `data:` event.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from a2g.agents.cards import published_card, supports_push
from a2g.gateway.adapted import AdaptedRun
from a2g.gateway.passthrough import PassThrough
from a2g.gateway.protocol import (
    PARSE_ERROR,
    PUSH_NOT_SUPPORTED,
    TASK_NOT_CANCELABLE,
    TASK_NOT_FOUND,
    UNSUPPORTED_OPERATION,
    RpcError,
    RpcRequest,
    error_envelope,
    in_version,
    parse_request,
    result_envelope,
)
from a2g.gateway.service import Conversation, GatewayService, Outcome
from a2g.http.app import create_app
from a2g.http.body import read_limited_body
from a2g.json_input import InvalidJson, JsonTooDeep, read_json
from a2g.log import logger
from a2g.validation import ResourceId
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute

PREFIX = "/api/a2a/agents/{agent_id}"
MAX_BODY_BYTES = 1_000_000
_SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def _sse(envelope: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(envelope, separators=(",", ":")).encode() + b"\n\n"


class Gateway:
    """Dispatches one admitted JSON-RPC request to the right runner and has the call recorded."""

    def __init__(self, service: GatewayService, passthrough: PassThrough, adapted: AdaptedRun):
        self.service, self._passthrough, self._adapted = service, passthrough, adapted

    def _now(self) -> str:
        return self.service.now()

    def _events(self, c: Conversation, outcome: Outcome) -> AsyncIterator[dict[str, Any]]:
        if c.ref.framework == "A2A":
            return self._passthrough.run(c, outcome, self._now())
        return self._adapted.run(c, outcome, self._now)

    async def start(self, principal: Any, agent: Any, request: RpcRequest) -> Conversation:
        """Open the conversation (session, the caller's message saved): raises before anything is sent."""
        return await asyncio.to_thread(self.service.open, principal, agent, request)

    async def run(self, c: Conversation) -> AsyncIterator[dict[str, Any]]:
        """The run's JSON-RPC envelopes; the call is recorded before the last one is handed on."""
        outcome, closed, remembered = Outcome(), False, False
        try:
            async for envelope in self._events(c, outcome):
                if not remembered and outcome.task_id:
                    remembered = True
                    await asyncio.to_thread(self.service.remember_task, c, outcome)
                yield envelope
            closed = True
            await asyncio.to_thread(self.service.close, c, outcome)  # before the response ends (Lambda)
        finally:
            if not closed:  # the caller went away mid-run: record what happened, without waiting
                outcome.error = outcome.error or "the caller went away before the task ended"
                asyncio.get_running_loop().run_in_executor(None, self.service.close, c, outcome)

    async def message(self, principal: Any, agent: Any, request: RpcRequest) -> Response:
        c = await self.start(principal, agent, request)
        if request.operation == "send":
            envelope: dict[str, Any] | None = None
            async for envelope in self.run(c):
                pass
            assert envelope is not None
            return JSONResponse(envelope)
        return StreamingResponse((_sse(e) async for e in self.run(c)), media_type="text/event-stream",
                                 headers=_SSE_HEADERS)

    async def task_envelopes(self, principal: Any, agent: Any, request: RpcRequest) -> AsyncIterator[dict[str, Any]]:
        """tasks/get, cancel, resubscribe: the JSON-RPC envelopes (one, or the resubscribed stream's); an
        RpcError before the first one (unknown task, a finished task canceled, nothing to resubscribe to)."""
        push = request.operation == "push"
        if push and not supports_push(agent):
            raise RpcError(PUSH_NOT_SUPPORTED, "this agent does not support push notifications (its card says "
                           "pushNotifications: false); use message/stream or tasks/resubscribe", request.request_id)
        record = await asyncio.to_thread(self.service.task_of, principal, agent, request)
        if record is None:
            raise RpcError(TASK_NOT_FOUND, "task not found", request.request_id)
        if push and record.task is not None:  # a task the agent never took (the gateway's failed task)
            raise RpcError(TASK_NOT_FOUND, "the agent has no such task", request.request_id)
        if agent.framework.value == "A2A" and record.task is None:  # the agent's own task: its store answers
            state = await asyncio.to_thread(self.service.agent_state_of, principal, record.session_id)
            async for envelope in self._passthrough.task_call(agent, state, record.session_id, request):
                yield envelope
            return
        # adapted agents, and A2A calls the agent never took: the gateway's record is the task
        if request.operation == "get":
            task = record.task or {"kind": "task", "id": record.task_id, "contextId": record.session_id,
                                   "status": {"state": record.state}}
            yield result_envelope(request.request_id, in_version(task, request.version, wrap=False))
            return
        if request.operation == "cancel":
            raise RpcError(TASK_NOT_CANCELABLE, f"the task is {record.state} and can no longer be canceled",
                           request.request_id)
        raise RpcError(UNSUPPORTED_OPERATION, f"the task is {record.state}; there is nothing to resubscribe to",
                       request.request_id)

    async def task(self, principal: Any, agent: Any, request: RpcRequest) -> Response:
        events = self.task_envelopes(principal, agent, request)
        first = await anext(events)  # refusals raise here, before a response is started
        if request.operation == "resubscribe":
            return StreamingResponse((_sse(e) async for e in _chain(first, events)), media_type="text/event-stream",
                                     headers=_SSE_HEADERS)
        envelope = first
        async for envelope in events:
            pass
        return JSONResponse(envelope)


async def _chain(first: dict[str, Any], rest: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    yield first
    async for item in rest:
        yield item


def create_gateway_app(gateway: Gateway | Callable[[], Gateway]) -> FastAPI:
    app = create_app("a2a_gateway")
    # Not the shared BoundedJsonRoute: it would parse the body before the caller is authenticated, and answer
    # bad JSON with a 400 where a JSON-RPC client expects -32700. The route reads it with the same reader.
    app.router.route_class = APIRoute
    resolved: list[Gateway] = [gateway] if isinstance(gateway, Gateway) else []

    def gw() -> Gateway:
        if not resolved:
            assert callable(gateway)
            resolved.append(gateway())
        return resolved[0]

    async def blocking(fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    @app.exception_handler(RpcError)
    async def _rpc_error(_: Request, exc: RpcError) -> JSONResponse:
        return JSONResponse(exc.envelope())

    @app.get(PREFIX + "/.well-known/agent-card.json", summary="The gateway's A2A card for an agent")
    async def card(agent_id: ResourceId, request: Request) -> dict[str, Any]:
        service = gw().service
        principal = await blocking(service.caller, request.headers.get("authorization"))
        agent = await blocking(service.visible_agent, principal, agent_id)
        return published_card(agent, service.public_url)

    @app.post(PREFIX, summary="A2A JSON-RPC 2.0 to the agent, through the platform", responses={200: {
        "description": "a JSON-RPC 2.0 response (errors too: the A2A codes), or for message/stream and "
                       "tasks/resubscribe an SSE stream of them",
        "content": {"application/json": {"schema": {"type": "object"}},
                    "text/event-stream": {"schema": {"type": "string"}}}}})
    async def rpc(agent_id: ResourceId, request: Request) -> Response:
        gateway_ = gw()
        principal, agent = await blocking(gateway_.service.admit, request.headers.get("authorization"), agent_id)
        raw = await read_limited_body(request, MAX_BODY_BYTES)  # 413 past the limit
        try:
            body = read_json(raw, max_bytes=MAX_BODY_BYTES)
        except (InvalidJson, JsonTooDeep) as exc:
            raise RpcError(PARSE_ERROR, exc.message) from None
        rpc_request = parse_request(body, request.headers.get("a2a-version"))
        handler: Callable[[Any, Any, RpcRequest], Awaitable[Response]] = (
            gateway_.message if rpc_request.operation in ("send", "stream") else gateway_.task
        )
        try:
            return await handler(principal, agent, rpc_request)
        except RpcError:
            raise
        except Exception:  # noqa: BLE001 - a JSON-RPC caller gets a JSON-RPC answer, never a 500 page
            logger.exception("gateway call failed", extra={"agent_id": agent_id})
            return JSONResponse(error_envelope(rpc_request.request_id, -32603, "internal error on the platform"))

    from a2g.gateway.rest import add_rest_binding

    add_rest_binding(app, gw)
    return app
