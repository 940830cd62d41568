"""The Python SDK (sdks/python): request shape, errors, CLI, and the card helpers with the real frameworks.

The SDK is imported from its source folder (it is also pip-installable: `pip install ./sdks/python`).
google-adk, langgraph and a2a-sdk are installed in the project's environment, so the helpers are tested
against the real classes; the duck-typed fallback of `card_from_adk` is tested with a stand-in object.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

SDK_SRC = Path(__file__).resolve().parents[3] / "sdks" / "python" / "src"
if str(SDK_SRC) not in sys.path:
    sys.path.insert(0, str(SDK_SRC))

from a2g.agents.cards import parse_card
from a2g_sdk import A2GError, card_from_a2a, card_from_adk, card_from_langgraph, register
from a2g_sdk.cli import main as cli_main


def _platform(status: int, body: Any, seen: list[httpx.Request]) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=body)

    return httpx.Client(transport=httpx.MockTransport(handle))


def test_register_posts_the_card_with_the_key() -> None:
    seen: list[httpx.Request] = []
    agent = register(card={"name": "x"}, api_key="a2g_sk_test", platform_url="http://p.example/",
                     color="#112233", client=_platform(201, {"id": "agt_1"}, seen))
    assert agent == {"id": "agt_1", "created": True}
    (request,) = seen
    assert str(request.url) == "http://p.example/api/a2a/register"
    assert request.headers["authorization"] == "Bearer a2g_sk_test"
    assert json.loads(request.content) == {"card": {"name": "x"}, "color": "#112233"}


def test_register_by_url_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("A2G_API_KEY", "a2g_sk_env")
    monkeypatch.setenv("A2G_PLATFORM_URL", "http://env.example")
    seen: list[httpx.Request] = []
    agent = register(card_url="http://agent:8000", client=_platform(200, {"id": "agt_1"}, seen))
    assert agent["created"] is False
    assert json.loads(seen[0].content) == {"card_url": "http://agent:8000"}
    assert seen[0].headers["authorization"] == "Bearer a2g_sk_env"


def test_register_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("A2G_API_KEY", raising=False)
    with pytest.raises(A2GError, match="API key"):
        register(card={"name": "x"}, platform_url="http://p")
    with pytest.raises(ValueError):
        register(card={"a": 1}, card_url="http://x", api_key="k", platform_url="http://p")
    body = {"error": {"code": "invalid_agent_card", "message": "missing: skills", "details": {"missing": ["skills"]}}}
    with pytest.raises(A2GError) as err:
        register(card={"name": "x"}, api_key="k", platform_url="http://p", client=_platform(400, body, []))
    assert err.value.status == 400 and err.value.code == "invalid_agent_card"
    assert err.value.details == {"missing": ["skills"]} and "missing: skills" in str(err.value)


def test_cli_register_from_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    card_file = tmp_path / "card.json"
    card_file.write_text(json.dumps({"name": "cli"}))
    # no platform listening on port 9: the CLI reports the failure and exits 1
    code = cli_main(["register", "--card", str(card_file), "--api-key", "k", "--platform-url", "http://127.0.0.1:9",
                     "--timeout", "2"])
    assert code == 1 and "cannot reach the platform" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    assert cli_main(["register", "--card", str(bad), "--api-key", "k", "--platform-url", "http://x"]) == 2
    with pytest.raises(SystemExit):
        cli_main(["register"])  # one of --card / --card-url is required


def test_card_from_a2a_sdk_card() -> None:
    from a2a.types import AgentCapabilities, AgentCard, AgentInterface, AgentSkill

    card = AgentCard(
        name="Echo", description="echoes", version="1.0.0",
        supported_interfaces=[AgentInterface(url="http://127.0.0.1:9999/", protocol_binding="JSONRPC",
                                             protocol_version="1.0")],
        capabilities=AgentCapabilities(streaming=True), default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[AgentSkill(id="echo", name="Echo", description="echo back", tags=["echo"])],
    )
    data = card_from_a2a(card)
    assert data["supportedInterfaces"][0]["protocolBinding"] == "JSONRPC"
    normalised = parse_card(data)  # the platform accepts what the helper builds
    assert normalised.url == "http://127.0.0.1:9999/" and normalised.skills[0].tags == ["echo"]
    assert card_from_a2a({"name": "x"}) == {"name": "x"}
    with pytest.raises(TypeError):
        card_from_a2a(42)


def test_card_from_a_real_adk_agent() -> None:
    pytest.importorskip("google.adk")
    from google.adk.agents import LlmAgent

    agent = LlmAgent(name="weather", description="Tells the weather", instruction="be brief",
                     model="gemini-2.0-flash")
    card = card_from_adk(agent, url="http://127.0.0.1:8001/")
    normalised = parse_card(card)
    assert normalised.name == "weather" and normalised.description == "Tells the weather"
    assert normalised.url.rstrip("/") == "http://127.0.0.1:8001"


def test_card_from_an_adk_like_object() -> None:
    def lookup(city: str) -> str:
        """Look up the weather of a city."""
        return city

    stand_in = SimpleNamespace(
        name="planner", description="Plans trips",
        sub_agents=[SimpleNamespace(name="flights", description="Books flights")], tools=[lookup],
    )
    card = card_from_adk(stand_in, url="https://agents.example.com/planner")
    normalised = parse_card(card)
    assert [s.name for s in normalised.skills] == ["planner", "flights", "lookup"]
    assert normalised.skills[2].description == "Look up the weather of a city."
    with pytest.raises(ValueError):
        card_from_adk(SimpleNamespace(name=""), url="https://x")


def test_card_from_a_langgraph_graph() -> None:
    pytest.importorskip("langgraph")
    from typing import TypedDict

    from langgraph.graph import END, START, StateGraph

    class State(TypedDict):
        text: str

    def research(state: State) -> State:
        """Search the web for sources."""
        return state

    def write(state: State) -> State:
        """Write the report."""
        return state

    graph = StateGraph(State)
    graph.add_node("research", research)
    graph.add_node("write", write)
    graph.add_edge(START, "research")
    graph.add_edge("research", "write")
    graph.add_edge("write", END)
    for g in (graph, graph.compile()):
        card = card_from_langgraph(g, name="Reporter", url="http://127.0.0.1:2024/a2a/abc",
                                   description="Writes reports")
        normalised = parse_card(card)
        assert [(s.name, s.description) for s in normalised.skills] == [
            ("research", "Search the web for sources."), ("write", "Write the report.")]
        assert normalised.url == "http://127.0.0.1:2024/a2a/abc"
