"""`Client`: the platform from synchronous code (httpx for HTTP, websockets for chat runs).

    from a2g_sdk import Client
    with Client() as a2g:                       # A2G_PLATFORM_URL and A2G_API_KEY (or A2G_TOKEN)
        agent = a2g.register(card_url="http://my-agent:8000")
        session = a2g.start_session(agent["id"])
        for event in a2g.invoke(session["session_id"], "hello"):
            print(event.get("delta", ""), end="")

`register(...)` (module level) is the one-call form kept from the first SDK.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Self, cast

import httpx
from websockets.exceptions import WebSocketException

from a2g_sdk import _routes as routes
from a2g_sdk._core import (
    API_KEY_ENV,
    DEFAULT_RUN_TIMEOUT,
    DEFAULT_TIMEOUT,
    PLATFORM_URL_ENV,
    REGISTER_PATH,
    Call,
    Settings,
    as_card,
    cancel_frame,
    check_upload,
    checked_download,
    expect_object,
    file_bytes,
    final_message,
    guess_type,
    invoke_frame,
    is_last,
    read_answer,
    read_cancel_reply,
    read_push,
    read_trace_push,
    registration_body,
    subscribe_frame,
    upload_form,
    ws_connect_url,
)
from a2g_sdk._transport import connection_error, run_timed_out, websocket_error
from a2g_sdk.errors import A2GError
from a2g_sdk.models import (
    Agent,
    AgentPage,
    ApiKey,
    ChatMessage,
    FileDownload,
    FileInfo,
    Me,
    MessagePage,
    NewApiKey,
    RegisteredAgent,
    RunEvent,
    Session,
    SessionPage,
    StopAck,
    TraceEntry,
    TracePage,
    TracePush,
)

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

__all__ = ["API_KEY_ENV", "PLATFORM_URL_ENV", "REGISTER_PATH", "A2GError", "Client", "register",
           "registration_body"]


class Client:
    """A developer's agents, chat sessions, traces and chat runs on one platform.

    `platform_url` defaults to $A2G_PLATFORM_URL; the credential is `api_key` (an `a2g_sk_...` key) or
    `token` (a signed-in user's access token), defaulting to $A2G_API_KEY, then $A2G_TOKEN. `ws_url`
    (default: `/ws` on the platform's origin, or $A2G_WS_URL) is where chat runs stream from.
    """

    def __init__(self, platform_url: str | None = None, *, api_key: str | None = None, token: str | None = None,
                 ws_url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 http: httpx.Client | None = None) -> None:
        self.settings = Settings.resolve(platform_url, api_key, token, ws_url)
        self._timeout = timeout
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout)

    # --- lifecycle ----------------------------------------------------------------------------------------
    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- HTTP ---------------------------------------------------------------------------------------------
    def _exchange(self, call: Call) -> tuple[int, Any]:
        """(status, JSON body) of a success; the typed error of anything else."""
        base = self.settings.base_url
        try:
            response = self._http.request(call.method, base + call.path, params=dict(call.params) or None,
                                          json=call.json, headers=self.settings.headers)
        except httpx.HTTPError as exc:
            raise connection_error(exc, base, call.what) from exc
        return response.status_code, read_answer(response.status_code, response.text, base, call.what)

    def _send(self, call: Call) -> Any:
        return self._exchange(call)[1]

    def _object(self, call: Call) -> dict[str, Any]:
        return expect_object(self._send(call), call.what)

    # --- who am I -----------------------------------------------------------------------------------------
    def me(self) -> Me:
        """Who the credential speaks for; a quick check that the URL and the key are right."""
        return cast(Me, self._object(routes.me()))

    # --- agents -------------------------------------------------------------------------------------------
    def register(self, card: Any = None, card_url: str | None = None, *, logo_url: str | None = None,
                 color: str | None = None, framework: str | None = None,
                 endpoint: Mapping[str, Any] | None = None) -> RegisteredAgent:
        """Register an agent from its A2A card (a dict or an a2a-sdk AgentCard), or have the platform fetch
        it from `card_url`. Registering the same agent again updates it in place (`created` False)."""
        call = routes.register(as_card(card), card_url, logo_url=logo_url, color=color, framework=framework,
                               endpoint=endpoint)
        status, body = self._exchange(call)
        return cast(RegisteredAgent, {**expect_object(body, call.what), "created": status == 201})

    def create_agent(self, name: str, framework: str, endpoint: Mapping[str, Any], *, description: str = "",
                     skills: Sequence[Mapping[str, Any]] | None = None, logo_url: str | None = None,
                     color: str | None = None) -> Agent:
        """Create an agent by hand, as the web app's "+" does (`endpoint` as the framework needs it)."""
        return cast(Agent, self._object(routes.create_agent(
            name, framework, endpoint, description=description, skills=skills, logo_url=logo_url, color=color)))

    def list_agents(self, *, limit: int | None = None, cursor: str | None = None) -> AgentPage:
        return cast(AgentPage, self._object(routes.list_agents(limit, cursor)))

    def iter_agents(self) -> Iterator[Agent]:
        """Every one of your agents, newest first, following the pages."""
        cursor: str | None = None
        while True:
            page = self.list_agents(cursor=cursor)
            yield from page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return

    def get_agent(self, agent_id: str) -> Agent:
        return cast(Agent, self._object(routes.get_agent(agent_id)))

    def update_agent(self, agent_id: str, *, version: int | None = None, name: str | None = None,
                     description: str | None = None, skills: Sequence[Mapping[str, Any]] | None = None,
                     logo_url: str | None = None, color: str | None = None, framework: str | None = None,
                     endpoint: Mapping[str, Any] | None = None) -> Agent:
        """Change some fields. `version` is the one you read (a stale one is a `Conflict`); without it the
        current version is read first, so the last writer wins."""
        if version is None:
            version = int(self.get_agent(agent_id)["version"])
        changes = {"name": name, "description": description, "logo_url": logo_url, "color": color,
                   "framework": framework, "skills": [dict(s) for s in skills] if skills is not None else None,
                   "endpoint": dict(endpoint) if endpoint is not None else None}
        return cast(Agent, self._object(routes.update_agent(agent_id, version, changes)))

    def delete_agent(self, agent_id: str, *, version: int | None = None) -> None:
        self._send(routes.delete_agent(agent_id, version))

    def publish(self, agent_id: str, *, version: int | None = None) -> Agent:
        """DEVELOPMENT → PRODUCTION: colleagues find the agent in operation mode."""
        return cast(Agent, self._object(routes.change_status(agent_id, "publish", version)))

    def withdraw(self, agent_id: str, *, version: int | None = None) -> Agent:
        """PRODUCTION → DEVELOPMENT."""
        return cast(Agent, self._object(routes.change_status(agent_id, "withdraw", version)))

    # --- chat sessions ------------------------------------------------------------------------------------
    def start_session(self, agent_id: str, *, title: str | None = None, reuse_latest: bool = False) -> Session:
        """A new chat session with the agent; its `trace_id` collects the LLM calls of its runs."""
        return cast(Session, self._object(routes.start_session(agent_id, title, reuse_latest)))

    def list_sessions(self, agent_id: str, *, limit: int | None = None, cursor: str | None = None) -> SessionPage:
        return cast(SessionPage, self._object(routes.list_sessions(agent_id, limit, cursor)))

    def get_session(self, session_id: str) -> Session:
        return cast(Session, self._object(routes.get_session(session_id)))

    def delete_session(self, session_id: str) -> None:
        self._send(routes.delete_session(session_id))

    def list_messages(self, session_id: str, *, limit: int | None = None,
                      cursor: str | None = None) -> MessagePage:
        return cast(MessagePage, self._object(routes.list_messages(session_id, limit, cursor)))

    # --- traces -------------------------------------------------------------------------------------------
    def trace(self, trace_id: str, *, limit: int | None = None, cursor: str | None = None,
              order: Literal["asc", "desc"] = "asc") -> TracePage:
        """One page of a trace's entries (an agent's `trace_id` or a session's)."""
        return cast(TracePage, self._object(routes.trace(trace_id, limit, cursor, order)))

    def iter_trace(self, trace_id: str, *, order: Literal["asc", "desc"] = "asc") -> Iterator[TraceEntry]:
        cursor: str | None = None
        while True:
            page = self.trace(trace_id, cursor=cursor, order=order)
            yield from page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return

    def trace_entry(self, trace_id: str, entry_id: str) -> TraceEntry:
        """One entry whole (pages carry long entries cut, with `truncated`)."""
        return cast(TraceEntry, self._object(routes.trace_entry(trace_id, entry_id)))

    def clear_trace(self, trace_id: str, *, up_to: str | None = None) -> int:
        """Delete the trace's entries (with `up_to`, an ISO time: those made at or before it); how many."""
        return int(self._object(routes.clear_trace(trace_id, up_to)).get("deleted", 0))

    def watch_trace(self, trace_id: str, *, timeout: float | None = None) -> Iterator[TracePush]:
        """The trace live, as the web app's trace panel shows it: every push of LLM calls made on it from now
        on (`trace.running` while a call streams, `trace.entry` when it ends, ...) until you stop iterating.
        A trace that is not yours raises `NotFound`; `timeout`: seconds of silence before `RunTimedOut`."""
        frame = subscribe_frame(trace_id)
        connection = self._ws()
        try:
            connection.send(frame)
            while True:
                try:
                    raw = connection.recv(timeout=timeout)
                except TimeoutError:
                    raise run_timed_out(timeout or 0, "the trace") from None
                push = read_trace_push(raw, trace_id)
                if push is not None and push != "subscribed":
                    yield push
        except (OSError, WebSocketException) as exc:
            raise websocket_error(exc, self.settings.ws_url) from exc
        finally:  # also when the caller stops iterating: a normal close, not `with`'s 1011 on GeneratorExit
            connection.close()

    # --- files --------------------------------------------------------------------------------------------
    def upload_file(self, session_id: str, data: bytes | str | os.PathLike[str], *, file_name: str | None = None,
                    content_type: str | None = None) -> FileInfo:
        """Attach a file to a chat session, as the web app's paperclip does: the platform hands out a presigned
        form and the bytes go straight to storage. Pass the result's `file_id` in `attachments=`."""
        content, name = file_bytes(data, file_name)
        call = routes.create_upload(session_id, name, guess_type(name, content_type), len(content))
        ticket = self._object(call)
        url, fields = upload_form(ticket)
        try:
            sent = self._http.post(url, data=fields, files={"file": (name, content, call.json["content_type"])})
        except httpx.HTTPError as exc:
            raise connection_error(exc, url, "uploading the file") from exc
        check_upload(sent.status_code, sent.text, name)
        return cast(FileInfo, ticket["file"])

    def get_file(self, file_id: str) -> FileDownload:
        """A file of one of your sessions with a short-lived download `url`."""
        return cast(FileDownload, self._object(routes.get_file(file_id)))

    def download_file(self, file_id: str) -> bytes:
        """The bytes of a file of one of your sessions."""
        url = self.get_file(file_id)["url"]
        try:
            fetched = self._http.get(url)
        except httpx.HTTPError as exc:
            raise connection_error(exc, url, "downloading the file") from exc
        return checked_download(fetched.status_code, fetched.content, file_id)

    # --- API keys (a signed-in person's access token only: a key cannot mint or revoke keys) ---------------
    def list_api_keys(self, *, include_revoked: bool = False) -> list[ApiKey]:
        return cast(list[ApiKey], self._object(routes.list_api_keys(include_revoked))["items"])

    def create_api_key(self, name: str | None = None) -> NewApiKey:
        """A new key; its `key` is shown this once. With an API key as the credential: `PermissionDenied`."""
        return cast(NewApiKey, self._object(routes.create_api_key(name)))

    def revoke_api_key(self, key_id: str) -> None:
        self._send(routes.revoke_api_key(key_id))

    # --- chat runs ----------------------------------------------------------------------------------------
    def _ws(self) -> ClientConnection:
        from websockets.sync.client import connect

        try:
            return connect(ws_connect_url(self.settings), open_timeout=self._timeout, max_size=2**22)
        except (OSError, WebSocketException) as exc:
            raise websocket_error(exc, self.settings.ws_url) from exc

    def invoke(self, session_id: str, message: str, *, attachments: Sequence[str] | None = None,
               replaces: str | None = None, timeout: float = DEFAULT_RUN_TIMEOUT,
               request_id: str | None = None) -> Iterator[RunEvent]:
        """Run the session's agent on `message`, yielding its pushes as they come: run_started, chunk...,
        progress, and last `message` (the saved answer) or `error` (the agent failed; saved as well).

        `replaces`: the id of the session's last user message; this one takes its place and the old question
        and answer are deleted (the web app's Edit and resend, Regenerate, Retry). Any other id raises
        `Conflict` (`not_last_message`). `request_id` names the run for `cancel` (every push echoes it).
        A run the platform refuses (no such session, empty message) raises the typed error instead.
        `timeout` is how long to wait for the next push.
        """
        frame, rid = invoke_frame(session_id, message, attachments, request_id, replaces)
        url = self.settings.ws_url
        with self._ws() as connection:
            try:
                connection.send(frame)
                while True:
                    try:
                        raw = connection.recv(timeout=timeout)
                    except TimeoutError:
                        raise run_timed_out(timeout) from None
                    event = read_push(raw, rid)
                    if event is None:
                        continue
                    yield event
                    if is_last(event):
                        return
            except (OSError, WebSocketException) as exc:
                raise websocket_error(exc, url) from exc

    def chat(self, session_id: str, message: str, *, attachments: Sequence[str] | None = None,
             replaces: str | None = None, timeout: float = DEFAULT_RUN_TIMEOUT) -> ChatMessage:
        """Run the agent and return its saved answer; `RunFailed` when the agent failed."""
        last: RunEvent | None = None
        for event in self.invoke(session_id, message, attachments=attachments, replaces=replaces,
                                 timeout=timeout):
            last = event
        assert last is not None  # invoke yields until a last event or raises
        return final_message(last)

    def cancel(self, session_id: str, *, request_id: str | None = None) -> StopAck:
        """Stop a running chat run (the web app's Stop): the one `invoke` named `request_id`, or, without it,
        whichever run of the session started before now. The run then ends within about a second with a
        `message` whose status is `stopped` and whose content is what had streamed; `invoke` yields it.

        Safe from another thread, or from inside the `for event in invoke(...)` loop: the Stop travels on a
        connection of its own. A session that is not yours raises `NotFound`."""
        frame = cancel_frame(session_id, request_id)
        with self._ws() as connection:
            try:
                connection.send(frame)
                while True:
                    try:
                        raw = connection.recv(timeout=self._timeout)
                    except TimeoutError:
                        raise run_timed_out(self._timeout, "the Stop") from None
                    ack = read_cancel_reply(raw)
                    if ack is not None:
                        return ack
            except (OSError, WebSocketException) as exc:
                raise websocket_error(exc, self.settings.ws_url) from exc


def register(
    card: Any = None,
    card_url: str | None = None,
    *,
    api_key: str | None = None,
    token: str | None = None,
    platform_url: str | None = None,
    logo_url: str | None = None,
    color: str | None = None,
    framework: str | None = None,
    endpoint: dict[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    client: httpx.Client | None = None,
) -> RegisteredAgent:
    """Register (or update) an agent from its A2A card in one call; see `Client.register`.

    `api_key` / `platform_url` default to the A2G_API_KEY and A2G_PLATFORM_URL environment variables.
    """
    with Client(platform_url, api_key=api_key, token=token, timeout=timeout, http=client) as a2g:
        return a2g.register(card, card_url, logo_url=logo_url, color=color, framework=framework,
                            endpoint=endpoint)
