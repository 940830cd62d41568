"""The Python SDK against the local runtime: the whole developer flow with `Client` and with `AsyncClient`,
and every kind of failure as its typed exception carrying the platform's code and message.

The flow is the web app's development mode, from code: register an A2A agent (card URL, then again: the same
agent updated in place), update it (a stale version is a Conflict), call its model through the log-proxy
base URL the platform gave it and read that call in the agent trace, start a chat session, stream a run
(`invoke`) whose model calls land in the session trace, and publish the agent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from a2g_sdk import (
    CREDENTIAL_REFUSALS,
    AsyncClient,
    AuthenticationFailed,
    Client,
    ConfigurationError,
    Conflict,
    ConnectionFailed,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    TraceEntry,
    UnexpectedResponse,
)
from helpers import pending_user
from openai import OpenAI

from tests.e2e.adapters.a2a_test_agent import A2aTestServer
from tests.e2e.sdks.sdk_credentials import expired_token
from tests.e2e.tracing.mock_llm import free_port

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess
    from tests.e2e.sdks.conftest import Developer

pytestmark = pytest.mark.e2e


def _entries(read: Callable[[], list[TraceEntry]], timeout: float = 20.0) -> list[TraceEntry]:
    """A trace's entries once there are some (an entry is stored just after the LLM has answered)."""
    deadline = time.monotonic() + timeout
    while True:
        entries = read()
        if entries or time.monotonic() > deadline:
            return entries
        time.sleep(0.2)


def test_the_developer_flow_with_the_sync_client(
    sdk_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer]
) -> None:
    server = agent_server()
    with Client(sdk_runtime.base_url, api_key=developer.key) as a2g:
        me = a2g.me()
        assert me["user_id"] == developer.user.user_id and me["auth_kind"] == "api_key"

        agent = a2g.register(card_url=server.url, color="#0ea5e9")
        assert agent["created"] is True and agent["status"] == "DEVELOPMENT" and agent["color"] == "#0EA5E9"
        again = a2g.register(card_url=server.url)
        assert again["id"] == agent["id"] and again["created"] is False
        assert [a["id"] for a in a2g.iter_agents()] == [agent["id"]]

        updated = a2g.update_agent(agent["id"], description="Echoes, from the SDK")
        assert updated["description"] == "Echoes, from the SDK" and updated["version"] > again["version"]
        with pytest.raises(Conflict) as stale:
            a2g.update_agent(agent["id"], version=again["version"], name="stale")
        assert stale.value.status == 409 and stale.value.code and stale.value.message
        assert a2g.get_agent(agent["id"])["name"] == updated["name"]

        # The developer pastes the log-proxy base URL into the agent, with an API key, once.
        base_url = agent["log_proxy_base_url"]
        assert base_url.endswith(f"/api/log-proxy/{agent['trace_id']}/v1")
        direct = OpenAI(base_url=base_url, api_key=developer.key).chat.completions.create(
            model=developer.model, messages=[{"role": "user", "content": "from my terminal"}])
        assert direct.choices[0].message.content == "echo: from my terminal"
        agent_trace = _entries(lambda: a2g.trace(agent["trace_id"])["items"])
        assert [(e["model"], e["status"]) for e in agent_trace] == [(developer.model, "ok")]
        whole = a2g.trace_entry(agent["trace_id"], agent_trace[0]["entry_id"])
        assert whole["request"]["messages"][-1]["content"] == "from my terminal"
        server.executor.use_llm(base_url, developer.key, developer.model)

        session = a2g.start_session(agent["id"], title="sdk")
        assert session["agent_id"] == agent["id"] and session["trace_id"]
        events = list(a2g.invoke(session["session_id"], "hello sync"))
        kinds = [e["type"] for e in events]
        assert kinds[0] == "run_started" and kinds[-1] == "message" and "chunk" in kinds, events
        streamed = "".join(e.get("delta", "") for e in events if e["type"] == "chunk")
        final = events[-1]["message"]
        assert final is not None and final["content"] == streamed == "echo: hello sync"
        session_trace = _entries(lambda: a2g.trace(session["trace_id"])["items"])
        assert session_trace and session_trace[0]["model"] == developer.model
        assert session_trace[0]["session_id"] == session["session_id"]

        answer = a2g.chat(session["session_id"], "and again")
        assert answer["role"] == "assistant" and answer["content"] == "echo: and again"
        history = a2g.list_messages(session["session_id"])["items"]
        assert [m["content"] for m in history] == ["hello sync", "echo: hello sync", "and again", "echo: and again"]
        assert [s["session_id"] for s in a2g.list_sessions(agent["id"])["items"]] == [session["session_id"]]

        published = a2g.publish(agent["id"])
        assert published["status"] == "PRODUCTION"
        assert a2g.withdraw(agent["id"])["status"] == "DEVELOPMENT"

        with pytest.raises(NotFound) as missing:
            list(a2g.invoke("ses_does_not_exist", "anyone?"))
        assert missing.value.code == "not_found"
        assert a2g.clear_trace(agent["trace_id"]) >= 1
        a2g.delete_session(session["session_id"])
        a2g.delete_agent(agent["id"])
        with pytest.raises(NotFound):
            a2g.get_agent(agent["id"])


async def test_the_developer_flow_with_the_async_client(
    sdk_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer]
) -> None:
    server = agent_server()
    async with AsyncClient(sdk_runtime.base_url, api_key=developer.key) as a2g:
        agent = await a2g.register(card_url=server.url)
        assert agent["created"] is True
        server.executor.use_llm(agent["log_proxy_base_url"], developer.key, developer.model)
        updated = await a2g.update_agent(agent["id"], color="#112233", name="Async echo")
        assert (updated["name"], updated["color"]) == ("Async echo", "#112233")

        session = await a2g.start_session(agent["id"])
        events = [event async for event in a2g.invoke(session["session_id"], "hello async")]
        assert events[0]["type"] == "run_started" and events[-1]["type"] == "message", events
        assert "".join(e.get("delta", "") for e in events if e["type"] == "chunk") == "echo: hello async"

        entries: list[TraceEntry] = []
        deadline = time.monotonic() + 20
        while not entries and time.monotonic() < deadline:
            entries = [e async for e in a2g.iter_trace(session["trace_id"])]
            await asyncio.sleep(0.2)
        assert entries and entries[0]["model"] == developer.model

        assert (await a2g.chat(session["session_id"], "twice"))["content"] == "echo: twice"
        assert (await a2g.publish(agent["id"]))["status"] == "PRODUCTION"
        assert [a["id"] async for a in a2g.iter_agents()] == [agent["id"]]
        with pytest.raises(InvalidRequest) as bad:
            await a2g.update_agent(agent["id"], color="blue")
        assert bad.value.status == 400 and "color" in bad.value.message


def test_a_signed_in_token_works_where_a_key_does(sdk_runtime: RuntimeProcess, developer: Developer) -> None:
    with Client(sdk_runtime.base_url, token=developer.user.token) as a2g:
        assert a2g.me()["auth_kind"] == "token"
        assert a2g.list_agents()["items"] == []


def test_failures_are_typed_and_carry_the_platforms_code_and_message(
    sdk_runtime: RuntimeProcess, developer: Developer, agent_server: Callable[[], A2aTestServer]
) -> None:
    wrong = Client(sdk_runtime.base_url, api_key="a2g_sk_" + "x" * 40)
    with pytest.raises(AuthenticationFailed) as refused:
        wrong.me()
    assert refused.value.status == 401 and refused.value.code == "invalid_api_key"
    assert refused.value.message == CREDENTIAL_REFUSALS["invalid_api_key"]
    with pytest.raises(AuthenticationFailed) as ws_refused:
        list(wrong.invoke("ses_x", "hi"))
    # The refused handshake says why, as the HTTP routes do (functions/ws_connect).
    assert (ws_refused.value.status, ws_refused.value.code) == (401, "invalid_api_key")
    assert ws_refused.value.message == CREDENTIAL_REFUSALS["invalid_api_key"]

    waiting = pending_user(sdk_runtime)
    try:
        with pytest.raises(PermissionDenied) as pending:
            Client(sdk_runtime.base_url, token=waiting.token).list_agents()
        assert pending.value.code == "pending_approval" and "approval" in pending.value.message
        with pytest.raises(PermissionDenied) as pending_ws:
            list(Client(sdk_runtime.base_url, token=waiting.token).invoke("ses_x", "hi"))
        assert (pending_ws.value.status, pending_ws.value.code) == (403, "pending_approval")
    finally:
        waiting.close()

    with Client(sdk_runtime.base_url, api_key=developer.key) as a2g:
        with pytest.raises(InvalidRequest) as bad_card:
            a2g.register(card={"name": "no interfaces"})
        assert bad_card.value.status == 400 and bad_card.value.code and bad_card.value.message
        with pytest.raises(NotFound) as not_mine:
            a2g.trace("trc_not_mine")
        assert not_mine.value.status == 404

    down = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ConnectionFailed, match="cannot reach the platform at .*connection refused"):
        Client(down, api_key=developer.key).me()
    with pytest.raises(ConfigurationError, match="not an http:// or https:// URL"):
        Client("localhost:3000", api_key=developer.key)
    with pytest.raises(ConfigurationError, match="no API key"):
        Client(sdk_runtime.base_url, api_key=None, token=None)
    # A server that is not the platform (an agent's): its 404 has no error body.
    elsewhere = agent_server().url
    with pytest.raises(UnexpectedResponse, match="answered HTTP 404 without the platform's error body"):
        Client(elsewhere, api_key=developer.key).get_agent("x")


def test_a_wrong_key_an_expired_token_and_a_malformed_token_are_told_apart(
    sdk_runtime: RuntimeProcess, developer: Developer,
) -> None:
    """Each refusal is an AuthenticationFailed with its own code and the SDK's sentence, sync and async."""
    credentials = {"invalid_api_key": {"api_key": "a2g_sk_" + "q" * 43},
                   "token_expired": {"token": expired_token(sdk_runtime, developer.user.user_id)},
                   "invalid_token": {"token": "not.a.token"}}
    seen = {}
    for code, credential in credentials.items():
        with Client(sdk_runtime.base_url, **credential) as a2g, pytest.raises(AuthenticationFailed) as refused:
            a2g.list_agents()
        seen[code] = (refused.value.status, refused.value.code, refused.value.message)

    async def refused_async(credential: dict[str, str]) -> AuthenticationFailed:
        async with AsyncClient(sdk_runtime.base_url, **credential) as a2g:
            with pytest.raises(AuthenticationFailed) as refused:
                await a2g.me()
            return refused.value

    assert seen == {code: (401, code, CREDENTIAL_REFUSALS[code]) for code in credentials}
    for code, credential in credentials.items():
        assert asyncio.run(refused_async(credential)).code == code
