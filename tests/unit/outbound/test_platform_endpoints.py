"""The platform's own endpoints are never an outbound destination, whatever A2G_OUTBOUND_ALLOW says (issue 20, 4).

Real sockets: a server on 127.0.0.1 plays the platform's own port; the same address allowed for a local LLM
stays reachable on its other ports.
"""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator

import pytest
from a2g.adapters.outbound import AsyncOutboundClient, DestinationPolicy, OutboundClient
from a2g.adapters.relay import RelayClient
from a2g.errors import ValidationFailed

ALLOW_LOOPBACK = ("127.0.0.1", "localhost", "::1", "0.0.0.0/8", "::/128")


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def _serve() -> tuple[http.server.ThreadingHTTPServer, int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, int(server.server_address[1])


@pytest.fixture(scope="module")
def ports() -> Iterator[tuple[int, int]]:
    """(the platform's port, a local LLM's port), both really listening on 127.0.0.1."""
    own, own_port = _serve()
    llm, llm_port = _serve()
    yield own_port, llm_port
    for server in (own, llm):
        server.shutdown()
        server.server_close()


def _policy(own_port: int, host: str = "127.0.0.1") -> DestinationPolicy:
    return DestinationPolicy.from_allow_list(ALLOW_LOOPBACK, platform_endpoints=[f"{host}:{own_port}"])


@pytest.mark.parametrize("spelling", [
    "127.0.0.1", "127.0.0.2", "127.255.255.254", "localhost", "LocalHost", "0.0.0.0", "[::1]", "[::]",
    "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[64:ff9b::7f00:1]", "[::127.0.0.1]", "2130706433", "0x7f.1",
])
def test_every_spelling_of_the_platforms_own_port_is_refused(ports: tuple[int, int], spelling: str) -> None:
    own_port, _ = ports
    policy = _policy(own_port)
    for path in ("/_local/schedules/lifecycle/fire", "/_s3/a2g-filesbucket/", "/@connections/abc", "/api/health"):
        with pytest.raises(ValidationFailed) as refused:
            policy.check_url(f"http://{spelling}:{own_port}{path}")
        assert refused.value.code == "destination_not_allowed"
        assert "never an outbound destination" in refused.value.message


def test_the_client_refuses_at_connect_time_even_for_a_name_the_allow_list_names(ports: tuple[int, int]) -> None:
    own_port, llm_port = ports
    with OutboundClient(_policy(own_port)) as client:
        for url in (f"http://127.0.0.1:{own_port}/_local/clock", f"http://localhost:{own_port}/x"):
            with pytest.raises(ValidationFailed):
                client.post(url, json={"offset_seconds": 1})
        assert client.get(f"http://127.0.0.1:{llm_port}/v1/models").text == "ok"  # a local LLM still works


def test_async_client_and_relay_refuse_the_platforms_port(ports: tuple[int, int]) -> None:
    own_port, llm_port = ports

    async def run() -> str:
        policy = _policy(own_port)
        async with AsyncOutboundClient(policy) as client:
            with pytest.raises(ValidationFailed):
                await client.post(f"http://localhost:{own_port}/_local/clock", json={})
        relay = RelayClient(policy)
        try:
            for url in (f"http://127.0.0.1:{own_port}/v1/chat/completions",
                        f"http://localhost:{own_port}/v1/chat/completions"):
                with pytest.raises(ValidationFailed):
                    async with relay.stream("POST", url, content=b"{}", headers={}, read_timeout=5):
                        pass
            async with relay.stream("POST", f"http://127.0.0.1:{llm_port}/v1", content=b"{}", headers={},
                                    read_timeout=5) as response:
                return str(response.status_code)
        finally:
            await relay.aclose()

    assert asyncio.run(run()) == "200"


def test_a_platform_on_every_interface_refuses_every_internal_address_at_its_port() -> None:
    policy = DestinationPolicy.from_allow_list(("10.0.0.0/8", "192.168.0.0/16"), platform_endpoints=["0.0.0.0:3000"])
    for address in ("10.1.2.3", "192.168.1.5", "127.0.0.1", "::1"):
        with pytest.raises(ValidationFailed):
            policy.check_addresses("lan-host", [address], 3000)
    policy.check_addresses("lan-host", ["10.1.2.3"], 3001)  # the allow-list still works on other ports


def test_without_platform_endpoints_the_allow_list_decides_alone() -> None:
    DestinationPolicy.from_allow_list(ALLOW_LOOPBACK).check_addresses("localhost", ["127.0.0.1"], 3000)


def test_a_malformed_platform_endpoint_fails_at_once() -> None:
    for bad in ("127.0.0.1", "127.0.0.1:http", ":3000"):
        with pytest.raises(ValueError, match="A2G_PLATFORM_ENDPOINTS"):
            DestinationPolicy.from_allow_list((), platform_endpoints=[bad])
