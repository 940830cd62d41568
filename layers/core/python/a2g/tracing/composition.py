"""Composition roots of the tracing functions: the real repositories, adapters and identity checks."""

from __future__ import annotations

from a2g.tracing.proxy import LogProxy, RecordMode


def build_log_proxy(record_mode: RecordMode | None = None) -> LogProxy:
    """The log-proxy wired to DynamoDB, the LLM registry, the guarded client and `a2g.identity`.

    `record_mode` defaults to "before_end" on AWS (a Lambda may be frozen once its response ends) and
    "detach" elsewhere (the process keeps running, so recording never delays the client).
    """
    from a2g.adapters.relay import RelayClient
    from a2g.identity.rate_limit import check_key_rate
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

    settings = get_settings()
    on_lambda = settings.env == "aws"
    # Where the process outlives its requests, counters are coalesced (≤ 1 s late) and a trace's listener list
    # is reused for a second: two fewer writes and one fewer read per call. On Lambda a frozen process would
    # hold them, so every call writes its own.
    usage = UsageRepository() if on_lambda else CoalescingUsageWriter(UsageRepository())
    broadcaster = TraceBroadcaster(ConnectionRepository(), default_pusher(), listeners_ttl=0.0 if on_lambda else 1.0)
    traces = TraceRepository()
    recorder = CallRecorder(LogRepository(), usage, broadcaster, settings.trace_ttl_days, runs=traces)
    keys = api_key_authenticator()
    return LogProxy(
        # Uncached: the proxy's own key cache (at most 5 s) is the only one on this path.
        lambda raw_key: keys.authenticate(raw_key, cached=False), check_key_rate, traces, build_llm_registry(),
        RelayClient.shared, recorder,
        max_body_bytes=settings.log_proxy_max_body_bytes, cache_seconds=settings.log_proxy_cache_seconds,
        record_mode=record_mode or ("before_end" if on_lambda else "detach"),
        rate_limit_mode="strict" if settings.log_proxy_rate_limit_mode == "strict" else "deferred",
    )
