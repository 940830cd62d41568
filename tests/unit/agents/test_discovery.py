"""Card fetching, liveness and server scans against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from a2g.adapters.outbound import DestinationPolicy, OutboundClient
from a2g.agents.cards import MAX_CARD_BYTES, parse_card
from a2g.agents.discovery import AgentDiscovery
from a2g.agents.model import Framework
from a2g.errors import PayloadTooLarge, UpstreamFailed, ValidationFailed

from tests.unit.agents.agents_fakes import v1_card

ROUTES: dict[tuple[str, str], tuple[int, Any]] = {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        status, body = ROUTES.get((self.command, self.path), (404, {"detail": "not found"}))
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(raw)

    do_GET = do_POST = do_HEAD = _answer


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(autouse=True)
def _clear_routes() -> None:
    ROUTES.clear()


def discovery(allow: tuple[str, ...] = ("127.0.0.1",)) -> AgentDiscovery:
    return AgentDiscovery(OutboundClient(DestinationPolicy.from_allow_list(allow)))


def test_fetch_card_prefers_agent_card_json(server: str) -> None:
    ROUTES[("GET", "/.well-known/agent-card.json")] = (200, v1_card(url=server + "/"))
    card, url = discovery().fetch_card(server)
    assert url == server + "/.well-known/agent-card.json" and card["name"] == "Echo"


def test_fetch_card_falls_back_to_agent_json_then_the_url(server: str) -> None:
    ROUTES[("GET", "/.well-known/agent.json")] = (200, v1_card(name="Old path"))
    card, url = discovery().fetch_card(server + "/")
    assert url.endswith("/.well-known/agent.json") and card["name"] == "Old path"
    ROUTES.clear()
    ROUTES[("GET", "/cards/echo")] = (200, v1_card(name="Direct"))
    card, url = discovery().fetch_card(server + "/cards/echo")
    assert url == server + "/cards/echo" and card["name"] == "Direct"


def test_fetch_card_not_found(server: str) -> None:
    ROUTES[("GET", "/")] = (200, {"hello": "not a card"})
    with pytest.raises(ValidationFailed) as err:
        discovery().fetch_card(server)
    assert err.value.code == "card_not_found"


def test_fetch_card_size_cap(server: str) -> None:
    ROUTES[("GET", "/.well-known/agent-card.json")] = (200, v1_card(description="x" * MAX_CARD_BYTES))
    with pytest.raises(PayloadTooLarge) as err:
        discovery().fetch_card(server)
    assert err.value.code == "card_too_large" and err.value.status == 413


def test_loopback_card_url_refused_without_allow_list(server: str) -> None:
    ROUTES[("GET", "/.well-known/agent-card.json")] = (200, v1_card())
    with pytest.raises(ValidationFailed) as err:
        discovery(allow=()).fetch_card(server)
    assert err.value.code == "destination_not_allowed"
    with pytest.raises(ValidationFailed):
        discovery(allow=()).check_destination("http://169.254.169.254/latest/meta-data/")


def test_check_answers(server: str) -> None:
    ROUTES[("HEAD", "/rpc")] = (405, b"")
    discovery().check_answers(parse_card(v1_card(url=server + "/rpc")))  # any HTTP answer will do
    with pytest.raises(UpstreamFailed) as err:
        discovery().check_answers(parse_card(v1_card(url="http://127.0.0.1:9/rpc")))
    assert err.value.code == "agent_unreachable"


def test_scan_agno(server: str) -> None:
    ROUTES[("GET", "/agents")] = (200, [{"id": "weather", "name": "Weather", "description": "Forecasts"}])
    ROUTES[("GET", "/teams")] = (200, [{"team_id": "ops", "name": "Ops team"}])
    result = discovery().scan(Framework.AGNO, server + "/")
    assert result["base_url"] == server
    assert [(c["kind"], c["id"], c["endpoint"]) for c in result["candidates"]] == [
        ("agent", "weather", {"base_url": server, "agno_agent_id": "weather"}),
        ("team", "ops", {"base_url": server, "agno_team_id": "ops"}),
    ]


def test_scan_agno_without_teams(server: str) -> None:
    ROUTES[("GET", "/agents")] = (200, {"agents": [{"agent_id": "a1"}]})
    result = discovery().scan(Framework.AGNO, server)
    assert [c["id"] for c in result["candidates"]] == ["a1"]


def test_scan_adk_and_langgraph(server: str) -> None:
    ROUTES[("GET", "/list-apps")] = (200, ["weather_agent", "travel"])
    apps = discovery().scan(Framework.ADK, server)["candidates"]
    assert [c["endpoint"]["adk_app_name"] for c in apps] == ["weather_agent", "travel"]
    ROUTES[("POST", "/assistants/search")] = (200, [{"assistant_id": "uuid-1", "graph_id": "supervisor"}])
    assistants = discovery().scan(Framework.LANGGRAPH, server)["candidates"]
    assert assistants[0]["name"] == "supervisor"
    assert assistants[0]["endpoint"]["langgraph_assistant_id"] == "uuid-1"


def test_scan_a2a_returns_the_card(server: str) -> None:
    ROUTES[("GET", "/.well-known/agent-card.json")] = (200, v1_card(url=server + "/rpc"))
    result = discovery().scan(Framework.A2A, server)
    (candidate,) = result["candidates"]
    assert candidate["endpoint"]["base_url"] == server + "/rpc" and candidate["a2a_card"]["name"] == "Echo"


def test_scan_a2a_refuses_a_card_pointing_inside(server: str) -> None:
    ROUTES[("GET", "/.well-known/agent-card.json")] = (200, v1_card(url="http://169.254.169.254/"))
    with pytest.raises(ValidationFailed):
        discovery().scan(Framework.A2A, server)


def test_scan_failures(server: str) -> None:
    with pytest.raises(UpstreamFailed) as err:
        discovery().scan(Framework.ADK, server)  # 404
    assert err.value.code == "scan_failed"
    with pytest.raises(ValidationFailed):
        discovery().scan(Framework.CUSTOM, server)
    with pytest.raises(ValidationFailed):
        discovery(allow=()).scan(Framework.ADK, server)
