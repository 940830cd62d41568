"""Chat sessions and their messages (the playground's history).

POST /api/agents/{agent_id}/sessions  start one (with its own trace); `reuse_latest` reopens the latest
GET  /api/agents/{agent_id}/sessions  mine with this agent, most recent first, paginated
GET / DELETE /api/sessions/{session_id}            one of mine / it with its messages and files
POST / GET   /api/sessions/{session_id}/messages   store a message / the history, oldest first
"""

from __future__ import annotations

from typing import Any

from a2g.chat.composition import session_service
from a2g.chat.schemas import (
    REOPENED,
    MessagePage,
    MessageView,
    PostMessageBody,
    SessionPage,
    SessionView,
    StartSessionBody,
)
from a2g.http import ApprovedPrincipal, create_app, lambda_handler_for
from a2g.validation import Cursor, ResourceId
from fastapi import Query, Response

app = create_app("sessions")


@app.post("/api/agents/{agent_id}/sessions", status_code=201, response_model=SessionView, responses=REOPENED, summary="Start a chat session (or reopen the latest)")
def start_session(
    agent_id: ResourceId, principal: ApprovedPrincipal, response: Response, body: StartSessionBody | None = None
) -> dict[str, Any]:
    body = body or StartSessionBody()
    session, created = session_service().start_session(
        principal, agent_id, title=body.title, reuse_latest=body.reuse_latest
    )
    if not created:
        response.status_code = 200
    return session.to_json()


@app.get("/api/agents/{agent_id}/sessions", response_model=SessionPage, summary="My sessions with an agent, most recent first")
def list_sessions(
    agent_id: ResourceId,
    principal: ApprovedPrincipal,
    limit: int | None = Query(None),
    cursor: Cursor | None = None,
) -> dict[str, Any]:
    page = session_service().list_sessions(principal, agent_id, limit, cursor)
    return {"items": [s.to_json() for s in page.items], "next_cursor": page.next_cursor}


@app.get("/api/sessions/{session_id}", response_model=SessionView, summary="One of my sessions")
def get_session(session_id: ResourceId, principal: ApprovedPrincipal) -> dict[str, Any]:
    return session_service().get_session(principal, session_id).to_json()


@app.delete("/api/sessions/{session_id}", status_code=204, response_model=None, summary="Delete a session with its messages and files")
def delete_session(session_id: ResourceId, principal: ApprovedPrincipal) -> Response:
    session_service().delete_session(principal, session_id)
    return Response(status_code=204)


@app.post("/api/sessions/{session_id}/messages", status_code=201, response_model=MessageView, summary="Store a message")
def post_message(session_id: ResourceId, body: PostMessageBody, principal: ApprovedPrincipal) -> dict[str, Any]:
    message = session_service().post_message(
        principal, session_id, role=body.role, content=body.content, attachments=body.attachments
    )
    return message.to_json()


@app.get("/api/sessions/{session_id}/messages", response_model=MessagePage, summary="A session's messages, oldest first")
def list_messages(
    session_id: ResourceId,
    principal: ApprovedPrincipal,
    limit: int | None = Query(None),
    cursor: Cursor | None = None,
) -> dict[str, Any]:
    page = session_service().list_messages(principal, session_id, limit, cursor)
    return {"items": [m.to_json() for m in page.items], "next_cursor": page.next_cursor}


handler = lambda_handler_for(app)
