"""The one guarded outbound HTTP client of the platform: every call to a URL a user gave us goes through it.

Agent cards, agent-server scans, agents themselves, LLMs and the mail API are all reached through this
module, so a user cannot make the platform call its own cloud metadata service, loopback admin ports or
the private network (SSRF). Stable API, imported by other domains:

    from a2g.adapters.outbound import OutboundClient, AsyncOutboundClient, DestinationPolicy

    client = OutboundClient.shared()                 # process-wide, built from settings, pooled
    card = client.get_json("https://agent.example/.well-known/agent-card.json")   # 2xx JSON or an error
    resp = client.request("POST", url, json={...}, headers={...})  # body read (capped); any status returned
    resp = client.head(url, total_timeout=3)
    with client.stream("GET", url, max_bytes=None) as resp:        # body not read yet
        for chunk in resp.iter_bytes(): ...

    aclient = AsyncOutboundClient.shared()           # one per running event loop
    data = await aclient.get_json(url)
    resp = await aclient.request("POST", url, json=...)
    async with aclient.stream("POST", url, json=..., max_bytes=None, total_timeout=None,
                              read_timeout=120) as resp:
        async for line in resp.aiter_lines(): ...

    DestinationPolicy.from_settings().check_url(url)  # validate a URL before storing it (resolves DNS)

Per-call keyword arguments (all optional; the client's defaults come from settings):
`headers`, `params`, `json`, `content`, `data`, `files`, `connect_timeout`, `read_timeout`,
`total_timeout` (None = no overall cap, for long streams), `max_bytes` (None = no size cap, for long
streams), `follow_redirects` (default True).

What is enforced:
- http and https only; a host is required.
- Every address the destination host resolves to is checked — not just the first — and the connection is
  then made to one of those checked addresses (the check runs inside the connection pool's network backend,
  at connect time). So a DNS answer that changes between check and connect (DNS rebinding) cannot move the
  connection to a refused address; TLS still verifies the certificate against the original host name.
- Refused unless allowed: private (10/8, 172.16/12, 192.168/16, fc00::/7), loopback (127/8, ::1),
  link-local (169.254/16 — which includes the cloud metadata address 169.254.169.254 — and fe80::/10),
  unspecified, multicast, reserved, carrier-grade NAT (100.64/10), documentation and benchmarking ranges,
  and IPv6 forms that embed such an IPv4 address (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64).
- `A2G_OUTBOUND_ALLOW` (settings.outbound_allow), a comma-separated list, lets through what it names:
  `10.0.0.0/8` or `10.1.2.3` (CIDRs / IPs: any host resolving only to allowed-or-public addresses),
  `agents.corp.example` (that host, whatever it resolves to), `*.corp.example` or `.corp.example` (the
  domain and its subdomains). Company agents live on internal networks: list them here.
- The platform's own endpoints are never a destination, whatever `A2G_OUTBOUND_ALLOW` says:
  `A2G_PLATFORM_ENDPOINTS` (settings.platform_endpoints, `host:port` list; the local runtime sets it to its
  own port and its DynamoDB Local's) is refused at those ports on every spelling of the address — any
  127/8 address, `localhost` and other names that resolve there, `0.0.0.0`, `[::]`, `[::1]`, IPv4-mapped
  and NAT64 forms — so allowing 127.0.0.1 for a local LLM does not open `/_local`, `/_s3` or `/@connections`
  to a user's agent URL. An endpoint on `0.0.0.0`/`::` (every interface) refuses every non-public address
  at its port.
- Redirects are followed by hand (at most 5), each hop re-checked like the first; credentials
  (`Authorization`, `Cookie`) are dropped when a redirect leaves the original origin.
- Connect and read timeouts, and a total time cap across redirects and body; a response size cap, counted
  as the body arrives (decoded bytes for `request`/`get_json`, bytes on the wire for `stream`).
- Environment proxies and .netrc are ignored (`trust_env=False`): a proxy would make the check meaningless.
  TLS certificates are verified; SSL_CERT_FILE / SSL_CERT_DIR are honoured for an internal CA.
- No cookie jar: cookies an upstream sets are dropped, so nothing leaks between users sharing a client.

Errors (a2g.errors): a refused URL or destination → `ValidationFailed` code `destination_not_allowed`
(400); timeouts → `UpstreamTimeout` (504); connection failures, DNS failures, too many redirects, a non-2xx
answer or invalid JSON in `get_json` → `UpstreamFailed` (502); a body over the cap → `PayloadTooLarge`
code `upstream_response_too_large` (413).

Performance: DNS answers and address verdicts are cached for `RESOLVE_TTL_SECONDS`; connections are pooled
and kept alive, and a pooled connection is not re-checked (it was checked when it was opened). A warm call
therefore adds a URL parse and a dictionary lookup (a few microseconds) to the request itself.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.cookiejar
import ipaddress
import socket
import ssl
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import anyio
import httpcore
import httpx

from a2g.errors import PayloadTooLarge, UpstreamFailed, UpstreamTimeout, ValidationFailed

__all__ = [
    "MAX_REDIRECTS",
    "RESOLVE_TTL_SECONDS",
    "AsyncOutboundClient",
    "DestinationPolicy",
    "OutboundClient",
]

MAX_REDIRECTS = 5
RESOLVE_TTL_SECONDS = 30.0
_RESOLVE_CACHE_MAX = 2048
_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_CREDENTIAL_HEADERS = ("authorization", "cookie", "proxy-authorization")
_USER_AGENT = "a2g-platform/1.0 (+agent registry)"

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges `ipaddress` does not flag on every Python version we run on (3.11 .. 3.13).
_ALWAYS_REFUSED: tuple[_IPNetwork, ...] = (
    ipaddress.ip_network("100.64.0.0/10"),  # carrier-grade NAT (shared address space)
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("198.18.0.0/15"),  # benchmarking
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64: its embedding is site-specific
)
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")


# ----------------------------------------------------------------------------------------------------------
# Destination policy: which addresses and hosts may be reached
# ----------------------------------------------------------------------------------------------------------


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address | None, bool]:
    """(the IPv4 address an IPv6 address stands for, whether it is *only* a spelling of that address).

    IPv4-mapped, IPv4-compatible and well-known-prefix NAT64 addresses are judged by the IPv4 address
    alone; 6to4 and Teredo are tunnels, judged by both their own range and the address they carry.
    """
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped, True
    if ip in _NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), True
    value = int(ip)
    if 1 < value < 2**32:  # deprecated IPv4-compatible form ::a.b.c.d (:: and ::1 excluded)
        return ipaddress.IPv4Address(value), True
    if ip.sixtofour is not None:
        return ip.sixtofour, False
    if ip.teredo is not None:
        return ip.teredo[1], False
    return None, False


def _is_public_unicast(addr: _IPAddress) -> bool:
    return not (
        addr.is_private
        or addr.is_loopback
        or addr.is_link_local
        or addr.is_unspecified
        or addr.is_multicast
        or addr.is_reserved
        or not addr.is_global
        or any(addr in net for net in _ALWAYS_REFUSED if net.version == addr.version)
    )


def is_public_address(ip: _IPAddress) -> bool:
    """True when `ip` is a globally routable unicast address (and embeds no non-public IPv4 address)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded, only_a_spelling = _embedded_ipv4(ip)
        if embedded is not None:
            if only_a_spelling:
                return _is_public_unicast(embedded)
            return _is_public_unicast(embedded) and _is_public_unicast(ip)
    return _is_public_unicast(ip)


def _refused(message: str, **details: Any) -> ValidationFailed:
    return ValidationFailed(message, code="destination_not_allowed", details=details or None)


@dataclass(frozen=True)
class DestinationPolicy:
    """Decides whether a URL / host / address may be called. Immutable; build once per process."""

    allowed_networks: tuple[_IPNetwork, ...] = ()
    allowed_hosts: frozenset[str] = frozenset()
    allowed_domains: tuple[str, ...] = ()  # suffixes with a leading dot: ".corp.example"
    # The platform's own (address, port) pairs: refused whatever the allow-list says (see the docstring).
    own_endpoints: tuple[tuple[_IPAddress, int], ...] = ()
    resolve_ttl_seconds: float = RESOLVE_TTL_SECONDS
    _cache: dict[tuple[str, int], tuple[float, tuple[str, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _verdicts: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @classmethod
    def from_allow_list(
        cls, entries: Iterable[str], *, platform_endpoints: Iterable[str] = (), **kwargs: Any
    ) -> DestinationPolicy:
        """Parse allow-list entries (hosts, `*.domain` / `.domain`, IPs, CIDRs); a bad CIDR fails at once.

        `platform_endpoints` (`host:port`, `[v6]:port`) are the platform's own, refused on every spelling."""
        networks: list[_IPNetwork] = []
        hosts: set[str] = set()
        domains: list[str] = []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            if entry.startswith("[") and entry.endswith("]"):
                entry = entry[1:-1]
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                if "/" in entry or entry.replace(".", "").isdigit():
                    raise ValueError(
                        f"A2G_OUTBOUND_ALLOW: {raw!r} is not a valid IP address or CIDR"
                    ) from None
            if entry.startswith("*."):
                domains.append(entry[1:])
            elif entry.startswith("."):
                domains.append(entry)
            else:
                hosts.add(entry)
        own = tuple(pair for text in platform_endpoints for pair in _parse_endpoint(text))
        return cls(tuple(networks), frozenset(hosts), tuple(domains), own, **kwargs)

    @classmethod
    def from_settings(cls, settings: Any = None) -> DestinationPolicy:
        if settings is None:
            from a2g.settings import get_settings

            settings = get_settings()
        return cls.from_allow_list(
            settings.outbound_allow, platform_endpoints=settings.platform_endpoints
        )

    # --- checks ------------------------------------------------------------------------------------------

    def host_is_allowed_by_name(self, host: str) -> bool:
        """True when the allow-list names this host (or its domain): any address it resolves to is fine."""
        name = host.lower().rstrip(".")
        if name in self.allowed_hosts:
            return True
        return any(name.endswith(suffix) or name == suffix[1:] for suffix in self.allowed_domains)

    def address_is_allowed(self, ip: _IPAddress) -> bool:
        if any(ip in net for net in self.allowed_networks if net.version == ip.version):
            return True
        if isinstance(ip, ipaddress.IPv6Address):
            embedded, _ = _embedded_ipv4(ip)
            if embedded is not None and any(
                embedded in net for net in self.allowed_networks if net.version == 4
            ):
                return True
        return is_public_address(ip)

    def is_own_endpoint(self, ip: _IPAddress, port: int | None) -> bool:
        """True when (ip, port) reaches the platform itself (port None: unknown, so any port counts)."""
        if isinstance(ip, ipaddress.IPv6Address):
            embedded, only_a_spelling = _embedded_ipv4(ip)
            if embedded is not None and only_a_spelling:
                ip = embedded
        for own_ip, own_port in self.own_endpoints:
            if port is not None and port != own_port:
                continue
            if own_ip.is_unspecified:  # listening on every interface: any non-public address gets there
                if not is_public_address(ip):
                    return True
            elif ip == own_ip or ip.is_loopback or ip.is_unspecified:
                return True
        return False

    def check_addresses(self, host: str, addresses: Iterable[str], port: int | None = None) -> None:
        """Raise unless every address is allowed (or the host itself is allow-listed by name).

        The platform's own endpoints are refused first, whatever the allow-list says; pass the `port` the
        connection will use (None: unknown, so the platform's addresses are refused on any port)."""
        addresses = tuple(addresses)
        if self.own_endpoints:
            for address in addresses:
                if self.is_own_endpoint(ipaddress.ip_address(address.split("%", 1)[0]), port):
                    raise _refused(
                        f"{host}{'' if port is None else f':{port}'} is the platform itself ({address}); "
                        "it is never an outbound destination, whatever A2G_OUTBOUND_ALLOW says",
                        host=host,
                    )
        if self.host_is_allowed_by_name(host):
            return
        for address in addresses:
            verdict = self._verdicts.get(address)
            if verdict is None:
                # `ipaddress` range tests walk lists of networks (~20 µs); remember each address's verdict.
                verdict = self.address_is_allowed(ipaddress.ip_address(address.split("%", 1)[0]))
                if len(self._verdicts) >= _RESOLVE_CACHE_MAX:
                    self._verdicts.clear()
                self._verdicts[address] = verdict
            if not verdict:
                raise _refused(
                    f"{host} resolves to {address}, a private, loopback, link-local or otherwise internal address; "
                    "add it to A2G_OUTBOUND_ALLOW if the platform should call it",
                    host=host,
                )

    def check_url_syntax(self, url: str | httpx.URL) -> httpx.URL:
        """Parse and check scheme and host, without DNS. Returns the parsed URL."""
        try:
            parsed = url if isinstance(url, httpx.URL) else httpx.URL(str(url))
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise _refused(f"not a valid URL: {exc}") from None
        if parsed.scheme not in ("http", "https"):
            raise _refused(f"only http and https URLs may be called, not {parsed.scheme or 'none'!r}")
        if not parsed.host:
            raise _refused("the URL has no host")
        return parsed

    def check_url(self, url: str | httpx.URL) -> httpx.URL:
        """Full check of a URL before it is stored or called: syntax, DNS, every resolved address."""
        parsed = self.check_url_syntax(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        addresses = self.resolve(parsed.host, port)
        self.check_addresses(parsed.host, addresses, port)
        return parsed

    # --- resolution (cached) -----------------------------------------------------------------------------

    def cached(self, host: str, port: int) -> tuple[str, ...] | None:
        hit = self._cache.get((host, port))
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return None

    def remember(self, host: str, port: int, addresses: tuple[str, ...]) -> None:
        with self._lock:
            if len(self._cache) >= _RESOLVE_CACHE_MAX:
                self._cache.clear()  # crude but bounded; a cold resolution costs one DNS round trip
            self._cache[(host, port)] = (time.monotonic() + self.resolve_ttl_seconds, addresses)

    def resolve(self, host: str, port: int, timeout: float | None = 5.0) -> tuple[str, ...]:
        """All addresses of `host` (literal IPs as themselves), cached; DNS failure → UpstreamFailed."""
        hit = self.cached(host, port)
        if hit is not None:
            return hit
        literal = _literal_ip(host)
        if literal is not None:
            self.remember(host, port, (literal,))
            return (literal,)
        future = _resolver_pool().submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
        try:
            infos = future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            raise UpstreamTimeout(f"resolving {host} timed out", code="upstream_timeout") from None
        except OSError as exc:
            raise UpstreamFailed(f"cannot resolve {host}: {exc}", code="upstream_unreachable") from None
        addresses = _unique_addresses(infos)
        self.remember(host, port, addresses)
        return addresses

    async def aresolve(self, host: str, port: int, timeout: float | None = 5.0) -> tuple[str, ...]:
        hit = self.cached(host, port)
        if hit is not None:
            return hit
        literal = _literal_ip(host)
        if literal is not None:
            self.remember(host, port, (literal,))
            return (literal,)
        try:
            with anyio.fail_after(timeout):
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except TimeoutError:
            raise UpstreamTimeout(f"resolving {host} timed out", code="upstream_timeout") from None
        except OSError as exc:
            raise UpstreamFailed(f"cannot resolve {host}: {exc}", code="upstream_unreachable") from None
        addresses = _unique_addresses(infos)
        self.remember(host, port, addresses)
        return addresses


def _parse_endpoint(text: str) -> list[tuple[_IPAddress, int]]:
    """`127.0.0.1:3000`, `[::1]:3000`, `localhost:3000`, `0.0.0.0:3000` -> the (address, port) pairs."""
    entry = text.strip().lower()
    if not entry:
        return []
    host, sep, port_text = entry.rpartition(":")
    if not sep or not port_text.isdigit() or not host:
        raise ValueError(f"A2G_PLATFORM_ENDPOINTS: {text!r} is not host:port")
    port = int(port_text)
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    literal = _literal_ip(host)
    if literal is not None:
        return [(ipaddress.ip_address(literal), port)]
    if host == "localhost" or host.endswith(".localhost"):
        return [(ipaddress.ip_address("127.0.0.1"), port), (ipaddress.ip_address("::1"), port)]
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except OSError:
        raise ValueError(f"A2G_PLATFORM_ENDPOINTS: cannot resolve {host!r}") from None
    return [(ipaddress.ip_address(a.split("%", 1)[0]), port) for a in _unique_addresses(infos)]


def _literal_ip(host: str) -> str | None:
    candidate = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return str(ipaddress.ip_address(candidate.split("%", 1)[0]))
    except ValueError:
        return None


def _unique_addresses(infos: Iterable[tuple[Any, ...]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]), None)
    if not seen:
        raise UpstreamFailed("the host has no addresses", code="upstream_unreachable")
    return tuple(seen)


_RESOLVER_POOL: concurrent.futures.ThreadPoolExecutor | None = None


def _resolver_pool() -> concurrent.futures.ThreadPoolExecutor:
    """getaddrinfo has no timeout of its own: run it on a small pool and stop waiting after the timeout."""
    global _RESOLVER_POOL
    if _RESOLVER_POOL is None:
        _RESOLVER_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="a2g-dns")
    return _RESOLVER_POOL


# ----------------------------------------------------------------------------------------------------------
# Network backends: the check happens where the socket is opened, so the connection is pinned to checked IPs
# ----------------------------------------------------------------------------------------------------------


class _GuardedSyncBackend(httpcore.NetworkBackend):
    def __init__(self, policy: DestinationPolicy, inner: httpcore.NetworkBackend | None = None):
        self._policy = policy
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._policy.resolve(host, port, timeout or 5.0)
        self._policy.check_addresses(host, addresses, port)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise _refused("unix sockets are not reachable through the outbound client")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _GuardedAsyncBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: DestinationPolicy, inner: httpcore.AsyncNetworkBackend | None = None):
        self._policy = policy
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._policy.aresolve(host, port, timeout or 5.0)
        self._policy.check_addresses(host, addresses, port)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise _refused("unix sockets are not reachable through the outbound client")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _ssl_context() -> ssl.SSLContext:
    """Certificate verification on, with SSL_CERT_FILE / SSL_CERT_DIR honoured: company agents often sit
    behind an internal CA. (Only the CA settings are read from the environment, never proxies.)"""
    return httpx.create_ssl_context(trust_env=True)


_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool swapped for one whose network backend is guarded.

    httpx does not expose `network_backend`; `_pool` is the one attribute it uses to send. The unit tests
    check that the guard really runs at connect time, so an httpx change that bypasses it fails loudly.
    """

    def __init__(self, policy: DestinationPolicy):
        super().__init__(trust_env=False, limits=_LIMITS)
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=_LIMITS.max_connections,
            max_keepalive_connections=_LIMITS.max_keepalive_connections,
            keepalive_expiry=_LIMITS.keepalive_expiry,
            network_backend=_GuardedSyncBackend(policy),
        )


class _GuardedAsyncTransport(httpx.AsyncHTTPTransport):
    def __init__(self, policy: DestinationPolicy):
        super().__init__(trust_env=False, limits=_LIMITS)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=_LIMITS.max_connections,
            max_keepalive_connections=_LIMITS.max_keepalive_connections,
            keepalive_expiry=_LIMITS.keepalive_expiry,
            network_backend=_GuardedAsyncBackend(policy),
        )


# ----------------------------------------------------------------------------------------------------------
# Body caps and deadlines, applied while the body arrives
# ----------------------------------------------------------------------------------------------------------


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the response is larger than {limit} bytes", code="upstream_response_too_large")


def _timed_out(url: Any) -> UpstreamTimeout:
    return UpstreamTimeout(f"{_display(url)} did not answer in time")


def _display(url: Any) -> str:
    """The URL without query string or credentials, for messages and logs."""
    try:
        parsed = httpx.URL(str(url))
        return str(parsed.copy_with(query=None, fragment=None, username=None, password=None))
    except Exception:  # noqa: BLE001 - a message must never fail
        return "the destination"


def _map_transport_error(exc: httpx.HTTPError, url: Any) -> Exception:
    if isinstance(exc, httpx.TimeoutException):
        return _timed_out(url)
    return UpstreamFailed(
        f"{_display(url)} could not be reached: {type(exc).__name__}", code="upstream_unreachable"
    )


class _CappedStream(httpx.SyncByteStream):
    def __init__(self, inner: Any, max_bytes: int | None, deadline: float | None, url: Any):
        self._inner, self._max, self._deadline, self._url = inner, max_bytes, deadline, url
        self.received = 0

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self._inner:
                self.received += len(chunk)
                if self._max is not None and self.received > self._max:
                    raise _too_large(self._max)
                if self._deadline is not None and time.monotonic() > self._deadline:
                    raise _timed_out(self._url)
                yield chunk
        except httpx.HTTPError as exc:
            raise _map_transport_error(exc, self._url) from None

    def close(self) -> None:
        self._inner.close()


class _AsyncCappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: Any, max_bytes: int | None, deadline: float | None, url: Any):
        self._inner, self._max, self._deadline, self._url = inner, max_bytes, deadline, url
        self.received = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                self.received += len(chunk)
                if self._max is not None and self.received > self._max:
                    raise _too_large(self._max)
                if self._deadline is not None and time.monotonic() > self._deadline:
                    raise _timed_out(self._url)
                yield chunk
        except httpx.HTTPError as exc:
            raise _map_transport_error(exc, self._url) from None

    async def aclose(self) -> None:
        await self._inner.aclose()


# ----------------------------------------------------------------------------------------------------------
# The clients
# ----------------------------------------------------------------------------------------------------------

_UNSET: Any = object()


class _NoCookieJar(http.cookiejar.CookieJar):
    """Cookies are never kept: the clients are shared by every user's calls in a process, and a cookie one
    agent set for one user must not ride along on another user's request. Callers may still send a Cookie
    header explicitly."""

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return None

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


@dataclass(frozen=True)
class _CallLimits:
    connect_timeout: float
    read_timeout: float
    total_timeout: float | None
    max_bytes: int | None
    deadline: float | None

    def timeout_for_next_hop(self) -> httpx.Timeout:
        connect, read = self.connect_timeout, self.read_timeout
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise UpstreamTimeout("the destination did not answer in time")
            connect, read = min(connect, remaining), min(read, remaining)
        return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


class _ClientBase:
    """Defaults and the redirect logic shared by the sync and async clients."""

    def __init__(
        self,
        policy: DestinationPolicy,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        total_timeout: float | None = 10.0,
        max_bytes: int | None = 1_000_000,
        max_redirects: int = MAX_REDIRECTS,
    ):
        self.policy = policy
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects

    @classmethod
    def _settings_kwargs(cls, settings: Any) -> dict[str, Any]:
        if settings is None:
            from a2g.settings import get_settings

            settings = get_settings()
        timeout = float(settings.outbound_timeout_seconds)
        return {
            "policy": DestinationPolicy.from_settings(settings),
            "connect_timeout": min(5.0, timeout),
            "read_timeout": timeout,
            "total_timeout": timeout,
            "max_bytes": int(settings.outbound_max_bytes),
        }

    def _limits(
        self, connect_timeout: Any, read_timeout: Any, total_timeout: Any, max_bytes: Any
    ) -> _CallLimits:
        total = self.total_timeout if total_timeout is _UNSET else total_timeout
        return _CallLimits(
            connect_timeout=self.connect_timeout if connect_timeout is _UNSET else float(connect_timeout),
            read_timeout=self.read_timeout if read_timeout is _UNSET else float(read_timeout),
            total_timeout=total,
            max_bytes=self.max_bytes if max_bytes is _UNSET else max_bytes,
            deadline=None if total is None else time.monotonic() + float(total),
        )

    def _next_request(
        self,
        client: httpx.Client | httpx.AsyncClient,
        response: httpx.Response,
        request: httpx.Request,
        limits: _CallLimits,
    ) -> httpx.Request | None:
        """The request for the redirect `response` points to, re-checked; None when it is no redirect."""
        location = response.headers.get("location")
        if response.status_code not in _REDIRECT_STATUSES or not location:
            return None
        target = self.policy.check_url_syntax(request.url.join(location))
        method = request.method
        keep_body = response.status_code in (307, 308)
        if (response.status_code == 303 and method != "HEAD") or (
            response.status_code in (301, 302) and method == "POST"
        ):
            method = "GET"  # what browsers and httpx do; 307/308 keep method and body
        headers = httpx.Headers(request.headers)
        headers.pop("host", None)
        if not keep_body:
            for name in ("content-length", "content-type", "transfer-encoding"):
                headers.pop(name, None)
        same_origin = (target.scheme, target.host, target.port) == (
            request.url.scheme,
            request.url.host,
            request.url.port,
        )
        if not same_origin:
            for name in _CREDENTIAL_HEADERS:
                headers.pop(name, None)
        return client.build_request(
            method,
            target,
            headers=headers,
            content=request.read() if keep_body else None,
            timeout=limits.timeout_for_next_hop(),
        )

    def _too_many_redirects(self, url: Any) -> UpstreamFailed:
        return UpstreamFailed(
            f"{_display(url)} redirected more than {self.max_redirects} times", code="too_many_redirects"
        )

    @staticmethod
    def _json_of(response: httpx.Response) -> Any:
        if not response.is_success:
            raise UpstreamFailed(
                f"{_display(response.url)} answered {response.status_code}",
                code="upstream_status",
                details={"status": response.status_code},
            )
        from a2g.json_input import read_json

        try:  # the shared reader: a card nested 100,000 deep is "not JSON" here, not a RecursionError
            value = read_json(response.content, max_bytes=len(response.content), max_depth=64, allow_nul=True)
            if value is None and not response.content.strip():
                raise ValidationFailed("empty body")
            return value
        except ValidationFailed:
            raise UpstreamFailed(
                f"{_display(response.url)} did not answer with JSON", code="upstream_invalid_json"
            ) from None


def _request_kwargs(
    headers: Mapping[str, str] | None, params: Any, json: Any, content: Any, data: Any, files: Any
) -> dict[str, Any]:
    merged = {"user-agent": _USER_AGENT}
    merged.update({k.lower(): v for k, v in (headers or {}).items()})
    return {
        "headers": merged,
        "params": params,
        "json": json,
        "content": content,
        "data": data,
        "files": files,
    }


class OutboundClient(_ClientBase):
    """Synchronous guarded client (card fetches, scans, health checks, mail)."""

    _shared: ClassVar[OutboundClient | None] = None
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, policy: DestinationPolicy, **kwargs: Any):
        super().__init__(policy, **kwargs)
        self._http = httpx.Client(
            transport=_GuardedTransport(policy), follow_redirects=False, trust_env=False, cookies=_NoCookieJar()
        )

    @classmethod
    def from_settings(cls, settings: Any = None, **overrides: Any) -> OutboundClient:
        kwargs = cls._settings_kwargs(settings)
        kwargs.update(overrides)
        return cls(**kwargs)

    @classmethod
    def shared(cls) -> OutboundClient:
        """The process-wide client (its connection pool survives between warm Lambda invocations)."""
        if cls._shared is None:
            with cls._shared_lock:
                if cls._shared is None:
                    cls._shared = cls.from_settings()
        return cls._shared

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stream(self, method: str, url: str | httpx.URL, **kwargs: Any) -> AbstractContextManager[httpx.Response]:
        """Send and yield the final response with its body unread; the body is capped as it arrives.

        Keyword arguments: see the module docstring (`headers`, `json`, `max_bytes`, `total_timeout`...)."""
        return self._stream(method, url, **kwargs)

    @contextmanager
    def _stream(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        headers: Mapping[str, str] | None = None,
        params: Any = None,
        json: Any = None,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        connect_timeout: Any = _UNSET,
        read_timeout: Any = _UNSET,
        total_timeout: Any = _UNSET,
        max_bytes: Any = _UNSET,
        follow_redirects: bool = True,
    ) -> Iterator[httpx.Response]:
        """Send and yield the final response with its body unread; the body is capped as it arrives."""
        limits = self._limits(connect_timeout, read_timeout, total_timeout, max_bytes)
        target = self.policy.check_url_syntax(url)
        request = self._http.build_request(
            method,
            target,
            timeout=limits.timeout_for_next_hop(),
            **_request_kwargs(headers, params, json, content, data, files),
        )
        response = self._send_following(request, limits, follow_redirects)
        response.stream = _CappedStream(response.stream, limits.max_bytes, limits.deadline, response.url)
        try:
            yield response
        finally:
            response.close()

    def _send_following(self, request: httpx.Request, limits: _CallLimits, follow: bool) -> httpx.Response:
        for _ in range(self.max_redirects + 1):
            try:
                response = self._http.send(request, stream=True, follow_redirects=False)
            except httpx.HTTPError as exc:
                raise _map_transport_error(exc, request.url) from None
            next_request = self._next_request(self._http, response, request, limits) if follow else None
            if next_request is None:
                return response
            response.close()
            request = next_request
        raise self._too_many_redirects(request.url)

    def request(self, method: str, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        """Send and read the whole (capped) body; returns the response whatever its status."""
        with self.stream(method, url, **kwargs) as response:
            limit = response.stream._max if isinstance(response.stream, _CappedStream) else None
            chunks: list[bytes] = []
            size = 0
            # Decoded bytes are counted too, so a small compressed body cannot inflate without bound.
            for chunk in response.iter_bytes():
                size += len(chunk)
                if limit is not None and size > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
            response._content = b"".join(chunks)  # what httpx's own read() stores
        return response

    def get(self, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def get_json(self, url: str | httpx.URL, **kwargs: Any) -> Any:
        """GET a JSON document: a non-2xx answer or a body that is not JSON raise UpstreamFailed."""
        headers = {"accept": "application/json", **(kwargs.pop("headers", None) or {})}
        return self._json_of(self.request("GET", url, headers=headers, **kwargs))


class AsyncOutboundClient(_ClientBase):
    """Asynchronous guarded client (log-proxy, playground adapters: streaming)."""

    _per_loop: ClassVar[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncOutboundClient]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, policy: DestinationPolicy, **kwargs: Any):
        super().__init__(policy, **kwargs)
        self._http = httpx.AsyncClient(
            transport=_GuardedAsyncTransport(policy),
            follow_redirects=False,
            trust_env=False,
            cookies=_NoCookieJar(),
        )

    @classmethod
    def from_settings(cls, settings: Any = None, **overrides: Any) -> AsyncOutboundClient:
        kwargs = cls._settings_kwargs(settings)
        kwargs.update(overrides)
        return cls(**kwargs)

    @classmethod
    def shared(cls) -> AsyncOutboundClient:
        """One client per running event loop: pooled connections belong to the loop that opened them."""
        loop = asyncio.get_running_loop()
        client = cls._per_loop.get(loop)
        if client is None:
            client = cls.from_settings()
            cls._per_loop[loop] = client
        return client

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def stream(
        self, method: str, url: str | httpx.URL, **kwargs: Any
    ) -> AbstractAsyncContextManager[httpx.Response]:
        """Send and yield the final response with its body unread; the body is capped as it arrives.

        Keyword arguments: see the module docstring (`headers`, `json`, `max_bytes`, `total_timeout`...)."""
        return self._stream(method, url, **kwargs)

    @asynccontextmanager
    async def _stream(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        headers: Mapping[str, str] | None = None,
        params: Any = None,
        json: Any = None,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        connect_timeout: Any = _UNSET,
        read_timeout: Any = _UNSET,
        total_timeout: Any = _UNSET,
        max_bytes: Any = _UNSET,
        follow_redirects: bool = True,
    ) -> AsyncIterator[httpx.Response]:
        """Send and yield the final response with its body unread; the body is capped as it arrives."""
        limits = self._limits(connect_timeout, read_timeout, total_timeout, max_bytes)
        target = self.policy.check_url_syntax(url)
        request = self._http.build_request(
            method,
            target,
            timeout=limits.timeout_for_next_hop(),
            **_request_kwargs(headers, params, json, content, data, files),
        )
        response = await self._send_following(request, limits, follow_redirects)
        response.stream = _AsyncCappedStream(response.stream, limits.max_bytes, limits.deadline, response.url)
        try:
            yield response
        finally:
            await response.aclose()

    async def _send_following(
        self, request: httpx.Request, limits: _CallLimits, follow: bool
    ) -> httpx.Response:
        for _ in range(self.max_redirects + 1):
            try:
                response = await self._http.send(request, stream=True, follow_redirects=False)
            except httpx.HTTPError as exc:
                raise _map_transport_error(exc, request.url) from None
            next_request = self._next_request(self._http, response, request, limits) if follow else None
            if next_request is None:
                return response
            await response.aclose()
            request = next_request
        raise self._too_many_redirects(request.url)

    async def request(self, method: str, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        """Send and read the whole (capped) body; returns the response whatever its status."""
        async with self.stream(method, url, **kwargs) as response:
            limit = response.stream._max if isinstance(response.stream, _AsyncCappedStream) else None
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if limit is not None and size > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
            response._content = b"".join(chunks)  # what httpx's own aread() stores
        return response

    async def get(self, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def head(self, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        return await self.request("HEAD", url, **kwargs)

    async def post(self, url: str | httpx.URL, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def get_json(self, url: str | httpx.URL, **kwargs: Any) -> Any:
        headers = {"accept": "application/json", **(kwargs.pop("headers", None) or {})}
        return self._json_of(await self.request("GET", url, headers=headers, **kwargs))
