"""`AsyncClient`: the same calls as `Client`, for asyncio code (httpx.AsyncClient, websockets' asyncio client).

    from a2g_sdk import AsyncClient
    async with AsyncClient() as a2g:
        session = await a2g.start_session(agent_id)
        async for event in a2g.invoke(session["session_id"], "hello"):
            print(event.get("delta", ""), end="")
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Self, cast

import httpx
from websockets.exceptions import WebSocketException

from a2g_sdk import _routes as routes
from a2g_sdk._core import (
    DEFAULT_RUN_TIMEOUT,
    DEFAULT_TIMEOUT,
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
    subscribe_frame,
    upload_form,
    ws_connect_url,
)
from a2g_sdk._transport import connection_error, run_timed_out, websocket_error
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
    from websockets.asyncio.client import ClientConnection


class AsyncClient:
    """`Client` for asyncio: every method is a coroutine, `invoke` an async iterator. Same settings."""

    def __init__(self, platform_url: str | None = None, *, api_key: str | None = None, token: str | None = None,
                 ws_url: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                 http: httpx.AsyncClient | None = None) -> None:
        self.settings = Settings.resolve(platform_url, api_key, token, ws_url)
        self._timeout = timeout
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _exchange(self, call: Call) -> tuple[int, Any]:
        """(status, JSON body) of a success; the typed error of anything else."""
        base = self.settings.base_url
        try:
            response = await self._http.request(call.method, base + call.path, params=dict(call.params) or None,
                                                json=call.json, headers=self.settings.headers)
        except httpx.HTTPError as exc:
            raise connection_error(exc, base, call.what) from exc
        return response.status_code, read_answer(response.status_code, response.text, base, call.what)

    async def _send(self, call: Call) -> Any:
        return (await self._exchange(call))[1]

    async def _object(self, call: Call) -> dict[str, Any]:
        return expect_object(await self._send(call), call.what)

    async def me(self) -> Me:
        return cast(Me, await self._object(routes.me()))

    async def register(self, card: Any = None, card_url: str | None = None, *, logo_url: str | None = None,
                       color: str | None = None, framework: str | None = None,
                       endpoint: Mapping[str, Any] | None = None) -> RegisteredAgent:
        call = routes.register(as_card(card), card_url, logo_url=logo_url, color=color, framework=framework,
                               endpoint=endpoint)
        status, body = await self._exchange(call)
        return cast(RegisteredAgent, {**expect_object(body, call.what), "created": status == 201})

    async def create_agent(self, name: str, framework: str, endpoint: Mapping[str, Any], *, description: str = "",
                           skills: Sequence[Mapping[str, Any]] | None = None, logo_url: str | None = None,
                           color: str | None = None) -> Agent:
        return cast(Agent, await self._object(routes.create_agent(
            name, framework, endpoint, description=description, skills=skills, logo_url=logo_url, color=color)))

    async def list_agents(self, *, limit: int | None = None, cursor: str | None = None) -> AgentPage:
        return cast(AgentPage, await self._object(routes.list_agents(limit, cursor)))

    async def iter_agents(self) -> AsyncIterator[Agent]:
        cursor: str | None = None
        while True:
            page = await self.list_agents(cursor=cursor)
            for agent in page["items"]:
                yield agent
            cursor = page["next_cursor"]
            if not cursor:
                return

    async def get_agent(self, agent_id: str) -> Agent:
        return cast(Agent, await self._object(routes.get_agent(agent_id)))

    async def update_agent(self, agent_id: str, *, version: int | None = None, name: str | None = None,
                           description: str | None = None, skills: Sequence[Mapping[str, Any]] | None = None,
                           logo_url: str | None = None, color: str | None = None, framework: str | None = None,
                           endpoint: Mapping[str, Any] | None = None) -> Agent:
        if version is None:
            version = int((await self.get_agent(agent_id))["version"])
        changes = {"name": name, "description": description, "logo_url": logo_url, "color": color,
                   "framework": framework, "skills": [dict(s) for s in skills] if skills is not None else None,
                   "endpoint": dict(endpoint) if endpoint is not None else None}
        return cast(Agent, await self._object(routes.update_agent(agent_id, version, changes)))

    async def delete_agent(self, agent_id: str, *, version: int | None = None) -> None:
        await self._send(routes.delete_agent(agent_id, version))

    async def publish(self, agent_id: str, *, version: int | None = None) -> Agent:
        return cast(Agent, await self._object(routes.change_status(agent_id, "publish", version)))

    async def withdraw(self, agent_id: str, *, version: int | None = None) -> Agent:
        return cast(Agent, await self._object(routes.change_status(agent_id, "withdraw", version)))

    async def start_session(self, agent_id: str, *, title: str | None = None,
                            reuse_latest: bool = False) -> Session:
        return cast(Session, await self._object(routes.start_session(agent_id, title, reuse_latest)))

    async def list_sessions(self, agent_id: str, *, limit: int | None = None,
                            cursor: str | None = None) -> SessionPage:
        return cast(SessionPage, await self._object(routes.list_sessions(agent_id, limit, cursor)))

    async def get_session(self, session_id: str) -> Session:
        return cast(Session, await self._object(routes.get_session(session_id)))

    async def delete_session(self, session_id: str) -> None:
        await self._send(routes.delete_session(session_id))

    async def list_messages(self, session_id: str, *, limit: int | None = None,
                            cursor: str | None = None) -> MessagePage:
        return cast(MessagePage, await self._object(routes.list_messages(session_id, limit, cursor)))

    async def trace(self, trace_id: str, *, limit: int | None = None, cursor: str | None = None,
                    order: Literal["asc", "desc"] = "asc") -> TracePage:
        return cast(TracePage, await self._object(routes.trace(trace_id, limit, cursor, order)))

    async def iter_trace(self, trace_id: str, *,
                         order: Literal["asc", "desc"] = "asc") -> AsyncIterator[TraceEntry]:
        cursor: str | None = None
        while True:
            page = await self.trace(trace_id, cursor=cursor, order=order)
            for entry in page["items"]:
                yield entry
            cursor = page["next_cursor"]
            if not cursor:
                return

    async def trace_entry(self, trace_id: str, entry_id: str) -> TraceEntry:
        return cast(TraceEntry, await self._object(routes.trace_entry(trace_id, entry_id)))

    async def clear_trace(self, trace_id: str, *, up_to: str | None = None) -> int:
        return int((await self._object(routes.clear_trace(trace_id, up_to))).get("deleted", 0))

    async def watch_trace(self, trace_id: str, *, timeout: float | None = None) -> AsyncIterator[TracePush]:
        """See `Client.watch_trace`: the trace's live pushes until you stop iterating."""
        frame = subscribe_frame(trace_id)
        connection = await self._ws()
        try:
            await connection.send(frame)
            while True:
                try:
                    raw = await asyncio.wait_for(connection.recv(), timeout)
                except TimeoutError:
                    raise run_timed_out(timeout or 0, "the trace") from None
                push = read_trace_push(raw, trace_id)
                if push is not None and push != "subscribed":
                    yield push
        except (OSError, WebSocketException) as exc:
            raise websocket_error(exc, self.settings.ws_url) from exc
        finally:
            await connection.close()

    async def upload_file(self, session_id: str, data: bytes | str | os.PathLike[str], *,
                          file_name: str | None = None, content_type: str | None = None) -> FileInfo:
        """See `Client.upload_file`."""
        content, name = file_bytes(data, file_name)
        call = routes.create_upload(session_id, name, guess_type(name, content_type), len(content))
        ticket = await self._object(call)
        url, fields = upload_form(ticket)
        try:
            sent = await self._http.post(url, data=fields, files={"file": (name, content, call.json["content_type"])})
        except httpx.HTTPError as exc:
            raise connection_error(exc, url, "uploading the file") from exc
        check_upload(sent.status_code, sent.text, name)
        return cast(FileInfo, ticket["file"])

    async def get_file(self, file_id: str) -> FileDownload:
        return cast(FileDownload, await self._object(routes.get_file(file_id)))

    async def download_file(self, file_id: str) -> bytes:
        url = (await self.get_file(file_id))["url"]
        try:
            fetched = await self._http.get(url)
        except httpx.HTTPError as exc:
            raise connection_error(exc, url, "downloading the file") from exc
        return checked_download(fetched.status_code, fetched.content, file_id)

    async def list_api_keys(self, *, include_revoked: bool = False) -> list[ApiKey]:
        return cast(list[ApiKey], (await self._object(routes.list_api_keys(include_revoked)))["items"])

    async def create_api_key(self, name: str | None = None) -> NewApiKey:
        return cast(NewApiKey, await self._object(routes.create_api_key(name)))

    async def revoke_api_key(self, key_id: str) -> None:
        await self._send(routes.revoke_api_key(key_id))

    async def _ws(self) -> ClientConnection:
        from websockets.asyncio.client import connect

        try:
            return await connect(ws_connect_url(self.settings), open_timeout=self._timeout, max_size=2**22)
        except (OSError, WebSocketException, TimeoutError) as exc:
            raise websocket_error(exc, self.settings.ws_url) from exc

    async def invoke(self, session_id: str, message: str, *, attachments: Sequence[str] | None = None,
                     replaces: str | None = None, timeout: float = DEFAULT_RUN_TIMEOUT,
                     request_id: str | None = None) -> AsyncIterator[RunEvent]:
        """See `Client.invoke` (`replaces`: Edit and resend / Regenerate of the last question)."""
        frame, rid = invoke_frame(session_id, message, attachments, request_id, replaces)
        url = self.settings.ws_url
        connection = await self._ws()
        try:
            await connection.send(frame)
            while True:
                try:
                    raw = await asyncio.wait_for(connection.recv(), timeout)
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
        finally:
            await connection.close()

    async def chat(self, session_id: str, message: str, *, attachments: Sequence[str] | None = None,
                   replaces: str | None = None, timeout: float = DEFAULT_RUN_TIMEOUT) -> ChatMessage:
        last: RunEvent | None = None
        async for event in self.invoke(session_id, message, attachments=attachments, replaces=replaces,
                                       timeout=timeout):
            last = event
        assert last is not None
        return final_message(last)

    async def cancel(self, session_id: str, *, request_id: str | None = None) -> StopAck:
        """See `Client.cancel`: Stop a running chat run; its `invoke` then yields the `stopped` message."""
        frame = cancel_frame(session_id, request_id)
        connection = await self._ws()
        try:
            await connection.send(frame)
            while True:
                try:
                    raw = await asyncio.wait_for(connection.recv(), self._timeout)
                except TimeoutError:
                    raise run_timed_out(self._timeout, "the Stop") from None
                ack = read_cancel_reply(raw)
                if ack is not None:
                    return ack
        except (OSError, WebSocketException) as exc:
            raise websocket_error(exc, self.settings.ws_url) from exc
        finally:
            await connection.close()
