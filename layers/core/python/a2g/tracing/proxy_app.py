"""The log-proxy's ASGI app around a `LogProxy` (functions/log_proxy builds the real one; tests pass fakes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from a2g.errors import is_storage_outage
from a2g.log import logger
from a2g.tracing.proxy import LogProxy, ProxyError, storage_error

PREFIX = "/api/log-proxy/{trace_id}/v1"


def create_log_proxy_app(proxy: LogProxy) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        # Shutdown: finish the entries still being recorded, then close the upstream connections.
        await proxy.drain()
        from a2g.adapters.relay import RelayClient

        await RelayClient.close_shared()

    app = FastAPI(title="log-proxy", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.proxy = proxy

    @app.exception_handler(ProxyError)
    async def _openai_error(_: Request, exc: ProxyError) -> JSONResponse:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)

    @app.exception_handler(404)
    async def _no_route(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(ProxyError(404, "invalid_request_error", "unknown_url", "unknown URL").body(),
                            status_code=404)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        if is_storage_outage(exc):  # e.g. the API key or trace was not cached and the store is down
            logger.warning("log-proxy: storage unavailable", extra={"error_type": type(exc).__name__})
            return await _openai_error(_, storage_error())
        logger.exception("log-proxy failed")
        return JSONResponse(ProxyError(500, "server_error", "internal_error", "internal error").body(),
                            status_code=500)

    @app.post(PREFIX + "/chat/completions", summary="OpenAI chat completions, proxied and traced")
    async def chat_completions(trace_id: str, request: Request) -> Any:
        return await proxy.chat_completions(trace_id, request)

    @app.post(PREFIX + "/embeddings", summary="OpenAI embeddings, proxied and traced")
    async def embeddings(trace_id: str, request: Request) -> Any:
        return await proxy.embeddings(trace_id, request)

    @app.get(PREFIX + "/models", summary="The enabled models, in OpenAI's list format")
    async def models(trace_id: str, request: Request) -> Any:
        return await proxy.models(trace_id, request)

    return app
