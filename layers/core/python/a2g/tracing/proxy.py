"""The log-proxy's hot path: one readable pipeline for every wire format it speaks.

    authenticate → resolve → translate? → relay → record

Per call, in order: the platform API key (wherever the client's SDK puts it: `Authorization: Bearer`,
`x-api-key`, `x-goog-api-key`, `?key=`; cached in-process), the trace's owner (cached), the per-key rate limit
(see `LogProxy._start_rate_check`), the body cap, the JSON, the wire format's own reading of the request
(`a2g.tracing.formats`), the model (registered and enabled; cached). A warm call touches no storage before it
is forwarded. A client reaches an LLM of its own provider unchanged — status, the headers that matter, body
bytes, every stream event (`a2g.tracing.exchange`); another provider needs a bridge (`formats.translate_for`,
wired in `a2g.tracing.translation`), and without one the call is refused with `unsupported_translation` in the
client's format.

The entry is pushed when the call starts (status `running`), its text as it streams, and built, written,
counted and pushed when it ends (`record_mode` "detach": after the client has its answer, for the local
runtime and any long-lived ASGI server; "before_end": after the last byte and before the response is closed,
where the process may be frozen as soon as the response ends — Lambda).

Failures answer in the client's own error format. Failures after the key and the trace were verified are
also recorded as failed calls on that trace; failures before (a bad key, another user's trace) only go to the
function's log, since nothing trustworthy names a trace to write to.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NoReturn, Protocol

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Send

from a2g.clock import Clock, SystemClock
from a2g.errors import (
    PayloadTooLarge,
    StorageUnavailable,
    Throttled,
    UpstreamTimeout,
    ValidationFailed,
    is_storage_outage,
)
from a2g.identity.api_keys import CACHE_TTL_SECONDS as API_KEY_CACHE_SECONDS
from a2g.identity.principal import Principal
from a2g.ids import new_id
from a2g.json_input import read_json
from a2g.log import logger
from a2g.tracing import formats, translation
from a2g.tracing.formats import ParsedRequest, ProxyError, Route, bad_request
from a2g.tracing.formats.providers import platform_key
from a2g.tracing.recorder import CallOutcome, CallRecorder
from a2g.tracing.repository import TraceMeta
from a2g.validation import MODEL_NAME_MAX_LENGTH, is_id, is_model_name

__all__ = ["LogProxy", "ModelResolver", "ProxyError", "ResolvedModel", "Route", "TtlCache", "bad_request",
           "send_error", "upstream_error"]

RecordMode = Literal["detach", "before_end"]
_ENABLED_MODELS = ("enabled models",)  # the model cache's key for the `/v1/models` list (no model has this name)
RateLimitMode = Literal["deferred", "strict", "inline"]
_KINDS = {"chat": "chat.completions"}  # an entry's `kind` as the first entries had it (`api` is the new name)
# A call still running this long after it was forwarded gets its `running` entry pushed; one that finishes
# sooner only gets its finished entry (see `LogProxy.announce`).
RUNNING_ENTRY_DELAY_SECONDS = 0.2
TRACE_CACHE_MAX_SECONDS = API_KEY_CACHE_SECONDS
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
    provider: str = "openai"


class ModelResolver(Protocol):
    def resolve_model(self, model: str) -> ResolvedModel | None:
        """The enabled LLM serving `model`, with its key decrypted; None when unknown or disabled."""

    def enabled_models(self) -> list[ResolvedModel]: ...


class UpstreamClient(Protocol):
    """`a2g.adapters.relay.RelayClient`: `stream(...)` is an async context manager of a `RelayResponse`."""

    def stream(self, method: str, url: str, *, content: bytes, headers: dict[str, str],
               read_timeout: float | None) -> Any: ...


# ------------------------------------------------------------------------------------------------------
# Errors (rendered in the client's own format by `a2g.tracing.formats`)
# ------------------------------------------------------------------------------------------------------


def upstream_error(exc: Exception, llm_name: str) -> ProxyError:
    """A failed upstream call, naming the LLM by its registry name (never its address: non-admins read it)."""
    logger.info("LLM call failed", extra={"llm": llm_name, "error": getattr(exc, "message", None) or repr(exc)})
    if isinstance(exc, UpstreamTimeout):
        return ProxyError(504, "timeout_error", "upstream_timeout", f"the LLM {llm_name!r} did not answer in time")
    if isinstance(exc, ValidationFailed):  # the guarded client refused the LLM's address
        return ProxyError(502, "upstream_error", "upstream_not_allowed",
                          f"the platform may not reach the LLM {llm_name!r} at its registered address")
    return ProxyError(502, "upstream_error", "upstream_unreachable", f"the LLM {llm_name!r} could not be reached")


def upstream_auth_failed(llm_name: str, status: int) -> ProxyError:
    """The LLM refused the platform's own stored key: not the client's fault, and retrying will not help."""
    return ProxyError(502, "upstream_error", "upstream_auth_failed",
                      f"the LLM {llm_name!r} refused the platform's stored key (it answered {status}); "
                      "an administrator must update the key in the LLM registry",
                      headers=[(b"x-should-retry", b"false")])


def storage_error() -> ProxyError:
    """The platform's own storage is down (a key, trace or model not in the caches could not be read)."""
    outage = StorageUnavailable()
    return ProxyError(outage.status, "server_error", outage.code, outage.message, retry_after=outage.retry_after)


def error_response_parts(error: ProxyError, client: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    body = formats.error_module(client).error_body(error)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               *error.response_headers()]
    return body, headers


async def send_error(send: Send, error: ProxyError, client: str = "openai") -> None:
    body, headers = error_response_parts(error, client)
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


# ------------------------------------------------------------------------------------------------------
# Small caches for a warm function
# ------------------------------------------------------------------------------------------------------


class TtlCache:
    """A bounded dict whose entries expire; negative answers get their own, shorter lifetime.

    An entry is never served after its lifetime. Past half of it, `due` says it should be read again: the
    proxy then refreshes it in the background while the calls go on using it, so a warm key, trace or model
    never waits for storage on a call's path, and a change in storage (a revoked key, a deleted trace) still
    takes effect within the lifetime."""

    def __init__(self, ttl_seconds: float, negative_ttl_seconds: float = 5.0, max_entries: int = 4096,
                 monotonic: Callable[[], float] = time.monotonic):
        self._ttl, self._negative_ttl, self._max = ttl_seconds, negative_ttl_seconds, max_entries
        self._monotonic = monotonic
        self._items: dict[Any, tuple[float, float, Any]] = {}  # key -> (expires, refresh due, value)
        self._refreshing: set[Any] = set()

    def get(self, key: Any) -> tuple[bool, Any]:
        hit = self._items.get(key)
        if hit is None or hit[0] <= self._monotonic():
            return False, None
        return True, hit[2]

    def due(self, key: Any) -> bool:
        """The entry is past half its lifetime and no refresh of it is under way (the caller starts one)."""
        hit = self._items.get(key)
        if hit is None or key in self._refreshing or hit[1] > self._monotonic():
            return False
        self._refreshing.add(key)
        return True

    def put(self, key: Any, value: Any) -> Any:
        self._refreshing.discard(key)
        if len(self._items) >= self._max:
            self._items.clear()
        ttl = self._ttl if value is not None else self._negative_ttl
        now = self._monotonic()
        self._items[key] = (now + ttl, now + ttl / 2, value)
        return value

    def refresh_failed(self, key: Any) -> None:
        self._refreshing.discard(key)  # the entry keeps its lifetime; the next call past half of it tries again

    def clear(self) -> None:
        self._items.clear()
        self._refreshing.clear()


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
    gateway_call: dict[str, str] | None = None  # the A2A gateway's task this call was made for (X-A2G-*)
    deferred_rate_key: str | None = None
    api: str = "chat"
    client: str = "openai"
    provider: str | None = None
    parsed: ParsedRequest | None = None
    announced: bool = False  # its `running` entry was pushed (LogProxy.announce)
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
        running_delay_seconds: float = RUNNING_ENTRY_DELAY_SECONDS,
    ):
        self._authenticate, self._check_rate = authenticate, check_rate
        self._traces, self._models, self._upstream, self._recorder = traces, models, upstream, recorder
        self._clock = clock or SystemClock()
        self.max_body_bytes = max_body_bytes
        self.record_mode: RecordMode = record_mode
        self.rate_limit_mode: RateLimitMode = rate_limit_mode
        self.running_delay_seconds = running_delay_seconds
        self._throttled_until: dict[str, tuple[float, int, str]] = {}
        # A deleted trace (its agent or chat deleted) takes no more calls after at most as long as a revoked key.
        self._trace_cache = TtlCache(min(cache_seconds, TRACE_CACHE_MAX_SECONDS), monotonic=monotonic)
        self._model_cache = TtlCache(cache_seconds, monotonic=monotonic)
        # Keys are revoked and their owners demoted: never trusted longer than the platform-wide bound.
        self._key_cache = TtlCache(min(key_cache_seconds, API_KEY_CACHE_SECONDS), negative_ttl_seconds=0.0,
                                   monotonic=monotonic)
        self._response_owner = TtlCache(3600.0, negative_ttl_seconds=0.0)  # Responses id -> the LLM that made it
        self._tasks: set[asyncio.Future[Any]] = set()

    # --- entry points ------------------------------------------------------------------------------------

    async def handle(self, route: Route, trace_id: str, request: Request, model: str | None = None,
                     action: str | None = None, version: str | None = None) -> Response:
        """One LLM call of `route`'s format (raises ProxyError, rendered in the client's format by the app).

        Gemini routes name the model (and the action) in the URL; the others in the JSON body.
        """
        call = self._new_call(trace_id, route.api)
        call.client = route.client
        await self._identify(call, request)  # ProxyError propagates: nothing to record
        assert call.trace is not None and call.principal is not None
        header_agent_id = request.headers.get("x-agent-id")
        recorded = route.recorded and action != "countTokens"
        try:
            if header_agent_id is not None and not is_id(header_agent_id):
                raise bad_request("invalid_agent_id", "the X-Agent-Id header is not a valid id")
            call.header_agent_id = header_agent_id
            call.gateway_call = gateway_call_of(request.headers)
            resolved, raw, body, parsed = await self._resolve(call, route, request, model, action)
            bridge = None
            if formats.NATIVE_PROVIDER[route.client] != resolved.provider:
                translatable = route.recorded and action in translation.TRANSLATED_ACTIONS
                bridge = formats.translate_for(route.api, resolved.provider) if translatable else None
                if bridge is None:
                    raise ProxyError(400, "invalid_request_error", "unsupported_translation",
                                     f"the model {parsed.model!r} is served by an LLM of another provider "
                                     f"({resolved.provider}), and this platform cannot translate "
                                     f"{route.api} calls to it yet")
        except ProxyError as error:
            if recorded:
                self._record_failure(call, error)
            raise
        except Exception as exc:
            if not is_storage_outage(exc):
                raise
            outage = storage_error()  # recorded too: the recorder spools it until the store is back
            if recorded:
                self._record_failure(call, outage)
            raise outage from None
        from a2g.tracing.exchange import UpstreamExchange

        if bridge is not None:
            try:
                payload, path = translation.upstream_request(bridge, body, parsed)
            except ProxyError as error:
                if recorded:
                    self._record_failure(call, error)
                raise
            answer = translation.ClientAnswer(bridge, route.client, body, parsed.model)
            return UpstreamExchange(self, call, resolved, "POST", path, payload, parsed, False, request.headers,
                                    recorded=recorded, translated=answer)
        payload, injected = formats.module_for(route.api).to_upstream(raw, body, parsed)
        path = route.upstream_path.format(model=parsed.model, action=action, version=version or "v1beta")
        query = "?alt=sse" if action == "streamGenerateContent" else ""
        return UpstreamExchange(self, call, resolved, "POST", path + query, payload, parsed, injected,
                                request.headers, recorded=recorded)

    async def stored_response(self, trace_id: str, request: Request, path: str) -> Response:
        """`GET`/`DELETE /v1/responses/{id}` and `…/input_items`: passed through to the openai-provider LLM that
        made the response (remembered by this instance; otherwise each enabled one in turn until one knows it).
        Not recorded: no model is called."""
        call = self._new_call(trace_id, "responses")
        await self._identify(call, request)
        response_id = path.split("/")[2] if path.count("/") >= 2 else ""
        hit, remembered = self._response_owner.get(response_id)
        candidates: list[ResolvedModel] = [remembered] if hit and remembered is not None else []
        if not candidates:
            seen: set[str] = set()
            for listed in await self._enabled():
                if listed.provider == "openai" and listed.llm_id not in seen:
                    seen.add(listed.llm_id)
                    resolved = await self._model(listed.model)
                    if resolved is not None:
                        candidates.append(resolved)
        if not candidates:
            raise ProxyError(404, "invalid_request_error", "response_not_found",
                             f"no LLM on this platform knows the response {response_id!r}")
        from a2g.tracing.exchange import relay_unrecorded

        return await relay_unrecorded(self, candidates[:5], request.method, path + _query(request),
                                      request.headers)

    def remember_response(self, response_id: str, resolved: ResolvedModel) -> None:
        self._response_owner.put(response_id, resolved)

    async def unknown_route(self, trace_id: str, request: Request, error: ProxyError) -> NoReturn:
        """A URL under a trace that no route serves: with a valid key for that trace it is a failed call the
        developer should see on the trace (their SDK called something the proxy does not speak); raises."""
        call = self._new_call(trace_id, "unknown")
        await self._identify(call, request)  # a bad key or another user's trace: answered as such, not recorded
        self._record_failure(call, error)
        raise error

    async def models(self, trace_id: str, request: Request, client: str = "openai") -> dict[str, Any]:
        """`GET /v1/models` (OpenAI or Anthropic list) or `GET /v1beta/models` (Gemini): the enabled models."""
        call = self._new_call(trace_id, "models")
        await self._identify(call, request)
        listed = [(m.model, m.llm_name) for m in await self._enabled()]
        return formats.error_module(client).models_list(listed)  # type: ignore[no-any-return]

    async def _enabled(self) -> list[ResolvedModel]:
        hit, models = self._model_cache.get(_ENABLED_MODELS)
        if not hit:
            models = self._model_cache.put(_ENABLED_MODELS, await _blocking(self._models.enabled_models))
        return models  # type: ignore[no-any-return]

    async def drain(self) -> None:
        """Wait for the entries still being recorded (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- checks ------------------------------------------------------------------------------------------

    def _new_call(self, trace_id: str, api: str) -> _Call:
        return _Call(trace_id=trace_id, kind=_KINDS.get(api, api), api=api, started_at=self._clock.now(),
                     t0=time.perf_counter())

    async def _identify(self, call: _Call, request: Request) -> None:
        """Key, then trace ownership. Failures here are not recorded on any trace."""
        if not is_id(call.trace_id):
            raise bad_request("invalid_trace_id", "the trace id in the URL is not a valid id")
        raw_key = platform_key(request.headers, request.query_params)
        if not raw_key:
            raise ProxyError(401, "invalid_request_error", "invalid_api_key",
                             "missing API key: send your platform API key as your SDK's API key")
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
        return await self._cached(self._key_cache, digest, self._authenticate, raw_key,  # type: ignore[no-any-return]
                                  keep_negative=False)

    async def _trace(self, trace_id: str) -> TraceMeta | None:
        return await self._cached(self._trace_cache, trace_id, self._traces.get_trace, trace_id)  # type: ignore[no-any-return]

    async def _model(self, model: str) -> ResolvedModel | None:
        return await self._cached(self._model_cache, model, self._models.resolve_model, model)  # type: ignore[no-any-return]

    async def _cached(self, cache: TtlCache, key: Any, read: Callable[[Any], Any], arg: Any,
                      keep_negative: bool = True) -> Any:
        """The cached answer (refreshed in the background past half its lifetime), or read on the path."""
        hit, value = cache.get(key)
        if hit:
            if cache.due(key):
                self._keep(asyncio.ensure_future(self._refresh(cache, key, read, arg)))
            return value
        value = await _blocking(read, arg)
        if value is not None or keep_negative:
            cache.put(key, value)
        return value

    @staticmethod
    async def _refresh(cache: TtlCache, key: Any, read: Callable[[Any], Any], arg: Any) -> None:
        try:
            cache.put(key, await _blocking(read, arg))  # None: revoked / deleted, refused from the next call on
        except Exception as exc:  # noqa: BLE001 - storage down: the entry runs out at its lifetime as before
            cache.refresh_failed(key)
            logger.info("log-proxy cache refresh failed", extra={"error_type": type(exc).__name__})

    def _keep(self, task: asyncio.Future[Any]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
        keeping a storage write, and its CPU, off every call's path. "inline": the check is in memory (the
        instance's own windows, Lambda: `a2g.identity.rate_limit`), so it is made here, before forwarding.
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
        if self.rate_limit_mode == "inline":
            self._rate(key_id)
            return None
        if self.rate_limit_mode == "strict":
            return asyncio.ensure_future(_blocking(self._rate, key_id))
        call.deferred_rate_key = key_id
        return None

    # --- resolving ----------------------------------------------------------------------------------------

    async def _resolve(self, call: _Call, route: Route, request: Request, path_model: str | None,
                       action: str | None) -> tuple[ResolvedModel, bytes, dict[str, Any], ParsedRequest]:
        """Rate, body, the format's reading of it, the model: what forwarding needs (raises ProxyError)."""
        assert call.principal is not None
        fmt = formats.module_for(route.api)
        rate = self._start_rate_check(call, call.principal)
        try:
            raw = await self._read_body(request)
            body = _parse_json(raw, self.max_body_bytes)
            call.body = body
            if path_model is not None:
                parsed = fmt.parse_request(body, path_model, action)
            else:
                parsed = fmt.parse_request(body)
            if parsed.model is not None and not is_model_name(parsed.model):
                raise bad_request("invalid_model", f"'model' must be 1-{MODEL_NAME_MAX_LENGTH} characters "
                                  "without spaces or control characters")
            call.parsed = parsed
            if not parsed.model:
                raise bad_request("missing_model", "'model' is required")
            resolved = await self._model(parsed.model)
        finally:
            if rate is not None:
                await rate
        if resolved is None:
            raise ProxyError(404, "invalid_request_error", "model_not_found",
                             f"the model {parsed.model!r} does not exist or is not enabled on this platform")
        call.provider = resolved.provider
        return resolved, raw, body, parsed

    # --- recording -----------------------------------------------------------------------------------------

    def _outcome(self, call: _Call, http_status: int, result: formats.CallResult | None = None,
                 **fields: Any) -> CallOutcome:
        assert call.trace is not None and call.principal is not None
        parsed = call.parsed
        model = parsed.model if parsed and is_model_name(parsed.model) else None  # usage counters key on it
        return CallOutcome(
            trace=call.trace, principal=call.principal, kind=call.kind, started_at=call.started_at,
            latency_ms=call.elapsed_ms(), http_status=http_status, request_body=call.body,
            header_agent_id=call.header_agent_id, gateway_call=call.gateway_call, model=model, entry_id=call.entry_id,
            stream=bool(parsed and parsed.stream), api=call.api, provider=call.provider,
            request=parsed.summary if parsed else None, result=result, **fields,
        )

    def announce(self, call: _Call) -> asyncio.TimerHandle | None:
        """The call is about to go upstream: its `running` entry goes to the live panel once the call has run
        `running_delay_seconds` (0: at once). The caller cancels the returned timer when the call ends first:
        a call that answers within the delay shows up finished, with nothing built, pushed or looked up for a
        running entry while it is in flight (the work would compete with forwarding it for the event loop and
        the GIL), and every call that takes longer is on the panel, running, at most that late."""
        if self.running_delay_seconds <= 0:
            self._announce_now(call)
            return None
        return asyncio.get_running_loop().call_later(self.running_delay_seconds, self._announce_now, call)

    def _announce_now(self, call: _Call) -> None:
        call.announced = True
        self._recorder.announce(self._outcome(call, 0))

    def progress(self, call: _Call, text: str) -> None:
        if call.announced:
            self._recorder.progress(call.trace_id, call.entry_id, text)

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
        self._keep(task)
        return task


GATEWAY_HEADERS = (("x-a2g-context-id", "context_id"), ("x-a2g-task-id", "task_id"))


def gateway_call_of(headers: Any) -> dict[str, str] | None:
    """The gateway task an agent's LLM call was made for, from the ids the gateway sent the agent and the
    agent forwarded. They only label the caller's own entry and pick among the runs the platform itself
    registered on this trace (a2g.tracing.recorder), so a forged value cannot move a call into anyone's trace."""
    found: dict[str, str] = {}
    for header, name in GATEWAY_HEADERS:
        value = headers.get(header)
        if value is None:
            continue
        if not is_id(value):
            raise bad_request("invalid_correlation_header", f"the {header} header is not a valid id")
        found[name] = value
    return found or None


def _consume_exception(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        error = future.exception()
        if not isinstance(error, ProxyError):
            logger.warning("rate check failed", extra={"error": repr(error)})


def _query(request: Request) -> str:
    """The client's query string for the upstream, without the platform key."""
    from urllib.parse import urlencode

    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "key"])
    return f"?{query}" if query else ""


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


