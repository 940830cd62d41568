"""Each agent adapter against a real server of its framework, started by the test on 127.0.0.1, every
agent's model pointed at an OpenAI-compatible mock LLM. Calls go through the platform's real guarded
outbound client, with loopback allow-listed as A2G_OUTBOUND_ALLOW does for company agents.

No settings are needed here (and none are set: environment defaults made at collection time would leak
into other folders' fixtures)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from a2g.adapters.outbound import AsyncOutboundClient, DestinationPolicy

from tests.e2e.tracing.mock_llm import MockLlm


@pytest.fixture(scope="session")
def mock_llm() -> Iterator[MockLlm]:
    llm = MockLlm(chunks=4, pause_s=0.02).start()
    yield llm
    llm.stop()


@pytest_asyncio.fixture(loop_scope="function")
async def outbound() -> AsyncIterator[AsyncOutboundClient]:
    client = AsyncOutboundClient(DestinationPolicy.from_allow_list(["127.0.0.1"]), read_timeout=60,
                                 total_timeout=None, max_bytes=None)  # fmt: skip
    yield client
    await client.aclose()  # in the test's own loop: pooled connections belong to it
