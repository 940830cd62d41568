"""Spans → trace entries: agent runs, tool calls, LLM calls and generic steps, with parent links.

Two attribute vocabularies are read, the OpenTelemetry GenAI semantic conventions (`gen_ai.operation.name`
`invoke_agent` / `execute_tool` / `chat`, `gen_ai.agent.name`, `gen_ai.tool.*`, `gen_ai.usage.*`; Google ADK's
native spans, OpenLLMetry) and OpenInference's (`openinference.span.kind` AGENT / CHAIN / TOOL / LLM,
`llm.input_messages.N.message.*`, `tool.name`, `input.value`; the OpenInference instrumentors of the OpenAI
Agents SDK, Agno, LangChain, CrewAI). A span that is neither is kept as a generic `step`, never dropped.

An entry made from a span (the live panel's tree reads `span.parent_span_id`):

    entry_id ("spn_<span id>"), trace_id, at, api "otel", kind (agent_run | tool_call | llm_call | step),
    status, latency_ms, agent_id (the span's own agent, else its nearest agent ancestor's), agent_id_source
    "span", span {span_id, parent_span_id, otel_trace_id, name, ended_at, framework}, model, request
    {messages}, output_text, usage, tool {name, call_id, arguments, result}, attributes (the rest), cut
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from a2g.otel.decode import Span

AGENT_RUN, TOOL_CALL, LLM_CALL, STEP = "agent_run", "tool_call", "llm_call", "step"
_AGENT_KINDS = {"AGENT", "CHAIN"}
_LLM_OPERATIONS = {"chat", "text_completion", "generate_content", "completion"}
_INDEXED = re.compile(r"^llm\.(input|output)_messages\.(\d+)\.message\.(.+)$")
_MAX_ATTRIBUTES_KEPT = 64


def entry_id_of(span_id: str) -> str:
    return f"spn_{span_id}"


def iso_ns(ns: int) -> str:
    moment = datetime.fromtimestamp(ns / 1e9, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def langgraph_metadata(span: Span) -> dict[str, Any] | None:
    """The LangGraph run metadata OpenInference's LangChain instrumentor writes as the `metadata` attribute."""
    raw = span.attributes.get("metadata")
    if not isinstance(raw, str) or "langgraph_" not in raw:
        return None
    try:
        metadata = json.loads(raw)
    except ValueError:
        return None
    return metadata if isinstance(metadata, dict) and isinstance(metadata.get("langgraph_node"), str) else None


def langgraph_agent(metadata: dict[str, Any]) -> str | None:
    """The agent a LangGraph run belongs to: the `name` LangChain's `create_agent` was given, else the node of the
    outer graph whose task runs it (`langgraph_checkpoint_ns` is `node:task|node:task...`, one level per subgraph:
    the supervisor and its workers are the nodes of the top graph, their own nodes the level below)."""
    named = metadata.get("lc_agent_name")
    if isinstance(named, str) and named.strip():
        return named.strip()
    if metadata.get("ls_integration") == "langchain_create_agent":
        return None  # an unnamed create_agent: its nodes ("model", "tools") are not agents
    namespace = metadata.get("langgraph_checkpoint_ns")
    nodes = [part.split(":", 1)[0] for part in namespace.split("|") if part] if isinstance(namespace, str) else []
    if len(nodes) >= 2:
        return nodes[-2] or None
    return nodes[0] if nodes else None


def _is_langgraph_agent_run(span: Span, metadata: dict[str, Any]) -> bool:
    """The task span of a top-graph node: named as the node, one level deep, not a subgraph's own root run (which
    carries `checkpoint_ns` and has the same name: the agent would appear twice, nested in itself)."""
    namespace = metadata.get("langgraph_checkpoint_ns")
    return (span.name == metadata.get("langgraph_node") == langgraph_agent(metadata)
            and isinstance(namespace, str) and "|" not in namespace and "checkpoint_ns" not in metadata)


def _named_agent(a: dict[str, Any]) -> str | None:
    for key in ("gen_ai.agent.name", "agent.name", "graph.node.id"):
        value = a.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def classify(span: Span) -> str:
    a = span.attributes
    operation = str(a.get("gen_ai.operation.name") or "").lower()
    oi_kind = str(a.get("openinference.span.kind") or "").upper()
    if operation in ("invoke_agent", "create_agent"):
        return AGENT_RUN
    if oi_kind in _AGENT_KINDS:
        metadata = langgraph_metadata(span)
        if metadata is not None:  # LangGraph: every node and runnable is a CHAIN; the agents are the top nodes
            return AGENT_RUN if _is_langgraph_agent_run(span, metadata) else STEP
        if _named_agent(a):
            return AGENT_RUN
        # An AGENT span that names no agent is an agent run named by the span, except at the root, where it is
        # the whole workflow (the OpenAI Agents SDK's trace span); a CHAIN that names none is a step ("turn").
        return AGENT_RUN if oi_kind == "AGENT" and span.parent_span_id else STEP
    if operation == "execute_tool" or oi_kind == "TOOL":
        return TOOL_CALL
    if operation in _LLM_OPERATIONS or oi_kind == "LLM":
        return LLM_CALL
    return STEP


def own_agent_name(span: Span, kind: str) -> str | None:
    """The agent a span names itself (agent spans: the agent they run; others only when they say so; a LangGraph
    run always says so in its metadata)."""
    a = span.attributes
    named = a.get("gen_ai.agent.name") or a.get("agent.name")
    if isinstance(named, str) and named.strip():
        return named.strip()
    metadata = langgraph_metadata(span)
    if metadata is not None:
        return langgraph_agent(metadata)
    if kind == AGENT_RUN:
        node = a.get("graph.node.id")
        if isinstance(node, str) and node.strip():
            return node.strip()
        name = span.name
        for prefix in ("invoke_agent ", "agent_run ", "agent "):  # GenAI convention: "invoke_agent <name>"
            if name.startswith(prefix):
                return name[len(prefix):].strip() or None
        return name or None
    return None


def _json_or_text(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(_content_text(part) for part in content)
    if isinstance(content, dict):
        for key in ("text", "content", "result"):
            if key in content:
                return _content_text(content[key])
    return ""


def _openinference_messages(a: dict[str, Any], direction: str) -> list[dict[str, Any]]:
    messages: dict[int, dict[str, Any]] = {}
    for key, value in a.items():
        match = _INDEXED.match(key)
        if match and match.group(1) == direction:
            message = messages.setdefault(int(match.group(2)), {})
            field = match.group(3)
            if field in ("role", "content", "name"):
                message[field] = value
            elif field.startswith("contents.") and field.endswith(".message_content.text"):
                message["content"] = str(message.get("content") or "") + str(value)
            elif field.startswith("tool_calls."):
                message.setdefault("tool_calls_raw", {})[field] = value
    return [messages[i] for i in sorted(messages)]


def _genai_messages(value: Any) -> list[dict[str, Any]]:
    """`gen_ai.input.messages` / `gen_ai.output.messages`: [{role, parts: [{type, content}]}] as JSON text."""
    parsed = _json_or_text(value)
    if not isinstance(parsed, list):
        return []
    out = []
    for message in parsed:
        if not isinstance(message, dict):
            continue
        parts = message.get("parts")
        text = "".join(_content_text(p.get("content")) for p in parts if isinstance(p, dict)) if isinstance(
            parts, list) else _content_text(message.get("content"))
        out.append({"role": message.get("role"), "content": text})
    return out


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def llm_reading(span: Span) -> dict[str, Any]:
    """Model, messages, answer text and usage of an LLM span, in the proxy entry's field names."""
    a = span.attributes
    model = a.get("gen_ai.request.model") or a.get("llm.model_name") or a.get("gen_ai.response.model")
    messages = _openinference_messages(a, "input") or _genai_messages(a.get("gen_ai.input.messages"))
    output = _openinference_messages(a, "output") or _genai_messages(a.get("gen_ai.output.messages"))
    if not messages and "input.value" in a:
        raw = _json_or_text(a["input.value"])
        if isinstance(raw, dict) and isinstance(raw.get("messages"), list):
            messages = [m for m in raw["messages"] if isinstance(m, dict)]
    output_text = "".join(_content_text(m.get("content")) for m in output)
    if not output_text and isinstance(a.get("output.value"), str):
        output_text = a["output.value"] if not a["output.value"].startswith("{") else ""
    usage_in = _int(a.get("gen_ai.usage.input_tokens", a.get("llm.token_count.prompt")))
    usage_out = _int(a.get("gen_ai.usage.output_tokens", a.get("llm.token_count.completion")))
    usage = None
    if usage_in is not None or usage_out is not None:
        usage = {"input_tokens": usage_in or 0, "output_tokens": usage_out or 0,
                 "total_tokens": _int(a.get("llm.token_count.total")) or (usage_in or 0) + (usage_out or 0)}
    return {"model": str(model) if model else None, "messages": messages, "output_text": output_text or None,
            "usage": usage}


def tool_reading(span: Span) -> dict[str, Any]:
    a = span.attributes
    name = a.get("gen_ai.tool.name") or a.get("tool.name")
    if not name:
        name = span.name.removeprefix("execute_tool ").strip() or span.name
    # OpenInference's `tool.parameters` is the tool's JSON schema, not this call's arguments (`input.value`).
    arguments = (a.get("gen_ai.tool.call.arguments") or a.get("gcp.vertex.agent.tool_call_args")
                 or a.get("input.value"))
    result = (a.get("gen_ai.tool.call.result") or a.get("gcp.vertex.agent.tool_response")
              or a.get("output.value"))
    return {"name": str(name), "call_id": a.get("gen_ai.tool.call.id") or a.get("tool_call.id"),
            "arguments": _json_or_text(arguments), "result": _json_or_text(result)}


_READ_KEYS = ("gen_ai.", "llm.", "openinference.", "tool.", "input.", "output.", "gcp.vertex.agent.llm_")


def span_entry(span: Span, trace_id: str, agent_id: str | None) -> dict[str, Any]:
    """The trace entry of one span; `agent_id` is the agent it belongs to (its own or an ancestor's)."""
    kind = classify(span)
    latency = (span.end_ns - span.start_ns) / 1e6
    entry: dict[str, Any] = {
        "entry_id": entry_id_of(span.span_id),
        "trace_id": trace_id,
        "at": iso_ns(span.start_ns),
        "api": "otel",
        "kind": kind,
        "status": "error" if span.status_code == 2 else "ok",
        "latency_ms": round(latency, 2),
        "agent_id": agent_id,
        "agent_id_source": "span" if agent_id else None,
        "span": {
            "span_id": span.span_id, "parent_span_id": span.parent_span_id, "otel_trace_id": span.trace_id,
            "name": span.name, "ended_at": iso_ns(span.end_ns),
            "service": span.resource.get("service.name"),
        },
    }
    if span.status_code == 2:
        entry["error"] = {"type": "span_error", "code": None, "message": span.status_message or None}
    if kind == LLM_CALL:
        reading = llm_reading(span)
        entry.update(model=reading["model"], request={"messages": reading["messages"]},
                     output_text=reading["output_text"], usage=reading["usage"])
    elif kind == TOOL_CALL:
        entry["tool"] = tool_reading(span)
    elif kind == AGENT_RUN:
        entry["agent_name"] = own_agent_name(span, kind)
    entry["attributes"] = {k: v for k, v in list(span.attributes.items())[:_MAX_ATTRIBUTES_KEPT]
                           if not k.startswith(_READ_KEYS) or k in ("gen_ai.operation.name",
                                                                      "openinference.span.kind")}
    if span.cut:
        entry["cut"] = True
    return entry
