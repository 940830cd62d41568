"""The log-proxy's ASGI app around a `LogProxy` (functions/log_proxy builds the real one; tests pass fakes).

One base URL per trace for every client, `<platform>/api/log-proxy/<trace_id>`: OpenAI clients use `…/v1`,
Anthropic clients the base itself, google-genai the base too (it adds `/v1beta` or `/v1`). Errors are in the
client's own format, so each SDK raises its own error class and retries when it should.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from a2g.errors import is_storage_outage
from a2g.log import logger
from a2g.tracing import formats
from a2g.tracing.formats import gemini
from a2g.tracing.proxy import LogProxy, ProxyError, error_response_parts, storage_error
from a2g.tracing.schemas import (
    ANTHROPIC_ERRORS,
    API_KEY_ONLY,
    GEMINI_ERRORS,
    PROXY_ERRORS,
    STREAMED_COMPLETION,
    ChatCompletion,
    ChatCompletionRequest,
    Embeddings,
    EmbeddingsRequest,
    ForwardedRequest,
    GeminiRequest,
    ModelList,
    answered,
    json_body,
)

BASE = "/api/log-proxy/{trace_id}"
PREFIX = BASE + "/v1"


def client_format(request: Request) -> str:
    chosen = request.scope.get("a2g.client_format")  # set by a route that knows its clients' format
    if chosen:
        return str(chosen)
    if "anthropic-version" in request.headers:
        return "anthropic"
    return formats.client_format_of_path(request.url.path)


def error_response(error: ProxyError, client: str) -> Response:
    body, headers = error_response_parts(error, client)
    response = Response(body, status_code=error.status)
    response.raw_headers = headers
    return response


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
    async def _proxy_error(request: Request, exc: ProxyError) -> Response:
        return error_response(exc, client_format(request))

    @app.exception_handler(404)
    async def _no_route(request: Request, exc: Exception) -> Response:
        error = ProxyError(404, "invalid_request_error", "unknown_url",
                           f"no log-proxy route {request.method} {_tail(request.url.path)}")
        parts = request.url.path.split("/")
        if len(parts) > 4 and parts[1:3] == ["api", "log-proxy"]:
            try:
                await proxy.unknown_route(parts[3], request, error)  # recorded on the trace when the key owns it
            except ProxyError as refused:
                error = refused
        return error_response(error, client_format(request))

    @app.exception_handler(405)
    async def _no_method(request: Request, exc: Exception) -> Response:
        return await _no_route(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        if is_storage_outage(exc):  # e.g. the API key or trace was not cached and the store is down
            logger.warning("log-proxy: storage unavailable", extra={"error_type": type(exc).__name__})
            return error_response(storage_error(), client_format(request))
        logger.exception("log-proxy failed")
        return error_response(ProxyError(500, "server_error", "internal_error", "internal error"),
                              client_format(request))

    # --- OpenAI ---------------------------------------------------------------------------------------------

    @app.post(PREFIX + "/chat/completions", summary="OpenAI chat completions, proxied and traced",
              response_model=ChatCompletion, responses={**STREAMED_COMPLETION, **PROXY_ERRORS},
              openapi_extra={**API_KEY_ONLY, **json_body(ChatCompletionRequest)})
    async def chat_completions(trace_id: str, request: Request) -> Any:
        return await proxy.handle(formats.CHAT, trace_id, request)

    @app.post(PREFIX + "/responses", summary="OpenAI Responses, proxied and traced",
              responses={**answered("the response object, or with `stream: true` its server-sent events"),
                         **PROXY_ERRORS},
              openapi_extra={**API_KEY_ONLY, **json_body(ForwardedRequest)})
    async def responses(trace_id: str, request: Request) -> Any:
        return await proxy.handle(formats.RESPONSES, trace_id, request)

    @app.api_route(PREFIX + "/responses/{response_id}", methods=["GET", "DELETE"],
                   summary="A stored OpenAI response, passed through",
                   responses={**answered("the LLM's answer, passed through"), **PROXY_ERRORS},
                   openapi_extra=API_KEY_ONLY)
    @app.get(PREFIX + "/responses/{response_id}/input_items", summary="A stored response's input items",
             responses={**answered("the LLM's answer, passed through"), **PROXY_ERRORS},
             openapi_extra=API_KEY_ONLY)
    async def stored_response(trace_id: str, response_id: str, request: Request) -> Any:
        path = "/responses/" + response_id + ("/input_items" if request.url.path.endswith("/input_items") else "")
        return await proxy.stored_response(trace_id, request, path)

    @app.post(PREFIX + "/completions", summary="OpenAI (legacy) completions, proxied and traced",
              responses={**answered("the completion, or with `stream: true` its server-sent events"),
                         **PROXY_ERRORS},
              openapi_extra={**API_KEY_ONLY, **json_body(ForwardedRequest)})
    async def completions(trace_id: str, request: Request) -> Any:
        return await proxy.handle(formats.COMPLETIONS, trace_id, request)

    @app.post(PREFIX + "/embeddings", summary="OpenAI embeddings, proxied and traced", response_model=Embeddings,
              responses=PROXY_ERRORS, openapi_extra={**API_KEY_ONLY, **json_body(EmbeddingsRequest)})
    async def embeddings(trace_id: str, request: Request) -> Any:
        return await proxy.handle(formats.EMBEDDINGS, trace_id, request)

    @app.get(PREFIX + "/models", summary="The enabled models, in OpenAI's (or, to Anthropic's SDK, Anthropic's) list format",
             # Documented, not enforced: Anthropic's SDK gets Anthropic's list shape from the same path.
             responses={200: {"model": ModelList, "description": "OpenAI's list (Anthropic's to its SDK)"},
                        **PROXY_ERRORS}, openapi_extra=API_KEY_ONLY)
    async def models(trace_id: str, request: Request) -> Any:
        return await proxy.models(trace_id, request, client_format(request))

    # --- Anthropic ------------------------------------------------------------------------------------------

    @app.post(PREFIX + "/messages", summary="Anthropic messages, proxied and traced",
              responses={**answered("the message, or with `stream: true` Anthropic's server-sent events"),
                         **ANTHROPIC_ERRORS},
              openapi_extra={**API_KEY_ONLY, **json_body(ForwardedRequest)})
    async def messages(trace_id: str, request: Request) -> Any:
        return await proxy.handle(formats.MESSAGES, trace_id, request)

    @app.post(PREFIX + "/messages/count_tokens", summary="Anthropic token counting, passed through",
              responses={**answered("the token count"), **ANTHROPIC_ERRORS},
              openapi_extra={**API_KEY_ONLY, **json_body(ForwardedRequest)})
    async def count_tokens(trace_id: str, request: Request) -> Any:
        return await proxy.handle(formats.COUNT_TOKENS, trace_id, request)

    # --- Gemini (google-genai uses v1beta or v1) --------------------------------------------------------------

    @app.post(BASE + "/{version}/models/{model_action}", summary="Gemini generate / stream / count / embed",
              responses={**answered("the answer, or for :streamGenerateContent?alt=sse its server-sent events"),
                         **GEMINI_ERRORS},
              openapi_extra={**API_KEY_ONLY, **json_body(GeminiRequest)})
    async def gemini_call(trace_id: str, version: str, model_action: str, request: Request) -> Any:
        request.scope["a2g.client_format"] = "gemini"  # every answer of this route is for a Gemini client
        target = gemini.split_model_action(model_action)
        if version not in ("v1", "v1beta") or target is None:
            await proxy.unknown_route(trace_id, request, ProxyError(
                404, "invalid_request_error", "unknown_url", f"no log-proxy route POST {_tail(request.url.path)}"))
        model, action = target
        return await proxy.handle(formats.GEMINI, trace_id, request, model=model, action=action, version=version)

    @app.get(BASE + "/v1beta/models", summary="The enabled models, in Gemini's list format",
             responses={**answered("the enabled models"), **GEMINI_ERRORS}, openapi_extra=API_KEY_ONLY)
    async def gemini_models(trace_id: str, request: Request) -> Any:
        return await proxy.models(trace_id, request, "gemini")

    return app


def _tail(path: str) -> str:
    """The path after the trace id (the trace id is the developer's own, but keep messages short)."""
    parts = path.split("/", 4)
    return "/" + parts[4] if len(parts) > 4 else path
