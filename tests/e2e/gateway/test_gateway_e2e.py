"""The A2A gateway end to end: real A2A clients (a2a-sdk 1.x, raw v0.3 JSON-RPC over httpx) against the local
runtime, in front of a real a2a-sdk agent (passed through) and a real Agno AgentOS (run through its adapter)."""

from __future__ import annotations

import json
import os
import secrets
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from a2a.client import ClientConfig, create_client
from a2a.client.card_resolver import parse_agent_card
from a2a.types import GetTaskRequest, Message, Part, Role, SendMessageRequest
from google.protobuf.json_format import MessageToDict
from helpers import SignedInUser, approved_user, create_api_key, pending_user, register_llm_model

from tests.e2e.adapters.a2a_test_agent import A2aTestServer
from tests.e2e.chat.chat_e2e_support import create_agent
from tests.e2e.tracing.mock_llm import free_port

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e


def _url(rt: RuntimeProcess, agent_id: str) -> str:
    return f"{rt.base_url}/api/a2a/agents/{agent_id}"


def _bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


def _rpc(rt: RuntimeProcess, agent_id: str, key: str | None, method: str, params: Any, *,
         v1: bool = False, rpc_id: Any = 1) -> httpx.Response:  # fmt: skip
    headers = _bearer(key) if key else {}
    if v1:
        headers["a2a-version"] = "1.0"
    body = {"jsonrpc": "2.0", "id": rpc_id, "method": method, "params": params}
    return httpx.post(_url(rt, agent_id), json=body, headers=headers, timeout=60)


def _v03_message(text: str, context_id: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"kind": "message", "messageId": f"m-{time.monotonic_ns()}", "role": "user",
                               "parts": [{"kind": "text", "text": text}]}
    if context_id:
        message["contextId"] = context_id
    return {"message": message}


def _sse_results(rt: RuntimeProcess, agent_id: str, key: str, method: str, params: Any,
                 *, v1: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    headers = {**_bearer(key), "accept": "text/event-stream"}
    if v1:
        headers["a2a-version"] = "1.0"
    body = {"jsonrpc": "2.0", "id": "s1", "method": method, "params": params}
    out = []
    with httpx.stream("POST", _url(rt, agent_id), json=body, headers=headers, timeout=60) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data:"):
                envelope = json.loads(line[5:])
                assert envelope["id"] == "s1" and "result" in envelope, envelope
                out.append(envelope["result"])
    return out


def _wait_entries(user: SignedInUser, trace_id: str, kind: str, timeout: float = 20) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        logs = user.get("/api/logs", params={"trace_id": trace_id})
        assert logs.status_code == 200, logs.text
        found = [e for e in logs.json()["items"] if e.get("kind") == kind]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


# --- the card ----------------------------------------------------------------------------------------------


def test_the_gateway_card_names_only_the_gateway_and_asks_for_the_platform_key(
    gw_runtime: RuntimeProcess, caller_key: str, a2a_agent: dict[str, Any], a2a_server: Any,
) -> None:  # fmt: skip
    url = _url(gw_runtime, a2a_agent["id"])
    response = httpx.get(url + "/.well-known/agent-card.json", headers=_bearer(caller_key), timeout=30)
    assert response.status_code == 200, response.text
    card = response.json()
    assert {i["url"] for i in card["supportedInterfaces"]} == {url, url + "/v1"}
    assert card["url"] == url and a2a_server.url.rstrip("/") not in json.dumps(card)
    assert card["securitySchemes"]["a2g_api_key"]["httpAuthSecurityScheme"]["scheme"] == "Bearer"
    assert card["capabilities"]["pushNotifications"] is False
    parsed = parse_agent_card(dict(card))  # a2a-sdk's own card model
    assert parsed.name == "Gateway echo A2A" and parsed.supported_interfaces[0].url == url
    assert "a2g_api_key" in parsed.security_schemes
    # the catalogue's card is the same gateway card
    catalogue = httpx.get(f"{gw_runtime.base_url}/api/catalog/agents/{a2a_agent['id']}/agent-card.json",
                          headers=_bearer(caller_key), timeout=30)  # fmt: skip
    assert catalogue.status_code == 200 and catalogue.json()["supportedInterfaces"] == card["supportedInterfaces"]


# --- an A2A agent, passed through -----------------------------------------------------------------------


async def test_a2a_sdk_client_sends_and_streams_through_the_gateway(
    gw_runtime: RuntimeProcess, caller_key: str, a2a_agent: dict[str, Any], caller: SignedInUser,
) -> None:  # fmt: skip
    url = _url(gw_runtime, a2a_agent["id"])
    async with httpx.AsyncClient(headers=_bearer(caller_key), timeout=60) as http:
        client = await create_client(url, client_config=ClientConfig(streaming=True, httpx_client=http),
                                     relative_card_path="/.well-known/agent-card.json")  # fmt: skip
        message = Message(message_id="m-sdk-1", role=Role.ROLE_USER, parts=[Part(text="hello gateway")])
        events = [MessageToDict(e) async for e in client.send_message(SendMessageRequest(message=message))]
        kinds = [next(iter(e)) for e in events]
        assert kinds[0] == "task" and "artifactUpdate" in kinds and kinds[-1] == "statusUpdate", kinds
        assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"
        task_id, context_id = events[0]["task"]["id"], events[0]["task"]["contextId"]
        text = "".join(p.get("text", "") for e in events if "artifactUpdate" in e
                       for p in e["artifactUpdate"]["artifact"]["parts"])  # fmt: skip
        assert text == "echo: hello gateway"
        task = MessageToDict(await client.get_task(GetTaskRequest(id=task_id)))
        assert task["id"] == task_id and task["status"]["state"] == "TASK_STATE_COMPLETED"
    # the contextId is the caller's chat session: in their history, with both messages
    session = caller.get(f"/api/sessions/{context_id}")
    assert session.status_code == 200, session.text
    assert session.json()["agent_id"] == a2a_agent["id"]
    messages = caller.get(f"/api/sessions/{context_id}/messages").json()["items"]
    assert [(m["role"], m["content"]) for m in messages] == [("user", "hello gateway"),
                                                             ("assistant", "echo: hello gateway")]


def test_v03_json_rpc_send_stream_get_cancel_and_the_owner_sees_the_call(
    gw_runtime: RuntimeProcess, caller_key: str, a2a_agent: dict[str, Any], owner: SignedInUser,
    caller: SignedInUser, a2a_server: Any,
) -> None:  # fmt: skip
    agent_id = a2a_agent["id"]
    sent = _rpc(gw_runtime, agent_id, caller_key, "message/send", _v03_message("first"))
    assert sent.status_code == 200, sent.text
    task = sent.json()["result"]
    assert task["kind"] == "task" and task["status"]["state"] == "completed", task
    context_id = task["contextId"]
    assert context_id.startswith("ses_")
    # the agent's own task id is kept: the agent's task store answers tasks/get through the gateway
    got = _rpc(gw_runtime, agent_id, caller_key, "tasks/get", {"id": task["id"]}).json()
    assert got["result"]["id"] == task["id"] and got["result"]["status"]["state"] == "completed"
    cancel = _rpc(gw_runtime, agent_id, caller_key, "tasks/cancel", {"id": task["id"]}).json()
    assert cancel["error"]["code"] == -32002, cancel  # a finished task: the agent's answer, passed on
    # the conversation continues in the same session; the agent saw the trace ids
    results = _sse_results(gw_runtime, agent_id, caller_key, "message/stream", _v03_message("second", context_id))
    assert results[-1]["kind"] == "status-update" and results[-1]["status"]["state"] == "completed"
    assert {r["contextId"] for r in results} == {context_id}
    assert a2a_server.executor.seen[-1]["metadata"]["a2g_session_id"] == context_id
    messages = caller.get(f"/api/sessions/{context_id}/messages").json()["items"]
    assert [m["content"] for m in messages] == ["first", "echo: first", "second", "echo: second"]
    # the owner's live trace has an agent_call for each
    calls = _wait_entries(owner, a2a_agent["trace_id"], "agent_call")
    mine = [e for e in calls if e["session_id"] == context_id]
    assert len(mine) >= 1, calls
    assert mine[0]["user_id"] == caller.user_id and mine[0]["a2a"]["context_id"] == context_id
    assert {e["a2a"]["task_id"] for e in mine} >= {task["id"]}


def test_an_a2a_agent_that_is_down_is_a_failed_task_not_an_error_page(
    gw_runtime: RuntimeProcess, owner: SignedInUser,
) -> None:  # fmt: skip
    dead = create_agent(owner, "Nobody home", "A2A", {"base_url": f"http://127.0.0.1:{free_port()}/"})
    key = create_api_key(owner, "gw-dead")["key"]
    sent = _rpc(gw_runtime, dead["id"], key, "message/send", _v03_message("anyone?"))
    assert sent.status_code == 200, sent.text
    task = sent.json()["result"]
    assert task["status"]["state"] == "failed"
    assert "could not be reached" in task["status"]["message"]["parts"][0]["text"]
    # a task like any other: the gateway keeps it, since the agent never had it
    got = _rpc(gw_runtime, dead["id"], key, "tasks/get", {"id": task["id"]}).json()
    assert got["result"]["id"] == task["id"] and got["result"]["status"]["state"] == "failed", got
    streamed = _sse_results(gw_runtime, dead["id"], key, "message/stream", _v03_message("still there?"))
    assert streamed[-1]["kind"] == "status-update" and streamed[-1]["final"] is True
    assert streamed[-1]["status"]["state"] == "failed"


# --- a non-A2A agent, made an A2A agent --------------------------------------------------------------------


async def test_an_agno_agent_is_an_a2a_agent_for_the_a2a_sdk_client(
    gw_runtime: RuntimeProcess, caller_key: str, agno_agent: dict[str, Any], caller: SignedInUser,
) -> None:  # fmt: skip
    url = _url(gw_runtime, agno_agent["id"])
    async with httpx.AsyncClient(headers=_bearer(caller_key), timeout=60) as http:
        client = await create_client(url, client_config=ClientConfig(streaming=True, httpx_client=http),
                                     relative_card_path="/.well-known/agent-card.json")  # fmt: skip
        message = Message(message_id="m-agno-1", role=Role.ROLE_USER, parts=[Part(text="hello agno")])
        events = [MessageToDict(e) async for e in client.send_message(SendMessageRequest(message=message))]
        assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED", events
        text = "".join(p.get("text", "") for e in events if "artifactUpdate" in e
                       for p in e["artifactUpdate"]["artifact"]["parts"])  # fmt: skip
        assert text == "echo: hello agno"
        task_id = events[0]["task"]["id"]
        task = MessageToDict(await client.get_task(GetTaskRequest(id=task_id)))
        assert task["status"]["state"] == "TASK_STATE_COMPLETED"
        assert task["artifacts"][0]["parts"][0]["text"] == "echo: hello agno"
    context_id = events[0]["task"]["contextId"]
    messages = caller.get(f"/api/sessions/{context_id}/messages").json()["items"]
    assert [m["content"] for m in messages] == ["hello agno", "echo: hello agno"]


def test_agno_over_v03_send_and_a_finished_task_cannot_be_canceled(
    gw_runtime: RuntimeProcess, caller_key: str, agno_agent: dict[str, Any],
) -> None:  # fmt: skip
    sent = _rpc(gw_runtime, agno_agent["id"], caller_key, "message/send", _v03_message("plain")).json()
    task = sent["result"]
    assert task["kind"] == "task" and task["status"]["state"] == "completed", sent
    assert task["artifacts"][0]["parts"][0] == {"kind": "text", "text": "echo: plain"}
    cancel = _rpc(gw_runtime, agno_agent["id"], caller_key, "tasks/cancel", {"id": task["id"]}).json()
    assert cancel["error"]["code"] == -32002
    v1 = _rpc(gw_runtime, agno_agent["id"], caller_key, "GetTask", {"id": task["id"]}, v1=True).json()
    assert v1["result"]["status"]["state"] == "TASK_STATE_COMPLETED"


# --- refusals ---------------------------------------------------------------------------------------------------


def test_who_may_call_and_nothing_is_stored_for_refused_calls(
    gw_runtime: RuntimeProcess, caller_key: str, caller: SignedInUser, owner: SignedInUser,
    a2a_agent: dict[str, Any], a2a_server: Any,
) -> None:  # fmt: skip
    before = caller.get(f"/api/agents/{a2a_agent['id']}/sessions").json()["items"]
    no_key = _rpc(gw_runtime, a2a_agent["id"], None, "message/send", _v03_message("x"))
    assert no_key.status_code == 401 and no_key.json()["error"]["code"] == "unauthenticated"
    bad_key = _rpc(gw_runtime, a2a_agent["id"], "a2g_sk_not-a-key", "message/send", _v03_message("x"))
    assert bad_key.status_code == 401
    waiting = pending_user(gw_runtime)
    try:
        pending = httpx.post(_url(gw_runtime, a2a_agent["id"]), headers=waiting.headers, timeout=30,
                             json={"jsonrpc": "2.0", "id": 1, "method": "message/send", "params": _v03_message("x")})
        assert pending.status_code == 403, pending.text
    finally:
        waiting.close()
    # another developer's agent in development, and an unknown one: not found, card included
    private = create_agent(owner, "Private", "A2A", {"base_url": f"http://127.0.0.1:{free_port()}/private"})
    for agent_id in (private["id"], "agt_nope"):
        assert _rpc(gw_runtime, agent_id, caller_key, "message/send", _v03_message("x")).status_code == 404
        card = httpx.get(_url(gw_runtime, agent_id) + "/.well-known/agent-card.json", headers=_bearer(caller_key))
        assert card.status_code == 404
    after = caller.get(f"/api/agents/{a2a_agent['id']}/sessions").json()["items"]
    assert len(after) == len(before)


@pytest.mark.parametrize(("body", "code"), [
    (b"{not json", -32700),
    (b"[]", -32600),
    (b'{"jsonrpc": "1.0", "id": 1, "method": "message/send", "params": {}}', -32600),
    (b'{"jsonrpc": "2.0", "id": 1, "method": "tasks/explode", "params": {}}', -32601),
    (b'{"jsonrpc": "2.0", "id": 1, "method": "message/send", "params": {"message": {"parts": []}}}', -32602),
    (b'{"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {}}', -32602),
    (b'{"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {"id": "no-such-task"}}', -32001),
    (b'{"jsonrpc": "2.0", "id": 1, "method": "message/send", "params": {"message": {"role": "user", "parts": '
     + b'[{"kind": "text", "text": "x"}], "messageId": "m", "contextId": "ses_someone_elses"}}}', -32602),
    (b'{"jsonrpc": "2.0", "id": 1, "method": "tasks/pushNotificationConfig/set", "params": {}}', -32003),
])  # fmt: skip
def test_bad_json_rpc_gets_the_specs_error_codes(
    gw_runtime: RuntimeProcess, caller_key: str, a2a_agent: dict[str, Any], body: bytes, code: int,
) -> None:  # fmt: skip
    response = httpx.post(_url(gw_runtime, a2a_agent["id"]), content=body, timeout=30,
                          headers={**_bearer(caller_key), "content-type": "application/json"})  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["error"]["code"] == code, response.text


def test_the_agents_llm_calls_for_a_gateway_call_are_joined_to_it(
    gw_runtime: RuntimeProcess, owner: SignedInUser, caller_key: str, caller: SignedInUser, gw_llm: Any,
) -> None:  # fmt: skip
    """The agent's LLM goes through the log-proxy (its agent trace); a gateway call marks its run active, so
    the LLM call is tagged with the gateway session and lands beside the owner's agent_call entry."""
    model = register_llm_model(gw_runtime, gw_llm.base_url, "gw-e2e")
    owner_key = create_api_key(owner, "gw-traced")["key"]
    server = A2aTestServer(gw_llm.base_url)
    agent = create_agent(owner, "Traced gateway A2A", "A2A", {"base_url": server.url})
    assert owner.post(f"/api/my-agents/{agent['id']}/publish").status_code == 200
    server.executor.use_llm(agent["log_proxy_base_url"], owner_key, model, forward_gateway_ids=True)
    server.start()
    try:
        task = _rpc(gw_runtime, agent["id"], caller_key, "message/send", _v03_message("trace me")).json()["result"]
        assert task["status"]["state"] == "completed", task
        session_id = task["contextId"]
        entries: list[dict[str, Any]] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            entries = owner.get("/api/logs", params={"trace_id": agent["trace_id"]}).json()["items"]
            if {e.get("kind") for e in entries} >= {"agent_call", "chat.completions"}:
                break
            time.sleep(0.2)
        call = next(e for e in entries if e.get("kind") == "agent_call")
        llm = next(e for e in entries if e.get("kind") == "chat.completions")
        assert call["session_id"] == llm["session_id"] == session_id
        assert call["a2a"]["task_id"] == task["id"] and call["response"]["message"] == "echo: trace me"
        # the agent forwarded the gateway's ids: the LLM call names the agent_call it belongs under
        assert llm["parent"] == {"kind": "agent_call", "context_id": call["a2a"]["context_id"],
                                 "task_id": call["a2a"]["task_id"]}
        # the caller's own session trace has the call, but not the owner's LLM calls (they are the owner's)
        trace_id = caller.get(f"/api/sessions/{session_id}").json()["trace_id"]
        kinds = [e.get("kind") for e in caller.get("/api/logs", params={"trace_id": trace_id}).json()["items"]]
        assert kinds == ["agent_call"], kinds
    finally:
        server.stop()


def test_a_running_a2a_task_is_resubscribed_to_and_canceled_through_the_gateway(
    gw_runtime: RuntimeProcess, caller_key: str, a2a_agent: dict[str, Any], gw_llm: Any,
) -> None:  # fmt: skip
    gw_llm.pause_s = 0.5  # a slow model: the task is still running when it is canceled
    try:
        headers = {**_bearer(caller_key), "accept": "text/event-stream"}
        body = {"jsonrpc": "2.0", "id": "long", "method": "message/stream", "params": _v03_message("long one")}
        with httpx.stream("POST", _url(gw_runtime, a2a_agent["id"]), json=body, headers=headers,
                          timeout=60) as response:  # fmt: skip
            lines = response.iter_lines()
            first = json.loads(next(line for line in lines if line.startswith("data:"))[5:])["result"]
            task_id = first["id"] if first["kind"] == "task" else first["taskId"]
            with httpx.stream("POST", _url(gw_runtime, a2a_agent["id"]), headers=headers, timeout=60,
                              json={"jsonrpc": "2.0", "id": "re", "method": "tasks/resubscribe",
                                    "params": {"id": task_id}}) as again:  # fmt: skip
                assert again.status_code == 200, again.read()
                resubscribed = json.loads(next(line for line in again.iter_lines() if line.startswith("data:"))[5:])
                assert resubscribed["id"] == "re" and resubscribed["result"]["taskId" if "taskId" in
                                                                             resubscribed["result"] else "id"] == task_id
                canceled = _rpc(gw_runtime, a2a_agent["id"], caller_key, "tasks/cancel", {"id": task_id}).json()
            assert canceled["result"]["status"]["state"] == "canceled", canceled
    finally:
        gw_llm.pause_s = 0.02


# --- the v1.0 HTTP+JSON (REST) binding --------------------------------------------------------------------


async def _rest_client(rt: RuntimeProcess, agent_id: str, http: httpx.AsyncClient, *, streaming: bool) -> Any:
    """a2a-sdk's own client, told to speak HTTP+JSON: it picks the card's `{gateway}/v1` interface."""
    return await create_client(_url(rt, agent_id), client_config=ClientConfig(
        streaming=streaming, httpx_client=http, supported_protocol_bindings=["HTTP+JSON"]),
        relative_card_path="/.well-known/agent-card.json")  # fmt: skip


async def test_the_a2a_sdk_rest_client_sends_streams_and_gets_through_the_gateway(
    gw_runtime: RuntimeProcess, caller_key: str, a2a_agent: dict[str, Any], agno_agent: dict[str, Any],
    caller: SignedInUser,
) -> None:  # fmt: skip
    from a2a.types import CancelTaskRequest
    from a2a.utils.errors import TaskNotCancelableError, TaskNotFoundError

    for agent, word in ((a2a_agent, "rest a2a"), (agno_agent, "rest agno")):
        async with httpx.AsyncClient(headers=_bearer(caller_key), timeout=60) as http:
            client = await _rest_client(gw_runtime, agent["id"], http, streaming=True)
            message = Message(message_id=f"m-{secrets.token_hex(3)}", role=Role.ROLE_USER, parts=[Part(text=word)])
            events = [MessageToDict(e) async for e in client.send_message(SendMessageRequest(message=message))]
            assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED", events
            answer = ""
            for update in (e["artifactUpdate"] for e in events if "artifactUpdate" in e):
                chunk = "".join(p.get("text", "") for p in update["artifact"]["parts"])
                answer = answer + chunk if update.get("append") else chunk
            assert answer == f"echo: {word}"
            task_id, context_id = events[0]["task"]["id"], events[0]["task"]["contextId"]
            task = MessageToDict(await client.get_task(GetTaskRequest(id=task_id)))
            assert task["id"] == task_id and task["status"]["state"] == "TASK_STATE_COMPLETED"
            if agent is agno_agent:  # a finished adapted task: the spec's error, mapped back by the SDK
                with pytest.raises(TaskNotCancelableError):
                    await client.cancel_task(CancelTaskRequest(id=task_id))
            with pytest.raises(TaskNotFoundError):
                await client.get_task(GetTaskRequest(id="no-such-task"))
            # non-streaming SendMessage continues the same conversation
            plain = await _rest_client(gw_runtime, agent["id"], http, streaming=False)
            again = Message(message_id=f"m-{secrets.token_hex(3)}", role=Role.ROLE_USER, parts=[Part(text="more")],
                            context_id=context_id)  # fmt: skip
            last = [MessageToDict(e) async for e in plain.send_message(SendMessageRequest(message=again))][-1]
            assert last["task"]["contextId"] == context_id and last["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
        messages = caller.get(f"/api/sessions/{context_id}/messages").json()["items"]
        assert [m["content"] for m in messages] == [word, f"echo: {word}", "more", "echo: more"]


def test_rest_refusals_and_errors_are_the_specs(
    gw_runtime: RuntimeProcess, caller_key: str, agno_agent: dict[str, Any],
) -> None:  # fmt: skip
    base = _url(gw_runtime, agno_agent["id"]) + "/v1"
    message = {"message": {"messageId": "m-r", "role": "ROLE_USER", "parts": [{"text": "x"}]}}
    assert httpx.post(base + "/message:send", json=message, timeout=30).status_code == 401
    missing = httpx.get(base + "/tasks/nope", headers=_bearer(caller_key), timeout=30)
    assert missing.status_code == 404
    assert missing.json()["error"]["details"][0]["reason"] == "TASK_NOT_FOUND"
    bad = httpx.post(base + "/message:send", json={"message": {"parts": []}}, headers=_bearer(caller_key), timeout=30)
    assert bad.status_code == 400 and bad.json()["error"]["details"][0]["reason"] == "INVALID_PARAMS"
    garbage = httpx.post(base + "/message:send", content=b"{nope", headers=_bearer(caller_key), timeout=30)
    assert garbage.status_code == 400 and garbage.json()["error"]["status"] == "INVALID_ARGUMENT"
    push = httpx.post(base + "/tasks/t1/pushNotificationConfigs", json={"url": "https://x.example/cb"},
                      headers=_bearer(caller_key), timeout=30)  # fmt: skip
    assert push.status_code == 400
    assert push.json()["error"]["details"][0]["reason"] == "PUSH_NOTIFICATION_NOT_SUPPORTED"
    other = httpx.post(_url(gw_runtime, "agt_does_not_exist") + "/v1/message:send", json=message,
                       headers=_bearer(caller_key), timeout=30)  # fmt: skip
    assert other.status_code == 404


# --- push notifications: passed through where the agent declares them ----------------------------------------


def test_push_configs_pass_through_to_an_a2a_agent_that_declares_them_and_only_for_the_callers_tasks(
    gw_runtime: RuntimeProcess, owner: SignedInUser, caller_key: str, gw_llm: Any, agno_agent: dict[str, Any],
) -> None:  # fmt: skip
    server = A2aTestServer(gw_llm.base_url, push=True).start()
    try:
        own_card = httpx.get(server.url + ".well-known/agent-card.json", timeout=30).json()
        made_agent = owner.post("/api/my-agents", json={"name": "Gateway push A2A", "description": "push e2e",
                                                        "framework": "A2A", "a2a_card": own_card,
                                                        "endpoint": {"base_url": server.url}})  # fmt: skip
        assert made_agent.status_code == 201, made_agent.text
        agent = made_agent.json()
        assert owner.post(f"/api/my-agents/{agent['id']}/publish").status_code == 200
        card = httpx.get(_url(gw_runtime, agent["id"]) + "/.well-known/agent-card.json", headers=_bearer(caller_key),
                         timeout=30).json()  # fmt: skip
        assert card["capabilities"]["pushNotifications"] is True
        task = _rpc(gw_runtime, agent["id"], caller_key, "message/send", _v03_message("push me")).json()["result"]
        hook = {"id": "cfg-1", "url": "https://hooks.example.com/a2a", "token": "t0k"}
        made = _rpc(gw_runtime, agent["id"], caller_key, "tasks/pushNotificationConfig/set",
                    {"taskId": task["id"], "pushNotificationConfig": hook}).json()  # fmt: skip
        assert made["result"]["taskId"] == task["id"], made
        assert made["result"]["pushNotificationConfig"]["url"] == hook["url"]
        got = _rpc(gw_runtime, agent["id"], caller_key, "tasks/pushNotificationConfig/get",
                   {"id": task["id"], "pushNotificationConfigId": "cfg-1"}).json()  # fmt: skip
        assert got["result"]["pushNotificationConfig"]["url"] == hook["url"], got
        # the v1.0 REST binding reaches the same configs
        rest = _url(gw_runtime, agent["id"]) + f"/v1/tasks/{task['id']}/pushNotificationConfigs"
        listed = httpx.get(rest, headers=_bearer(caller_key), timeout=30)
        assert listed.status_code == 200, listed.text
        assert [c["url"] for c in listed.json()["configs"]] == [hook["url"]]
        # another caller's key cannot reach this caller's task (its id is simply not theirs)
        other = approved_user(gw_runtime)
        try:
            stranger = create_api_key(other, "gw-push")["key"]
            refused = _rpc(gw_runtime, agent["id"], stranger, "tasks/pushNotificationConfig/get",
                           {"id": task["id"], "pushNotificationConfigId": "cfg-1"}).json()  # fmt: skip
            assert refused["error"]["code"] == -32001, refused
        finally:
            other.close()
    finally:
        server.stop()
    # an adapted agent runs within the caller's request: no push, the spec's error on both bindings
    assert _rpc(gw_runtime, agno_agent["id"], caller_key, "tasks/pushNotificationConfig/get",
                {"id": "any"}).json()["error"]["code"] == -32003  # fmt: skip


# --- the a2a-sdk 0.3 client (another environment) ---------------------------------------------------------


A2A03_REQUIREMENT = "a2a-sdk==0.3.26"


@pytest.fixture(scope="session")
def a2a03_python() -> str:
    """A Python with a2a-sdk 0.3 (it cannot sit beside 1.x in this venv): A2G_A2A03_PYTHON, or a venv made
    once with uv under .venv (git-ignored) from PyPI."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    if os.environ.get("A2G_A2A03_PYTHON"):
        return os.environ["A2G_A2A03_PYTHON"]
    venv = Path(__file__).resolve().parents[3] / ".venv" / "a2a-sdk-0.3"
    python = venv / "bin" / "python"
    stamp = venv / "requirement.txt"
    if not (python.exists() and stamp.exists() and stamp.read_text() == A2A03_REQUIREMENT):
        uv = shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
        shutil.rmtree(venv, ignore_errors=True)
        for command in ([uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
                        [uv, "pip", "install", "--quiet", "--python", str(python), A2A03_REQUIREMENT, "httpx"]):
            done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
            assert done.returncode == 0, f"{' '.join(command)}: {done.stderr[-2000:]}"
        stamp.write_text(A2A03_REQUIREMENT)
    return str(python)


def test_the_a2a_sdk_03_client_streams_and_gets_through_the_gateway(
    gw_runtime: RuntimeProcess, caller_key: str, a2a_agent: dict[str, Any], agno_agent: dict[str, Any],
    a2a03_python: str,
) -> None:  # fmt: skip
    import subprocess
    from pathlib import Path

    script = Path(__file__).with_name("a2a03_client.py")
    for agent, word in ((a2a_agent, "old client a2a"), (agno_agent, "old client agno")):
        done = subprocess.run([a2a03_python, str(script), _url(gw_runtime, agent["id"]),
                               caller_key, word], check=False, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        seen = json.loads(done.stdout.strip().splitlines()[-1])
        assert seen["state"] == seen["got_state"] == "completed", seen
        assert seen["answer"] == f"echo: {word}", seen
