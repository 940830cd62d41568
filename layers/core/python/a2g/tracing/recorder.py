"""Turns one proxied call into a trace entry: writes it, counts it, pushes it — concurrently.

The write (Traces table), the usage counters (Usage table) and the push (WebSocket listeners) are independent:
each runs on its own worker thread, so a slow table never delays the live panel and a slow listener never
delays the write. None of them runs before the client has its answer (see `a2g.tracing.proxy`), so a write
the store refuses cannot be reported to anyone: `a2g.tracing.spool.DurableTraceWriter` retries it and, if the
store stays down, spools it for a replay that counts it exactly once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from a2g.clock import epoch, iso
from a2g.identity.principal import Principal
from a2g.ids import new_id
from a2g.log import logger
from a2g.tracing import formats
from a2g.tracing.agent_inference import DelegationMemory, infer_agent_id
from a2g.tracing.agent_memory import GUESSED_SOURCES, NAMED_LATER
from a2g.tracing.broadcaster import TraceBroadcaster
from a2g.tracing.entries import cut_entry
from a2g.tracing.formats.base import CallResult
from a2g.tracing.repository import ActiveRun, LogStore, TraceMeta, UsageStore, entry_ttl, usage_detail_key
from a2g.tracing.spool import DurableTraceWriter

# Separate threads for storage and for pushes: under load the writes queue up, and the live panel must not
# wait behind them (nor the writes behind a slow listener).
_STORAGE = concurrent.futures.ThreadPoolExecutor(max_workers=12, thread_name_prefix="trace-store")
_PUSHES = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="trace-push")


@dataclass
class CallOutcome:
    """Everything the proxy learned about one call; the recorder makes the entry from it."""

    trace: TraceMeta
    principal: Principal
    kind: str
    started_at: datetime
    latency_ms: float
    http_status: int
    request_body: dict[str, Any] | None = None
    header_agent_id: str | None = None
    gateway_call: dict[str, str] | None = None  # {context_id, task_id} of the A2A gateway call it was made for
    model: str | None = None
    stream: bool = False
    response: Any = None
    error: dict[str, Any] | None = None
    ttft_ms: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    entry_id: str = field(default_factory=lambda: new_id("log"))
    api: str = "chat"
    provider: str | None = None
    request: dict[str, Any] | None = None  # the wire format's neutral summary (messages or input, system, tools)
    result: CallResult | None = None  # the wire format's reading of the answer


class RunLookup(Protocol):
    def runs_at(self, agent_trace_id: str, at: str, at_epoch: int) -> list[ActiveRun]: ...


class CallRecorder:
    def __init__(
        self,
        logs: LogStore,
        usage: UsageStore,
        broadcaster: TraceBroadcaster,
        ttl_days: int,
        delegations: DelegationMemory | None = None,
        storage_executor: concurrent.futures.Executor | None = None,
        push_executor: concurrent.futures.Executor | None = None,
        runs: RunLookup | None = None,
        writer: DurableTraceWriter | None = None,
        runs_ttl: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        """`runs_ttl` > 0 reuses an agent trace's active-run lookup that many seconds (Lambda, where each is a
        DynamoDB call on the response path): a chat run that starts less than that after this instance last
        looked may miss that long of the agent's calls on its session trace (they stay on the agent trace),
        and a run that ended may still get that long of them. With 0 (a long-lived process, where the lookups
        are off the response path) each call looks when its running entry is pushed, and its finished entry
        reuses that answer (or looks itself if it got there first)."""
        self._logs, self._usage, self._broadcaster = logs, usage, broadcaster
        # Without a spool an entry the store refuses after the retries is only logged (tests, tools).
        self._writer = writer or DurableTraceWriter(logs, usage, None, replay_thread=False)
        self._ttl_days = ttl_days
        self._delegations = delegations or DelegationMemory()
        self._storage = storage_executor or _STORAGE
        self._pushes = push_executor or _PUSHES
        self._run_lookup = runs
        self._runs_ttl, self._monotonic = runs_ttl, monotonic
        # agent trace id -> (monotonic deadline, the runs covering the call that looked)
        self._call_runs: dict[str, list[ActiveRun]] = {}  # entry id -> its running entry's run lookup
        self._runs_cache: dict[str, tuple[float, list[ActiveRun]]] = {}
        # Live pushes of calls in flight, per entry id: the last one still being delivered (a call's pushes go
        # out one at a time, in order, and its finished entry only after them).
        self._live: dict[str, tuple[str, asyncio.Future[Any], list[str]]] = {}
        # Recent entries whose agent was only guessed, with the traces they went to: a later call may name them.
        self._guessed: OrderedDict[str, tuple[dict[str, Any], list[str]]] = OrderedDict()

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._storage, fn, *args)

    async def _run_push(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pushes, fn, *args)

    # --- calls in flight -------------------------------------------------------------------------------------

    def announce(self, outcome: CallOutcome) -> None:
        """Push the call's `running` entry (its request, no answer yet) to the call's own trace."""
        if self._nobody_listens(outcome.trace, outcome.started_at, fresh=False):
            return  # nothing to build or hand over (a panel opened meanwhile gets the finished entry)
        try:
            entry = self._entry(outcome, *infer_agent_id(_inference_view(outcome), outcome.header_agent_id,
                                                          self._delegations, outcome.trace.trace_id))
        except Exception:  # noqa: BLE001 - the live view is best effort
            logger.exception("could not build a running entry", extra={"trace_id": outcome.trace.trace_id})
            return
        entry["status"] = "running"
        entry["http_status"] = None
        entry["latency_ms"] = None
        trace, owner = outcome.trace, outcome.trace.owner_user_id
        targets = [trace.trace_id]  # grows by the chat session's trace once the lookup has found it

        def deliver() -> None:
            # The agent's own panel first; then the playground's session trace (the run lookup is one Query, so
            # it runs here, off the event loop, and never delays the agent trace's push).
            self._push(trace.trace_id, owner, entry)
            if trace.kind != "agent" or self._run_lookup is None:
                return
            try:
                runs = self._active_runs(trace.trace_id, outcome.started_at)
            except Exception as exc:  # noqa: BLE001 - the live view is best effort
                logger.warning("active-run lookup failed", extra={"trace_id": trace.trace_id, "error": str(exc)})
                return
            # The finished entry reuses this answer (keyed on the call's start, so exact): one Query a call.
            if len(self._call_runs) > 1024:
                self._call_runs.clear()
            self._call_runs[outcome.entry_id] = runs
            tagged = dict(entry)
            for target in self._tag(tagged, trace, runs)[1:]:
                targets.append(target)
                self._push(target, owner, tagged)

        future = asyncio.ensure_future(self._run_push(deliver))
        future.add_done_callback(_log_push_failure)
        self._live[entry["entry_id"]] = (owner, future, targets)

    def progress(self, trace_id: str, entry_id: str, text: str) -> None:
        """Push the text a streaming call has produced so far, unless its previous push is still on its way
        (then the next one carries this text too)."""
        live = self._live.get(entry_id)
        if live is None:
            return  # not announced (or already finished)
        if not live[1].done():
            return
        owner, _, targets = live

        def deliver() -> None:
            for target in list(targets):  # the agent's trace and, once found, the chat session's
                self._push(target, owner, {"entry_id": entry_id, "trace_id": target, "status": "running",
                                           "output_text": text, "partial": True})

        future = asyncio.ensure_future(self._run_push(deliver))
        future.add_done_callback(_log_push_failure)
        self._live[entry_id] = (owner, future, targets)

    async def _after_live(self, entry_id: str) -> None:
        live = self._live.pop(entry_id, None)
        if live is not None:
            await asyncio.gather(live[1], return_exceptions=True)

    # --- finished calls --------------------------------------------------------------------------------------

    async def record(self, outcome: CallOutcome) -> dict[str, Any]:
        """Build, write, count and push the entry; never raises (a failed log must not fail the call).

        Two hand-offs to worker threads, not one per step (on a busy machine each hand-off costs the event loop,
        which is serving the next call, a fight for the GIL): the storage thread looks up the chat run, tags
        the entry, writes it and counts it; the push thread delivers it to the call's own trace at once — the
        live panel does not wait for the run lookup (one Query, 8 ms at p50 and 55 ms at p95 on DynamoDB Local
        here) — and, once the lookup has tagged it, to the chat session's trace.
        """
        trace = outcome.trace
        try:
            entry, corrected = await self._build(outcome)
        except Exception:  # noqa: BLE001
            logger.exception("could not build a trace entry", extra={"trace_id": trace.trace_id})
            return {}
        live = dict(entry)  # what the call's own trace's listeners get now; `entry` is tagged by the store thread
        loop = asyncio.get_running_loop()
        tagged: asyncio.Future[list[str]] = loop.create_future()

        def announce(targets: list[str]) -> None:
            if not tagged.done():
                tagged.set_result(targets)

        def store() -> None:
            targets = [trace.trace_id]
            try:
                runs: list[ActiveRun] = []
                if trace.kind == "agent" and self._run_lookup is not None:
                    # Which chat run was driving the agent when the call *started*: exact however late.
                    try:
                        known = self._call_runs.pop(outcome.entry_id, None)
                        runs = known if known is not None else self._active_runs(trace.trace_id,
                                                                                 outcome.started_at)
                    except Exception as exc:  # noqa: BLE001 - tagging is best effort
                        logger.warning("active-run lookup failed", extra={"trace_id": trace.trace_id,
                                                                          "error": str(exc)})
                targets = self._tag(entry, trace, runs, outcome.gateway_call)
            finally:
                loop.call_soon_threadsafe(announce, targets)
            day, detail, counters = self._counters(outcome, entry)
            rows = {detail: counters}  # one row, one update: a day's totals are summed when read
            if self._writer.write_entry(targets, entry, entry_ttl(outcome.started_at, self._ttl_days), day, rows):
                # Stored now: count now. (Spooled: its counters travel with it and are applied on replay.)
                self._writer.count(lambda: self._usage.add(day, detail, counters), outcome.entry_id, day, rows)

        async def deliver() -> None:
            owner = trace.owner_user_id
            await self._after_live(outcome.entry_id)  # the finished entry replaces the running one, never before
            if not self._broadcaster.known_silent(trace.trace_id):
                await self._run_push(self._push, trace.trace_id, owner, live)
            for trace_id in await tagged:
                if trace_id != trace.trace_id and not self._broadcaster.known_silent(trace_id):
                    await self._run_push(self._push, trace_id, owner, entry)

        for result in await asyncio.gather(self._run(store), deliver(), return_exceptions=True):
            if isinstance(result, BaseException):
                logger.error("trace entry side effect failed",
                             extra={"trace_id": trace.trace_id, "error": repr(result)})
        if entry.get("agent_id_source") in GUESSED_SOURCES and entry.get("tool_calls") and tagged.done():
            self._guessed[entry["entry_id"]] = (entry, tagged.result())
            while len(self._guessed) > 256:
                self._guessed.popitem(last=False)
        for earlier_id, name in corrected:
            await self._name_after_the_fact(outcome, earlier_id, name)
        return entry

    async def _name_after_the_fact(self, outcome: CallOutcome, entry_id: str, name: str) -> None:
        """A later request named the agent of an earlier call whose name was a guess (LangGraph's first call of
        a run): rewrite that entry where it was stored and push it again, so the panel shows the right agent.
        Only entries this process recorded (a cold instance's first call keeps its guess)."""
        known = self._guessed.pop(entry_id, None)
        if known is None:
            return
        earlier, targets = known
        renamed = {**earlier, "agent_id": name, "agent_id_source": NAMED_LATER}
        try:
            await self._run(self._logs.put, targets, renamed, entry_ttl(outcome.started_at, self._ttl_days))
        except Exception as exc:  # noqa: BLE001 - the guess stays; the call itself is recorded
            logger.warning("could not rename an entry", extra={"trace_id": outcome.trace.trace_id,
                                                              "error": repr(exc)})
            return
        owner = outcome.trace.owner_user_id
        for target in targets:
            await self._run_push(self._push, target, owner, renamed)

    def _nobody_listens(self, trace: TraceMeta, started_at: datetime, fresh: bool) -> bool:
        """Whether the caches already tell that no listener of the trace (nor of a chat session's trace the
        call would be copied to) would get a push: then a push costs nothing — no entry built, no thread
        hand-off. Most calls of an agent run with no panel open (terminal runs, deployed agents)."""
        if not self._broadcaster.known_silent(trace.trace_id, fresh):
            return False
        if trace.kind != "agent" or self._run_lookup is None:
            return True
        hit = self._runs_cache.get(trace.trace_id)
        if hit is None or hit[0] <= self._monotonic():
            return False  # the run lookup is due: the announce makes it (its answer serves the entry too)
        at, at_epoch = iso(started_at), epoch(started_at)
        return all(not run.session_trace_id or self._broadcaster.known_silent(run.session_trace_id, fresh)
                   for run in hit[1] if run.covers(at, at_epoch))

    def _active_runs(self, trace_id: str, started_at: datetime) -> list[ActiveRun]:
        """The chat runs covering a call started at `started_at` (see `runs_ttl`); one Query when not cached."""
        assert self._run_lookup is not None
        at, at_epoch = iso(started_at), epoch(started_at)
        now = self._monotonic()
        hit = self._runs_cache.get(trace_id)
        if hit is not None and hit[0] > now:
            return [run for run in hit[1] if run.covers(at, at_epoch)]
        runs = self._run_lookup.runs_at(trace_id, at, at_epoch)
        if self._runs_ttl > 0:
            if len(self._runs_cache) > 4096:
                self._runs_cache.clear()
            self._runs_cache[trace_id] = (now + self._runs_ttl, runs)
        return runs

    @staticmethod
    def _tag(entry: dict[str, Any], trace: TraceMeta, runs: list[ActiveRun],
             gateway_call: dict[str, str] | None = None) -> list[str]:
        """Tag the entry with the session running the agent (if exactly one); the traces it belongs to.

        A call that names its gateway context (X-A2G-Context-Id) belongs to that run even when several run at
        once; a context that is not one of the registered runs picks nothing (the header is the agent's word).
        """
        targets = [trace.trace_id]
        context_id = (gateway_call or {}).get("context_id")
        if context_id and len(runs) > 1:
            runs = [r for r in runs if r.session_id == context_id] or runs
        if len(runs) == 1:
            run = runs[0]
            entry["session_id"] = run.session_id
            if run.session_trace_id and run.session_trace_id != trace.trace_id:
                targets.append(run.session_trace_id)
        elif len(runs) > 1:
            entry["concurrent_session_ids"] = [r.session_id for r in runs]
        return targets

    async def _build(self, outcome: CallOutcome) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        trace = outcome.trace
        body = _inference_view(outcome)
        agent_id, source = infer_agent_id(body, outcome.header_agent_id)
        # Only a call its own request does not name exactly asks what the trace's earlier calls taught.
        if agent_id is None or source == "leader":
            if body is not None and self._delegations.needs_seed(trace.trace_id):
                await self._seed_delegations(trace.trace_id)
            agent_id, source = infer_agent_id(body, None, self._delegations, trace.trace_id)
        entry = self._entry(outcome, agent_id, source)
        messages = body.get("messages") if isinstance(body, dict) else None
        corrected = self._delegations.remember(trace.trace_id, entry["tool_calls"],
                                               messages=messages if isinstance(messages, list) else [],
                                               agent_id=agent_id, source=source, entry_id=entry["entry_id"])
        return entry, corrected

    @staticmethod
    def _entry(outcome: CallOutcome, agent_id: str | None, source: str | None) -> dict[str, Any]:
        """The one entry shape, whatever the wire format (docs/tracing.md)."""
        trace = outcome.trace
        result, request = _readings(outcome)
        entry: dict[str, Any] = {
            "entry_id": outcome.entry_id,
            "trace_id": trace.trace_id,
            "at": iso(outcome.started_at),
            "api": outcome.api,
            "kind": outcome.kind,
            "provider": outcome.provider,
            "model": outcome.model,
            "stream": outcome.stream,
            "status": "ok" if outcome.error is None and outcome.http_status < 400 else "error",
            "http_status": outcome.http_status,
            "latency_ms": round(outcome.latency_ms, 2),
            "ttft_ms": round(outcome.ttft_ms, 2) if outcome.ttft_ms is not None else None,
            "agent_id": agent_id,
            "agent_id_source": source,
            "session_id": trace.session_id,
            "user_id": outcome.principal.user_id,
            "team": outcome.principal.team,
            "api_key_id": outcome.principal.api_key_id,
            "request": request,
            "output_text": result.output_text,
            "tool_calls": result.tool_calls,
            "usage": result.usage,
            "stop_reason": result.stop_reason,
            "response": outcome.response,
            "error": outcome.error,
        }
        if outcome.gateway_call:
            # The parent link: the owner's `agent_call` entry with these a2a ids shows this call under it.
            entry["parent"] = {"kind": "agent_call", **outcome.gateway_call}
        entry.update(outcome.extra)
        return entry

    async def _seed_delegations(self, trace_id: str) -> None:
        """A cold instance learns the trace's recent delegations from its latest entries."""
        self._delegations.mark_seeded(trace_id)
        try:
            recent = await self._run(self._logs.recent, trace_id, 20)
        except Exception as exc:  # noqa: BLE001
            logger.warning("could not read recent entries", extra={"trace_id": trace_id, "error": str(exc)})
            return
        for old in reversed(recent):
            self._delegations.remember_entry(trace_id, old)

    @staticmethod
    def _counters(outcome: CallOutcome, entry: dict[str, Any]) -> tuple[str, str, dict[str, int]]:
        """(day, detail row key, counters) of one entry: what the usage statistics add up."""
        usage = entry.get("usage") or {}
        counters = {
            "calls": 1,
            "errors": 0 if entry["status"] == "ok" else 1,
            "prompt_tokens": int(usage.get("input_tokens") or 0),
            "completion_tokens": int(usage.get("output_tokens") or 0),
            "latency_ms_sum": round(outcome.latency_ms),
        }
        day = outcome.started_at.strftime("%Y-%m-%d")
        detail = usage_detail_key(outcome.principal.team, outcome.principal.user_id, outcome.model,
                                  outcome.trace.agent_id)
        return day, detail, counters

    def _push(self, trace_id: str, owner_user_id: str, entry: dict[str, Any]) -> int:
        # A call in flight is `trace.running` (clients that only know finished entries ignore it); the finished
        # one `trace.entry`, with the same entry id.
        kind = "trace.running" if entry.get("status") == "running" else "trace.entry"
        message = {"type": kind, "trace_id": trace_id, "entry": cut_entry({**entry, "trace_id": trace_id})}
        return self._broadcaster.publish(trace_id, owner_user_id, message, fresh=kind == "trace.entry")


def _log_push_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("live push failed", extra={"error": repr(future.exception())})


def _readings(outcome: CallOutcome) -> tuple[CallResult, dict[str, Any]]:
    """The wire format's reading of the answer and the request; made here when the caller left it out."""
    result, request = outcome.result, outcome.request
    if result is None and outcome.response is not None and outcome.api in formats.API_MODULES:
        result = formats.module_for(outcome.api).from_upstream(outcome.response)
    if request is None and isinstance(outcome.request_body, dict) and outcome.api in ("chat", "completions",
                                                                                        "embeddings", "responses",
                                                                                        "messages"):
        request = formats.module_for(outcome.api).parse_request(outcome.request_body).summary
    return result or CallResult(), request or {}


_CHAT_VIEWS = ("responses", "messages", "gemini")


def _inference_view(outcome: CallOutcome) -> dict[str, Any] | None:
    """What sub-agent inference reads: the conversation as role/content messages, the offered tools."""
    if outcome.api == "chat" and isinstance(outcome.request_body, dict):
        return outcome.request_body
    if outcome.api in _CHAT_VIEWS and isinstance(outcome.request_body, dict):
        # The bridges' own reading in chat terms keeps what inference needs and the summary loses: hand-off
        # calls and their outputs (Responses `function_call` items, Anthropic `tool_use`, Gemini
        # `functionCall`) as assistant tool calls, and the tools' descriptions.
        from a2g.tracing.formats import bridges

        try:
            return bridges.request_to_chat(outcome.api, outcome.request_body)
        except Exception:  # noqa: BLE001, S110 - a body the bridge refuses (stateful input, odd shapes): the summary
            pass
    summary = _readings(outcome)[1]
    if not summary:
        return None
    conversation = summary.get("messages", summary.get("input"))
    messages: list[Any] = [m for m in conversation if isinstance(m, dict)] if isinstance(conversation, list) else []
    if isinstance(conversation, str):
        messages = [{"role": "user", "content": conversation}]
    if isinstance(summary.get("system"), str) and summary["system"]:
        messages = [{"role": "system", "content": summary["system"]}, *messages]
    return {"messages": messages, "tools": summary.get("tools") or []}
