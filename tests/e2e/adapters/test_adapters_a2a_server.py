"""The A2A adapter against a real a2a-sdk server: v1.0 streaming, v0.3, the non-streaming fallback and
file parts, with the trace ids arriving in the message metadata."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from a2g.adapters.outbound import AsyncOutboundClient
from a2g.agent_adapters import Attachment, Progress, StateUpdate, TextDelta, adapter_for

from tests.e2e.adapters.a2a_test_agent import A2aTestServer
from tests.e2e.tracing.mock_llm import MockLlm
from tests.unit.agent_adapters.adapter_fakes import call, collect


@pytest.fixture(scope="module")
def a2a_agent(mock_llm: MockLlm) -> Iterator[A2aTestServer]:
    server = A2aTestServer(mock_llm.base_url).start()
    yield server
    server.stop()


def _text(events: list) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_v1_streaming_answer_arrives_in_chunks_with_the_trace_in_metadata(
    a2a_agent: A2aTestServer, outbound: AsyncOutboundClient
) -> None:
    events = await collect(adapter_for("A2A", outbound).run(call("A2A", {"base_url": a2a_agent.url},
                                                                 message="hello a2a")))  # fmt: skip
    assert _text(events) == "echo: hello a2a"
    assert len([e for e in events if isinstance(e, TextDelta)]) >= 3  # streamed, not in one piece
    assert Progress("asking the model") in events
    assert StateUpdate("a2a_protocol", "1.0") in events
    context = next(e.value for e in events if isinstance(e, StateUpdate) and e.key == "a2a_context_id")
    seen = a2a_agent.executor.seen[-1]
    assert seen["metadata"]["a2g_trace_id"] == "trc_1" and seen["metadata"]["a2g_session_id"] == "ses_1"

    # the next turn continues the same A2A context
    events = await collect(adapter_for("A2A", outbound).run(call(
        "A2A", {"base_url": a2a_agent.url}, message="again",
        state={"a2a_context_id": context, "a2a_protocol": "1.0"})))  # fmt: skip
    assert _text(events) == "echo: again"
    assert a2a_agent.executor.seen[-1]["context_id"] == context


async def test_v03_stream_and_non_streaming_fallback(
    a2a_agent: A2aTestServer, outbound: AsyncOutboundClient
) -> None:
    events = await collect(adapter_for("A2A", outbound).run(call(
        "A2A", {"base_url": a2a_agent.url, "a2a_protocol_version": "0.3"}, message="old protocol")))  # fmt: skip
    assert _text(events) == "echo: old protocol"
    assert StateUpdate("a2a_protocol", "0.3") in events
    assert a2a_agent.executor.seen[-1]["metadata"]["a2g_trace_id"] == "trc_1"

    events = await collect(adapter_for("A2A", outbound).run(call(
        "A2A", {"base_url": a2a_agent.url, "a2a_streaming": False}, message="no stream please")))  # fmt: skip
    assert _text(events) == "echo: no stream please"
    assert StateUpdate("a2a_streaming", "false") in events


async def test_attachments_travel_as_file_parts(
    a2a_agent: A2aTestServer, outbound: AsyncOutboundClient
) -> None:
    async def load() -> bytes:
        return b"%PDF-1.4 tiny"

    pdf = Attachment("fil_1", "spec.pdf", "application/pdf", 13, "http://127.0.0.1:9/never-fetched", load)
    events = await collect(adapter_for("A2A", outbound).run(call(
        "A2A", {"base_url": a2a_agent.url}, message="read this", attachments=(pdf,))))  # fmt: skip
    assert _text(events) == "echo: read this [files: spec.pdf]"
    (part,) = a2a_agent.executor.seen[-1]["files"]
    assert base64.b64decode(part["raw"]) == b"%PDF-1.4 tiny" and part["mediaType"] == "application/pdf"
