"""The relay: the upstream call of one proxied LLM call and the answer streamed back, then the entry recorded.

Same provider: the answer comes back unchanged — status, the headers an SDK reads (`providers`), body bytes,
and on a stream every event as it completes (nothing is held back; the wire format's `stream_events` only
reads them, except that Chat Completions hides the usage it asked for on the client's behalf). The upstream
refusing the platform's stored key (401/403) is answered 502 `upstream_auth_failed`, naming the LLM; a failure
on the wire is answered in the client's format, naming the LLM, never its address.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from a2g.errors import PayloadTooLarge, UpstreamFailed, UpstreamTimeout, ValidationFailed
from a2g.log import logger
from a2g.tracing import formats
from a2g.tracing.formats.base import CallResult, ParsedRequest, loads, split_events
from a2g.tracing.formats.errors import ProxyError
from a2g.tracing.formats.providers import passed_response_headers, upstream_headers
from a2g.tracing.recorder import CallOutcome

if TYPE_CHECKING:
    from a2g.tracing.proxy import LogProxy, ResolvedModel, _Call
    from a2g.tracing.translation import ClientAnswer

_WIRE_ERRORS = (UpstreamFailed, UpstreamTimeout, ValidationFailed, PayloadTooLarge)
PROGRESS_INTERVAL_SECONDS = 0.1  # at most ~10 live pushes of a streaming call's text per second


def _url(resolved: ResolvedModel, path: str) -> str:
    return resolved.base_url.rstrip("/") + path


class UpstreamExchange(Response):
    """The ASGI response that makes the upstream call and relays its answer, then has the call recorded.

    A `Response` so FastAPI hands it the connection as it is; status and headers come from the upstream.
    """

    def __init__(self, proxy: LogProxy, call: _Call, resolved: ResolvedModel, method: str, path: str,
                 payload: bytes, parsed: ParsedRequest, injected_usage: bool, client_headers: Mapping[str, str],
                 recorded: bool = True, translated: ClientAnswer | None = None):
        # Response.__init__ would render a body; none exists until the upstream answers.
        self.status_code, self.background, self.body = 200, None, b""
        self.raw_headers = []
        self._proxy, self._call, self._resolved = proxy, call, resolved
        self._method, self._path, self._payload, self._parsed = method, path, payload, parsed
        self._injected, self._client_headers, self._recorded = injected_usage, client_headers, recorded
        self._fmt = formats.module_for(call.api)
        self._translated = translated  # another provider's LLM: its answer is rewritten for the client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        proxy, call, resolved = self._proxy, self._call, self._resolved
        stream = self._parsed.stream
        accept = self._client_headers.get("accept") or ("text/event-stream" if stream else "application/json")
        headers = upstream_headers(resolved.provider, resolved.api_key, self._client_headers, accept)
        running = proxy.announce(call) if self._recorded else None
        started = False
        try:
            async with proxy._upstream().stream(
                self._method, _url(resolved, self._path), content=self._payload, headers=headers,
                read_timeout=resolved.timeout_seconds,
            ) as response:
                status = response.status_code
                if status in (401, 403):
                    error = _auth_failed(resolved, status)
                    from a2g.tracing.proxy import error_response_parts

                    body, error_headers = error_response_parts(error, call.client)
                    await send({"type": "http.response.start", "status": error.status, "headers": error_headers})
                    started = True
                    await send({"type": "http.response.body", "body": body, "more_body": True})
                    outcome = proxy._outcome(call, error.status, error=error.as_entry_error())
                else:
                    out_headers = passed_response_headers(response.headers)
                    is_sse = response.headers.get("content-type", "").startswith("text/event-stream")
                    if stream and status < 400:
                        out_headers += [(b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no")]
                        await send({"type": "http.response.start", "status": status, "headers": out_headers})
                        started = True
                        outcome = await self._relay_stream(response, send, receive, is_sse)
                    else:
                        body = b"".join([chunk async for chunk in response.aiter_raw()])
                        if self._translated is not None:
                            body = self._translated.whole(status, body)
                            out_headers = [(k, v) for k, v in out_headers if k != b"content-type"]
                            out_headers.append((b"content-type", b"application/json"))
                        out_headers.append((b"content-length", str(len(body)).encode()))
                        await send({"type": "http.response.start", "status": status, "headers": out_headers})
                        started = True
                        await send({"type": "http.response.body", "body": body, "more_body": True})
                        outcome = self._complete_outcome(status, body)
        except _WIRE_ERRORS as exc:
            if started:  # only reachable if closing the upstream failed after a complete relay
                raise
            from a2g.tracing.proxy import upstream_error

            error = upstream_error(exc, resolved.llm_name)
            await _send_error(send, error, call.client)
            if self._recorded:
                proxy._record_failure(call, error)
            return
        finally:
            if running is not None:
                running.cancel()  # finished within the delay: its finished entry is the first the panel sees
        end: Message = {"type": "http.response.body", "body": b"", "more_body": False}
        if not self._recorded:
            await send(end)
        elif proxy.record_mode == "before_end":
            # The process may be frozen once the response ends: finish the record first. The client already
            # has every byte of the answer; only the end of the response waits.
            await proxy.start_recording(outcome, call.deferred_rate_key)
            await send(end)
        else:
            await send(end)
            proxy.start_recording(outcome, call.deferred_rate_key)

    def _complete_outcome(self, status: int, body: bytes) -> CallOutcome:
        response: Any = loads(body) if body else None
        if response is None and body:
            response = {"raw": body[:20_000].decode(errors="replace")}
        error = None
        result: CallResult | None = None
        if status >= 400:
            upstream = response.get("error") if isinstance(response, dict) else None
            message = upstream.get("message") if isinstance(upstream, dict) else None
            error = {"type": "upstream_error", "code": f"upstream_{status}",
                     "message": str(message or f"the LLM answered {status}")}
            result = CallResult(response=response)
        elif self._parsed.stream and isinstance(response, list):  # a stream sent as one JSON array (Gemini)
            collector = self._fmt.stream_events(self._parsed, False)
            for item in response:
                collector.process(b"data: " + json.dumps(item).encode() + b"\n\n")
            result = collector.result()
        else:
            result = self._fmt.from_upstream(response)
            self._remember(response)
        return self._proxy._outcome(self._call, status, result=result, response=response, error=error)

    def _remember(self, response: Any) -> None:
        if self._call.api == "responses" and isinstance(response, dict) and isinstance(response.get("id"), str):
            self._proxy.remember_response(response["id"], self._resolved)

    async def _relay_stream(self, response: Any, send: Send, receive: Receive, is_sse: bool) -> CallOutcome:
        if not is_sse:  # a streamed answer that is not SSE: relay the bytes, read them at the end
            chunks: list[bytes] = []
            first: float | None = None
            async for raw in response.aiter_raw():
                first = first if first is not None else self._call.elapsed_ms()
                chunks.append(raw)
                await send({"type": "http.response.body", "body": raw, "more_body": True})
            outcome = self._complete_outcome(200, b"".join(chunks))
            outcome.ttft_ms = first
            return outcome
        collector = self._fmt.stream_events(self._parsed, self._injected)
        disconnected = asyncio.Event()
        watcher = asyncio.ensure_future(_watch_disconnect(receive, disconnected))
        buffer = b""
        ttft: float | None = None
        error: dict[str, Any] | None = None
        pushed_len, next_push = 0, 0.0
        translated = self._translated
        # The client gets each complete event as the upstream sent it, before the format reads it, unless the
        # proxy rewrites events (a translation, or Chat's usage asked for on the client's behalf). Only an
        # incomplete event is held back, so a stream cut mid-event never reaches the client half-written.
        unchanged = translated is None and not getattr(collector, "rewrites", False)
        try:
            async for raw in response.aiter_raw():
                if ttft is None:
                    ttft = self._call.elapsed_ms()
                buffer += raw if translated is None else translated.feed(raw)
                events, buffer = split_events(buffer)
                if not events:
                    continue
                if unchanged:
                    await send({"type": "http.response.body", "body": b"".join(events), "more_body": True})
                    for event in events:
                        collector.process(event)
                else:
                    out = [e for e in (collector.process(event) for event in events) if e is not None]
                    if out:
                        await send({"type": "http.response.body", "body": b"".join(out), "more_body": True})
                if self._call.announced and time.monotonic() >= next_push and len(collector.text) != pushed_len:
                    pushed_len, next_push = len(collector.text), time.monotonic() + PROGRESS_INTERVAL_SECONDS
                    self._proxy.progress(self._call, collector.text)
                if disconnected.is_set():
                    error = {"type": "client_disconnected", "code": "client_disconnected",
                             "message": "the client closed the connection mid-stream"}
                    break
            if translated is not None and error is None:
                events, buffer = split_events(buffer + translated.close())
                out = [e for e in (collector.process(event) for event in events) if e is not None]
                if out:
                    await send({"type": "http.response.body", "body": b"".join(out), "more_body": True})
            if buffer.strip() and error is None:
                tail = collector.process(buffer)
                if tail:
                    await send({"type": "http.response.body", "body": tail, "more_body": True})
        except (UpstreamFailed, UpstreamTimeout, PayloadTooLarge) as exc:
            from a2g.tracing.proxy import upstream_error

            failure = upstream_error(exc, self._resolved.llm_name)
            failure.message = f"the LLM stream failed mid-way: {failure.message}"
            if failure.status == 502:
                failure.code = "upstream_stream_interrupted"
            error = failure.as_entry_error()
            try:
                await send({"type": "http.response.body", "body": formats.error_module(self._call.client)
                            .stream_error_event(failure), "more_body": True})
            except Exception as send_exc:  # noqa: BLE001 - the client may be gone too
                logger.info("could not tell the client about the failed stream", extra={"error": str(send_exc)})
        finally:
            watcher.cancel()
        result = collector.result()
        if error is None:
            error = result.error
        self._remember(result.response)
        extra: dict[str, Any] = {"stream_events": collector.events}
        if getattr(collector, "capture_truncated", False):
            extra["response_capture_truncated"] = True
        return self._proxy._outcome(self._call, 200, result=result, response=result.response, error=error,
                                    ttft_ms=ttft, extra=extra)


def _auth_failed(resolved: ResolvedModel, status: int) -> ProxyError:
    from a2g.tracing.proxy import upstream_auth_failed

    return upstream_auth_failed(resolved.llm_name, status)


async def _send_error(send: Send, error: ProxyError, client: str) -> None:
    from a2g.tracing.proxy import send_error

    await send_error(send, error, client)


async def relay_unrecorded(proxy: LogProxy, candidates: list[ResolvedModel], method: str, path: str,
                           client_headers: Mapping[str, str]) -> Response:
    """A small non-LLM call (a stored Responses object) relayed whole to the first LLM that knows it."""
    last: Response | None = None
    for resolved in candidates:
        headers = upstream_headers(resolved.provider, resolved.api_key, client_headers, "application/json")
        try:
            async with proxy._upstream().stream(method, _url(resolved, path), content=b"", headers=headers,
                                                read_timeout=resolved.timeout_seconds) as response:
                body = b"".join([chunk async for chunk in response.aiter_raw()])
                status = response.status_code
                out = {k.decode(): v.decode() for k, v in passed_response_headers(response.headers)}
        except _WIRE_ERRORS as exc:
            from a2g.tracing.proxy import upstream_error

            raise upstream_error(exc, resolved.llm_name) from None
        if status in (401, 403):
            raise _auth_failed(resolved, status)
        last = Response(body, status_code=status, headers=out)
        if status != 404:
            break
    assert last is not None
    return last


async def _watch_disconnect(receive: Receive, disconnected: asyncio.Event) -> None:
    while True:
        message: Message = await receive()
        if message.get("type") == "http.disconnect":
            disconnected.set()
            return
