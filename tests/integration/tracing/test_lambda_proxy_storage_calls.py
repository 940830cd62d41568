"""The log-proxy as Lambda wires it (`before_end`, the Lambda's caches) against DynamoDB Local: a warm call
makes at most two DynamoDB calls — its entry and one usage update carrying every counter — with a panel
listening and the agent trace in a chat run; the entry is stored, tagged and pushed, and counted once."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import a2g.identity.repository  # noqa: F401 - declared before the `ddb` fixture points every model at its store
import httpx
import pytest
from a2g.clock import SystemClock, epoch, iso

from tests.e2e.tracing.mock_llm import MockLlm
from tests.unit.tracing.tracing_fakes import FakePusher, loopback_client_factory

pytestmark = pytest.mark.asyncio(loop_scope="function")


@pytest.fixture
def mock_llm() -> Any:
    llm = MockLlm()
    llm.start()
    yield llm
    llm.stop()


def _dynamodb_clients() -> list[Any]:
    from a2g import aws_session

    return [c for c in aws_session._clients.values() if c.meta.service_model.service_name == "dynamodb"]


def _seed(base_url: str) -> tuple[str, str, str]:
    from a2g.adapters.outbound import DestinationPolicy
    from a2g.identity.ports import User
    from a2g.identity.principal import Principal
    from a2g.identity.repository import DynamoUserStore
    from a2g.identity.wiring import api_key_service
    from a2g.llms.key_store import key_cipher_from_settings
    from a2g.llms.repository import LlmRepository
    from a2g.llms.service import LlmCreate, LlmRegistry
    from a2g.settings import get_settings
    from a2g.tracing.repository import ActiveRun, TraceRepository

    now = iso(SystemClock().now())
    DynamoUserStore().create(User(user_id="lambda-dev", display_name="Lambda Dev", team="team-l", role="USER",
                                  created_at=now, updated_at=now))
    key = api_key_service().create(Principal(user_id="lambda-dev", role="USER", team="team-l"), "bench")["key"]
    LlmRegistry(LlmRepository(), key_cipher_from_settings(get_settings()),
                destinations=DestinationPolicy.from_allow_list(["127.0.0.1"])).create(
        LlmCreate(name="lambda-mock", base_url=base_url, api_key="sk-mock-0000", models=["lambda-gpt"]))
    traces = TraceRepository()
    agent_trace = traces.create_trace("lambda-dev", "agent", agent_id="agt_lambda")
    session_trace = traces.create_trace("lambda-dev", "session", agent_id="agt_lambda", session_id="ses_lambda")
    traces.put_run(agent_trace, ActiveRun("ses_lambda", session_trace, now, epoch(SystemClock().now()) + 600))
    return key, agent_trace, session_trace


async def test_a_warm_before_end_call_makes_at_most_two_dynamodb_calls(ddb: str, mock_llm: Any) -> None:
    from a2g.adapters import dynamodb_wire
    from a2g.realtime.repository import ConnectionRepository
    from a2g.tracing.composition import build_log_proxy
    from a2g.tracing.proxy_app import create_log_proxy_app
    from a2g.tracing.repository import LogRepository

    key, agent_trace, session_trace = _seed(mock_llm.base_url.removesuffix("/v1"))
    ConnectionRepository().subscribe("conn_panel", "lambda-dev", agent_trace)  # a trace panel is open
    pusher = FakePusher()
    now = [1000.0]  # the caches' clock: still unless the test moves it, so no bound expires mid-test
    proxy = build_log_proxy(on_lambda=True, pusher=pusher, upstream=loopback_client_factory(),
                            monotonic=lambda: now[0])
    assert proxy.record_mode == "before_end" and proxy.rate_limit_mode == "inline"
    app = create_log_proxy_app(proxy)
    calls: Counter[str] = Counter()

    def count(event_name: str, **_: Any) -> None:
        calls[event_name.rsplit(".", 1)[-1]] += 1

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://proxy") as client:
        url = f"/api/log-proxy/{agent_trace}/v1/chat/completions"
        headers = {"authorization": f"Bearer {key}"}

        async def call(text: str, stream: bool) -> None:
            response = await client.post(url, headers=headers, json={
                "model": "lambda-gpt", "stream": stream, "messages": [{"role": "user", "content": text}]})
            assert response.status_code == 200, response.text
            await proxy.drain()

        await call("warm", False)  # the cold call reads the key, the trace, the model, the runs, the listeners
        clients = _dynamodb_clients()
        assert clients
        for client_ in clients:
            client_.meta.events.register("before-call.dynamodb", count)
        # The two writes go through the lean client (a2g.adapters.dynamodb_wire), the cached reads through
        # botocore: both are counted.
        stop_observing = dynamodb_wire.observe(lambda operation: count(f"before-call.dynamodb.{operation}"))
        try:
            per_call = []
            for i in range(6):
                before = sum(calls.values())
                await call(f"call {i}", stream=bool(i % 2))
                per_call.append(sum(calls.values()) - before)
            warm = Counter(calls)
            # The bounds hold: 6 s later the key (revocation within 5 s), the listeners and the runs are read
            # again, once; the call after is back to two.
            now[0] += 6.0
            await call("after the bound", stream=False)
            refreshed = Counter(calls) - warm
            before = sum(calls.values())
            await call("warm again", stream=False)
            again = sum(calls.values()) - before
        finally:
            stop_observing()
            for client_ in clients:
                client_.meta.events.unregister("before-call.dynamodb", count)
    assert max(per_call) <= 2, (per_call, calls)
    assert warm == {"BatchWriteItem": 6, "UpdateItem": 6}, warm  # the entry under both traces, one update
    # Read again once: the key and the trace (GetItem; both bounded at 5 s), the listeners of both traces and
    # the runs (Query; the runs twice when
    # the finished entry looks before the running one's answer is back).
    assert refreshed["GetItem"] == 2 and 3 <= refreshed["Query"] <= 4, refreshed
    assert refreshed["BatchWriteItem"] == 1 and refreshed["UpdateItem"] == 1, refreshed
    assert again == 2
    await asyncio.sleep(0)
    # Nothing was given up for it: stored under the agent's and the chat session's trace, pushed, counted once.
    logs = LogRepository()
    texts = {e["request"]["messages"][-1]["content"] for e in logs.recent(agent_trace, 20)}
    assert {f"call {i}" for i in range(6)} <= texts
    assert {f"call {i}" for i in range(6)} <= {e["request"]["messages"][-1]["content"]
                                               for e in logs.recent(session_trace, 20)}
    finished = [m for c, m in pusher.messages if c == "conn_panel" and m["type"] == "trace.entry"]
    assert len(finished) == 9
