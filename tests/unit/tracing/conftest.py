"""Tracing unit tests: the real log-proxy app and the real guarded HTTP client on loopback, against the mock
LLM, with in-memory fakes for storage, identity and the WebSocket pusher (passed through constructors)."""

from __future__ import annotations

from tests import environment_defaults

environment_defaults.apply()

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from tests.e2e.tracing.mock_llm import MockLlm, free_port
from tests.unit.tracing.tracing_fakes import Fakes, build_fakes


@pytest.fixture(scope="session")
def mock_llm() -> Iterator[MockLlm]:
    llm = MockLlm(slow_seconds=2.0).start()
    yield llm
    llm.stop()


class ServedProxy:
    def __init__(self, fakes: Fakes, port: int, server: uvicorn.Server, thread: threading.Thread):
        self.fakes, self.port, self._server, self._thread = fakes, port, server, thread

    def base_url(self, trace_id: str) -> str:
        return f"http://127.0.0.1:{self.port}/api/log-proxy/{trace_id}/v1"

    def wait_entries(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The stored entries once there are `count` of them, each as last written (an entry renamed after the
        fact is written twice)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            latest = {e["entry_id"]: e for e in list(self.fakes.logs.entries)}
            if len(latest) >= count:
                return list(latest.values())
            time.sleep(0.01)
        raise AssertionError(f"expected {count} entries, have {len(self.fakes.logs.entries)}")

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


@pytest.fixture
def proxy_server(mock_llm: MockLlm) -> Iterator[ServedProxy]:
    fakes = build_fakes(mock_llm.base_url)
    from a2g.tracing.proxy_app import create_log_proxy_app

    app = create_log_proxy_app(fakes.proxy)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "proxy did not start"
        time.sleep(0.01)
    served = ServedProxy(fakes, port, server, thread)
    yield served
    served.stop()
    mock_llm.script = None


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    new_loop = asyncio.new_event_loop()
    yield new_loop
    new_loop.close()
