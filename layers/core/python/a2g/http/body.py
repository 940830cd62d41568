"""Every FastAPI function reads its JSON body through `a2g.json_input.read_json` (size, depth, text limits).

`BoundedJsonRoute` is the route class `create_app` installs: before FastAPI parses a body, the bytes are read
(at most `max_bytes`, refused with 413 as soon as they exceed it, whatever Content-Length claims) and parsed
by the shared reader; FastAPI and the handler then see that parsed value (`request.json()`). Handlers that
take the raw JSON rather than a model declare `body: JsonBody`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute

from a2g.json_input import MAX_BYTES, read_json, too_large

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def read_limited_body(request: Request, max_bytes: int) -> bytes:
    """The request's bytes, refused (413) once they exceed `max_bytes`; cached on the request."""
    cached = getattr(request, "_body", None)
    if cached is not None:
        if len(cached) > max_bytes:
            raise too_large(max_bytes)
        return bytes(cached)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise too_large(max_bytes)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes)
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # Starlette's own cache: request.body() returns these bytes
    return body


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True  # FastAPI parses a body without a content type as JSON too
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def parsed_json(request: Request, max_bytes: int = MAX_BYTES) -> Any:
    """The body parsed by the shared reader (whatever its content type); None when empty."""
    if hasattr(request, "_json"):
        return request._json
    value = read_json(await read_limited_body(request, max_bytes))
    request._json = value
    return value


class BoundedJsonRoute(APIRoute):
    """An APIRoute whose JSON body goes through the shared reader before FastAPI sees it."""

    max_body_bytes = MAX_BYTES

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        max_bytes = self.max_body_bytes

        async def bounded(request: Request) -> Response:
            if request.method in _BODY_METHODS:
                raw = await read_limited_body(request, max_bytes)
                if raw and _is_json(request.headers.get("content-type")):
                    request._json = read_json(raw, max_bytes=max_bytes)
            return await handler(request)

        return bounded


async def _json_body(request: Request) -> Any:
    return await parsed_json(request, BoundedJsonRoute.max_body_bytes)


JsonBody = Annotated[Any, Depends(_json_body)]
"""The whole JSON body as parsed by the shared reader, for handlers that take no model."""

__all__ = ["BoundedJsonRoute", "JsonBody", "parsed_json", "read_limited_body"]
