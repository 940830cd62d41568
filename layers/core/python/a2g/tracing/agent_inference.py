"""Which (sub-)agent made an LLM call, for multi-agent programs that share one base URL.

No framework sends a header naming the calling agent (all of them send only their SDK's headers), so
unless the caller sets `X-Agent-Id` the answer is read from the request itself, in this order:

1. `X-Agent-Id` header.
2. The name the framework writes into the system/developer prompt: ADK's `Your internal name is "<name>"`,
   Agno's `Your name is: <name>.` (agents and teams with `add_name_to_context`).
3. A request that *offers* delegation tools comes from the leader: Agno's `delegate_task_to_member(s)` (its
   prompt lists `<team_members>`), a LangGraph supervisor's `transfer_to_<name>` tools. The leader's name is
   the `name` on its own earlier handoff messages when present (source `leader`).
   In a LangGraph swarm every agent offers `transfer_to_<peer>` tools, so offering them does not make a
   leader there: when the last forward hand-off in the conversation went to an agent this request cannot
   transfer to (nobody is offered a transfer to itself), that agent is the one now speaking (rule 4).
4. The last hand-off in the conversation names the agent now speaking: LangGraph's `transfer_to_<name>` /
   `transfer_back_to_<name>` tool calls, ADK's `transfer_to_agent(agent_name)`; an assistant message's `name`
   (LangGraph sets it) counts too when it comes later.
   The OpenAI Agents SDK's hand-off tools (`transfer_to_<name>`, described "Handoff to the <Name> agent to
   handle the request.") do not make a supervisor: the agent offering them is the run's entry agent (a
   triage agent), whose name is nowhere on the wire. The SDK answers its hand-off call with the tool output
   `{"assistant": "<Name>"}`, which names the agent taking over exactly.
5. What earlier calls on the same trace taught (`a2g.tracing.agent_memory.DelegationMemory`): a request whose
   prompt carries an Agno member's `<your_role>` is the member the leader's roster gives that role (source
   `roster`); a request whose user message is a task delegated earlier is that member's, or that tool's
   sub-agent's (pydantic-ai's agent-in-a-tool, the Agents SDK's `as_tool`; source `delegation`); a prompt
   seen before under a name is that agent's (source `memory`).
6. What is left is a guess or nobody: a request offering LangGraph transfer tools with no hand-off yet in its
   conversation (a run's first call) is langgraph-supervisor's when it disables parallel tool calls, as that
   library does (its default name, `supervisor`), else the run's entry agent; an Agno leader not named by its
   earlier calls is `team_leader`; the Agents SDK's triage agent is the entry agent. The entry agent is the
   trace's own (`agent_id` None, source `entry`); a request with no clue at all is the trace's own too
   (source None) — a single pydantic-ai, Agno or LangGraph-node agent sends nothing but its messages.
"""

from __future__ import annotations

import json
import re
from typing import Any

from a2g.tracing.agent_memory import MAX_AGENT_ID_LENGTH, DelegationMemory
from a2g.tracing.agent_memory import arguments as _arguments
from a2g.tracing.agent_memory import clean as _clean
from a2g.tracing.agent_memory import text_of as _text

__all__ = ["MAX_AGENT_ID_LENGTH", "DelegationMemory", "handoff_target", "infer_agent_id"]

_ADK_NAME = re.compile(r'Your internal name is "([^"\n]{1,128})"')
_AGNO_NAME = re.compile(r"Your name is: ([^\n]{1,128}?)\.(?:\s|$)")
_TRANSFER = re.compile(r"^transfer_(?:back_)?to_(.+)$")
_SDK_HANDOFF = re.compile(r"^Handoff to the (.{1,128}?) agent to handle the request\.")
_DELEGATION_TOOLS = {"delegate_task_to_member", "delegate_task_to_members"}


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


def _has_handoff(messages: list[Any]) -> bool:
    return any(handoff_target(call) for message in messages
               if isinstance(message, dict) and message.get("role") == "assistant"
               for call in message.get("tool_calls") or [] if isinstance(call, dict))


def _leader_name(body: dict[str, Any], messages: list[Any], tools: list[str],
                 sdk_handoffs: set[str] | None = None) -> tuple[str | None, bool]:
    """(the leader's name, whether the wire names it) — (None, False) when the request is no leader's."""
    agno_leader = any(name in _DELEGATION_TOOLS for name in tools)
    # ADK offers `transfer_to_agent` to every agent, leader or not; the Agents SDK's hand-offs make no leader.
    supervisor = any(_TRANSFER.match(name) and not name.startswith("transfer_back_to_")
                     and name != "transfer_to_agent" and name not in (sdk_handoffs or ()) for name in tools)
    if not (agno_leader or supervisor):
        return None, False
    if not agno_leader and _is_swarm_peer(messages, tools):
        return None, False
    # The supervisor's own earlier calls of the tools it is offered now carry its name (LangGraph sets `name`).
    offered = set(tools)
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "assistant" and message.get("name"):
            calls = message.get("tool_calls") or []
            if any((c.get("function") or {}).get("name") in offered for c in calls if isinstance(c, dict)):
                return _clean(message["name"]), True
    if agno_leader:
        return "team_leader", False
    # A run's first call: a swarm's first agent offers transfers too. langgraph-supervisor disables parallel
    # tool calls (it always does for models that allow it); a hand-built supervisor or a swarm does not say.
    if not _has_handoff(messages) and body.get("parallel_tool_calls") is not False:
        return None, False
    return "supervisor", False


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
    """(agent id, how it was found) — the source is one of header, prompt, leader, handoff, roster,
    delegation, memory, entry, or None (the trace's own agent, nothing on the wire says more)."""
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
    tools = _tool_names(body.get("tools"))
    sdk_handoffs = _sdk_handoff_tools(body.get("tools"))
    leader, named = _leader_name(body, messages, tools, sdk_handoffs)
    if leader and named:
        return leader, "leader"
    name = _last_speaker(messages)
    if name and not leader:
        return name, "handoff"
    if delegations is not None and trace_id:
        for source, recall in (("roster", delegations.roster_match), ("delegation", delegations.match),
                               ("memory", delegations.prompt_name)):
            found = recall(trace_id, messages)
            if found:
                return found, source
    if leader:
        return leader, "leader"
    if sdk_handoffs or (tools and any(_TRANSFER.match(t) and t != "transfer_to_agent" for t in tools)):
        return None, "entry"
    return None, None
