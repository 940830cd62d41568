"""Composition roots of the tracing functions: the real repositories, adapters and identity checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from a2g.tracing.proxy import LogProxy, RecordMode

if TYPE_CHECKING:
    from a2g.settings import Settings
    from a2g.tracing.spool import JournalSpool, SqsSpool


def build_trace_spool(settings: Settings) -> JournalSpool | SqsSpool:
    """Where trace records go while the store is down: SQS on AWS (a Lambda's /tmp dies with it), a journal
    file everywhere else (docs/tracing.md, "When storage fails")."""
    import tempfile

    from a2g.tracing.spool import JournalSpool, SqsSpool

    journal = JournalSpool(settings.trace_spool_dir or f"{tempfile.gettempdir()}/a2g-trace-spool")
    if settings.env == "aws" and settings.trace_dead_letter_queue_url:
        from a2g.adapters.aws import client

        return SqsSpool(settings.trace_dead_letter_queue_url, client("sqs"), fallback=journal)
    return journal


def traces_probe(settings: Settings) -> Callable[[], None]:
    """One quick GetItem on the Traces table: does the store answer (before a timed journal replay)?"""
    from a2g.adapters.aws import probe_client

    client = probe_client("dynamodb")

    def probe() -> None:
        client.get_item(TableName=settings.traces_table, Key={"pk": {"S": "PROBE"}, "sk": {"S": "PROBE"}},
                        ProjectionExpression="pk")

    return probe


def build_log_proxy(record_mode: RecordMode | None = None, *, on_lambda: bool | None = None,
                    pusher: Any = None, upstream: Callable[[], Any] | None = None,
                    monotonic: Callable[[], float] | None = None) -> LogProxy:
    """The log-proxy wired to DynamoDB, the LLM registry, the guarded client and `a2g.identity`.

    `record_mode` defaults to "before_end" on AWS (a Lambda may be frozen once its response ends) and
    "detach" elsewhere (the process keeps running, so recording never delays the client). `on_lambda`
    (default: `A2G_ENV=aws`), `pusher` (default: the API Gateway one) and `upstream` (default: the shared
    guarded relay) let tests and benchmarks build the Lambda wiring anywhere; `monotonic` is the clock of every
    cache on the path (default: `time.monotonic`).
    """
    import time

    from a2g.identity.rate_limit import check_key_rate, check_key_rate_in_instance
    from a2g.identity.wiring import api_key_authenticator
    from a2g.llms.service import build_llm_registry
    from a2g.realtime.repository import ConnectionRepository
    from a2g.settings import get_settings
    from a2g.tracing.broadcaster import TraceBroadcaster
    from a2g.tracing.recorder import CallRecorder
    from a2g.tracing.repository import (
        CoalescingUsageWriter,
        LogRepository,
        TraceRepository,
        UsageRepository,
    )
    from a2g.tracing.service import default_pusher
    from a2g.tracing.spool import DurableTraceWriter

    clock = monotonic or time.monotonic
    settings = get_settings()
    on_lambda = settings.env == "aws" if on_lambda is None else on_lambda
    # Where the process outlives its requests, counters are coalesced (≤ 1 s late) and a trace's listener list
    # is reused for a second by in-flight pushes; storage calls run after the client has its answer.
    # On Lambda (`before_end`) every storage call is on the response path, and a frozen process would hold
    # coalesced counts, so a call makes two writes — its entry and one counter update — and nothing else in
    # the steady state: the rate window is the instance's own (a2g.identity.rate_limit), a trace's listeners
    # are reused for 5 s (the finished entry too: a2g.tracing.broadcaster) and so are its active chat runs
    # (a2g.tracing.recorder). docs/tracing.md, "On Lambda", has the trade-offs.
    usage = UsageRepository() if on_lambda else CoalescingUsageWriter(UsageRepository())
    broadcaster = TraceBroadcaster(ConnectionRepository(), pusher or default_pusher(),
                                   listeners_ttl=5.0 if on_lambda else 1.0, fresh_ttl=5.0 if on_lambda else 0.0,
                                   monotonic=clock)
    traces = TraceRepository()
    logs = LogRepository()
    writer = DurableTraceWriter(logs, usage, build_trace_spool(settings), probe=traces_probe(settings))
    recorder = CallRecorder(logs, usage, broadcaster, settings.trace_ttl_days, runs=traces, writer=writer,
                            runs_ttl=5.0 if on_lambda else 0.0, monotonic=clock)
    keys = api_key_authenticator()
    return LogProxy(
        # Uncached: the proxy's own key cache (at most 5 s) is the only one on this path.
        lambda raw_key: keys.authenticate(raw_key, cached=False),
        check_key_rate_in_instance if on_lambda else check_key_rate, traces, build_llm_registry(),
        upstream or _shared_relay, recorder,
        max_body_bytes=settings.log_proxy_max_body_bytes, cache_seconds=settings.log_proxy_cache_seconds,
        record_mode=record_mode or ("before_end" if on_lambda else "detach"),
        monotonic=clock,
        rate_limit_mode="inline" if on_lambda else (
            "strict" if settings.log_proxy_rate_limit_mode == "strict" else "deferred"),
    )


def _shared_relay() -> Any:
    """The relay client (aiohttp), imported on the first call that forwards to an LLM, not at import: a
    cold start that answers a refused key or `/models` never loads aiohttp."""
    from a2g.adapters.relay import RelayClient

    return RelayClient.shared()
