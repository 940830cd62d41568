"""The Agno adapter against a real AgentOS: an agent and a team, streamed; the platform's session id is
Agno's session id, and the trace ids arrive as headers and run metadata."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from a2g.adapters.outbound import AsyncOutboundClient
from a2g.agent_adapters import AgentUnavailable, Attachment, FinalText, TextDelta, adapter_for

from tests.e2e.adapters.agno_test_agent import AgnoTestServer
from tests.e2e.tracing.mock_llm import MockLlm
from tests.unit.agent_adapters.adapter_fakes import call, collect


@pytest.fixture(scope="module")
def agno_os(mock_llm: MockLlm) -> Iterator[AgnoTestServer]:
    server = AgnoTestServer(mock_llm.base_url).start()
    yield server
    server.stop()


def _text(events: list) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


async def test_agent_run_streams_and_lands_in_the_platform_session(
    agno_os: AgnoTestServer, outbound: AsyncOutboundClient
) -> None:
    events = await collect(adapter_for("AGNO", outbound).run(call(
        "AGNO", {"base_url": agno_os.url, "agno_agent_id": "echo-agent"}, message="hello agno")))  # fmt: skip
    assert _text(events) == "echo: hello agno"
    assert len([e for e in events if isinstance(e, TextDelta)]) >= 3
    assert FinalText("echo: hello agno") in events
    headers = agno_os.run_headers[-1]
    assert headers["x-a2g-trace-id"] == "trc_1" and headers["x-a2g-session-id"] == "ses_1"

    session = (
        await outbound.get(f"{agno_os.url}/sessions/ses_1", params={"type": "agent", "user_id": "alice"})
    ).json()
    assert session["session_id"] == "ses_1"
    runs = (
        await outbound.get(f"{agno_os.url}/sessions/ses_1/runs", params={"type": "agent", "user_id": "alice"})
    ).json()
    assert any((r.get("metadata") or {}).get("a2g_trace_id") == "trc_1" for r in runs)


async def test_team_run_streams_the_teams_answer(
    agno_os: AgnoTestServer, outbound: AsyncOutboundClient
) -> None:
    events = await collect(adapter_for("AGNO", outbound).run(call(
        "AGNO", {"base_url": agno_os.url, "agno_team_id": "echo-team"}, message="hello team")))  # fmt: skip
    assert _text(events) == "echo: hello team"


async def test_an_image_is_uploaded_as_a_file(agno_os: AgnoTestServer, outbound: AsyncOutboundClient,
                                              mock_llm: MockLlm) -> None:  # fmt: skip
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")  # fmt: skip

    async def load() -> bytes:
        return png

    image = Attachment("fil_1", "dot.png", "image/png", len(png), "http://127.0.0.1:9/x", load)
    events = await collect(adapter_for("AGNO", outbound).run(call(
        "AGNO", {"base_url": agno_os.url, "agno_agent_id": "echo-agent"}, message="what is this?",
        attachments=(image,))))  # fmt: skip
    assert _text(events).startswith("echo: what is this?")
    last = mock_llm.chat_requests()[-1]["body"]["messages"][-1]["content"]
    assert isinstance(last, list) and any(part.get("type") == "image_url" for part in last)


async def test_an_unknown_agent_id_is_reported(
    agno_os: AgnoTestServer, outbound: AsyncOutboundClient
) -> None:
    with pytest.raises(AgentUnavailable, match="404"):
        await collect(adapter_for("AGNO", outbound).run(call("AGNO", {"base_url": agno_os.url,
                                                                      "agno_agent_id": "nobody"})))  # fmt: skip
