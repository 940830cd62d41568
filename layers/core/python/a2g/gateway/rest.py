"""The A2A v1.0 HTTP+JSON (REST) binding of the gateway, beside its JSON-RPC binding, on the same runners.

    POST   {agent}/v1/message:send                   SendMessage            → SendMessageResponse ({task} | {message})
    POST   {agent}/v1/message:stream                 SendStreamingMessage   → SSE of StreamResponse
    GET    {agent}/v1/tasks/{task_id}                GetTask                → Task
    POST   {agent}/v1/tasks/{task_id}:cancel         CancelTask             → Task
    POST   {agent}/v1/tasks/{task_id}:subscribe      SubscribeToTask        → SSE of StreamResponse
    *      {agent}/v1/tasks/{task_id}/pushNotificationConfigs[/{config_id}]  → passed through to A2A agents
                                                      that declare push notifications; else PUSH_NOTIFICATION_NOT_SUPPORTED

(`{agent}` is `/api/a2a/agents/{agent_id}`; the card names `{agent}/v1` as the HTTP+JSON interface, and
clients append the paths above, as a2a-sdk's RestTransport does.) Each request becomes the v1.0 JSON-RPC
request it stands for, so who may call, the session, the trace and the usage are exactly those of the
JSON-RPC binding; only the answer is rendered differently: the result itself, and A2A errors as a
`google.rpc.Status` with an `ErrorInfo` reason (TASK_NOT_FOUND, ...) and the HTTP status the spec maps it to.
Refusals before the A2A layer (401, 403, 404 agent, 413, 429) are the platform's errors, as on JSON-RPC.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from a2g.gateway.protocol import (
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    PARSE_ERROR,
    RpcError,
    RpcRequest,
    parse_request,
)
from a2g.http.body import read_limited_body
from a2g.http.schemas import ResponseModel
from a2g.json_input import InvalidJson, JsonTooDeep, read_json
from a2g.log import logger
from a2g.validation import ResourceId
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ConfigDict, Field

if TYPE_CHECKING:
    from a2g.gateway.app import Gateway

REST_PREFIX = "/api/a2a/agents/{agent_id}/v1"
MAX_BODY_BYTES = 1_000_000
_SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}

# JSON-RPC code → (HTTP status, google.rpc code name, A2A ErrorInfo reason): the spec's mapping
# (a2a-sdk's A2A_ERROR_MAPPING). An internal error is the agent's or the platform's, never the caller's:
# 502, not 500 (the platform answers no request with a 500).
_REST_ERRORS: dict[int, tuple[int, str, str]] = {
    -32001: (404, "NOT_FOUND", "TASK_NOT_FOUND"),
    -32002: (400, "FAILED_PRECONDITION", "TASK_NOT_CANCELABLE"),
    -32003: (400, "FAILED_PRECONDITION", "PUSH_NOTIFICATION_NOT_SUPPORTED"),
    -32004: (400, "FAILED_PRECONDITION", "UNSUPPORTED_OPERATION"),
    -32005: (400, "INVALID_ARGUMENT", "CONTENT_TYPE_NOT_SUPPORTED"),
    -32006: (502, "UNAVAILABLE", "INVALID_AGENT_RESPONSE"),
    -32007: (400, "FAILED_PRECONDITION", "EXTENDED_AGENT_CARD_NOT_CONFIGURED"),
    -32008: (400, "FAILED_PRECONDITION", "EXTENSION_SUPPORT_REQUIRED"),
    -32009: (400, "FAILED_PRECONDITION", "VERSION_NOT_SUPPORTED"),
    INVALID_PARAMS: (400, "INVALID_ARGUMENT", "INVALID_PARAMS"),
    INVALID_REQUEST: (400, "INVALID_ARGUMENT", "INVALID_REQUEST"),
    PARSE_ERROR: (400, "INVALID_ARGUMENT", "INVALID_REQUEST"),
    -32601: (404, "NOT_FOUND", "METHOD_NOT_FOUND"),
}
_INTERNAL = (502, "UNAVAILABLE", "INTERNAL_ERROR")


class RestErrorInfo(ResponseModel):
    type_: str = Field(alias="@type", examples=["type.googleapis.com/google.rpc.ErrorInfo"])
    reason: str = Field(examples=["TASK_NOT_FOUND"])
    domain: str = Field(examples=["a2a-protocol.org"])


class RestStatus(ResponseModel):
    """An A2A error: `code` the HTTP status, `status` and `details` (ErrorInfo reason) set. A refusal before the
    A2A layer (a bad agent id, an agent the caller may not call) is the platform's error: `code` a string."""

    code: int | str = Field(description="the HTTP status (A2A errors), or the platform's error code",
                            examples=[404])
    status: str | None = Field(None, description="the google.rpc code name", examples=["NOT_FOUND"])
    message: str
    details: list[RestErrorInfo] | None = None


class RestError(ResponseModel):
    """An A2A error of the HTTP+JSON binding (a `google.rpc.Status`)."""

    error: RestStatus


class RestTask(ResponseModel):
    """An A2A v1.0 Task (ProtoJSON: `status.state` is `TASK_STATE_*`), fields as the spec names them."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "id": "3f0c...", "contextId": "ses_01HX...", "status": {"state": "TASK_STATE_COMPLETED"},
        "artifacts": [{"artifactId": "answer", "parts": [{"text": "hello"}]}],
    }]})  # fmt: skip

    id: str
    status: dict[str, Any]


class RestSendResponse(ResponseModel):
    """SendMessageResponse: the task the message made (or continued), or the agent's direct message."""

    task: dict[str, Any] | None = None
    message: dict[str, Any] | None = None


class RestPushConfig(ResponseModel):
    """TaskPushNotificationConfig (or, listed, `{configs: [...]}`), as the agent answered: only agents whose
    card declares pushNotifications have them; the others answer PUSH_NOTIFICATION_NOT_SUPPORTED."""

    model_config = ConfigDict(extra="allow")

    taskId: str | None = None  # the spec's field name
    url: str | None = None


def rest_error(code: int, message: str) -> JSONResponse:
    status, name, reason = _REST_ERRORS.get(code, _INTERNAL)
    return JSONResponse(_status_body(status, name, reason, message), status_code=status)


def _status_body(status: int, name: str, reason: str, message: str) -> dict[str, Any]:
    info = {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "a2a-protocol.org"}
    return {"error": {"code": status, "status": name, "message": message, "details": [info]}}


def _sse_result(envelope: dict[str, Any]) -> bytes:
    if "error" in envelope:  # a stream that already started: the error is its last event
        error = envelope["error"]
        status, name, reason = _REST_ERRORS.get(int(error.get("code") or INTERNAL_ERROR), _INTERNAL)
        body = _status_body(status, name, reason, str(error.get("message") or "error"))
        return b"event: error\ndata: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"
    return b"data: " + json.dumps(envelope.get("result"), separators=(",", ":")).encode() + b"\n\n"


def _answer(envelope: dict[str, Any]) -> JSONResponse:
    if "error" in envelope:
        error = envelope["error"]
        return rest_error(int(error.get("code") or INTERNAL_ERROR), str(error.get("message") or "error"))
    result = envelope.get("result")
    return JSONResponse(result if result is not None else {})  # DeleteTaskPushNotificationConfig: Empty


_ERRORS_DOC: dict[int | str, dict[str, Any]] = {
    400: {"model": RestError, "description": "an A2A error: INVALID_PARAMS, TASK_NOT_CANCELABLE, "
                                             "UNSUPPORTED_OPERATION, PUSH_NOTIFICATION_NOT_SUPPORTED"},
    401: {"description": "no, or an invalid, platform API key"},
    403: {"description": "the key's user is waiting for approval"},
    404: {"model": RestError, "description": "TASK_NOT_FOUND (a google.rpc.Status), or an agent the caller "
                                             "may not call (the platform's error)"},
    413: {"description": "the body is larger than 1 MB"},
    429: {"description": "over the key's rate limit"},
    503: {"description": "the platform's storage is unavailable for a moment; retry"},
    502: {"model": RestError, "description": "the agent answered with an internal error"},
}
_STREAM_DOC: dict[int | str, dict[str, Any]] = {200: {
    "description": "an SSE stream: one StreamResponse (`{task}`, `{message}`, `{statusUpdate}`, "
                   "`{artifactUpdate}`) per `data:` event; an error after the start is an `event: error`",
    "content": {"application/json": {"schema": {"type": "object"}},
                "text/event-stream": {"schema": {"type": "string"}}}}}
_MESSAGE_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["message"], "properties": {
        "message": {"type": "object", "description": "an A2A v1.0 Message (`role`, `parts`, `messageId`, "
                                                     "optional `contextId` / `taskId`)"},
        "configuration": {"type": "object"}, "metadata": {"type": "object"}}}}}}}


def add_rest_binding(app: FastAPI, gateway: Callable[[], Gateway]) -> None:
    import asyncio

    async def admitted(agent_id: str, request: Request) -> tuple[Gateway, Any, Any]:
        gw = gateway()
        principal, agent = await asyncio.to_thread(gw.service.admit, request.headers.get("authorization"),
                                                   agent_id)
        return gw, principal, agent

    def rpc(method: str, params: dict[str, Any]) -> RpcRequest:
        return parse_request({"jsonrpc": "2.0", "id": "rest", "method": method, "params": params}, "1.0")

    async def body_of(request: Request) -> dict[str, Any]:
        raw = await read_limited_body(request, MAX_BODY_BYTES)  # 413 past the limit
        try:
            body = read_json(raw, max_bytes=MAX_BODY_BYTES)
        except (InvalidJson, JsonTooDeep) as exc:
            raise RpcError(PARSE_ERROR, exc.message) from None
        if not isinstance(body, dict):
            raise RpcError(INVALID_REQUEST, "the body must be a SendMessageRequest object")
        return body

    async def message(agent_id: str, request: Request, method: str) -> Response:
        gw, principal, agent = await admitted(agent_id, request)
        try:
            rpc_request = rpc(method, await body_of(request))
            c = await gw.start(principal, agent, rpc_request)
        except RpcError as exc:
            return rest_error(exc.code, exc.message)
        except Exception:  # noqa: BLE001 - a clear A2A error, never a 500 page
            logger.exception("gateway REST call failed", extra={"agent_id": agent_id})
            return rest_error(INTERNAL_ERROR, "internal error on the platform")
        if rpc_request.operation == "send":
            envelope: dict[str, Any] = {}
            async for envelope in gw.run(c):
                pass
            return _answer(envelope)
        return StreamingResponse((_sse_result(e) async for e in gw.run(c)), media_type="text/event-stream",
                                 headers=_SSE_HEADERS)

    async def task(agent_id: str, request: Request, method: str, params: dict[str, Any]) -> Response:
        gw, principal, agent = await admitted(agent_id, request)
        try:
            rpc_request = rpc(method, params)
            events = gw.task_envelopes(principal, agent, rpc_request)
            first = await anext(events)
        except RpcError as exc:
            return rest_error(exc.code, exc.message)
        except StopAsyncIteration:
            return rest_error(INTERNAL_ERROR, "the agent did not answer")
        except Exception:  # noqa: BLE001 - a clear A2A error, never a 500 page
            logger.exception("gateway REST call failed", extra={"agent_id": agent_id})
            return rest_error(INTERNAL_ERROR, "internal error on the platform")
        if rpc_request.operation == "resubscribe":
            return StreamingResponse((_sse_result(e) async for e in _chain(first, events)),
                                     media_type="text/event-stream", headers=_SSE_HEADERS)
        envelope = first
        async for envelope in events:
            pass
        return _answer(envelope)

    @app.post(REST_PREFIX + "/message:send", summary="A2A v1.0 REST: SendMessage", openapi_extra=_MESSAGE_BODY,
              responses={200: {"model": RestSendResponse}, **_ERRORS_DOC})
    async def rest_send(agent_id: ResourceId, request: Request) -> Response:
        return await message(agent_id, request, "SendMessage")

    @app.post(REST_PREFIX + "/message:stream", summary="A2A v1.0 REST: SendStreamingMessage",
              openapi_extra=_MESSAGE_BODY, responses={**_STREAM_DOC, **_ERRORS_DOC})
    async def rest_stream(agent_id: ResourceId, request: Request) -> Response:
        return await message(agent_id, request, "SendStreamingMessage")

    @app.get(REST_PREFIX + "/tasks/{task_id}", summary="A2A v1.0 REST: GetTask",
             responses={200: {"model": RestTask}, **_ERRORS_DOC})
    async def rest_get(agent_id: ResourceId, task_id: str, request: Request,
                       history_length: int | None = Query(None, alias="historyLength", ge=0, le=1000)) -> Response:
        params: dict[str, Any] = {"id": task_id}
        if history_length is not None:
            params["historyLength"] = history_length
        return await task(agent_id, request, "GetTask", params)

    @app.post(REST_PREFIX + "/tasks/{task_id}:cancel", summary="A2A v1.0 REST: CancelTask",
              responses={200: {"model": RestTask}, **_ERRORS_DOC})
    async def rest_cancel(agent_id: ResourceId, task_id: str, request: Request) -> Response:
        return await task(agent_id, request, "CancelTask", {"id": task_id})

    @app.post(REST_PREFIX + "/tasks/{task_id}:subscribe", summary="A2A v1.0 REST: SubscribeToTask",
              responses={**_STREAM_DOC, **_ERRORS_DOC})
    async def rest_subscribe(agent_id: ResourceId, task_id: str, request: Request) -> Response:
        return await task(agent_id, request, "SubscribeToTask", {"id": task_id})

    _push_doc: dict[int | str, dict[str, Any]] = {
        200: {"model": RestPushConfig, "description": "the agent's answer (A2A agents whose card declares "
                                                      "pushNotifications: the config is passed through)"},
        **_ERRORS_DOC,
    }

    @app.api_route(REST_PREFIX + "/tasks/{task_id}/pushNotificationConfigs", methods=["GET", "POST"],
                   summary="A2A v1.0 REST: create or list a task's push notification configs", responses=_push_doc)
    async def rest_push(agent_id: ResourceId, task_id: str, request: Request) -> Response:
        if request.method == "GET":
            return await task(agent_id, request, "ListTaskPushNotificationConfigs", {"taskId": task_id})
        try:
            body = await body_of(request)
        except RpcError as exc:
            return rest_error(exc.code, exc.message)
        return await task(agent_id, request, "CreateTaskPushNotificationConfig", {**body, "taskId": task_id})

    @app.api_route(REST_PREFIX + "/tasks/{task_id}/pushNotificationConfigs/{config_id}", methods=["GET", "DELETE"],
                   summary="A2A v1.0 REST: read or delete one push notification config", responses=_push_doc)
    async def rest_push_one(agent_id: ResourceId, task_id: str, config_id: str, request: Request) -> Response:
        method = "GetTaskPushNotificationConfig" if request.method == "GET" else "DeleteTaskPushNotificationConfig"
        return await task(agent_id, request, method, {"taskId": task_id, "id": config_id})


async def _chain(first: dict[str, Any], rest: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    yield first
    async for item in rest:
        yield item
