"""Which (sub-)agent made an LLM call, for multi-agent programs that share one base URL.

No framework sends a header naming the calling agent (all three send only the OpenAI SDK's headers), so
unless the caller sets `X-Agent-Id` the answer is read from the request itself, in this order:

1. `X-Agent-Id` header.
2. The name the framework writes into the system/developer prompt: ADK's `Your internal name is "<name>"`,
   Agno's `Your name is: <name>.` (agents and teams with `add_name_to_context`).
3. A request that *offers* delegation tools comes from the leader: Agno's `delegate_task_to_member(s)` (its
   prompt lists `<team_members>`), a LangGraph supervisor's `transfer_to_<name>` tools. The leader's name is
   the `name` on its own earlier handoff messages when present, else "supervisor" / "team_leader".
   In a LangGraph swarm every agent offers `transfer_to_<peer>` tools, so offering them does not make a
   leader there: when the last forward hand-off in the conversation went to an agent this request cannot
   transfer to (nobody is offered a transfer to itself), that agent is the one now speaking (rule 4).
4. The last hand-off in the conversation names the agent now speaking: LangGraph's `transfer_to_<name>` /
   `transfer_back_to_<name>` tool calls, ADK's `transfer_to_agent(agent_name)`; an assistant message's `name`
   (LangGraph sets it) counts too when it comes later.
   The OpenAI Agents SDK's hand-off tools (`transfer_to_<name>`, described "Handoff to the <Name> agent to
   handle the request.") do not make a supervisor: the agent offering them is the run's entry agent (a
   triage agent), whose name is nowhere on the wire, so the call is the trace's own agent (`agent_id` None,
   source "entry") unless `X-Agent-Id` says otherwise. The SDK answers its hand-off call with the tool output
   `{"assistant": "<Name>"}`, which names the agent taking over exactly (rule 4).
5. An Agno team member sees only its task, never the leader's conversation, so the leader's earlier
   `delegate_task_to_member(member_id, task)` calls on the same trace are remembered (`DelegationMemory`):
   a request whose user message contains a delegated task is that member's.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable
from typing import Any

MAX_AGENT_ID_LENGTH = 128

_ADK_NAME = re.compile(r'Your internal name is "([^"\n]{1,128})"')
_AGNO_NAME = re.compile(r"Your name is: ([^\n]{1,128}?)\.(?:\s|$)")
_TRANSFER = re.compile(r"^transfer_(?:back_)?to_(.+)$")
_SDK_HANDOFF = re.compile(r"^Handoff to the (.{1,128}?) agent to handle the request\.")
_DELEGATION_TOOLS = {"delegate_task_to_member", "delegate_task_to_members"}


def _text(content: Any) -> str:
    """The text of a message's content (a string or a list of content parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part.get("text", "") for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def _tool_names(tools: Any) -> list[str]:
    names = []
    for tool in tools or []:
        if isinstance(tool, dict):
            function = tool.get("function") if isinstance(tool.get("function"), dict) else tool
            name = function.get("name") if isinstance(function, dict) else None
            if isinstance(name, str):
                names.append(name)
    return names


def _sdk_handoff_tools(tools: Any) -> set[str]:
    """The names of offered tools that are the OpenAI Agents SDK's hand-offs (by its fixed description)."""
    names = set()
    for tool in tools or []:
        function = tool.get("function") if isinstance(tool, dict) and isinstance(tool.get("function"), dict) else tool
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            description = function.get("description")
            if isinstance(description, str) and _SDK_HANDOFF.match(description):
                names.add(function["name"])
    return names


def _sdk_transfer_name(content: Any) -> str | None:
    """The agent named by the OpenAI Agents SDK's answer to a hand-off call: `{"assistant": "<Name>"}`."""
    text = _text(content)
    if not text.startswith('{"assistant"'):
        return None
    try:
        value = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return None
    return _clean(value.get("assistant")) if isinstance(value, dict) and len(value) == 1 else None


def _arguments(call: dict[str, Any]) -> dict[str, Any]:
    raw = (call.get("function") or {}).get("arguments")
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError, RecursionError):  # a client's text: may be anything, even 100,000 `[`
        return {}
    return value if isinstance(value, dict) else {}


def _clean(name: Any) -> str | None:
    if not isinstance(name, str):
        return None
    name = name.strip()
    return name[:MAX_AGENT_ID_LENGTH] if name else None


def handoff_target(call: dict[str, Any]) -> str | None:
    """The agent a tool call hands over to, if it is a hand-off."""
    function_name = (call.get("function") or {}).get("name") or ""
    if function_name == "transfer_to_agent":
        return _clean(_arguments(call).get("agent_name"))
    match = _TRANSFER.match(function_name)
    return _clean(match.group(1)) if match else None


def _prompt_name(messages: list[Any]) -> str | None:
    for message in messages:
        if isinstance(message, dict) and message.get("role") in ("system", "developer"):
            text = _text(message.get("content"))
            for pattern in (_ADK_NAME, _AGNO_NAME):
                match = pattern.search(text)
                if match:
                    return _clean(match.group(1))
    return None


def _normalized(agent_name: str) -> str:
    """An agent name as LangGraph spells it inside `transfer_to_<name>` (whitespace to `_`, lower case)."""
    return re.sub(r"\s+", "_", agent_name.strip()).lower()


def _last_forward_handoff(messages: list[Any]) -> str | None:
    """The target of the conversation's last `transfer_to_<name>` / `transfer_to_agent` call (not a hand-back)."""
    target = None
    for message in messages:
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        for call in message.get("tool_calls") or []:
            if not isinstance(call, dict):
                continue
            if not str((call.get("function") or {}).get("name") or "").startswith("transfer_back_to_"):
                target = handoff_target(call) or target
    return target


def _is_swarm_peer(messages: list[Any], tools: list[str]) -> bool:
    """Whether this request comes from the swarm agent the last hand-off went to, not from a supervisor.

    A supervisor is never handed control by a forward `transfer_to_<itself>`; a swarm agent is, and is never
    offered a transfer to itself."""
    target = _last_forward_handoff(messages)
    return target is not None and f"transfer_to_{_normalized(target)}" not in tools


def _leader_name(messages: list[Any], tools: list[str], sdk_handoffs: set[str] | None = None) -> str | None:
    agno_leader = any(name in _DELEGATION_TOOLS for name in tools)
    # ADK offers `transfer_to_agent` to every agent, leader or not; the Agents SDK's hand-offs make no leader.
    supervisor = any(_TRANSFER.match(name) and not name.startswith("transfer_back_to_")
                     and name != "transfer_to_agent" and name not in (sdk_handoffs or ()) for name in tools)
    if not (agno_leader or supervisor):
        return None
    if not agno_leader and _is_swarm_peer(messages, tools):
        return None
    # The supervisor's own earlier calls of the tools it is offered now carry its name (LangGraph sets `name`).
    offered = set(tools)
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "assistant" and message.get("name"):
            calls = message.get("tool_calls") or []
            if any((c.get("function") or {}).get("name") in offered for c in calls if isinstance(c, dict)):
                return _clean(message["name"])
    return "team_leader" if agno_leader else "supervisor"


def _last_speaker(messages: list[Any]) -> str | None:
    speaker = None
    handoff_calls: set[Any] = set()
    for message in messages:
        if not isinstance(message, dict):
            continue
        if message.get("role") == "tool" and message.get("tool_call_id") in handoff_calls:
            speaker = _sdk_transfer_name(message.get("content")) or speaker  # the exact name, not the tool's
            continue
        if message.get("role") != "assistant":
            continue
        if message.get("name"):
            speaker = _clean(message["name"])
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict):
                target = handoff_target(call)
                if target:
                    speaker = target
                    handoff_calls.add(call.get("id"))
    return speaker


def infer_agent_id(
    body: dict[str, Any] | None,
    header_agent_id: str | None = None,
    delegations: DelegationMemory | None = None,
    trace_id: str | None = None,
) -> tuple[str | None, str | None]:
    """(agent id, how it was found) — the source is one of header, prompt, leader, handoff, delegation."""
    explicit = _clean(header_agent_id)
    if explicit:
        return explicit, "header"
    if not isinstance(body, dict):
        return None, None
    raw_messages = body.get("messages")
    messages: list[Any] = raw_messages if isinstance(raw_messages, list) else []
    name = _prompt_name(messages)
    if name:
        return name, "prompt"
    sdk_handoffs = _sdk_handoff_tools(body.get("tools"))
    name = _leader_name(messages, _tool_names(body.get("tools")), sdk_handoffs)
    if name:
        return name, "leader"
    name = _last_speaker(messages)
    if name:
        return name, "handoff"
    if sdk_handoffs:
        return None, "entry"
    if delegations is not None and trace_id:
        member = delegations.match(trace_id, messages)
        if member:
            return member, "delegation"
    return None, None


class DelegationMemory:
    """Recent Agno delegations per trace, so a member's later call is recognised by its task text.

    Process-local and bounded (a warm function remembers the last few minutes); a cold instance seeds it from
    the trace's most recent entries (see `CallRecorder`).
    """

    def __init__(self, max_traces: int = 512, per_trace: int = 32, ttl_seconds: float = 900.0):
        self._traces: OrderedDict[str, deque[tuple[float, str, str]]] = OrderedDict()
        self._max_traces, self._per_trace, self._ttl = max_traces, per_trace, ttl_seconds
        self._seeded: set[str] = set()
        self._lock = threading.Lock()

    def remember(self, trace_id: str, tool_calls: Iterable[dict[str, Any]], at: float | None = None) -> None:
        now = at if at is not None else time.monotonic()
        found = []
        for call in tool_calls:
            if not isinstance(call, dict):
                continue
            name = (call.get("function") or {}).get("name")
            if name == "delegate_task_to_member":
                args = _arguments(call)
                member, task = _clean(args.get("member_id")), args.get("task")
                if member and isinstance(task, str) and task.strip():
                    found.append((now, task.strip(), member))
        if not found:
            return
        with self._lock:
            bucket = self._traces.setdefault(trace_id, deque(maxlen=self._per_trace))
            self._traces.move_to_end(trace_id)
            bucket.extend(found)
            while len(self._traces) > self._max_traces:
                self._traces.popitem(last=False)

    def match(self, trace_id: str, messages: list[Any]) -> str | None:
        with self._lock:
            bucket = list(self._traces.get(trace_id) or ())
        if not bucket:
            return None
        texts = [_text(m.get("content")) for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        if not texts:
            return None
        horizon = time.monotonic() - self._ttl
        for at, task, member in reversed(bucket):  # the latest delegation of a task wins
            if at >= horizon and any(task in text for text in texts):
                return member
        return None

    def needs_seed(self, trace_id: str) -> bool:
        with self._lock:
            return trace_id not in self._seeded and trace_id not in self._traces

    def mark_seeded(self, trace_id: str) -> None:
        with self._lock:
            if len(self._seeded) > self._max_traces:
                self._seeded.clear()
            self._seeded.add(trace_id)
