"""The log-proxy's hot path: an OpenAI-compatible endpoint that checks, forwards, and has each call recorded.

Per call, in order: the platform API key (cached in-process), the trace's owner (cached), the per-key rate
limit (see `LogProxy._start_rate_check`: by default counted after the answer, refused in-process once a key is
known to be over), the body cap, the JSON, the model (registered and enabled; cached). A warm call touches no
storage before it is forwarded. Then the request goes to the LLM's base URL with the LLM's own key through the
guarded outbound client, and the answer comes back unchanged: status, body and content type; a stream chunk by
chunk as each SSE event completes (nothing is held back).

On streams the proxy asks the upstream for usage (`stream_options.include_usage`) when the client did not, so
token counts are right, and then hides what the client did not ask for: the final usage-only chunk and the
`"usage": null` field on the other chunks. Event count and content are what the client would have seen.

The entry is built, written, counted and pushed only after the client has its answer (`record_mode`
"detach": a task on the running loop, for the local runtime and any long-lived ASGI server), or — where the
process may be frozen as soon as the response ends (Lambda) — after the last byte was sent and before the
response is closed (`record_mode` "before_end").

Failures answer in OpenAI's error format `{"error": {"message", "type", "param", "code"}}`. Failures after the
key and the trace were verified are also recorded as failed calls on that trace; failures before (a bad key,
another user's trace) only go to the function's log, since nothing trustworthy names a trace to write to.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from a2g.clock import Clock, SystemClock
from a2g.errors import (
    PayloadTooLarge,
    StorageUnavailable,
    Throttled,
    UpstreamFailed,
    UpstreamTimeout,
    ValidationFailed,
    is_storage_outage,
)
from a2g.identity.api_keys import CACHE_TTL_SECONDS as API_KEY_CACHE_SECONDS
from a2g.identity.principal import Principal
from a2g.ids import new_id
from a2g.json_input import read_json
from a2g.log import logger
from a2g.tracing.entries import assemble_stream
from a2g.tracing.recorder import CallOutcome, CallRecorder
from a2g.tracing.repository import TraceMeta
from a2g.validation import MODEL_NAME_MAX_LENGTH, is_id, is_model_name

RecordMode = Literal["detach", "before_end"]
_ENABLED_MODELS = ("enabled models",)  # the model cache's key for the `/v1/models` list (no model has this name)
RateLimitMode = Literal["deferred", "strict"]
# Blocking lookups of the hot path (key, trace, model, rate, active runs) get their own threads, so they never
# queue behind whatever else shares the event loop's default executor.
_LOOKUPS = concurrent.futures.ThreadPoolExecutor(max_workers=16, thread_name_prefix="log-proxy-lookup")


async def _blocking(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(_LOOKUPS, fn, *args)


# ------------------------------------------------------------------------------------------------------
# What the proxy depends on
# ------------------------------------------------------------------------------------------------------


class KeyAuthenticator(Protocol):
    def __call__(self, raw_key: str | None) -> Principal | None: ...


class RateCheck(Protocol):
    def __call__(self, key_id: str) -> None:
        """Raise `a2g.errors.Throttled` when the key is over its limit."""


class TraceLookup(Protocol):
    def get_trace(self, trace_id: str) -> TraceMeta | None: ...


@dataclass(frozen=True)
class ResolvedModel:
    model: str
    llm_id: str
    llm_name: str
    base_url: str
    api_key: str | None
    timeout_seconds: float


class ModelResolver(Protocol):
    def resolve_model(self, model: str) -> ResolvedModel | None:
        """The enabled LLM serving `model`, with its key decrypted; None when unknown or disabled."""

    def enabled_models(self) -> list[ResolvedModel]: ...


class UpstreamClient(Protocol):
    """`a2g.adapters.relay.RelayClient`: `stream(...)` is an async context manager of a `RelayResponse`."""

    def stream(self, method: str, url: str, *, content: bytes, headers: dict[str, str],
               read_timeout: float | None) -> Any: ...


# ------------------------------------------------------------------------------------------------------
# Errors in OpenAI's format
# ------------------------------------------------------------------------------------------------------


class ProxyError(Exception):
    def __init__(self, status: int, error_type: str, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.type, self.code, self.message = status, error_type, code, message
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": None, "code": self.code}}

    def as_entry_error(self) -> dict[str, Any]:
        return {"type": self.type, "code": self.code, "message": self.message}


def bad_request(code: str, message: str) -> ProxyError:
    return ProxyError(400, "invalid_request_error", code, message)


def upstream_error(exc: Exception) -> ProxyError:
    if isinstance(exc, UpstreamTimeout):
        return ProxyError(504, "timeout_error", "upstream_timeout", "the LLM did not answer in time")
    if isinstance(exc, ValidationFailed):  # the guarded client refused the LLM's address
        return ProxyError(502, "upstream_error", "upstream_not_allowed", exc.message)
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return ProxyError(502, "upstream_error", "upstream_unreachable", f"the LLM could not be reached: {message}")


def storage_error() -> ProxyError:
    """The platform's own storage is down (a key, trace or model not in the caches could not be read)."""
    outage = StorageUnavailable()
    return ProxyError(outage.status, "server_error", outage.code, outage.message, retry_after=outage.retry_after)


def _error_bytes(error: ProxyError) -> bytes:
    return json.dumps(error.body(), separators=(",", ":")).encode()


async def send_error(send: Send, error: ProxyError) -> None:
    body = _error_bytes(error)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if error.retry_after is not None:
        headers.append((b"retry-after", str(error.retry_after).encode()))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


# ------------------------------------------------------------------------------------------------------
# Small caches for a warm function
# ------------------------------------------------------------------------------------------------------


class TtlCache:
    """A bounded dict whose entries expire; negative answers get their own, shorter lifetime."""

    def __init__(self, ttl_seconds: float, negative_ttl_seconds: float = 5.0, max_entries: int = 4096,
                 monotonic: Callable[[], float] = time.monotonic):
        self._ttl, self._negative_ttl, self._max = ttl_seconds, negative_ttl_seconds, max_entries
        self._monotonic = monotonic
        self._items: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> tuple[bool, Any]:
        hit = self._items.get(key)
        if hit is None or hit[0] <= self._monotonic():
            return False, None
        return True, hit[1]

    def put(self, key: Any, value: Any) -> Any:
        if len(self._items) >= self._max:
            self._items.clear()
        ttl = self._ttl if value is not None else self._negative_ttl
        self._items[key] = (self._monotonic() + ttl, value)
        return value

    def clear(self) -> None:
        self._items.clear()


# ------------------------------------------------------------------------------------------------------
# SSE handling
# ------------------------------------------------------------------------------------------------------

_USAGE_NULL = (re.compile(rb',\s*"usage"\s*:\s*null'), re.compile(rb'"usage"\s*:\s*null\s*,\s*'))
_EMPTY_CHOICES = re.compile(rb'"choices"\s*:\s*\[\s*\]')


def _split_events(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Complete SSE events (each with its blank-line terminator) and the incomplete rest."""
    events = []
    start = 0
    while True:
        lf = buffer.find(b"\n\n", start)
        crlf = buffer.find(b"\r\n\r\n", start)
        if lf < 0 and crlf < 0:
            break
        if crlf >= 0 and (lf < 0 or crlf < lf):
            end = crlf + 4
        else:
            end = lf + 2
        events.append(buffer[start:end])
        start = end
    return events, buffer[start:]


def _event_data(event: bytes) -> bytes | None:
    lines = [line[5:].lstrip(b" ") for line in event.splitlines() if line.startswith(b"data:")]
    return b"\n".join(lines) if lines else None


@dataclass
class _StreamState:
    injected_usage: bool
    data: list[bytes]
    usage: dict[str, Any] | None = None
    events: int = 0
    captured_bytes: int = 0
    capture_limit: int = 5_000_000
    capture_truncated: bool = False

    def process(self, event: bytes) -> bytes | None:
        """The event as the client should see it, or None to drop it; remembers its data for the entry."""
        data = _event_data(event)
        if data is None:
            return event  # a comment / keep-alive: pass through
        if self.injected_usage and data != b"[DONE]" and _EMPTY_CHOICES.search(data) and b'"usage"' in data:
            try:
                parsed = json.loads(data)
            except (ValueError, RecursionError):
                parsed = None
            if isinstance(parsed, dict) and not parsed.get("choices") and parsed.get("usage"):
                self.usage = parsed["usage"]
                return None
        if data != b"[DONE]":
            self.events += 1
            if self.captured_bytes + len(data) <= self.capture_limit:
                self.data.append(data)
                self.captured_bytes += len(data)
            else:
                self.capture_truncated = True
        if self.injected_usage and b'"usage"' in event:
            for pattern in _USAGE_NULL:
                event = pattern.sub(b"", event, count=1)
        return event

    def chunks(self) -> list[dict[str, Any]]:
        out = []
        for data in self.data:
            try:
                value = json.loads(data)
            except (ValueError, RecursionError):
                continue
            if isinstance(value, dict):
                out.append(value)
        if self.usage is not None:
            out.append({"choices": [], "usage": self.usage})
        return out


# ------------------------------------------------------------------------------------------------------
# The proxy
# ------------------------------------------------------------------------------------------------------


@dataclass
class _Call:
    """One call in flight: what is known so far, for forwarding and for the entry."""

    trace_id: str
    kind: str
    started_at: datetime
    t0: float
    principal: Principal | None = None
    trace: TraceMeta | None = None
    body: dict[str, Any] | None = None
    header_agent_id: str | None = None
    deferred_rate_key: str | None = None
    # Made when the call starts, so entries sort in the order the calls were made even though they are
    # written in the background, possibly out of order.
    entry_id: str = field(default_factory=lambda: new_id("log"))

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.t0) * 1000.0


class LogProxy:
    def __init__(
        self,
        authenticate: KeyAuthenticator,
        check_rate: RateCheck,
        traces: TraceLookup,
        models: ModelResolver,
        upstream: Callable[[], UpstreamClient],
        recorder: CallRecorder,
        *,
        clock: Clock | None = None,
        max_body_bytes: int = 5_000_000,
        cache_seconds: float = 30.0,
        key_cache_seconds: float = API_KEY_CACHE_SECONDS,
        record_mode: RecordMode = "detach",
        rate_limit_mode: RateLimitMode = "deferred",
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self._authenticate, self._check_rate = authenticate, check_rate
        self._traces, self._models, self._upstream, self._recorder = traces, models, upstream, recorder
        self._clock = clock or SystemClock()
        self.max_body_bytes = max_body_bytes
        self.record_mode: RecordMode = record_mode
        self.rate_limit_mode: RateLimitMode = rate_limit_mode
        self._throttled_until: dict[str, tuple[float, int, str]] = {}
        self._trace_cache = TtlCache(cache_seconds)
        self._model_cache = TtlCache(cache_seconds)
        # Keys are revoked and their owners demoted: never trusted longer than the platform-wide bound.
        self._key_cache = TtlCache(min(key_cache_seconds, API_KEY_CACHE_SECONDS), negative_ttl_seconds=0.0,
                                   monotonic=monotonic)
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- entry points (one per route) ---------------------------------------------------------------------

    async def chat_completions(self, trace_id: str, request: Request) -> Response:
        """`POST /v1/chat/completions`: a response that relays the upstream's answer (raises ProxyError)."""
        return await self._forwarding(trace_id, request, "chat.completions", "/chat/completions")

    async def embeddings(self, trace_id: str, request: Request) -> Response:
        return await self._forwarding(trace_id, request, "embeddings", "/embeddings")

    async def models(self, trace_id: str, request: Request) -> dict[str, Any]:
        """`GET /v1/models`: the enabled models, as OpenAI lists them (raises ProxyError)."""
        call = self._new_call(trace_id, "models")
        await self._identify(call, request)
        hit, models = self._model_cache.get(_ENABLED_MODELS)
        if not hit:
            models = self._model_cache.put(_ENABLED_MODELS, await _blocking(self._models.enabled_models))
        return {"object": "list", "data": [
            {"id": m.model, "object": "model", "created": 0, "owned_by": m.llm_name} for m in models
        ]}

    async def drain(self) -> None:
        """Wait for the entries still being recorded (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- checks ------------------------------------------------------------------------------------------

    def _new_call(self, trace_id: str, kind: str) -> _Call:
        return _Call(trace_id=trace_id, kind=kind, started_at=self._clock.now(), t0=time.perf_counter())

    async def _identify(self, call: _Call, request: Request) -> None:
        """Key, then trace ownership. Failures here are not recorded on any trace."""
        if not is_id(call.trace_id):
            raise bad_request("invalid_trace_id", "the trace id in the URL is not a valid id")
        raw_key = _bearer(request.headers.get("authorization"))
        if not raw_key:
            raise ProxyError(401, "invalid_request_error", "invalid_api_key",
                             "missing API key: send your platform API key as 'Authorization: Bearer <key>'")
        principal = await self._principal(raw_key)
        if principal is None:
            raise ProxyError(401, "invalid_request_error", "invalid_api_key", "invalid or revoked API key")
        if not principal.is_approved:
            raise ProxyError(403, "permission_error", "pending_approval",
                             "your account is waiting for an administrator's approval")
        trace = await self._trace(call.trace_id)
        if trace is None or trace.owner_user_id != principal.user_id:
            logger.warning("log-proxy refused a trace not owned by the key's user",
                           extra={"trace_id": call.trace_id, "user_id": principal.user_id})
            raise ProxyError(404, "invalid_request_error", "trace_not_found",
                             f"no trace {call.trace_id!r} belongs to this API key's user")
        call.principal, call.trace = principal, trace

    async def _principal(self, raw_key: str) -> Principal | None:
        digest = hashlib.sha256(raw_key.encode()).digest()
        hit, cached = self._key_cache.get(digest)
        if hit:
            return cached  # type: ignore[no-any-return]
        principal: Principal | None = await _blocking(self._authenticate, raw_key)
        if principal is not None:
            self._key_cache.put(digest, principal)
        return principal

    async def _trace(self, trace_id: str) -> TraceMeta | None:
        hit, meta = self._trace_cache.get(trace_id)
        if hit:
            return meta  # type: ignore[no-any-return]
        meta = await _blocking(self._traces.get_trace, trace_id)
        return self._trace_cache.put(trace_id, meta)  # type: ignore[no-any-return]

    async def _model(self, model: str) -> ResolvedModel | None:
        hit, resolved = self._model_cache.get(model)
        if hit:
            return resolved  # type: ignore[no-any-return]
        resolved = await _blocking(self._models.resolve_model, model)
        return self._model_cache.put(model, resolved)  # type: ignore[no-any-return]

    async def _read_body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise _too_large(self.max_body_bytes)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _too_large(self.max_body_bytes)
            chunks.append(chunk)
        return b"".join(chunks)

    def _rate(self, key_id: str) -> None:
        try:
            self._check_rate(key_id)
        except Throttled as exc:
            self._throttled_until[key_id] = (time.monotonic() + exc.retry_after, exc.retry_after, exc.message)
            raise ProxyError(429, "rate_limit_error", "rate_limit_exceeded", exc.message,
                             retry_after=exc.retry_after) from None

    def _start_rate_check(self, call: _Call, principal: Principal) -> asyncio.Future[None] | None:
        """Count this call against the key's limit.

        "strict": the count (one conditional write) finishes before the call is forwarded. "deferred" (the
        default): the count is made once the client has its answer, with the entry, and a key found over its
        limit is refused here, without any write, for the rest of its window. A key can then exceed its limit
        by the calls in flight when the limit was reached (one or two, for a sequential client) — the price of
        keeping a storage write, and its CPU, off every call's path.
        """
        key_id = principal.api_key_id or principal.user_id
        known = self._throttled_until.get(key_id)
        if known is not None:
            until, retry_after, message = known
            remaining = until - time.monotonic()
            if remaining > 0:
                raise ProxyError(429, "rate_limit_error", "rate_limit_exceeded", message,
                                 retry_after=max(1, min(retry_after, int(remaining + 0.999))))
            del self._throttled_until[key_id]
        if self.rate_limit_mode == "strict":
            return asyncio.ensure_future(_blocking(self._rate, key_id))
        call.deferred_rate_key = key_id
        return None

    # --- forwarding ----------------------------------------------------------------------------------------

    async def _forwarding(self, trace_id: str, request: Request, kind: str, path: str) -> Response:
        call = self._new_call(trace_id, kind)
        await self._identify(call, request)  # ProxyError propagates: nothing to record
        assert call.trace is not None and call.principal is not None
        header_agent_id = request.headers.get("x-agent-id")
        try:
            if header_agent_id is not None and not is_id(header_agent_id):
                raise bad_request("invalid_agent_id", "the X-Agent-Id header is not a valid id")
            call.header_agent_id = header_agent_id
            rate = self._start_rate_check(call, call.principal)
            try:
                raw = await self._read_body(request)
                body = _parse_json(raw, self.max_body_bytes)
                call.body = body
                model = body.get("model")
                if not isinstance(model, str) or not model:
                    raise bad_request("missing_model", "'model' is required")
                if not is_model_name(model):
                    raise bad_request("invalid_model", f"'model' must be 1-{MODEL_NAME_MAX_LENGTH} characters "
                                      "without spaces or control characters")
                resolved = await self._model(model)
            finally:
                if rate is not None:
                    await rate
            if resolved is None:
                raise ProxyError(404, "invalid_request_error", "model_not_found",
                                 f"the model {model!r} does not exist or is not enabled on this platform")
        except ProxyError as error:
            self._record_failure(call, error)
            raise
        except Exception as exc:
            if not is_storage_outage(exc):
                raise
            outage = storage_error()  # recorded too: the recorder spools it until the store is back
            self._record_failure(call, outage)
            raise outage from None
        stream = kind == "chat.completions" and body.get("stream") is True
        injected = False
        if stream:
            options = body.get("stream_options")
            if not (isinstance(options, dict) and options.get("include_usage")):
                forwarded = dict(body)
                forwarded["stream_options"] = {**(options if isinstance(options, dict) else {}),
                                               "include_usage": True}
                raw = json.dumps(forwarded, separators=(",", ":")).encode()
                injected = True
        return _UpstreamExchange(self, call, resolved, path, raw, stream, injected,
                                 request.headers.get("accept"))

    # --- recording -----------------------------------------------------------------------------------------

    def _outcome(self, call: _Call, http_status: int, **fields: Any) -> CallOutcome:
        assert call.trace is not None and call.principal is not None
        body = call.body
        model = body.get("model") if isinstance(body, dict) else None
        model = model if is_model_name(model) else None  # usage counters key on it
        return CallOutcome(
            trace=call.trace, principal=call.principal, kind=call.kind, started_at=call.started_at,
            latency_ms=call.elapsed_ms(), http_status=http_status, request_body=body,
            header_agent_id=call.header_agent_id, model=model, entry_id=call.entry_id,
            stream=bool(isinstance(body, dict) and body.get("stream") is True), **fields,
        )

    def _record_failure(self, call: _Call, error: ProxyError) -> None:
        logger.info("log-proxy call failed", extra={"trace_id": call.trace_id, "status": error.status,
                                                    "code": error.code})
        self.start_recording(self._outcome(call, error.status, error=error.as_entry_error()),
                             call.deferred_rate_key)

    def start_recording(self, outcome: CallOutcome, deferred_rate_key: str | None = None) -> asyncio.Task[Any]:
        if deferred_rate_key is not None:
            check = asyncio.ensure_future(_blocking(self._rate, deferred_rate_key))
            check.add_done_callback(_consume_exception)
        task = asyncio.ensure_future(self._recorder.record(outcome))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _consume_exception(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        error = future.exception()
        if not isinstance(error, ProxyError):
            logger.warning("rate check failed", extra={"error": repr(error)})


def _bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _too_large(limit: int) -> ProxyError:
    return ProxyError(413, "invalid_request_error", "request_too_large",
                      f"the request body is larger than {limit} bytes")


# LLM requests nest deeper than platform documents (tool parameters are JSON Schemas), so the proxy allows
# more levels than the API's default; NUL is forwarded as the client sent it.
PROXY_MAX_JSON_DEPTH = 128


def _parse_json(raw: bytes, max_bytes: int) -> dict[str, Any]:
    """The shared reader (`a2g.json_input`), its refusals in OpenAI's format."""
    try:
        body = read_json(raw, max_bytes=max_bytes, max_depth=PROXY_MAX_JSON_DEPTH, allow_nul=True)
    except PayloadTooLarge:
        raise _too_large(max_bytes) from None
    except ValidationFailed as exc:
        code = "invalid_json" if exc.code in ("invalid_json", "validation_error") else exc.code
        raise bad_request(code, exc.message) from None
    if not isinstance(body, dict):
        raise bad_request("invalid_json", "the request body must be a JSON object")
    return body


_PASSED_RESPONSE_HEADERS = ("content-type", "x-request-id", "openai-processing-ms", "openai-version")


class _UpstreamExchange(Response):
    """The ASGI response that makes the upstream call and relays its answer, then has the call recorded.

    A `Response` so FastAPI hands it the connection as it is; status and headers come from the upstream.
    """

    def __init__(self, proxy: LogProxy, call: _Call, resolved: ResolvedModel, path: str, payload: bytes,
                 stream: bool, injected_usage: bool, accept: str | None):
        # Response.__init__ would render a body; none exists until the upstream answers.
        self.status_code, self.background, self.body = 200, None, b""
        self.raw_headers = []
        self._proxy, self._call, self._resolved = proxy, call, resolved
        self._path, self._payload, self._stream, self._injected = path, payload, stream, injected_usage
        self._accept = accept

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        proxy, call, resolved = self._proxy, self._call, self._resolved
        headers = {"content-type": "application/json", "accept-encoding": "identity",
                   "accept": self._accept or ("text/event-stream" if self._stream else "application/json")}
        if resolved.api_key:
            headers["authorization"] = f"Bearer {resolved.api_key}"
        url = resolved.base_url.rstrip("/") + self._path
        started = False
        try:
            async with proxy._upstream().stream(
                "POST", url, content=self._payload, headers=headers, read_timeout=resolved.timeout_seconds,
            ) as response:
                is_sse = response.headers.get("content-type", "").startswith("text/event-stream")
                out_headers = [(k.lower().encode(), v.encode()) for k, v in response.headers.items()
                               if k.lower() in _PASSED_RESPONSE_HEADERS]
                if self._stream and response.status_code < 400 and is_sse:
                    out_headers += [(b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no")]
                    await send({"type": "http.response.start", "status": response.status_code,
                                "headers": out_headers})
                    started = True
                    outcome = await self._relay_stream(response, send, receive)
                else:
                    body = b"".join([chunk async for chunk in response.aiter_raw()])
                    out_headers.append((b"content-length", str(len(body)).encode()))
                    await send({"type": "http.response.start", "status": response.status_code,
                                "headers": out_headers})
                    started = True
                    await send({"type": "http.response.body", "body": body, "more_body": True})
                    outcome = self._complete_outcome(response.status_code, body)
        except (UpstreamFailed, UpstreamTimeout, ValidationFailed, PayloadTooLarge) as exc:
            if started:  # only reachable if closing the upstream failed after a complete relay
                raise
            error = upstream_error(exc)
            await send_error(send, error)
            proxy._record_failure(call, error)
            return
        end: Message = {"type": "http.response.body", "body": b"", "more_body": False}
        if proxy.record_mode == "before_end":
            # The process may be frozen once the response ends: finish the record first. The client already
            # has every byte of the answer; only the end of the response waits.
            await proxy.start_recording(outcome, call.deferred_rate_key)
            await send(end)
        else:
            await send(end)
            proxy.start_recording(outcome, call.deferred_rate_key)

    def _complete_outcome(self, status: int, body: bytes) -> CallOutcome:
        response: Any = None
        error = None
        try:
            response = json.loads(body) if body else None
        except (ValueError, RecursionError):
            response = {"raw": body[:20_000].decode(errors="replace")}
        if status >= 400:
            upstream = response.get("error") if isinstance(response, dict) else None
            message = upstream.get("message") if isinstance(upstream, dict) else None
            error = {"type": "upstream_error", "code": f"upstream_{status}",
                     "message": str(message or f"the LLM answered {status}")}
        return self._proxy._outcome(self._call, status, response=response, error=error)

    async def _relay_stream(self, response: Any, send: Send, receive: Receive) -> CallOutcome:
        state = _StreamState(injected_usage=self._injected, data=[])
        disconnected = asyncio.Event()
        watcher = asyncio.ensure_future(_watch_disconnect(receive, disconnected))
        buffer = b""
        ttft: float | None = None
        error: dict[str, Any] | None = None
        try:
            async for raw in response.aiter_raw():
                if ttft is None:
                    ttft = self._call.elapsed_ms()
                buffer += raw
                events, buffer = _split_events(buffer)
                if not events:
                    continue
                out = [e for e in (state.process(event) for event in events) if e is not None]
                if out:
                    await send({"type": "http.response.body", "body": b"".join(out), "more_body": True})
                if disconnected.is_set():
                    error = {"type": "client_disconnected", "code": "client_disconnected",
                             "message": "the client closed the connection mid-stream"}
                    break
            if buffer.strip() and error is None:
                tail = state.process(buffer)
                if tail:
                    await send({"type": "http.response.body", "body": tail, "more_body": True})
        except (UpstreamFailed, UpstreamTimeout, PayloadTooLarge) as exc:
            failure = upstream_error(exc)
            failure.message = f"the LLM stream failed mid-way: {failure.message}"
            if failure.status == 502:
                failure.code = "upstream_stream_interrupted"
            error = failure.as_entry_error()
            try:
                await send({"type": "http.response.body", "body": b"data: " + _error_bytes(failure) + b"\n\n",
                            "more_body": True})
            except Exception as send_exc:  # noqa: BLE001 - the client may be gone too
                logger.info("could not tell the client about the failed stream", extra={"error": str(send_exc)})
        finally:
            watcher.cancel()
        chunks = state.chunks()
        if error is None:
            for chunk in chunks:
                if isinstance(chunk.get("error"), dict):  # the upstream reported an error inside the stream
                    error = {"type": "upstream_error", "code": "upstream_stream_error",
                             "message": str(chunk["error"].get("message") or "stream error")}
        extra: dict[str, Any] = {"stream_events": state.events}
        if state.capture_truncated:
            extra["response_capture_truncated"] = True
        return self._proxy._outcome(self._call, 200, response=assemble_stream(chunks) if chunks else None,
                                    error=error, ttft_ms=ttft, extra=extra)


async def _watch_disconnect(receive: Receive, disconnected: asyncio.Event) -> None:
    while True:
        message: Message = await receive()
        if message.get("type") == "http.disconnect":
            disconnected.set()
            return
