"""Each agent adapter against a real server of its framework, started by the test on 127.0.0.1, every
agent's model pointed at an OpenAI-compatible mock LLM. Calls go through the platform's real guarded
outbound client, with loopback allow-listed as A2G_OUTBOUND_ALLOW does for company agents."""

from __future__ import annotations

import os

for _name, _value in {
    "A2G_USERS_TABLE": "a2g-users",
    "A2G_AGENTS_TABLE": "a2g-agents",
    "A2G_CHATS_TABLE": "a2g-chats",
    "A2G_TRACES_TABLE": "a2g-traces",
    "A2G_CONNECTIONS_TABLE": "a2g-connections",
    "A2G_PLATFORM_TABLE": "a2g-platform",
    "A2G_USAGE_TABLE": "a2g-usage",
    "A2G_FILES_BUCKET": "a2g-files",
    "A2G_TOKEN_SECRET": "unit-test-secret-unit-test-secret-0123",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
}.items():
    os.environ.setdefault(_name, _value)

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from a2g.adapters.outbound import AsyncOutboundClient, DestinationPolicy

from tests.e2e.adapters.adapters_mock_llm import MockLlm


@pytest.fixture(scope="session")
def mock_llm() -> Iterator[MockLlm]:
    llm = MockLlm().start()
    yield llm
    llm.stop()


@pytest_asyncio.fixture(loop_scope="function")
async def outbound() -> AsyncIterator[AsyncOutboundClient]:
    client = AsyncOutboundClient(DestinationPolicy.from_allow_list(["127.0.0.1"]), read_timeout=60,
                                 total_timeout=None, max_bytes=None)  # fmt: skip
    yield client
    await client.aclose()  # in the test's own loop: pooled connections belong to it
