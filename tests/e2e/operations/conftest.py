"""E2E fixtures for operations: a runtime of its own (it travels in time, which would disturb other tests)
wired to a real HTTP mail API started here, and a real A2A agent server that the tests take down."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from tests.e2e.operations.ops_e2e_support import MAIL_AUTH, MAIL_DOMAIN, AgentServer, TimeMachine
from tests.integration.operations.ops_mail_sink import MailSink

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess


@pytest.fixture(scope="module")
def mail_sink() -> Iterator[MailSink]:
    sink = MailSink(auth_header=MAIL_AUTH).start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def ops_runtime(runtime_launcher: Callable[..., RuntimeProcess], mail_sink: MailSink) -> RuntimeProcess:
    return runtime_launcher(env={
        "INTERNAL_MAIL_API_ENDPOINT": mail_sink.url,
        "A2G_MAIL_API_AUTH_HEADER": f"{MAIL_AUTH[0]}: {MAIL_AUTH[1]}",
        "A2G_MAIL_DEFAULT_DOMAIN": MAIL_DOMAIN,
        "A2G_HEALTH_CHECK_TIMEOUT_SECONDS": "2",
    })


@pytest.fixture(scope="module")
def time_machine(ops_runtime: RuntimeProcess) -> TimeMachine:
    return TimeMachine(ops_runtime)


@pytest.fixture
def agent_server() -> Iterator[AgentServer]:
    server = AgentServer().start()
    yield server
    server.stop()
