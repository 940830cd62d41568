"""One LLM call, one entry: an LLM span and the log-proxy's entry of the same call are joined.

The proxy's entry keeps its full payload (request, answer, usage, latency as the proxy measured them); the
span adds what only the agent knows: the exact agent name (which always beats the proxy's inference), the
span's parent and its OTel ids. A pair is the same call when the proxy entry started within the span's time
window (with a little slack for clock skew and queueing), the models agree and, when both sides carry the
conversation, the span's last message text is in the proxy's request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

SLACK_MS = 1500.0


def _ms(at: str) -> float:
    return datetime.fromisoformat(at).timestamp() * 1000


def _texts(messages: Any) -> list[str]:
    out = []
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict):
            content = message.get("content")
            if isinstance(content, list):
                content = "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            if isinstance(content, str) and content.strip():
                out.append(content.strip())
    return out


def _same_model(span_model: str | None, proxy_model: str | None) -> bool:
    if not span_model or not proxy_model:
        return True  # one side does not say: time and content decide
    a, b = span_model.lower(), proxy_model.lower()
    # LiteLLM reports "openai/<model>", some SDKs a dated snapshot name of the requested model.
    return a == b or a.endswith("/" + b) or b.endswith("/" + a) or a.startswith(b) or b.startswith(a)


def _content_agrees(span_entry: dict[str, Any], proxy_entry: dict[str, Any]) -> bool:
    span_texts = _texts((span_entry.get("request") or {}).get("messages"))
    proxy_request = proxy_entry.get("request") or {}
    proxy_texts = _texts(proxy_request.get("messages") or proxy_request.get("input"))
    if isinstance(proxy_request.get("input"), str):
        proxy_texts.append(proxy_request["input"])
    if not span_texts or not proxy_texts:
        return True
    last = span_texts[-1][:200]
    joined = "\n".join(proxy_texts)
    return last in joined or proxy_texts[-1][:200] in "\n".join(span_texts)


def is_proxy_call(entry: dict[str, Any]) -> bool:
    return entry.get("api") not in (None, "otel") and "span" not in entry and entry.get("status") != "running"


def find_proxy_entry(span_entry: dict[str, Any], candidates: list[dict[str, Any]],
                     taken: set[str]) -> dict[str, Any] | None:
    """The proxy entry of the same call as the LLM span entry, the nearest in time; None when there is none."""
    start = _ms(span_entry["at"])
    end = start + float(span_entry.get("latency_ms") or 0)
    best: tuple[float, dict[str, Any]] | None = None
    for entry in candidates:
        if not is_proxy_call(entry) or entry["entry_id"] in taken:
            continue
        at = _ms(entry["at"])
        if not (start - SLACK_MS <= at <= end + SLACK_MS):
            continue
        if not _same_model(span_entry.get("model"), entry.get("model")) or not _content_agrees(span_entry, entry):
            continue
        distance = abs(at - start)
        if best is None or distance < best[0]:
            best = (distance, entry)
    return best[1] if best else None


def merged(proxy_entry: dict[str, Any], span_entry: dict[str, Any]) -> dict[str, Any]:
    """The proxy's entry with the span's agent, parent and ids; the inference it replaced kept beside it."""
    out = dict(proxy_entry)
    if span_entry.get("agent_id"):
        if proxy_entry.get("agent_id") and proxy_entry.get("agent_id_source") != "span":
            out["inferred_agent_id"] = proxy_entry.get("agent_id")
        out["agent_id"] = span_entry["agent_id"]
        out["agent_id_source"] = "span"
    out["span"] = span_entry["span"]
    if not out.get("parent") and span_entry.get("parent"):
        out["parent"] = span_entry["parent"]  # the gateway task the span named (agents rarely forward it to the LLM)
    if out.get("usage") is None and span_entry.get("usage") is not None:
        out["usage"] = span_entry["usage"]
    return out
