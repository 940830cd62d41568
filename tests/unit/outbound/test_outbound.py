"""The guarded outbound client against real sockets on 127.0.0.1 (a tiny threaded HTTP server)."""

from __future__ import annotations

import ipaddress
import time
from types import SimpleNamespace
from typing import Any

import pytest
from a2g.adapters.outbound import AsyncOutboundClient, DestinationPolicy, OutboundClient, is_public_address
from a2g.errors import PayloadTooLarge, UpstreamFailed, UpstreamTimeout, ValidationFailed

from tests.unit.outbound.http_test_server import RecordingHandler


def _client(allow: tuple[str, ...] = ("127.0.0.1",), **kwargs: Any) -> OutboundClient:
    return OutboundClient(DestinationPolicy.from_allow_list(allow), **kwargs)


# --- the address rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "127.0.0.1",
        "127.8.9.10",
        "169.254.169.254",
        "169.254.0.1",
        "100.64.0.1",
        "100.127.255.254",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "198.18.0.1",
        "192.0.0.8",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "::127.0.0.1",
        "2002:7f00:1::",
        "2002:a9fe:a9fe::1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::1",
    ],
)
def test_internal_addresses_are_refused(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))
    with pytest.raises(ValidationFailed) as err:
        DestinationPolicy().check_addresses("h", [address])
    assert err.value.code == "destination_not_allowed" and err.value.status == 400


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))
    DestinationPolicy().check_addresses("h", [address])


def test_every_resolved_address_is_checked() -> None:
    with pytest.raises(ValidationFailed):
        DestinationPolicy().check_addresses("mixed.example", ["8.8.8.8", "10.0.0.5"])


def test_allow_list_forms() -> None:
    policy = DestinationPolicy.from_allow_list(
        ["10.0.0.0/8", " 192.168.1.7 ", "agents.corp.example", "*.lab.example", ".intra", "[fd00::/8]"]
    )
    policy.check_addresses("anything", ["10.9.9.9", "192.168.1.7", "fd00::5", "::ffff:10.1.1.1"])
    policy.check_addresses("agents.corp.example", ["127.0.0.1"])
    policy.check_addresses("AGENTS.corp.example.", ["127.0.0.1"])
    policy.check_addresses("a.b.lab.example", ["169.254.169.254"])
    policy.check_addresses("lab.example", ["10.0.0.1"])
    policy.check_addresses("x.intra", ["172.16.0.1"])
    for host, address in [
        ("other.corp.example", "127.0.0.1"),
        ("x", "192.168.1.8"),
        ("evil-lab.example", "10.0.0.1"),
    ]:
        if host == "evil-lab.example":
            address = "172.16.0.1"  # not in 10/8 either
        with pytest.raises(ValidationFailed):
            policy.check_addresses(host, [address])


def test_a_bad_cidr_in_the_allow_list_fails_at_start() -> None:
    with pytest.raises(ValueError, match="A2G_OUTBOUND_ALLOW"):
        DestinationPolicy.from_allow_list(["10.0.0.0/33"])


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "file:///etc/passwd", "gopher://x", "http://", "javascript:alert(1)", "//x"],
)
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        DestinationPolicy().check_url_syntax(url)
    assert err.value.code == "destination_not_allowed"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:9/",
        "http://127.1/",
        "http://0x7f000001/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
    ],
)
def test_check_url_refuses_internal_destinations(url: str) -> None:
    with pytest.raises(ValidationFailed):
        DestinationPolicy().check_url(url)


# --- the client against a real server ---------------------------------------------------------------------


def test_loopback_refused_without_allow_list(server: str) -> None:
    before = len(RecordingHandler.seen)
    with pytest.raises(ValidationFailed) as err, _client(allow=()) as client:
        client.get_json(f"{server}/json")
    assert err.value.code == "destination_not_allowed"
    assert len(RecordingHandler.seen) == before  # nothing was sent


def test_localhost_by_name_is_refused(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    with pytest.raises(ValidationFailed), _client(allow=()) as client:
        client.get(f"http://localhost:{port}/json")


def test_get_json_with_allow_list(server: str) -> None:
    with _client() as client:
        assert client.get_json(f"{server}/json")["ok"] is True


def test_get_json_errors(server: str) -> None:
    with _client() as client:
        with pytest.raises(UpstreamFailed) as err:
            client.get_json(f"{server}/status?code=500")
        assert err.value.code == "upstream_status" and err.value.status == 502
        with pytest.raises(UpstreamFailed) as err:
            client.get_json(f"{server}/notjson")
        assert err.value.code == "upstream_invalid_json"
        # request() returns any status for the caller to judge
        assert client.get(f"{server}/status?code=404").status_code == 404


def test_connection_refused_is_upstream_failed() -> None:
    with pytest.raises(UpstreamFailed) as err, _client() as client:
        client.get("http://127.0.0.1:9/")
    assert err.value.status == 502


def test_size_cap(server: str) -> None:
    with _client(max_bytes=1000) as client:
        assert len(client.get(f"{server}/big?n=1000").content) == 1000
        with pytest.raises(PayloadTooLarge) as err:
            client.get(f"{server}/big?n=1001")
        assert err.value.status == 413 and err.value.code == "upstream_response_too_large"
        # a small compressed body may not inflate past the cap
        with pytest.raises(PayloadTooLarge):
            client.get(f"{server}/gzip?n=50000")
        assert len(client.get(f"{server}/big?n=5000", max_bytes=None).content) == 5000


def test_stream_cap_and_opt_out(server: str) -> None:
    with _client(max_bytes=100) as client:
        with pytest.raises(PayloadTooLarge), client.stream("GET", f"{server}/big?n=5000") as resp:
            for _ in resp.iter_bytes():
                pass
        with client.stream("GET", f"{server}/big?n=5000", max_bytes=None) as resp:
            assert sum(len(c) for c in resp.iter_bytes()) == 5000


def test_read_timeout_and_total_cap(server: str) -> None:
    with _client(read_timeout=0.3, total_timeout=5) as client:
        with pytest.raises(UpstreamTimeout) as err:
            client.get(f"{server}/slow?s=1")
        assert err.value.status == 504
    # each read is quick, but the whole body takes ~1.5 s: the total cap stops it
    with _client(read_timeout=5, total_timeout=0.5) as client:
        started = time.monotonic()
        with pytest.raises(UpstreamTimeout):
            client.get(f"{server}/drip?n=15")
        assert time.monotonic() - started < 1.4


def test_redirects_are_followed_and_rechecked(server: str) -> None:
    with _client() as client:
        resp = client.get(f"{server}/redirect?to=/json")
        assert resp.status_code == 200 and resp.json()["ok"] is True
        # a redirect to the cloud metadata address is refused at the hop
        with pytest.raises(ValidationFailed):
            client.get(f"{server}/redirect?to=http://169.254.169.254/latest/meta-data/")
        with pytest.raises(ValidationFailed):
            client.get(f"{server}/redirect?to=file:///etc/passwd")
        with pytest.raises(UpstreamFailed) as err:
            client.get(f"{server}/loop")
        assert err.value.code == "too_many_redirects"
        # follow_redirects=False hands back the 3xx
        assert client.get(f"{server}/redirect?to=/json", follow_redirects=False).status_code == 302


def test_redirect_methods_and_credentials(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    with _client(allow=("127.0.0.1", "localhost")) as client:
        resp = client.post(f"{server}/redirect?code=307&to=/echo", json={"a": 1})
        assert resp.json() == {"method": "POST", "body": '{"a":1}'}
        resp = client.post(f"{server}/redirect?code=303&to=/echo", json={"a": 1})
        assert resp.json() == {"method": "GET", "body": ""}
        # same origin keeps the Authorization header; another origin does not get it
        client.get(f"{server}/redirect?to=/json", headers={"Authorization": "Bearer s3cret"})
        assert RecordingHandler.seen[-1]["headers"].get("authorization") == "Bearer s3cret"
        client.get(
            f"{server}/redirect?to=http://localhost:{port}/json", headers={"Authorization": "Bearer s3cret"}
        )
        assert RecordingHandler.seen[-1]["path"] == "/json"
        assert "authorization" not in RecordingHandler.seen[-1]["headers"]


def test_connection_is_pinned_to_the_checked_address(server: str) -> None:
    """The check runs in the pool's network backend: the socket goes to the address that was checked.

    `rebind.invalid` cannot be resolved by the system; the policy's cache says it is 127.0.0.1. If the
    connection used its own DNS lookup the request would fail; it reaches our server instead, with the
    original Host header — and without the allow-list the same cached answer is refused at connect time.
    """
    port = int(server.rsplit(":", 1)[1])
    with _client() as client:
        client.policy.remember("rebind.invalid", port, ("127.0.0.1",))
        resp = client.get(f"http://rebind.invalid:{port}/json")
        assert resp.json()["host"] == f"rebind.invalid:{port}"
    with _client(allow=()) as client:
        client.policy.remember("rebind.invalid", port, ("8.8.8.8", "127.0.0.1"))
        with pytest.raises(ValidationFailed):
            client.get(f"http://rebind.invalid:{port}/json")


def test_from_settings_reads_allow_list_and_caps() -> None:
    settings = SimpleNamespace(
        outbound_allow=["10.0.0.0/8"], platform_endpoints=[], outbound_timeout_seconds=7.0,
        outbound_max_bytes=123,
    )
    client = OutboundClient.from_settings(settings)
    assert client.max_bytes == 123 and client.read_timeout == 7.0 and client.total_timeout == 7.0
    client.policy.check_addresses("x", ["10.2.3.4"])
    client.close()


# --- async -----------------------------------------------------------------------------------------------


async def test_async_client(server: str) -> None:
    async with AsyncOutboundClient(DestinationPolicy.from_allow_list(["127.0.0.1"]), max_bytes=100) as client:
        assert (await client.get_json(f"{server}/json"))["ok"] is True
        with pytest.raises(PayloadTooLarge):
            await client.get(f"{server}/big?n=101")
        async with client.stream("GET", f"{server}/big?n=5000", max_bytes=None, total_timeout=None) as resp:
            total = 0
            async for chunk in resp.aiter_bytes():
                total += len(chunk)
        assert total == 5000
        with pytest.raises(ValidationFailed):
            await client.get(f"{server}/redirect?to=http://169.254.169.254/")
    async with AsyncOutboundClient(DestinationPolicy(), max_bytes=100) as client:
        with pytest.raises(ValidationFailed):
            await client.get(f"{server}/json")
    async with AsyncOutboundClient(
        DestinationPolicy.from_allow_list(["127.0.0.1"]), read_timeout=0.2
    ) as client:
        with pytest.raises(UpstreamTimeout):
            await client.get(f"{server}/slow?s=1")


def test_cookies_set_by_an_upstream_are_not_kept(server: str) -> None:
    """The clients are shared between users: a cookie one call received must not be sent on the next."""
    with _client() as client:
        client.get(f"{server}/setcookie")
        client.get(f"{server}/json")
        assert "cookie" not in RecordingHandler.seen[-1]["headers"]
        client.get(f"{server}/json", headers={"Cookie": "explicit=1"})
        assert RecordingHandler.seen[-1]["headers"]["cookie"] == "explicit=1"
