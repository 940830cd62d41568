"""A2A JSON-RPC 2.0 as the gateway speaks it: request parsing, the spec's error codes, and the two wire shapes.

The gateway answers both protocol versions on one URL:

| operation | v0.3 method          | v1.0 method (header `A2A-Version: 1.0`) |
|-----------|----------------------|-----------------------------------------|
| send      | `message/send`       | `SendMessage`                           |
| stream    | `message/stream`     | `SendStreamingMessage`                  |
| get       | `tasks/get`          | `GetTask`                               |
| cancel    | `tasks/cancel`       | `CancelTask`                            |
| resubscribe | `tasks/resubscribe` | `SubscribeToTask`                      |

Internally every A2A object is read and built in the v0.3 shape (kind-tagged, kebab-case states); `to_v1`
turns one into the v1.0 shape (ProtoJSON: `TASK_STATE_*`, `ROLE_*`, untagged parts, results wrapped as
`{"task": ...}` / `{"statusUpdate": ...}`), `from_v1` reads one back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Version = Literal["0.3", "1.0"]
V03: Version = "0.3"
V1: Version = "1.0"
Operation = Literal["send", "stream", "get", "cancel", "resubscribe", "push"]

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR = -32700, -32600, -32601, -32602, -32603
TASK_NOT_FOUND, TASK_NOT_CANCELABLE, PUSH_NOT_SUPPORTED, UNSUPPORTED_OPERATION = -32001, -32002, -32003, -32004

METHODS: dict[str, tuple[Operation, Version]] = {
    "message/send": ("send", V03), "message/stream": ("stream", V03), "tasks/get": ("get", V03),
    "tasks/cancel": ("cancel", V03), "tasks/resubscribe": ("resubscribe", V03),
    "SendMessage": ("send", V1), "SendStreamingMessage": ("stream", V1), "GetTask": ("get", V1),
    "CancelTask": ("cancel", V1), "SubscribeToTask": ("resubscribe", V1),
}  # fmt: skip
# Push notification configs: passed through to A2A agents whose card declares pushNotifications (the agent,
# not the platform, calls the caller's webhook); every other agent answers -32003 (a2g.gateway.app).
PUSH_METHODS: dict[str, Version] = {
    "tasks/pushNotificationConfig/set": V03, "tasks/pushNotificationConfig/get": V03,
    "tasks/pushNotificationConfig/list": V03, "tasks/pushNotificationConfig/delete": V03,
    "CreateTaskPushNotificationConfig": V1, "GetTaskPushNotificationConfig": V1,
    "ListTaskPushNotificationConfigs": V1, "DeleteTaskPushNotificationConfig": V1,
}  # fmt: skip
MAX_ID_CHARS = 200
TERMINAL = ("completed", "failed", "canceled", "rejected")

_V1_STATE = {
    "submitted": "TASK_STATE_SUBMITTED", "working": "TASK_STATE_WORKING", "completed": "TASK_STATE_COMPLETED",
    "failed": "TASK_STATE_FAILED", "canceled": "TASK_STATE_CANCELED", "input-required": "TASK_STATE_INPUT_REQUIRED",
    "rejected": "TASK_STATE_REJECTED", "auth-required": "TASK_STATE_AUTH_REQUIRED",
}  # fmt: skip
_V03_STATE = {v: k for k, v in _V1_STATE.items()}
_V1_ROLE = {"user": "ROLE_USER", "agent": "ROLE_AGENT"}
_V03_ROLE = {v: k for k, v in _V1_ROLE.items()}
_V1_RESULT_KEYS = {"task": "task", "message": "message", "status-update": "statusUpdate",
                   "artifact-update": "artifactUpdate"}  # fmt: skip


class RpcError(Exception):
    """A JSON-RPC error answer (`{"jsonrpc": "2.0", "id", "error": {"code", "message"}}`)."""

    def __init__(self, code: int, message: str, request_id: Any = None):
        super().__init__(message)
        self.code, self.message, self.request_id = code, message, request_id

    def envelope(self) -> dict[str, Any]:
        return error_envelope(self.request_id, self.code, self.message)


def error_envelope(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


def result_envelope(request_id: Any, result: Any) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


@dataclass(frozen=True)
class RpcRequest:
    request_id: Any
    method: str
    operation: Operation
    version: Version
    params: dict[str, Any]
    raw: dict[str, Any]

    def task_id(self) -> str:
        """The task a get / cancel / resubscribe names (v0.3 `params.id`, v1.0 `params.id` or `name`); of a
        push config call, `params.taskId` (v1.0, and v0.3 `set`) or `params.id` (v0.3 get / list / delete)."""
        if self.operation == "push":
            value = self.params.get("taskId") if "taskId" in self.params else self.params.get("id")
            return _bounded_id(value, "params.taskId", self.request_id)
        value = self.params.get("id")
        if value is None and isinstance(self.params.get("name"), str):  # v1.0 REST-style `tasks/<id>`
            value = self.params["name"].removeprefix("tasks/")
        return _bounded_id(value, "params.id", self.request_id)

    def message(self) -> dict[str, Any]:
        message = self.params.get("message")
        if not isinstance(message, dict):
            raise RpcError(INVALID_PARAMS, "params.message must be an object", self.request_id)
        parts = message.get("parts") if "parts" in message else message.get("content")
        if not isinstance(parts, list) or not parts:
            raise RpcError(INVALID_PARAMS, "params.message.parts must be a non-empty list", self.request_id)
        for name in ("contextId", "taskId", "messageId"):
            if message.get(name) is not None:
                _bounded_id(message[name], f"params.message.{name}", self.request_id)
        return message

    def text(self) -> str:
        """The message's text parts, joined (what is saved in the caller's history and sent to adapters)."""
        return text_of_parts(self.message().get("parts") or [])


def _bounded_id(value: Any, where: str, request_id: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_CHARS:
        raise RpcError(INVALID_PARAMS, f"{where} must be a non-empty string of at most {MAX_ID_CHARS} characters",
                       request_id)
    return value


def parse_request(body: Any, version_header: str | None) -> RpcRequest:
    """One parsed JSON-RPC request (a2g.json_input read the bytes), or an RpcError with the spec's code
    (-32600, -32601, -32602)."""
    if body is None:
        raise RpcError(PARSE_ERROR, "the request body is empty")
    if not isinstance(body, dict):
        raise RpcError(INVALID_REQUEST, "a JSON-RPC request must be one object (batches are not supported)")
    request_id = body.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, str | int):
        request_id = None  # notifications (no id) are not supported: every A2A method answers
    if body.get("jsonrpc") != "2.0" or not isinstance(body.get("method"), str) or request_id is None:
        raise RpcError(INVALID_REQUEST, "expected {\"jsonrpc\": \"2.0\", \"id\", \"method\", \"params\"}", request_id)
    method = body["method"]
    operation: Operation
    version: Version
    if method in PUSH_METHODS:
        operation, version = "push", PUSH_METHODS[method]
    elif method in METHODS:
        operation, version = METHODS[method]
    else:
        raise RpcError(METHOD_NOT_FOUND, f"method {method[:80]!r} not found", request_id)
    declared = (version_header or "").strip()
    if version == V1 and declared and not declared.startswith("1."):
        raise RpcError(INVALID_REQUEST, f"method {method} is A2A v1.0 but A2A-Version says {declared[:20]!r}",
                       request_id)
    params = body.get("params", {})
    if not isinstance(params, dict):
        raise RpcError(INVALID_PARAMS, "params must be an object", request_id)
    request = RpcRequest(request_id, method, operation, version, params, body)
    if operation in ("send", "stream"):
        request.message()
    elif operation != "push":  # push: an agent without push answers -32003 whatever the params (a2g.gateway.app)
        request.task_id()
    return request


# --- reading and building A2A objects --------------------------------------------------------------------


def text_of_parts(parts: Any) -> str:
    out = []
    for part in parts or []:
        if isinstance(part, dict) and part.get("kind", "text") == "text" and isinstance(part.get("text"), str):
            out.append(part["text"])
    return "".join(out)


def from_v1(obj: Any) -> Any:
    """A v1.0 object (result, task, event, message) in the v0.3 shape; a v0.3 object is returned as is."""
    if not isinstance(obj, dict):
        return obj
    for v03_kind, key in _V1_RESULT_KEYS.items():
        if isinstance(obj.get(key), dict) and len(obj) == 1:
            return {**_from_v1_body(obj[key]), "kind": v03_kind}
    return _from_v1_body(obj)


def _from_v1_body(body: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    status = out.get("status")
    if isinstance(status, dict):
        state = str(status.get("state") or "")
        out["status"] = {**status, "state": _V03_STATE.get(state, state)}
        if isinstance(status.get("message"), dict):
            out["status"]["message"] = _from_v1_body(status["message"])
    if isinstance(out.get("role"), str):
        out["role"] = _V03_ROLE.get(out["role"], out["role"])
    for name in ("parts",):
        if isinstance(out.get(name), list):
            out[name] = [{"kind": "text", **p} if isinstance(p, dict) and "text" in p else p for p in out[name]]
    if isinstance(out.get("artifact"), dict):
        out["artifact"] = _from_v1_body(out["artifact"])
    for name in ("artifacts", "history"):
        if isinstance(out.get(name), list):
            out[name] = [_from_v1_body(a) if isinstance(a, dict) else a for a in out[name]]
    return out


def to_v1(obj: dict[str, Any], *, wrap: bool = True) -> dict[str, Any]:
    """A v0.3 object in the v1.0 shape; `wrap` puts a result under its key (`{"task": ...}`)."""
    kind = obj.get("kind")
    body = _to_v1_body(obj)
    if wrap and kind in _V1_RESULT_KEYS:
        return {_V1_RESULT_KEYS[kind]: body}
    return body


def _to_v1_body(obj: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in obj.items() if k not in ("kind", "final")}
    status = out.get("status")
    if isinstance(status, dict):
        out["status"] = {**status, "state": _V1_STATE.get(str(status.get("state")), status.get("state"))}
        if isinstance(status.get("message"), dict):
            out["status"]["message"] = _to_v1_body(status["message"])
    if isinstance(out.get("role"), str):
        out["role"] = _V1_ROLE.get(out["role"], out["role"])
    if isinstance(out.get("parts"), list):
        out["parts"] = [{k: v for k, v in p.items() if k != "kind"} if isinstance(p, dict) else p
                        for p in out["parts"]]
    if isinstance(out.get("artifact"), dict):
        out["artifact"] = _to_v1_body(out["artifact"])
    for name in ("artifacts", "history"):
        if isinstance(out.get(name), list):
            out[name] = [_to_v1_body(a) if isinstance(a, dict) else a for a in out[name]]
    return out


def in_version(obj: dict[str, Any], version: Version, *, wrap: bool = True) -> dict[str, Any]:
    return to_v1(obj, wrap=wrap) if version == V1 else obj


def agent_message(text: str, *, context_id: str, task_id: str | None, message_id: str) -> dict[str, Any]:
    message: dict[str, Any] = {"kind": "message", "messageId": message_id, "role": "agent",
                               "parts": [{"kind": "text", "text": text}], "contextId": context_id}
    if task_id:
        message["taskId"] = task_id
    return message


def status_update(task_id: str, context_id: str, state: str, at: str, *, final: bool,
                  message: dict[str, Any] | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"state": state, "timestamp": at}
    if message is not None:
        status["message"] = message
    return {"kind": "status-update", "taskId": task_id, "contextId": context_id, "status": status, "final": final}


def artifact_update(task_id: str, context_id: str, text: str, *, append: bool, last: bool) -> dict[str, Any]:
    return {"kind": "artifact-update", "taskId": task_id, "contextId": context_id, "append": append,
            "lastChunk": last, "artifact": {"artifactId": "answer", "parts": [{"kind": "text", "text": text}]}}
