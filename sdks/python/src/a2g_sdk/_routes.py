"""The platform routes the SDK calls, as `Call`s (method, path, query, body); both clients send these."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from a2g_sdk._core import REGISTER_PATH, Call, _drop_none, page_params, registration_body, seg


def me() -> Call:
    return Call("GET", "/api/auth/me", what="reading who the credential is")


def register(card: Mapping[str, Any] | None, card_url: str | None, *, logo_url: str | None,
             color: str | None, framework: str | None, endpoint: Mapping[str, Any] | None) -> Call:
    body = registration_body(card, card_url, logo_url=logo_url, color=color, framework=framework,
                             endpoint=endpoint)
    return Call("POST", REGISTER_PATH, json=body, what="registering the agent")


def create_agent(name: str, framework: str, endpoint: Mapping[str, Any], *, description: str,
                 skills: Sequence[Mapping[str, Any]] | None, logo_url: str | None, color: str | None) -> Call:
    body = _drop_none({"name": name, "framework": framework, "endpoint": dict(endpoint),
                       "description": description, "skills": [dict(s) for s in skills or []],
                       "logo_url": logo_url, "color": color})
    return Call("POST", "/api/my-agents", json=body, what="creating the agent")


def list_agents(limit: int | None, cursor: str | None) -> Call:
    return Call("GET", "/api/my-agents", params=page_params(limit, cursor), what="listing your agents")


def get_agent(agent_id: str) -> Call:
    return Call("GET", f"/api/my-agents/{seg(agent_id)}", what="reading the agent")


def update_agent(agent_id: str, version: int, changes: Mapping[str, Any]) -> Call:
    body = {**_drop_none(changes), "version": version}
    return Call("PATCH", f"/api/my-agents/{seg(agent_id)}", json=body, what="updating the agent")


def delete_agent(agent_id: str, version: int | None) -> Call:
    params: dict[str, str | int] = {"version": version} if version is not None else {}
    return Call("DELETE", f"/api/my-agents/{seg(agent_id)}", params=params, what="deleting the agent")


def change_status(agent_id: str, action: Literal["publish", "withdraw"], version: int | None) -> Call:
    body = {"version": version} if version is not None else None
    what = "publishing the agent" if action == "publish" else "withdrawing the agent"
    return Call("POST", f"/api/my-agents/{seg(agent_id)}/{action}", json=body, what=what)


def start_session(agent_id: str, title: str | None, reuse_latest: bool) -> Call:
    body = _drop_none({"title": title, "reuse_latest": reuse_latest or None})
    return Call("POST", f"/api/agents/{seg(agent_id)}/sessions", json=body, what="starting a chat session")


def list_sessions(agent_id: str, limit: int | None, cursor: str | None) -> Call:
    return Call("GET", f"/api/agents/{seg(agent_id)}/sessions", params=page_params(limit, cursor),
                what="listing the agent's chat sessions")


def get_session(session_id: str) -> Call:
    return Call("GET", f"/api/sessions/{seg(session_id)}", what="reading the chat session")


def delete_session(session_id: str) -> Call:
    return Call("DELETE", f"/api/sessions/{seg(session_id)}", what="deleting the chat session")


def list_messages(session_id: str, limit: int | None, cursor: str | None) -> Call:
    return Call("GET", f"/api/sessions/{seg(session_id)}/messages", params=page_params(limit, cursor),
                what="reading the chat history")


def trace(trace_id: str, limit: int | None, cursor: str | None, order: Literal["asc", "desc"]) -> Call:
    if not trace_id:
        raise ValueError("trace_id must be a non-empty string")
    return Call("GET", "/api/logs", params=page_params(limit, cursor, trace_id=trace_id, order=order),
                what="reading the trace")


def trace_entry(trace_id: str, entry_id: str) -> Call:
    return Call("GET", f"/api/logs/{seg(entry_id)}", params={"trace_id": trace_id}, what="reading the trace entry")


def clear_trace(trace_id: str, up_to: str | None) -> Call:
    params: dict[str, str | int] = {"trace_id": trace_id}
    if up_to is not None:
        params["up_to"] = up_to
    return Call("DELETE", "/api/logs", params=params, what="clearing the trace")


def create_upload(session_id: str, file_name: str, content_type: str, size: int) -> Call:
    body = {"session_id": session_id, "file_name": file_name, "content_type": content_type, "size": size}
    return Call("POST", "/api/files", json=body, what="announcing the file")


def get_file(file_id: str) -> Call:
    return Call("GET", f"/api/files/{seg(file_id)}", what="reading the file")


# API keys: the platform lets only a signed-in person (an access token) manage them; a key cannot mint keys.
def list_api_keys(include_revoked: bool) -> Call:
    params: dict[str, str | int] = {"include_revoked": "true"} if include_revoked else {}
    return Call("GET", "/api/api-keys", params=params, what="listing your API keys")


def create_api_key(name: str | None) -> Call:
    return Call("POST", "/api/api-keys", json=_drop_none({"name": name}), what="creating an API key")


def revoke_api_key(key_id: str) -> Call:
    return Call("DELETE", f"/api/api-keys/{seg(key_id)}", what="revoking the API key")
