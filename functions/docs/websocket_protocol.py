"""The WebSocket protocol as an AsyncAPI 3.0 document (served at /api/asyncapi.json).

The payload schemas come from the same models the HTTP routes return (a pushed message is a `MessageView`,
a pushed trace entry a `LogEntry`) and the `invoke` action's own body model, so the two documents cannot
drift apart. What the handlers accept: functions/ws_connect (the query), ws_subscribe (subscribe,
unsubscribe), ws_invoke (invoke, see a2g.chat.invoke), ws_cancel (cancel, a2g.chat.cancel), ws_default (ping,
and an error for anything else); what the server pushes besides their answers: a2g.tracing.recorder
(trace.entry), the tracing service (trace.cleared) and the OTLP intake a2g.otel.intake (trace.entry for spans,
trace.entry_removed) through a2g.tracing.broadcaster.
"""

from __future__ import annotations

from typing import Any

from a2g.chat.cancel import CancelBody
from a2g.chat.schemas import InvokeBody, MessageView
from a2g.http.schemas import ErrorDetail
from a2g.tracing.schemas import LogEntry
from pydantic import BaseModel

ACTIONS = ("subscribe", "unsubscribe", "invoke", "cancel", "ping")
"""Every `action` a client may send; anything else is answered with an `unknown_action` error."""


def _schemas(*models: type[BaseModel]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out


def _obj(required: list[str], properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if description:
        schema["description"] = description
    return schema


_STR = {"type": "string"}
_NULLABLE_STR = {"type": ["string", "null"]}
_ERROR = {"$ref": "#/components/schemas/ErrorDetail"}
_RUN = {"session_id": _STR, "request_id": {**_NULLABLE_STR, "description": "echoed from the invoke action"}}


def _const(value: str) -> dict[str, Any]:
    return {"type": "string", "const": value}


def _message(name: str, summary: str, payload: dict[str, Any], example: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    message: dict[str, Any] = {"name": name, "title": name, "summary": summary, "contentType": "application/json",
                               "payload": payload}
    if example is not None:
        message["examples"] = [{"payload": example}]
    return message


MESSAGES: dict[str, dict[str, Any]] = {
    # ---- what the client sends ----
    "subscribe": _message("subscribe", "Start the live feed of a trace the caller owns.",
                          _obj(["action", "trace_id"], {"action": _const("subscribe"), "trace_id": _STR}),
                          {"action": "subscribe", "trace_id": "trc_01HX..."}),
    "unsubscribe": _message("unsubscribe", "Stop the live feed of a trace.",
                            _obj(["action", "trace_id"], {"action": _const("unsubscribe"), "trace_id": _STR}),
                            {"action": "unsubscribe", "trace_id": "trc_01HX..."}),
    "invoke": _message("invoke", "Send a chat message to the session's agent; the answer streams back "
                       "(run_started, chunk / progress ..., then message or error).",
                       {"$ref": "#/components/schemas/InvokeBody"},
                       {"action": "invoke", "session_id": "ses_01HX...", "message": "Book room 4 at 10",
                        "attachments": [], "request_id": "r1"}),
    "cancel": _message("cancel", "Stop a running chat run of the caller's session (the run with this `request_id`, "
                       "or any run of the session that started before the Stop): `stopping` answers at once; the "
                       "run then ends with a `message` whose status is `stopped` and whose content is what had "
                       "streamed.",
                       {"$ref": "#/components/schemas/CancelBody"},
                       {"action": "cancel", "session_id": "ses_01HX...", "request_id": "r1"}),
    "ping": _message("ping", "Keep the connection alive and measure the round trip.",
                     _obj(["action"], {"action": _const("ping"), "echo": {"description": "returned as is"}}),
                     {"action": "ping", "echo": 1}),
    # ---- what the server pushes ----
    "subscribed": _message("subscribed", "The trace's entries will now be pushed.",
                           _obj(["type", "trace_id"], {"type": _const("subscribed"), "trace_id": _STR})),
    "unsubscribed": _message("unsubscribed", "The trace's feed stopped.",
                             _obj(["type", "trace_id"], {"type": _const("unsubscribed"), "trace_id": _NULLABLE_STR})),
    "pong": _message("pong", "The answer to ping.", _obj(["type"], {"type": _const("pong"), "echo": {}})),
    "trace.entry": _message(
        "trace.entry", "An LLM call made through the log-proxy on a subscribed trace (cut to fit a frame: "
        "`truncated: true`; GET /api/logs/{entry_id} has all of it).",
        _obj(["type", "trace_id", "entry"], {"type": _const("trace.entry"), "trace_id": _STR,
                                             "entry": {"$ref": "#/components/schemas/LogEntry"}})),
    "trace.running": _message(
        "trace.running", "An LLM call still in flight on a subscribed trace: first its request (`status: "
        "running`), then, merged to about ten a second, `{entry_id, status: running, output_text, partial: true}` "
        "as its answer streams; the `trace.entry` with the same entry id replaces it when the call ends.",
        _obj(["type", "trace_id", "entry"], {"type": _const("trace.running"), "trace_id": _STR,
                                             "entry": {"type": "object", "required": ["entry_id", "status"],
                                                       "properties": {"entry_id": _STR,
                                                                      "status": _const("running"),
                                                                      "output_text": _STR,
                                                                      "partial": {"type": "boolean"}}}})),
    "trace.entry_removed": _message(
        "trace.entry_removed", "An entry of a subscribed trace was merged into another and no longer exists: an "
        "LLM call's span entry (`spn_...`, pushed when its span arrived first) joined the log-proxy's entry of the "
        "same call, which `merged_into` names and which was pushed just before as a `trace.entry`.",
        _obj(["type", "trace_id", "entry_id"], {"type": _const("trace.entry_removed"), "trace_id": _STR,
                                                "entry_id": _STR, "merged_into": _NULLABLE_STR}),
        {"type": "trace.entry_removed", "trace_id": "trc_01HX...", "entry_id": "spn_5fb397be34d26b51",
         "merged_into": "log_01HX..."}),
    "trace.cleared": _message("trace.cleared", "Every entry of a subscribed trace was deleted.",
                              _obj(["type", "trace_id"], {"type": _const("trace.cleared"), "trace_id": _STR})),
    "run_started": _message(
        "run_started", "The user's message was saved; the agent is being called.",
        _obj(["type", "session_id", "message"], {"type": _const("run_started"), **_RUN,
                                                 "message": {"$ref": "#/components/schemas/MessageView"},
                                                 "replaced": {"type": "array", "items": _STR,
                                                              "description": "ids of the messages this one "
                                                              "replaced (invoke's `replaces`): deleted"}})),
    "stopping": _message(
        "stopping", "The Stop was recorded; the run ends within about a second with a `stopped` message.",
        _obj(["type", "session_id"], {"type": _const("stopping"), **_RUN})),
    "chunk": _message("chunk", "A piece of the agent's answer as it streams.",
                      _obj(["type", "session_id", "delta"], {"type": _const("chunk"), **_RUN, "delta": _STR})),
    "progress": _message(
        "progress", "The agent is still working (its progress text, or a heartbeat while it is silent).",
        _obj(["type", "session_id", "elapsed_ms"], {"type": _const("progress"), **_RUN, "text": _STR,
                                                    "elapsed_ms": {"type": "integer"}})),
    "message": _message(
        "message", "The agent's answer, saved (also GET /api/sessions/{id}/messages).",
        _obj(["type", "session_id", "message"], {"type": _const("message"), **_RUN,
                                                 "message": {"$ref": "#/components/schemas/MessageView"}})),
    "error": _message(
        "error", "An action failed (unknown action, a trace not the caller's, a run that failed: then `message` "
        "is the saved assistant message with status error, or null when nothing was saved).",
        _obj(["type", "error"], {
            "type": _const("error"), "action": _NULLABLE_STR, "trace_id": _NULLABLE_STR, **_RUN, "error": _ERROR,
            "message": {"anyOf": [{"$ref": "#/components/schemas/MessageView"}, {"type": "null"}]},
        }),
        {"type": "error", "error": {"code": "unknown_action", "message": "unknown action: 'jump'"}}),
}

_SENT = ("subscribe", "unsubscribe", "invoke", "cancel", "ping")
_PUSHED = ("subscribed", "unsubscribed", "pong", "trace.entry", "trace.running", "trace.entry_removed", "trace.cleared",
           "run_started", "chunk", "progress", "message", "stopping", "error")


def _refs(names: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"$ref": f"#/channels/live/messages/{name}"} for name in names]


def asyncapi_document(version: str = "1") -> dict[str, Any]:
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "A2G Agent Platform WebSocket",
            "version": version,
            "description": (
                "One WebSocket per browser tab for the live trace and the playground's chat. Connect with "
                "`?token=<access token or API key>` (checked before the connection opens: 401 without one, 403 "
                "when refused) and optionally `&trace_id=<trace>` to subscribe at once (403 when the trace is "
                "not the caller's). Every frame is JSON: the client sends `{\"action\": ...}`, the server "
                "pushes `{\"type\": ...}`. The HTTP API is described at /api/openapi.json."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "platform": {"host": "{host}", "protocol": "ws", "pathname": "/ws",
                         "description": "locally ws://127.0.0.1:3000/ws; on AWS the stack's WebSocket API (wss)",
                         "variables": {"host": {"default": "127.0.0.1:3000"}},
                         "security": [{"$ref": "#/components/securitySchemes/token"}]},
        },
        "channels": {
            "live": {
                "address": "/",
                "title": "The connection",
                "servers": [{"$ref": "#/servers/platform"}],
                "parameters": {},
                "bindings": {"ws": {"query": _obj(["token"], {
                    "token": {**_STR, "description": "a platform access token or API key"},
                    "trace_id": {**_STR, "description": "subscribe to this trace at connect"},
                })}},
                "messages": MESSAGES,
            },
        },
        "operations": {
            # The document describes the platform: it receives the client's actions and sends the pushes.
            **{f"receive_{name}": {"action": "receive", "channel": {"$ref": "#/channels/live"},
                                   "summary": MESSAGES[name]["summary"], "messages": _refs((name,))}
               for name in _SENT},
            "send_pushes": {"action": "send", "channel": {"$ref": "#/channels/live"},
                               "summary": "Everything the server pushes: answers to actions, trace entries, "
                                          "the chat run's stream.",
                               "messages": _refs(_PUSHED)},
        },
        "components": {
            "schemas": _schemas(InvokeBody, CancelBody, MessageView, LogEntry, ErrorDetail),
            "securitySchemes": {"token": {"type": "httpApiKey", "name": "token", "in": "query",
                                          "description": "a platform access token or API key"}},
        },
    }
