"""The log-proxy's relay client (aiohttp) keeps the outbound guard: real sockets on 127.0.0.1."""

from __future__ import annotations

import gzip

import pytest
from a2g.adapters.outbound import DestinationPolicy
from a2g.adapters.relay import RelayClient
from a2g.errors import UpstreamFailed, UpstreamTimeout, ValidationFailed

from tests.unit.outbound.http_test_server import RecordingHandler


def _relay(*allow: str) -> RelayClient:
    return RelayClient(DestinationPolicy.from_allow_list(allow))


async def _post(client: RelayClient, url: str, read_timeout: float | None = 5.0) -> tuple[int, bytes]:
    async with client.stream("POST", url, content=b'{"x":1}', headers={"content-type": "application/json"},
                             read_timeout=read_timeout) as response:
        return response.status_code, b"".join([chunk async for chunk in response.aiter_raw()])


async def test_relays_status_and_body_and_sends_the_body_and_headers(server: str) -> None:
    client = _relay("127.0.0.1")
    try:
        status, body = await _post(client, f"{server}/echo")
        assert status == 200 and body == b'{"method": "POST", "body": "{\\"x\\":1}"}'
        assert RecordingHandler.seen[-1]["headers"]["content-type"] == "application/json"
        assert (await _post(client, f"{server}/status?code=429"))[0] == 429  # any status is relayed as it is
    finally:
        await client.aclose()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]", "169.254.169.254"])
async def test_internal_destinations_are_refused_before_anything_is_sent(server: str, host: str) -> None:
    port = server.rsplit(":", 1)[1]
    before = len(RecordingHandler.seen)
    client = _relay()
    try:
        with pytest.raises(ValidationFailed) as err:
            await _post(client, f"http://{host}:{port}/echo")
        assert err.value.code == "destination_not_allowed"
    finally:
        await client.aclose()
    assert len(RecordingHandler.seen) == before


async def test_connection_goes_to_the_checked_address(server: str) -> None:
    """`rebind.invalid` has no DNS; the policy's cached answer (checked) is where the socket goes."""
    port = int(server.rsplit(":", 1)[1])
    client = _relay("127.0.0.1")
    try:
        client.policy.remember("rebind.invalid", port, ("127.0.0.1",))
        assert (await _post(client, f"http://rebind.invalid:{port}/json"))[0] == 200
        assert RecordingHandler.seen[-1]["headers"]["host"] == f"rebind.invalid:{port}"
    finally:
        await client.aclose()
    refusing = _relay()
    try:
        refusing.policy.remember("rebind.invalid", port, ("8.8.8.8", "127.0.0.1"))
        with pytest.raises(ValidationFailed):
            await _post(refusing, f"http://rebind.invalid:{port}/json")
    finally:
        await refusing.aclose()


async def test_no_redirects_no_decompression(server: str) -> None:
    client = _relay("127.0.0.1")
    try:
        status, _ = await _post(client, f"{server}/redirect?to=http://169.254.169.254/")
        assert status == 302  # relayed to the caller, never followed
        status, body = await _post(client, f"{server}/gzip?n=50")
        assert status == 200 and gzip.decompress(body) == b"a" * 50  # bytes exactly as the upstream sent them
    finally:
        await client.aclose()


async def test_timeouts_and_failures_are_platform_errors(server: str) -> None:
    client = _relay("127.0.0.1")
    try:
        with pytest.raises(UpstreamTimeout):
            await _post(client, f"{server}/slow?s=1", read_timeout=0.2)
        with pytest.raises(UpstreamTimeout):  # bytes that trickle slower than the read timeout, mid-body
            await _post(client, f"{server}/drip?n=5", read_timeout=0.05)
        with pytest.raises(ValidationFailed):
            await _post(client, "ftp://127.0.0.1/x")
    finally:
        await client.aclose()
    unreachable = _relay("127.0.0.1")
    try:
        with pytest.raises(UpstreamFailed) as err:
            await _post(unreachable, "http://127.0.0.1:9/nothing-listens-here")
        assert err.value.code == "upstream_unreachable"
    finally:
        await unreachable.aclose()
