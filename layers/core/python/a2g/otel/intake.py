"""The OTLP intake service: key → rate → body → trace ownership → entries → merge → store → push.

Everything that can refuse a request (key, rate, body, a trace that is not the key's user's) is checked before
anything is written, so a refused request stores nothing. Spans that name no trace at all are rejected one by
one and reported in OTLP's `partialSuccess`; the rest are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from a2g.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from a2g.identity.principal import Principal
from a2g.log import logger
from a2g.otel import mapping, merge
from a2g.otel.decode import Span, decode_request, decompress
from a2g.tracing.entries import cut_entry
from a2g.tracing.repository import ActiveRun, TraceMeta, entry_ttl
from a2g.validation import is_id

TRACE_ATTRIBUTE = "a2g.trace_id"
_RECENT = 200


class SpanEntryStore(Protocol):
    def put_many(self, trace_id: str, entries: list[dict[str, Any]], ttl: int) -> None: ...
    def put(self, trace_ids: list[str], entry: dict[str, Any], ttl: int) -> None: ...
    def delete(self, trace_id: str, entry_id: str) -> None: ...
    def newest(self, trace_id: str, id_prefix: str, limit: int) -> list[dict[str, Any]]: ...


class TraceLookup(Protocol):
    def get_trace(self, trace_id: str) -> TraceMeta | None: ...
    def runs(self, agent_trace_id: str) -> list[ActiveRun]: ...


class Publisher(Protocol):
    def publish(self, trace_id: str, owner_user_id: str, message: dict[str, Any]) -> Any: ...


@dataclass(frozen=True)
class ExportResult:
    accepted: int
    rejected: int
    message: str = ""


def bearer_key(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class OtelIntake:
    def __init__(self, authenticate: Callable[[str], Principal | None], check_rate: Callable[[str], None],
                 traces: TraceLookup, entries: SpanEntryStore, publisher: Publisher | None, ttl_days: int,
                 max_body_bytes: int):
        self._authenticate, self._check_rate = authenticate, check_rate
        self._traces, self._entries, self._publisher = traces, entries, publisher
        self._ttl_days, self.max_body_bytes = ttl_days, max_body_bytes

    def principal(self, authorization: str | None) -> Principal:
        raw_key = bearer_key(authorization)
        if not raw_key:
            raise Unauthenticated("send your platform API key as 'Authorization: Bearer <key>' "
                                  "(OTEL_EXPORTER_OTLP_HEADERS)", code="missing_api_key")
        principal = self._authenticate(raw_key)
        if principal is None:
            raise Unauthenticated("invalid or revoked API key", code="invalid_api_key")
        if not principal.is_approved:
            raise Forbidden("your account is waiting for an administrator's approval", code="pending_approval")
        self._check_rate(principal.api_key_id or principal.user_id)
        return principal

    def export(self, principal: Principal, raw: bytes, content_type: str | None, content_encoding: str | None,
               path_trace_id: str | None, header_trace_id: str | None,
               gateway_call: dict[str, str] | None = None) -> ExportResult:
        """`gateway_call`: the A2A gateway task the request's spans were made for (`gateway_call_of` its headers);
        a span's or its resource's `a2g.context_id` / `a2g.task_id` attributes say it per span."""
        body = decompress(raw, content_encoding, self.max_body_bytes)
        spans = decode_request(body, content_type, self.max_body_bytes)
        fixed = path_trace_id or header_trace_id
        by_trace: dict[str, list[Span]] = {}
        rejected = 0
        for span in spans:
            trace_id = fixed or span.resource.get(TRACE_ATTRIBUTE) or span.attributes.get(TRACE_ATTRIBUTE)
            if not trace_id:
                rejected += 1
                continue
            by_trace.setdefault(str(trace_id), []).append(span)
        if spans and not by_trace:
            raise ValidationFailed("no trace id: put it in the URL (/api/otel/<trace_id>/v1/traces), the "
                                   "x-a2g-trace-id header or the resource attribute a2g.trace_id",
                                   code="trace_id_required")
        owned: dict[str, TraceMeta] = {}
        for trace_id in by_trace:  # every trace checked before anything is written
            if not is_id(trace_id):
                raise ValidationFailed("the trace id is not a valid id", code="invalid_trace_id")
            meta = self._traces.get_trace(trace_id)
            if meta is None or meta.owner_user_id != principal.user_id:
                raise NotFound(f"no trace {trace_id!r} belongs to this API key's user", code="trace_not_found")
            owned[trace_id] = meta
        for trace_id, trace_spans in by_trace.items():
            self._record(owned[trace_id], trace_spans, gateway_call)
        message = f"{rejected} spans named no trace (a2g.trace_id)" if rejected else ""
        return ExportResult(len(spans) - rejected, rejected, message)

    # --- one trace's spans --------------------------------------------------------------------------------

    def _record(self, trace: TraceMeta, spans: list[Span], gateway_call: dict[str, str] | None = None) -> None:
        trace_id = trace.trace_id
        stored_spans = self._entries.newest(trace_id, "spn_", _RECENT)
        known = {e["span"]["span_id"]: e for e in stored_spans if isinstance(e.get("span"), dict)}
        in_batch = {s.span_id: s for s in spans}
        entries = [mapping.span_entry(s, trace_id, self._agent_of(s, in_batch, known)) for s in spans]
        for source, entry in zip(spans, entries, strict=True):
            call = span_gateway_call(source, gateway_call)
            if call:  # the parent link, as on the proxy's entries: the owner's `agent_call` entry of that task
                entry["parent"] = {"kind": "agent_call", **call}
        ttl = entry_ttl(datetime.now(UTC), self._ttl_days)
        proxy_entries = self._entries.newest(trace_id, "log_", _RECENT)
        taken: set[str] = {e["entry_id"] for e in proxy_entries if isinstance(e.get("span"), dict)}
        joined: list[tuple[dict[str, Any], str | None]] = []  # (merged proxy entry, span entry it replaces)
        kept: list[dict[str, Any]] = []
        for entry in entries:
            match = self._match(entry, proxy_entries, taken)
            if match is None:
                kept.append(entry)
            else:
                joined.append((merge.merged(match, entry), None))
        # Spans exported before their agent's span learn their agent now (a child ends, and is often exported,
        # before its parent).
        fresh = {e["entry_id"] for e in entries}
        for old in stored_spans:
            if old["entry_id"] in fresh or old.get("agent_id") or not old["span"].get("parent_span_id"):
                continue
            agent = self._agent_above(old["span"]["parent_span_id"], in_batch, known)
            if agent:
                old.update(agent_id=agent, agent_id_source="span")
                if old.get("kind") != mapping.LLM_CALL or self._match(old, proxy_entries, set(taken)) is None:
                    kept.append(old)
        # Either order: LLM spans stored earlier (the proxy's entry was not written yet) are joined now.
        for old in stored_spans:
            if old.get("kind") == mapping.LLM_CALL and old["entry_id"] not in fresh:
                match = self._match(old, proxy_entries, taken)
                if match is not None:
                    joined.append((merge.merged(match, old), old["entry_id"]))
        # A joined proxy entry whose span came before its agent's: the exact agent name replaces the inference.
        for done in proxy_entries:
            span = done.get("span")
            if not isinstance(span, dict) or done.get("agent_id_source") == "span" or not span.get("parent_span_id"):
                continue
            agent = self._agent_above(span["parent_span_id"], in_batch, known)
            if agent:
                joined.append((merge.merged(done, {"agent_id": agent, "span": span}), None))
        # A playground chat running the agent has its own session trace: what the log-proxy puts there (the entries
        # of calls that started during the run, recorder._tag), the spans that started during it join too.
        sessions = _SessionTraces(trace, self._runs(trace))
        for entry in kept:
            sessions.tag(entry)
        if kept:
            self._entries.put_many(trace_id, kept, ttl)
            for session_trace, group in sessions.groups(kept).items():
                self._entries.put_many(session_trace, group, ttl)
        for entry, replaced in joined:
            self._entries.put([trace_id, *sessions.of(entry["at"], context_id=context_of(entry))], entry, ttl)
            if replaced:
                for target in (trace_id, *sessions.of(entry["at"], replaced_entry_at(stored_spans, replaced),
                                                      context_id=context_of(entry))):
                    self._entries.delete(target, replaced)
        for entry in kept:
            for target in (trace_id, *sessions.of(entry["at"], context_id=context_of(entry))):
                self._push(trace, target, {"type": "trace.entry", "trace_id": target,
                                           "entry": cut_entry(entry)})
        for entry, replaced in joined:
            for target in (trace_id, *sessions.of(entry["at"], context_id=context_of(entry))):
                self._push(trace, target, {"type": "trace.entry", "trace_id": target,
                                           "entry": cut_entry(entry)})
                if replaced:
                    self._push(trace, target, {"type": "trace.entry_removed", "trace_id": target,
                                               "entry_id": replaced, "merged_into": entry["entry_id"]})

    def _runs(self, trace: TraceMeta) -> list[ActiveRun]:
        if trace.kind != "agent":
            return []
        try:
            return self._traces.runs(trace.trace_id)
        except Exception as exc:  # noqa: BLE001 - the session copy is best effort, as the proxy's is
            logger.warning("active-run lookup failed", extra={"trace_id": trace.trace_id, "error": repr(exc)})
            return []

    @staticmethod
    def _match(entry: dict[str, Any], proxy_entries: list[dict[str, Any]], taken: set[str]) -> dict[str, Any] | None:
        if entry.get("kind") != mapping.LLM_CALL:
            return None
        match = merge.find_proxy_entry(entry, proxy_entries, taken)
        if match is not None:
            taken.add(match["entry_id"])
        return match

    @staticmethod
    def _agent_of(span: Span, in_batch: dict[str, Span], known: dict[str, dict[str, Any]]) -> str | None:
        """The span's own agent, else its nearest agent ancestor's (in this request or stored earlier)."""
        current: Span | None = span
        seen: set[str] = set()
        while current is not None and current.span_id not in seen:
            seen.add(current.span_id)
            kind = mapping.classify(current)
            name = mapping.own_agent_name(current, kind)
            if name:
                return name
            parent = current.parent_span_id
            if not parent:
                return None
            if parent in in_batch:
                current = in_batch[parent]
                continue
            stored = known.get(parent)
            return stored.get("agent_id") if stored else None
        return None

    @classmethod
    def _agent_above(cls, parent_id: str, in_batch: dict[str, Span], known: dict[str, dict[str, Any]]) -> str | None:
        if parent_id in in_batch:
            return cls._agent_of(in_batch[parent_id], in_batch, known)
        stored = known.get(parent_id)
        return stored.get("agent_id") if stored else None

    def _push(self, trace: TraceMeta, target: str, message: dict[str, Any]) -> None:
        """Push to `target` (the trace or its session trace) as the proxy does: for the agent trace's owner."""
        if self._publisher is None:
            return
        try:
            self._publisher.publish(target, trace.owner_user_id, message)
        except Exception as exc:  # noqa: BLE001 - stored already; the panel fetches it on open
            logger.warning("otel push failed", extra={"trace_id": trace.trace_id, "error": repr(exc)})


# The ids the A2A gateway sends an agent with each task (the log-proxy reads the same headers, a2g.tracing.proxy;
# not imported from there, which would load the whole proxy into this function), and their span attributes.
GATEWAY_HEADERS = (("x-a2g-context-id", "context_id"), ("x-a2g-task-id", "task_id"))
GATEWAY_ATTRIBUTES = (("a2g.context_id", "context_id"), ("a2g.task_id", "task_id"))


def gateway_call_of(headers: Any) -> dict[str, str] | None:
    """The gateway task named by the request's headers; a malformed id is a 400 (the request stores nothing)."""
    found: dict[str, str] = {}
    for header, name in GATEWAY_HEADERS:
        value = headers.get(header)
        if value is None:
            continue
        if not is_id(value):
            raise ValidationFailed(f"the {header} header is not a valid id", code="invalid_correlation_header")
        found[name] = value
    return found or None


def span_gateway_call(span: Span, request_call: dict[str, str] | None) -> dict[str, str] | None:
    """The span's own `a2g.*` attributes, else its resource's, else the request's headers; only as labels of
    the caller's own entries (like the proxy's), so a malformed attribute is ignored rather than refusing the
    batch."""
    found = dict(request_call or {})
    for attributes in (span.resource, span.attributes):
        for key, name in GATEWAY_ATTRIBUTES:
            value = attributes.get(key)
            if isinstance(value, str) and is_id(value):
                found[name] = value
    return found or None


def context_of(entry: dict[str, Any]) -> str | None:
    parent = entry.get("parent")
    value = parent.get("context_id") if isinstance(parent, dict) else None
    return value if isinstance(value, str) else None


def replaced_entry_at(stored: list[dict[str, Any]], entry_id: str) -> str | None:
    return next((e["at"] for e in stored if e["entry_id"] == entry_id), None)


class _SessionTraces:
    """The chat session traces entries of an agent trace belong to: the session of the one chat run that covers
    the entry's start (none when no run or several runs cover it, as for the log-proxy's entries)."""

    def __init__(self, trace: TraceMeta, runs: list[ActiveRun]):
        self._trace, self._runs = trace, runs

    def _run(self, at: str, context_id: str | None = None) -> ActiveRun | None:
        if not self._runs:
            return None
        epoch = int(datetime.fromisoformat(at).timestamp())
        covering = [r for r in self._runs if r.covers(at, epoch)]
        if context_id and len(covering) > 1:  # the gateway's context picks among runs at once, as for the proxy
            covering = [r for r in covering if r.session_id == context_id] or covering
        return covering[0] if len(covering) == 1 else None

    def of(self, *ats: str | None, context_id: str | None = None) -> list[str]:
        out: list[str] = []
        for at in ats:
            run = self._run(at, context_id) if at else None
            if run and run.session_trace_id and run.session_trace_id != self._trace.trace_id \
                    and run.session_trace_id not in out:
                out.append(run.session_trace_id)
        return out

    def tag(self, entry: dict[str, Any]) -> None:
        run = self._run(entry["at"], context_of(entry))
        if run is not None:
            entry["session_id"] = run.session_id

    def groups(self, entries: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for entry in entries:
            for target in self.of(entry["at"], context_id=context_of(entry)):
                out.setdefault(target, []).append(entry)  # as the proxy's copies: trace_id stays the agent's
        return out


def build_otel_intake() -> OtelIntake:
    from a2g.identity.rate_limit import check_key_rate
    from a2g.identity.wiring import api_key_authenticator
    from a2g.otel.repository import SpanEntryRepository
    from a2g.realtime.repository import ConnectionRepository
    from a2g.settings import get_settings
    from a2g.tracing.broadcaster import TraceBroadcaster
    from a2g.tracing.repository import TraceRepository
    from a2g.tracing.service import default_pusher

    settings = get_settings()
    keys = api_key_authenticator()
    return OtelIntake(keys.authenticate, check_key_rate, TraceRepository(), SpanEntryRepository(),
                      TraceBroadcaster(ConnectionRepository(), default_pusher()), settings.trace_ttl_days,
                      max_body_bytes=settings.otel_max_body_bytes)
