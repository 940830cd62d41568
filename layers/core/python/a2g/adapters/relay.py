"""The log-proxy's upstream client: the outbound guard on aiohttp, for the one call path where milliseconds count.

Every LLM call an agent makes goes through the log-proxy, and the proxy's own overhead is a product promise
(issue 5: under 5 ms added at p50). On this machine a loopback POST to the mock LLM took 2.6 ms at p50 through
httpx's async client (2.75 ms through the guarded one) and 1.2 ms through aiohttp, so the proxy relays
through aiohttp. Everything else keeps using
`a2g.adapters.outbound`, whose `DestinationPolicy` this client shares, so the two cannot drift apart:

- the URL is checked (http/https, a host) before anything is sent;
- a literal IP is checked at once; a name goes through `_GuardedResolver`: every address it resolves to is
  checked by the policy, and the connection is made only to those checked addresses (aiohttp connects to what the resolver returned, so a
  DNS answer that changes later cannot move it; TLS still verifies the certificate against the host name);
- no redirects, no environment proxies, no cookie jar, no transparent decompression (bytes are relayed
  exactly as the LLM sent them).

Errors are `a2g.errors`, as from the outbound client: a refused destination → `ValidationFailed`; a timeout
→ `UpstreamTimeout`; anything else on the wire → `UpstreamFailed`.

    client = RelayClient.shared()                # one per running event loop
    async with client.stream("POST", url, content=body, headers=h, read_timeout=120) as response:
        response.status_code, response.headers
        async for chunk in response.aiter_raw(): ...   # as each read completes: nothing is held back
"""

from __future__ import annotations

import asyncio
import socket
import weakref
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import ClassVar

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from a2g.adapters.outbound import RESOLVE_TTL_SECONDS, DestinationPolicy, _display, _literal_ip, _ssl_context
from a2g.errors import PlatformError, UpstreamFailed, UpstreamTimeout

__all__ = ["RelayClient", "RelayResponse"]

_CONNECT_TIMEOUT_SECONDS = 10.0


class _GuardedResolver(AbstractResolver):
    """Resolves through the policy (cached) and returns only addresses the policy allows, or raises."""

    def __init__(self, policy: DestinationPolicy):
        self._policy = policy

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
                      ) -> list[ResolveResult]:
        addresses = await self._policy.aresolve(host, port, _CONNECT_TIMEOUT_SECONDS)
        self._policy.check_addresses(host, addresses, port)  # ValidationFailed is not an OSError: aiohttp lets it out
        return [
            ResolveResult(hostname=host, host=address, port=port,
                          family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                          proto=0, flags=socket.AI_NUMERICHOST)
            for address in addresses
        ]

    async def close(self) -> None:
        return None


def _platform_error(exc: BaseException, url: str, failed: str, late: str) -> PlatformError:
    """An aiohttp failure as the outbound client reports it; the URL is shown without query or credentials
    (worked out only here, off the path of calls that succeed)."""
    if isinstance(exc, (TimeoutError, aiohttp.ServerTimeoutError)):
        return UpstreamTimeout(f"{_display(url)} {late} in time")
    return UpstreamFailed(f"{_display(url)} {failed}: {type(exc).__name__}", code="upstream_unreachable")


class RelayResponse:
    """The parts of an upstream response the proxy relays: status, headers, raw body chunks."""

    def __init__(self, response: aiohttp.ClientResponse, url: str):
        self._response, self._url = response, url
        self.status_code = response.status
        self.headers: Mapping[str, str] = response.headers

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _platform_error(exc, self._url, "failed mid-answer", "stopped sending") from None


class RelayClient:
    """A pooled aiohttp session behind the outbound policy. Build with `shared()` inside a running loop."""

    _per_loop: ClassVar[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RelayClient]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, policy: DestinationPolicy):
        self.policy = policy
        # URL -> the checked target. The syntax and literal-IP checks depend only on the URL and the policy, so
        # each URL is checked once, not on every call (the parse was ~10 % of a proxied call's own CPU); names
        # are still checked on every new connection by the resolver.
        self._checked: dict[str, tuple[URL, str]] = {}
        connector = aiohttp.TCPConnector(
            resolver=_GuardedResolver(policy),
            ssl=_ssl_context(),  # the CA settings of every outbound call
            limit=100, keepalive_timeout=30.0, ttl_dns_cache=int(RESOLVE_TTL_SECONDS),
        )
        self._session = aiohttp.ClientSession(
            connector=connector, trust_env=False, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False,
        )

    @classmethod
    def shared(cls) -> RelayClient:
        """One client per running event loop: pooled connections belong to the loop that opened them."""
        loop = asyncio.get_running_loop()
        client = cls._per_loop.get(loop)
        if client is None:
            client = cls(DestinationPolicy.from_settings())
            cls._per_loop[loop] = client
        return client

    @classmethod
    async def close_shared(cls) -> None:
        """Close the running loop's client (at shutdown), so its pooled connections end cleanly."""
        client = cls._per_loop.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    async def aclose(self) -> None:
        await self._session.close()

    @asynccontextmanager
    async def stream(self, method: str, url: str, *, content: bytes, headers: Mapping[str, str],
                     read_timeout: float | None, connect_timeout: float = _CONNECT_TIMEOUT_SECONDS,
                     ) -> AsyncIterator[RelayResponse]:
        """Send and yield the response with its body unread. `read_timeout` bounds each wait for bytes."""
        target, shown = self._checked.get(url) or self._check(url)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout, sock_read=read_timeout)
        try:
            response = await self._session.request(method, target, data=content, headers=dict(headers),
                                                   timeout=timeout, allow_redirects=False)
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _platform_error(exc, shown, "could not be reached", "did not answer") from None
        try:
            yield RelayResponse(response, shown)
        finally:
            response.release()

    def _check(self, url: str) -> tuple[URL, str]:
        parsed = self.policy.check_url_syntax(url)
        literal = _literal_ip(parsed.host)
        if literal is not None:  # aiohttp connects to a literal IP without asking the resolver: check it here
            self.policy.check_addresses(parsed.host, (literal,),
                                        parsed.port or (443 if parsed.scheme == "https" else 80))
        checked = (URL(str(parsed)), str(parsed))
        if len(self._checked) >= 1024:
            self._checked.clear()
        self._checked[url] = checked
        return checked
