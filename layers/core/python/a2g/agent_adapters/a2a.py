"""A2A over JSON-RPC: v1.0 `SendStreamingMessage` (header `A2A-Version: 1.0`), v0.3 `message/stream`, and
the non-streaming `SendMessage` / `message/send` when the agent does not stream.

Spoken by hand over the guarded outbound client rather than through a2a-sdk's client: the Lambda layer
stays small, and every byte to the agent passes the platform's destination policy.

Version negotiation: the version the registry knows (from the agent card) is tried first; with none, v1.0
is tried and a "method not found" / "version not supported" answer falls back to v0.3. A "streaming not
supported" answer falls back to the non-streaming method. What worked is remembered for the session
(`a2a_protocol`, `a2a_streaming`), as is the agent's `contextId`, so the conversation continues.

Text arrives in artifact updates (appended or replaced per artifact), in a direct agent message, or in
the message of a final status; a status message while the task is still working is shown as progress.
Attachments become file parts: small files inline (base64), larger ones as their presigned download URL.
The trace ids travel in the message metadata and the request metadata.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from a2g.agent_adapters._common import content_type_of, fits_inline, json_of, raise_for_status, sse_events
from a2g.agent_adapters.base import (
    AgentCall,
    AgentEvent,
    AgentHttp,
    FinalText,
    Progress,
    StateUpdate,
    TextDelta,
)
from a2g.agent_adapters.errors import AgentProtocolError, AgentRunFailed

V1, V03 = "1.0", "0.3"
_METHOD_NOT_FOUND, _UNSUPPORTED_OPERATION, _VERSION_NOT_SUPPORTED = -32601, -32004, -32009

# v1.0 spells states as TASK_STATE_*; v0.3 in kebab case. Both are normalised to the v0.3 words.
_V1_STATES = {
    "TASK_STATE_SUBMITTED": "submitted", "TASK_STATE_WORKING": "working", "TASK_STATE_COMPLETED": "completed",
    "TASK_STATE_FAILED": "failed", "TASK_STATE_CANCELED": "canceled", "TASK_STATE_INPUT_REQUIRED": "input-required",
    "TASK_STATE_REJECTED": "rejected", "TASK_STATE_AUTH_REQUIRED": "auth-required",
}  # fmt: skip
_FAILED_STATES = ("failed", "canceled", "rejected")


class _Fallback(Exception):
    """This variant is not spoken by the agent; try the next one (of another version when the agent does
    not speak this version at all)."""

    def __init__(self, *, whole_version: bool):
        super().__init__()
        self.whole_version = whole_version


@dataclass
class _Answer:
    """The answer assembled from a run's events, per artifact, in arrival order."""

    artifacts: dict[str, str] = field(default_factory=dict)
    message_text: str = ""  # a direct Message result, or the message of a final status
    emitted: str = ""  # what has been yielded as deltas so far

    def final_text(self) -> str:
        joined = "\n\n".join(text for text in self.artifacts.values() if text)
        return joined or self.message_text


def _text_of_parts(parts: Any) -> str:
    out = []
    for part in parts or []:
        if not isinstance(part, dict):
            continue
        if part.get("kind", "text") == "text" and isinstance(part.get("text"), str):
            out.append(part["text"])
    return "".join(out)


class A2aAdapter:
    framework: ClassVar[str] = "A2A"

    def __init__(self, http: AgentHttp):
        self._http = http

    async def run(self, call: AgentCall) -> AsyncIterator[AgentEvent]:
        refused_versions: set[str] = set()
        for version, streaming in self._variants(call):
            if version in refused_versions:
                continue
            try:
                async for event in self._run_variant(call, version, streaming):
                    yield event
                return
            except _Fallback as fallback:
                if fallback.whole_version:
                    refused_versions.add(version)
        raise AgentRunFailed("the agent speaks neither A2A v1.0 nor v0.3 JSON-RPC")

    @staticmethod
    def _variants(call: AgentCall) -> list[tuple[str, bool]]:
        known = call.state.get("a2a_protocol") or call.endpoint.a2a_protocol_version
        remembered_streaming = call.state.get("a2a_streaming")
        streaming = call.endpoint.a2a_streaming is not False and remembered_streaming != "false"
        versions = [V03] if known and known.startswith("0.") else [V1, V03] if not known else [V1]
        variants = []
        for version in versions:
            if streaming:
                variants.append((version, True))
            variants.append((version, False))
        return variants

    # --- one request -----------------------------------------------------------------------------------

    async def _run_variant(self, call: AgentCall, version: str, streaming: bool) -> AsyncIterator[AgentEvent]:
        method = {(V1, True): "SendStreamingMessage", (V1, False): "SendMessage",
                  (V03, True): "message/stream", (V03, False): "message/send"}[(version, streaming)]  # fmt: skip
        request = {
            "jsonrpc": "2.0",
            "id": uuid.uuid4().hex,
            "method": method,
            "params": {"message": await self._message(call, version), "metadata": call.trace_metadata()},
        }
        headers = {**call.trace_headers(), "accept": "text/event-stream, application/json"}
        if version == V1:
            headers["A2A-Version"] = V1
        answer = _Answer()
        remembered = False
        async with self._http.stream(
            "POST",
            call.endpoint.base_url,
            json=request,
            headers=headers,
            read_timeout=call.idle_timeout_s,
            total_timeout=None,
            max_bytes=None,
        ) as response:
            if response.status_code in (404, 405, 415) and version == V1:
                raise _Fallback(
                    whole_version=True
                )  # e.g. a v0.3-only server mounted elsewhere answers plain HTTP errors
            await raise_for_status(response, "the A2A agent")
            if content_type_of(response) == "text/event-stream":
                async for sse in sse_events(response):
                    envelope = json_of(sse.data, "the A2A agent")
                    try:
                        result = self._result_of(envelope, streaming=True)
                    except _Fallback:
                        if remembered:  # too late to switch: part of the answer is already out
                            raise AgentRunFailed("the A2A agent stopped the stream with an error") from None
                        raise
                    if not remembered:  # the agent accepted this variant: remember it for the session
                        remembered = True
                        yield StateUpdate("a2a_protocol", version)
                        yield StateUpdate("a2a_streaming", "true" if streaming else "false")
                    for event in self._apply(result, version, answer):
                        yield event
            else:
                envelope = json_of((await response.aread()).decode("utf-8", "replace"), "the A2A agent")
                result = self._result_of(envelope, streaming=streaming)
                yield StateUpdate("a2a_protocol", version)
                yield StateUpdate("a2a_streaming", "true" if streaming else "false")
                for event in self._apply(result, version, answer):
                    yield event
        final = answer.final_text()
        if final and final != answer.emitted:
            yield FinalText(final)

    @staticmethod
    def _result_of(envelope: Any, *, streaming: bool) -> dict[str, Any]:
        if not isinstance(envelope, dict):
            raise AgentProtocolError("the A2A agent sent a JSON-RPC answer that is not an object")
        error = envelope.get("error")
        if isinstance(error, dict):
            code = error.get("code")
            if code in (_METHOD_NOT_FOUND, _VERSION_NOT_SUPPORTED):
                raise _Fallback(whole_version=True)
            if code == _UNSUPPORTED_OPERATION and streaming:
                raise _Fallback(whole_version=False)
            raise AgentRunFailed(
                f"the A2A agent answered error {code}: {error.get('message') or 'no message'}"
            )
        result = envelope.get("result")
        if not isinstance(result, dict):
            raise AgentProtocolError("the A2A agent's JSON-RPC answer has no result")
        return result

    async def _message(self, call: AgentCall, version: str) -> dict[str, Any]:
        context_id = call.state.get("a2a_context_id")
        if version == V1:
            parts: list[dict[str, Any]] = [{"text": call.message}] if call.message else []
            for a in call.attachments:
                if fits_inline(a):
                    raw = base64.b64encode(await a.read()).decode()
                    parts.append({"raw": raw, "mediaType": a.content_type, "filename": a.file_name})
                else:
                    parts.append({"url": a.url, "mediaType": a.content_type, "filename": a.file_name})
            message: dict[str, Any] = {"messageId": uuid.uuid4().hex, "role": "ROLE_USER", "parts": parts}
        else:
            parts = [{"kind": "text", "text": call.message}] if call.message else []
            for a in call.attachments:
                file: dict[str, Any] = {"mimeType": a.content_type, "name": a.file_name}
                if fits_inline(a):
                    file["bytes"] = base64.b64encode(await a.read()).decode()
                else:
                    file["uri"] = a.url
                parts.append({"kind": "file", "file": file})
            message = {"kind": "message", "messageId": uuid.uuid4().hex, "role": "user", "parts": parts}
        if context_id:
            message["contextId"] = context_id
        message["metadata"] = call.trace_metadata()
        return message

    # --- events ----------------------------------------------------------------------------------------

    def _apply(self, result: dict[str, Any], version: str, answer: _Answer) -> list[AgentEvent]:
        """One result object (v1 StreamResponse / SendMessageResponse, or a v0.3 kind-tagged object)."""
        kind, body = self._kind_of(result, version)
        out: list[AgentEvent] = []
        context_id = body.get("contextId")
        if isinstance(context_id, str) and context_id:
            out.append(StateUpdate("a2a_context_id", context_id))
        if kind == "message":
            text = _text_of_parts(body.get("parts"))
            answer.message_text += text
            out.extend(self._emit(answer, text))
        elif kind == "task":
            for artifact in body.get("artifacts") or []:
                out.extend(self._artifact(answer, artifact, append=False))
            out.extend(self._status(answer, body.get("status") or {}, version))
        elif kind == "status":
            out.extend(self._status(answer, body.get("status") or {}, version))
        elif kind == "artifact":
            out.extend(self._artifact(answer, body.get("artifact") or {}, append=bool(body.get("append"))))
        return out

    @staticmethod
    def _kind_of(result: dict[str, Any], version: str) -> tuple[str, dict[str, Any]]:
        for key, kind in (("task", "task"), ("message", "message"), ("statusUpdate", "status"),
                          ("artifactUpdate", "artifact")):  # fmt: skip
            if isinstance(result.get(key), dict):
                return kind, result[key]
        v03 = {"task": "task", "message": "message", "status-update": "status", "artifact-update": "artifact"}
        v03_kind = v03.get(str(result.get("kind")))
        if v03_kind:
            return v03_kind, result
        raise AgentProtocolError(f"the A2A agent sent an event of unknown shape (keys: {sorted(result)[:6]})")

    def _status(self, answer: _Answer, status: dict[str, Any], version: str) -> list[AgentEvent]:
        raw_state = str(status.get("state") or "")
        state = _V1_STATES.get(raw_state, raw_state.lower())
        text = _text_of_parts((status.get("message") or {}).get("parts"))
        if state in _FAILED_STATES:
            raise AgentRunFailed(f"the A2A agent's task {state}" + (f": {text}" if text else ""))
        if not text:
            return []
        if state in ("submitted", "working"):
            return [Progress(text)]
        # completed, input-required, auth-required: the status message speaks to the user
        if answer.artifacts:
            return []
        answer.message_text = text
        return self._emit(answer, text)

    def _artifact(self, answer: _Answer, artifact: dict[str, Any], *, append: bool) -> list[AgentEvent]:
        artifact_id = str(artifact.get("artifactId") or len(answer.artifacts))
        text = _text_of_parts(artifact.get("parts"))
        known = artifact_id in answer.artifacts
        if append and known:
            answer.artifacts[artifact_id] += text
            return self._emit(answer, text)
        if known:  # a later version replaces the artifact: the final text carries it
            answer.artifacts[artifact_id] = text
            return []
        answer.artifacts[artifact_id] = text
        separator = "\n\n" if answer.emitted and text else ""
        return self._emit(answer, separator + text)

    @staticmethod
    def _emit(answer: _Answer, text: str) -> list[AgentEvent]:
        if not text:
            return []
        answer.emitted += text
        return [TextDelta(text)]
