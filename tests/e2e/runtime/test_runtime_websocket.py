"""The WebSocket API through the local runtime: $connect with its authorizer, routing by
`$request.body.action`, pushes through boto3's apigatewaymanagementapi, $disconnect, and @connections."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

pytestmark = pytest.mark.e2e


async def _recv_json(ws: Any, timeout: float = 20) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(ws.recv(), timeout)))


def _kv(rt: Any, key: str, *, wait: float = 5.0) -> dict[str, Any] | None:
    deadline = time.monotonic() + wait
    while True:
        r = httpx.get(rt.url(f"/api/kv/{key}"))
        if r.status_code == 200:
            return dict(json.loads(r.json()["value"]))
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)


async def _refused_status(url: str) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(url):
            pass
    return int(refused.value.response.status_code)


async def test_connect_refused_without_token_on_deny_and_on_connect_function_refusal(test_runtime: Any) -> None:
    assert await _refused_status(test_runtime.ws_connect_url()) == 401
    assert await _refused_status(test_runtime.ws_connect_url(token="bad")) == 403
    assert await _refused_status(test_runtime.ws_connect_url(token="unauthorized")) == 401
    assert await _refused_status(test_runtime.ws_connect_url(token="explode")) == 500
    assert await _refused_status(test_runtime.ws_connect_url(token="good", reject="1")) == 403


async def test_round_trip_push_disconnect_and_gone(test_runtime: Any) -> None:
    async with websockets.connect(test_runtime.ws_connect_url(token="good", trace_id="t1")) as ws:
        await ws.send(json.dumps({"action": "echo", "data": "hi"}))
        reply = await _recv_json(ws)
        assert reply["type"] == "echo" and reply["route"] == "echo" and reply["event_type"] == "MESSAGE"
        assert reply["body"] == {"action": "echo", "data": "hi"}
        assert reply["stage"] == "test"
        assert reply["authorizer"]["user_id"] == "tester"
        assert reply["authorizer"]["principalId"] == "tester"
        connection_id = reply["connection_id"]

        connected = _kv(test_runtime, f"conn-{connection_id}")
        assert connected is not None, "$connect did not run"
        assert connected["event_type"] == "CONNECT" and connected["route_key"] == "$connect"
        assert connected["query"] == {"token": "good", "trace_id": "t1"}
        assert connected["authorizer"]["format"] == "policy" and connected["has_headers"]

        management = test_runtime.boto3_client("apigatewaymanagementapi")
        info = management.get_connection(ConnectionId=connection_id)
        assert info["Identity"]["SourceIp"] == "127.0.0.1"
        assert info["ConnectedAt"] <= info["LastActiveAt"]
        management.post_to_connection(ConnectionId=connection_id, Data=b'{"from": "the test"}')
        assert await _recv_json(ws) == {"from": "the test"}

    gone = _kv(test_runtime, f"gone-{connection_id}")
    assert gone is not None, "$disconnect did not run"
    assert gone["event_type"] == "DISCONNECT" and gone["route_key"] == "$disconnect"
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId=connection_id, Data=b"too late")
    with pytest.raises(management.exceptions.GoneException):
        management.get_connection(ConnectionId=connection_id)


async def test_unrouted_and_non_json_messages_go_to_default(test_runtime: Any) -> None:
    async with websockets.connect(test_runtime.ws_connect_url(token="simple")) as ws:
        await ws.send(json.dumps({"action": "unknown"}))
        first = await _recv_json(ws)
        assert first["route"] == "$default" and json.loads(first["body"]) == {"action": "unknown"}
        await ws.send("plain text")
        second = await _recv_json(ws)
        assert second == {"type": "default", "route": "$default", "body": "plain text", "is_base64": False}
        await ws.send(json.dumps({"action": "echo", "n": 1}))
        third = await _recv_json(ws)
        assert third["route"] == "echo" and third["authorizer"]["format"] == "simple"


async def test_failing_route_tells_the_client_without_details(test_runtime: Any) -> None:
    async with websockets.connect(test_runtime.ws_connect_url(token="good")) as ws:
        await ws.send(json.dumps({"action": "boom"}))
        reply = await _recv_json(ws)
        assert reply["message"] == "Internal server error" and "connectionId" in reply
        assert "on purpose" not in json.dumps(reply)


async def test_delete_connection_closes_the_socket_and_runs_disconnect(test_runtime: Any) -> None:
    async with websockets.connect(test_runtime.ws_connect_url(token="good")) as ws:
        await ws.send(json.dumps({"action": "echo"}))
        connection_id = (await _recv_json(ws))["connection_id"]
        management = test_runtime.boto3_client("apigatewaymanagementapi")
        management.delete_connection(ConnectionId=connection_id)
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 20)
    assert _kv(test_runtime, f"gone-{connection_id}") is not None
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId=connection_id, Data=b"x")


def test_management_api_unknown_id_is_410_on_both_url_forms(test_runtime: Any) -> None:
    import boto3

    management = test_runtime.boto3_client("apigatewaymanagementapi")
    base = test_runtime.env["A2G_WS_MANAGEMENT_URL"].rstrip("/")
    for endpoint in (base, base.rsplit("/", 1)[0]):  # with the stage and without
        client = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id=test_runtime.env["AWS_ACCESS_KEY_ID"],
                              aws_secret_access_key=test_runtime.env["AWS_SECRET_ACCESS_KEY"])
        with pytest.raises(management.exceptions.GoneException):
            client.post_to_connection(ConnectionId="nobody=", Data=b"x")


async def test_a_local_process_without_the_runtimes_credentials_cannot_push(test_runtime: Any) -> None:
    """Loopback is not proof: @connections checks the SigV4 signature (service execute-api) as API Gateway
    does, so an unsigned request or one signed with another secret pushes nothing."""
    import boto3
    from botocore.exceptions import ClientError

    async with websockets.connect(test_runtime.ws_connect_url(token="good")) as ws:
        await ws.send(json.dumps({"action": "echo"}))
        connection_id = (await _recv_json(ws))["connection_id"]
        path = f"/@connections/{quote(connection_id, safe='')}"
        unsigned = await asyncio.to_thread(httpx.post, test_runtime.url(path), content=b'{"type":"forged"}')
        assert unsigned.status_code == 403 and unsigned.headers["x-amzn-errortype"] == "InvalidSignatureException"
        wrong = boto3.client("apigatewaymanagementapi", endpoint_url=test_runtime.env["A2G_WS_MANAGEMENT_URL"],
                             region_name="us-east-1", aws_access_key_id=test_runtime.env["AWS_ACCESS_KEY_ID"],
                             aws_secret_access_key="not-the-runtimes-secret")
        with pytest.raises(ClientError) as refused:
            await asyncio.to_thread(wrong.post_to_connection, ConnectionId=connection_id, Data=b'{"type":"forged"}')
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        test_runtime.boto3_client("apigatewaymanagementapi").post_to_connection(
            ConnectionId=connection_id, Data=b'{"type":"real"}')
        assert await _recv_json(ws) == {"type": "real"}  # neither forged push arrived; the signed one did


async def test_a_web_page_cannot_push_into_a_connection(test_runtime: Any) -> None:
    """A page's simple POST (text/plain, no preflight) to @connections is refused: only boto3 clients push."""
    async with websockets.connect(test_runtime.ws_connect_url(token="good")) as ws:
        await ws.send(json.dumps({"action": "echo"}))
        connection_id = (await _recv_json(ws))["connection_id"]
        for headers in ({"origin": "http://evil.example"}, {"sec-fetch-site": "cross-site"},
                        {"origin": test_runtime.base_url, "sec-fetch-site": "same-origin"}):
            forged = await asyncio.to_thread(
                httpx.post, test_runtime.url(f"/@connections/{quote(connection_id, safe='')}"),
                content=b'{"type":"message","text":"forged"}', headers={"content-type": "text/plain", **headers})
            assert forged.status_code == 403, headers
        test_runtime.boto3_client("apigatewaymanagementapi").post_to_connection(
            ConnectionId=connection_id, Data=b'{"type":"real"}')
        assert await _recv_json(ws) == {"type": "real"}  # the forged pushes never arrived; the real one did


async def test_many_pushes_from_worker_threads_arrive_in_order_per_sender(test_runtime: Any) -> None:
    async with websockets.connect(test_runtime.ws_connect_url(token="good")) as ws:
        await ws.send(json.dumps({"action": "echo"}))
        connection_id = (await _recv_json(ws))["connection_id"]
        management = test_runtime.boto3_client("apigatewaymanagementapi")

        def push_all() -> None:
            for i in range(50):
                management.post_to_connection(ConnectionId=connection_id, Data=json.dumps({"i": i}).encode())

        await asyncio.to_thread(push_all)
        received = [(await _recv_json(ws))["i"] for _ in range(50)]
        assert received == list(range(50))
