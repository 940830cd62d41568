"""The benchmark's floor: a bare aiohttp relay (no key, no trace, no model lookup, no logging) that forwards
any request to one upstream and streams the answer back as it arrives.

    python -m tests.bench.bare_relay <port> <upstream root URL>
"""

from __future__ import annotations

import sys

import aiohttp
from aiohttp import web

_HOP = {"host", "content-length", "transfer-encoding", "connection"}


async def _relay(request: web.Request) -> web.StreamResponse:
    session: aiohttp.ClientSession = request.app["session"]
    body = await request.read()
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
    # Everything after the log-proxy's trace prefix, so the same client URLs work against both.
    path = request.match_info["tail"]
    url = request.app["upstream"] + "/" + path + (f"?{request.query_string}" if request.query_string else "")
    async with session.request(request.method, url, data=body, headers=headers) as upstream:
        response = web.StreamResponse(status=upstream.status, headers={
            "content-type": upstream.headers.get("content-type", "application/json")})
        await response.prepare(request)
        async for chunk in upstream.content.iter_any():
            await response.write(chunk)
        await response.write_eof()
        return response


async def _app(upstream: str) -> web.Application:
    app = web.Application(client_max_size=10_000_000)
    app["upstream"] = upstream.rstrip("/")
    app["session"] = aiohttp.ClientSession(auto_decompress=False)
    app.router.add_route("*", "/relay/{trace}/{tail:.*}", _relay)

    async def close(app: web.Application) -> None:
        await app["session"].close()

    app.on_cleanup.append(close)
    return app


if __name__ == "__main__":
    web.run_app(_app(sys.argv[2]), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
