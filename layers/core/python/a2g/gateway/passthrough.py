"""A2A agents: the caller's JSON-RPC request is passed through to the agent's own interface.

Through the guarded outbound client only (the destination policy applies to every byte). The request goes as
the caller sent it, in the caller's protocol version, with three changes: the message's `contextId` becomes
the agent's own context id for this session (or the session id, for a new conversation), the trace ids go in
`X-A2G-*` headers and the message metadata, and the JSON-RPC id is the gateway's. The answer comes back as
the agent gave it — streamed event by event, the agent's task ids kept — with the agent's context id shown as
the session id. An agent that cannot be reached, or answers with an HTTP error or garbage, becomes a failed
task with a clear message (never a 500); a JSON-RPC error of the agent is passed on.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

from a2g.agent_adapters import AgentEndpoint
from a2g.agent_adapters._common import sse_events
from a2g.errors import PlatformError
from a2g.gateway.protocol import (
    TERMINAL,
    V1,
    RpcRequest,
    agent_message,
    error_envelope,
    from_v1,
    in_version,
    result_envelope,
    status_update,
    text_of_parts,
)
from a2g.gateway.service import Conversation, Outcome
from a2g.log import logger

AGENT_CONTEXT_KEY = "a2a_context_id"


class Observer:
    """Follows a run's results (any version) to know its task id, state and answer text."""

    def __init__(self, outcome: Outcome):
        self.outcome = outcome
        self._artifacts: dict[str, str] = {}
        self._message = ""

    def see(self, result: Any) -> None:
        obj = from_v1(result)
        if not isinstance(obj, dict):
            return
        kind = obj.get("kind")
        if kind == "task":
            self.outcome.task_id = str(obj.get("id") or self.outcome.task_id or "") or None
            for artifact in obj.get("artifacts") or []:
                self._artifact(artifact, append=False)
            self._status(obj.get("status"))
        elif kind == "message":
            self._message += text_of_parts(obj.get("parts"))
            self.outcome.state = "completed"
            if obj.get("taskId"):
                self.outcome.task_id = str(obj["taskId"])
        elif kind == "status-update":
            self.outcome.task_id = str(obj.get("taskId") or self.outcome.task_id or "") or None
            self._status(obj.get("status"))
        elif kind == "artifact-update":
            self.outcome.task_id = str(obj.get("taskId") or self.outcome.task_id or "") or None
            self._artifact(obj.get("artifact") or {}, append=bool(obj.get("append")))
        self.outcome.answer = "\n\n".join(t for t in self._artifacts.values() if t) or self._message

    def _status(self, status: Any) -> None:
        if not isinstance(status, dict):
            return
        state = str(status.get("state") or "")
        if state:
            self.outcome.state = state
        text = text_of_parts((status.get("message") or {}).get("parts"))
        if state in ("failed", "rejected", "canceled") and text:
            self.outcome.error = text
        elif state in TERMINAL + ("input-required", "auth-required") and text and not self._artifacts:
            self._message = text

    def _artifact(self, artifact: dict[str, Any], *, append: bool) -> None:
        artifact_id = str(artifact.get("artifactId") or len(self._artifacts))
        text = text_of_parts(from_v1(artifact).get("parts"))
        self._artifacts[artifact_id] = (self._artifacts.get(artifact_id, "") + text) if append else text


def _rewrite_context(value: Any, agent_context: str | None, session_id: str) -> Any:
    """The agent's context id, wherever it appears as `contextId`, shown as the platform's session id."""
    if not agent_context or agent_context == session_id:
        return value
    if isinstance(value, dict):
        return {k: (session_id if k == "contextId" and v == agent_context
                    else _rewrite_context(v, agent_context, session_id)) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite_context(v, agent_context, session_id) for v in value]
    return value


def failed_task(c: Conversation, outcome: Outcome, reason: str, at: str) -> dict[str, Any]:
    """A failed task (v0.3 shape) for a call the agent could not take; recorded like any other task."""
    task_id = outcome.task_id or f"gw-{uuid.uuid4().hex}"
    outcome.task_id, outcome.state, outcome.error = task_id, "failed", reason
    message = agent_message(reason, context_id=c.context_id, task_id=task_id, message_id=uuid.uuid4().hex)
    outcome.task = {"kind": "task", "id": task_id, "contextId": c.context_id,
                    "status": {"state": "failed", "timestamp": at, "message": message}}
    return outcome.task


class PassThrough:
    def __init__(self, http: Callable[[], Any], *, read_timeout_s: float = 180.0):
        self._http = http  # the guarded outbound client of the running loop
        self._read_timeout = read_timeout_s

    def _headers(self, request: RpcRequest, extra: dict[str, str]) -> dict[str, str]:
        headers = {**extra, "accept": "text/event-stream, application/json", "content-type": "application/json"}
        if request.version == V1:
            headers["A2A-Version"] = V1
        return headers

    async def run(self, c: Conversation, outcome: Outcome, now: str) -> AsyncIterator[dict[str, Any]]:
        """JSON-RPC envelopes for the caller: one for send, each event for stream."""
        request, observer = c.request, Observer(outcome)
        agent_context = c.state.get(AGENT_CONTEXT_KEY)
        message = dict(request.message())
        message["contextId"] = agent_context or c.context_id
        message["metadata"] = {**(message.get("metadata") or {}), "a2g_trace_id": c.session.trace_id,
                               "a2g_session_id": c.session.session_id, "a2g_context_id": c.context_id}
        body = {"jsonrpc": "2.0", "id": uuid.uuid4().hex, "method": request.method,
                "params": {**request.params, "message": message}}
        headers = self._headers(request, c.correlation_headers(message.get("taskId")))
        endpoint = AgentEndpoint.from_any(c.ref.endpoint).base_url
        try:
            async with self._http().stream("POST", endpoint, json=body, headers=headers,
                                         read_timeout=self._read_timeout, total_timeout=None,
                                         max_bytes=None) as response:
                if response.status_code >= 400:
                    raise _AgentHttpError(response.status_code)
                if response.headers.get("content-type", "").startswith("text/event-stream"):
                    async for sse in sse_events(response):
                        yield self._relay(c, observer, sse.data, request)
                else:
                    yield self._relay(c, observer, (await response.aread()).decode("utf-8", "replace"), request)
        except (PlatformError, _AgentHttpError, OSError) as exc:
            reason = _reason(exc)
            logger.info("gateway: A2A agent failed", extra={"agent_id": c.ref.agent_id, "reason": reason})
            task = failed_task(c, outcome, reason, now)
            if request.operation == "stream":
                yield result_envelope(request.request_id, in_version(task, request.version))
                update = status_update(task["id"], c.context_id, "failed", now, final=True,
                                       message=task["status"]["message"])
                yield result_envelope(request.request_id, in_version(update, request.version))
            else:
                yield result_envelope(request.request_id, in_version(task, request.version))

    def _relay(self, c: Conversation, observer: Observer, data: str, request: RpcRequest) -> dict[str, Any]:
        try:
            envelope = json.loads(data)
        except ValueError:
            raise _AgentHttpError(None, "the agent sent something that is not JSON") from None
        if not isinstance(envelope, dict):
            raise _AgentHttpError(None, "the agent sent a JSON-RPC answer that is not an object")
        result = envelope.get("result")
        if isinstance(result, dict):
            context = from_v1(result).get("contextId")
            if isinstance(context, str) and context and context != c.context_id and not c.state.get(AGENT_CONTEXT_KEY):
                c.state[AGENT_CONTEXT_KEY] = context  # the agent keeps its own ids: map them to the session
            result = _rewrite_context(result, c.state.get(AGENT_CONTEXT_KEY), c.context_id)
            observer.see(result)
            return result_envelope(request.request_id, result)
        error = envelope.get("error")
        if isinstance(error, dict):
            observer.outcome.error = str(error.get("message") or "the agent answered with an error")
            return error_envelope(request.request_id, int(error.get("code") or -32603),
                                  str(error.get("message") or "agent error"))
        raise _AgentHttpError(None, "the agent's JSON-RPC answer has neither result nor error")

    async def task_call(self, c_agent: Any, session_state: dict[str, str], session_id: str,
                        request: RpcRequest) -> AsyncIterator[dict[str, Any]]:
        """tasks/get, tasks/cancel, tasks/resubscribe: forwarded to the agent with its own task id."""
        endpoint = AgentEndpoint.from_any(c_agent.endpoint).base_url
        body = {"jsonrpc": "2.0", "id": uuid.uuid4().hex, "method": request.method, "params": request.params}
        agent_context = session_state.get(AGENT_CONTEXT_KEY)
        headers = self._headers(request, {"X-A2G-Context-Id": session_id, "X-A2G-Task-Id": request.task_id()})
        try:
            async with self._http().stream("POST", endpoint, json=body, headers=headers,
                                         read_timeout=self._read_timeout, total_timeout=None,
                                         max_bytes=None) as response:
                if response.status_code >= 400:
                    raise _AgentHttpError(response.status_code)
                if response.headers.get("content-type", "").startswith("text/event-stream"):
                    async for sse in sse_events(response):
                        yield _rewrite_context(json.loads(sse.data) | {"id": request.request_id},
                                               agent_context, session_id)
                else:
                    envelope = json.loads(await response.aread())
                    yield _rewrite_context(envelope | {"id": request.request_id}, agent_context, session_id)
        except (PlatformError, _AgentHttpError, OSError, ValueError, TypeError) as exc:
            yield error_envelope(request.request_id, -32603, _reason(exc))


class _AgentHttpError(Exception):
    def __init__(self, status: int | None, message: str | None = None):
        super().__init__(message or f"the agent answered HTTP {status}")
        self.status = status


def _reason(exc: BaseException) -> str:
    if isinstance(exc, PlatformError):
        if exc.code == "destination_not_allowed" or "not allowed" in exc.message:
            return f"The platform may not call this agent's address: {exc.message}"
        if exc.status == 504:
            return f"The agent did not answer in time: {exc.message}"
        return f"The agent could not be reached: {exc.message}"
    if isinstance(exc, _AgentHttpError):
        return f"The agent could not take the call: {exc}"
    return f"The agent could not be reached: {exc}"
