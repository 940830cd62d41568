"""The log-proxy's input bounds (issue 20, items 5, 6, 10): malformed trace ids, deep JSON, over-long model
names and X-Agent-Id headers are 4xx in OpenAI's format, and each such call on a valid trace with a valid key
is recorded on the trace as a failed call; a revoked key and a deleted trace are refused within 5 s whatever the
cache setting, and a warm one is re-read in the background before then, never on a call's path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from a2g.identity.principal import Principal
from a2g.tracing.proxy import LogProxy
from a2g.tracing.repository import _decode_cursor

from tests.unit.tracing.tracing_fakes import ALICE_KEY, build_fakes


@pytest.fixture
def agent_trace(proxy_server: Any) -> str:
    return proxy_server.fakes.traces.create_trace("alice", "agent", agent_id="agt_1")


def _post(served: Any, trace_id: str, content: bytes, **headers: str) -> httpx.Response:
    return httpx.post(served.base_url(trace_id) + "/chat/completions", content=content, timeout=10,
                      headers={"authorization": f"Bearer {ALICE_KEY}", "content-type": "application/json",
                               **headers})


@pytest.mark.parametrize("body, code", [
    (b"[" * 100_000, "json_too_deep"),
    (b'{"model": "mock-gpt", "messages": ' + b"[" * 200 + b"]" * 200 + b"}", "json_too_deep"),
    (b'{"model": "mock-gpt", "messages": [{"role": "user", "content": "\\ud800"}]}', "invalid_json"),
    (b'{"model": "' + b"m" * 2100 + b'", "messages": []}', "invalid_model"),
])
def test_bad_bodies_are_400_and_recorded_as_failed_calls(proxy_server: Any, agent_trace: str, body: bytes,
                                                         code: str) -> None:
    response = _post(proxy_server, agent_trace, body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["type"] == "invalid_request_error"
    [entry] = proxy_server.wait_entries(1)
    assert entry["status"] == "error" and entry["http_status"] == 400
    assert entry["error"]["code"] == code
    assert entry.get("model") is None  # an over-long name never becomes a usage counter's key


def test_a_long_agent_header_is_400_and_recorded(proxy_server: Any, agent_trace: str) -> None:
    response = _post(proxy_server, agent_trace, b'{"model": "mock-gpt", "messages": []}', **{"x-agent-id": "a" * 3000})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_agent_id"
    [entry] = proxy_server.wait_entries(1)
    assert entry["http_status"] == 400


@pytest.mark.parametrize("trace_id", ["t" * 3000, "a%20b"])
def test_a_malformed_trace_id_is_400_before_any_lookup(proxy_server: Any, trace_id: str) -> None:
    looked_up: list[str] = []
    original = proxy_server.fakes.traces.get_trace
    proxy_server.fakes.traces.get_trace = lambda t: looked_up.append(t) or original(t)
    for response in (_post(proxy_server, trace_id, b'{"model": "mock-gpt", "messages": []}'),
                     httpx.get(proxy_server.base_url(trace_id) + "/models",
                               headers={"authorization": f"Bearer {ALICE_KEY}"})):
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "invalid_trace_id"
    assert looked_up == []
    assert proxy_server.fakes.logs.entries == []


class _Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_revoked_key_is_refused_within_5_seconds_whatever_the_cache_setting() -> None:
    fakes = build_fakes("http://127.0.0.1:9")
    ticker = _Ticker()
    principals: dict[str, Principal] = dict(fakes.principals)
    proxy = _proxy(fakes, ticker, principals)
    assert await proxy._principal(ALICE_KEY) is not None
    del principals[ALICE_KEY]  # revoked (or its owner demoted: the store answers the new role)
    ticker.now += 4.9
    assert await proxy._principal(ALICE_KEY) is not None  # still cached
    ticker.now += 0.1
    assert await proxy._principal(ALICE_KEY) is None


def _proxy(fakes: Any, ticker: _Ticker, principals: Any) -> LogProxy:
    return LogProxy(principals.get, fakes.rate, fakes.traces, fakes.models, lambda: None,  # type: ignore[arg-type]
                    fakes.proxy._recorder, cache_seconds=30.0, monotonic=ticker)


async def test_a_deleted_trace_is_refused_within_5_seconds_whatever_the_cache_setting() -> None:
    fakes = build_fakes("http://127.0.0.1:9")
    ticker = _Ticker()
    proxy = _proxy(fakes, ticker, fakes.principals)
    trace_id = fakes.traces.create_trace("alice", "agent", agent_id="agt_1")
    assert await proxy._trace(trace_id) is not None
    del fakes.traces.traces[trace_id]  # its agent deleted
    ticker.now += 4.9
    assert await proxy._trace(trace_id) is not None  # still cached
    await proxy.drain()
    ticker.now += 0.1
    assert await proxy._trace(trace_id) is None


async def test_warm_entries_are_read_again_in_the_background_past_half_their_lifetime() -> None:
    fakes = build_fakes("http://127.0.0.1:9")
    ticker = _Ticker()
    reads: list[str] = []
    principals: dict[str, Principal] = dict(fakes.principals)

    def authenticate(raw_key: str) -> Principal | None:
        reads.append(raw_key)
        return principals.get(raw_key)

    proxy = _proxy(fakes, ticker, type("Keys", (), {"get": staticmethod(authenticate)}))
    assert await proxy._principal(ALICE_KEY) is not None
    ticker.now += 2.0
    assert await proxy._principal(ALICE_KEY) is not None
    assert len(reads) == 1  # fresh: not read again
    del principals[ALICE_KEY]  # revoked
    ticker.now += 1.0  # past half of the 5 s: answered from the cache, read again beside the call
    assert await proxy._principal(ALICE_KEY) is not None
    assert await proxy._principal(ALICE_KEY) is not None  # one refresh at a time
    await proxy.drain()
    assert len(reads) == 2
    assert await proxy._principal(ALICE_KEY) is None  # the refresh saw the revocation: refused from now on


def test_an_invalid_logs_cursor_is_400_not_a_restart() -> None:
    from a2g.errors import ValidationFailed

    for cursor in ("not-a-cursor", "TE9HIw", "@@@", "YWJj"):
        with pytest.raises(ValidationFailed) as refused:
            _decode_cursor("trc_1", cursor)
        assert refused.value.code == "invalid_cursor"
    import base64

    good = base64.urlsafe_b64encode(b"LOG#log_01abc").decode().rstrip("=")
    assert _decode_cursor("trc_1", good) == {"pk": {"S": "TRACE#trc_1"}, "sk": {"S": "LOG#log_01abc"}}
