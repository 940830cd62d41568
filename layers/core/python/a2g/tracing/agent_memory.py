"""What sub-agent inference remembers per trace between calls (see `a2g.tracing.agent_inference`).

Some agents are named nowhere in their own request, only in what other calls on the same trace sent:

- **Delegated tasks.** An Agno team member sees only the task its leader wrote (`delegate_task_to_member(member_id,
  task)`); a pydantic-ai / Agents-SDK `as_tool` sub-agent sees only the argument of the tool that runs it. A later
  request whose user message is such a task comes from that member (Agno's `member_id`) or that tool's agent
  (the tool's name, a leading `ask_` / `call_` / `consult_` / `delegate_to_` / `run_` dropped) — for a tool, only
  when the request's system prompt is not the delegating agent's own (that agent's next turn repeats the task).
- **The team roster.** An Agno leader's prompt lists `<member id="…" name="…">  Role: …`; a member's prompt
  carries its role as `<your_role>…</your_role>`, which names it even when every member got the same task
  (`delegate_task_to_members`, broadcast mode); a role two members share names neither.
- **Prompts seen with a name.** Once a call's system prompt was attributed exactly (by header, prompt, hand-off,
  delegation, roster), a later call with the same prompt is that agent
  (source `memory`) — the first call of a LangGraph run names nobody on the wire. A later request's assistant
  message with a `name` whose tool call ids an earlier response produced names that earlier call's prompt too
  (LangGraph sets `name` after the fact). A prompt seen under two names is remembered as neither.
- **Calls named after the fact.** The first call of a LangGraph run names nobody on the wire; the next request
  of the run carries that call's answer as an assistant message with the agent's `name`. `remember` then
  returns the earlier call's entry id and the name, when that entry was only guessed (`GUESSED_SOURCES`), so
  the recorder can correct the stored entry and the live panel.

Process-local and bounded (a warm function remembers the last few minutes); a cold instance seeds it from the
trace's most recent entries (see `CallRecorder`), which carry the same tool calls, system prompt and agent id.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MAX_AGENT_ID_LENGTH = 128
AMBIGUOUS = ""  # a prompt seen under two names

_ROSTER_MEMBER = re.compile(r'<member id="([^"\n]{1,128})"[^>\n]*>\n[ ]*Role: ([^\n]{1,500})\n')
_YOUR_ROLE = re.compile(r"<your_role>\n([^\n]{1,500})\n</your_role>")
_TOOL_VERB = re.compile(r"^(?:ask|call|consult|delegate_to|run)_(?=.)")
_NOT_DELEGATIONS = re.compile(r"^(?:transfer_(?:back_)?to_.*|delegate_task_to_members?)$")
_MIN_TASK = 4  # a tool argument shorter than this names no task
_LONG_TASK = 24  # a longer one counts when quoted inside the user message, not only as all of it
# Sources whose name is exact enough to remember for the call's prompt.
LEARNED_SOURCES = frozenset({"header", "prompt", "handoff", "delegation", "roster"})
# Sources that are a guess, which a later request naming the call's answer may correct (source `named_later`).
GUESSED_SOURCES = frozenset({None, "", "entry", "leader"})
NAMED_LATER = "named_later"


def text_of(content: Any) -> str:
    """The text of a message's content (a string or a list of content parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part.get("text", "") for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def clean(name: Any) -> str | None:
    if not isinstance(name, str):
        return None
    name = name.strip()
    return name[:MAX_AGENT_ID_LENGTH] if name else None


def arguments(call: dict[str, Any]) -> dict[str, Any]:
    raw = (call.get("function") or {}).get("arguments")
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError, RecursionError):  # a client's text: may be anything, even 100,000 `[`
        return {}
    return value if isinstance(value, dict) else {}


def system_text(messages: list[Any]) -> str:
    return "\n".join(text_of(m.get("content")) for m in messages
                     if isinstance(m, dict) and m.get("role") in ("system", "developer"))


def fingerprint(system: str | None) -> str | None:
    """A prompt's identity, whitespace aside (the wire formats join system parts differently)."""
    squeezed = "".join((system or "").split())
    return hashlib.blake2b(squeezed.encode(), digest_size=12).hexdigest() if squeezed else None


def tool_agent_name(tool_name: str) -> str | None:
    return clean(_TOOL_VERB.sub("", tool_name))


def _user_texts(messages: list[Any]) -> list[str]:
    return [text_of(m.get("content")).strip() for m in messages if isinstance(m, dict) and m.get("role") == "user"]


@dataclass
class _Trace:
    # (at, task, name, the delegating prompt's fingerprint or None for Agno's member ids)
    tasks: deque[tuple[float, str, str, str | None]]
    roles: OrderedDict[str, str] = field(default_factory=OrderedDict)  # role text -> member id
    prompts: OrderedDict[str, str] = field(default_factory=OrderedDict)  # fingerprint -> name (or AMBIGUOUS)
    call_prompts: OrderedDict[str, str] = field(default_factory=OrderedDict)  # tool call id -> fingerprint
    # tool call id -> (entry id, the name it was given) of calls whose name was only guessed
    guessed_calls: OrderedDict[str, tuple[str, str]] = field(default_factory=OrderedDict)


def _bounded_set(mapping: OrderedDict[str, str], key: str, value: str, limit: int) -> None:
    mapping[key] = value
    mapping.move_to_end(key)
    while len(mapping) > limit:
        mapping.popitem(last=False)


class DelegationMemory:
    """Recent delegations, rosters and named prompts per trace (see the module's docstring)."""

    def __init__(self, max_traces: int = 512, per_trace: int = 32, ttl_seconds: float = 900.0):
        self._traces: OrderedDict[str, _Trace] = OrderedDict()
        self._max_traces, self._per_trace, self._ttl = max_traces, per_trace, ttl_seconds
        self._seeded: set[str] = set()
        self._lock = threading.Lock()

    def _trace(self, trace_id: str) -> _Trace:
        trace = self._traces.get(trace_id)
        if trace is None:
            trace = self._traces[trace_id] = _Trace(deque(maxlen=self._per_trace))
            while len(self._traces) > self._max_traces:
                self._traces.popitem(last=False)
        self._traces.move_to_end(trace_id)
        return trace

    # --- learning ------------------------------------------------------------------------------------------------

    def remember(self, trace_id: str, tool_calls: Iterable[dict[str, Any]], at: float | None = None, *,
                 messages: list[Any] | None = None, system: str | None = None,
                 agent_id: str | None = None, source: str | None = None,
                 entry_id: str | None = None) -> list[tuple[str, str]]:
        """Learn from one finished call: the tool calls it answered with, the request's messages (or only its
        system prompt, for an entry read back), and the name inference gave it (`entry_id`: its entry's).

        Returns (entry id, name) of earlier calls on the trace whose guessed name this request corrects."""
        now = at if at is not None else time.monotonic()
        tool_calls = [call for call in tool_calls if isinstance(call, dict)]
        if system is None and messages is not None:
            system = system_text(messages)
        prompt = fingerprint(system)
        tasks: list[tuple[float, str, str, str | None]] = []
        call_ids: list[str] = []
        for call in tool_calls:
            if isinstance(call.get("id"), str) and call["id"] and prompt:
                call_ids.append(call["id"][:128])
            name = str((call.get("function") or {}).get("name") or "")
            if name == "delegate_task_to_member":
                args = arguments(call)
                member, task = clean(args.get("member_id")), args.get("task")
                if member and isinstance(task, str) and task.strip():
                    tasks.append((now, task.strip(), member, None))
            elif name and not _NOT_DELEGATIONS.match(name) and prompt:
                agent = tool_agent_name(name)
                for value in arguments(call).values():
                    if agent and isinstance(value, str) and len(value.strip()) >= _MIN_TASK:
                        tasks.append((now, value.strip(), agent, prompt))
        roles = [(role.strip(), member.strip()) for member, role in _ROSTER_MEMBER.findall(system or "")]
        named = _named_calls(messages or [])
        learned = clean(agent_id) if source in LEARNED_SOURCES else None
        guessed = entry_id is not None and source in GUESSED_SOURCES
        if not (tasks or call_ids or roles or named or (learned and prompt) or (guessed and tool_calls)):
            return []
        corrected: list[tuple[str, str]] = []
        with self._lock:
            trace = self._trace(trace_id)
            trace.tasks.extend(tasks)
            for role, member in roles:  # a role two members share names neither
                known = trace.roles.get(role)
                _bounded_set(trace.roles, role, member if known in (None, member) else AMBIGUOUS, 64)
            for call_id in call_ids:
                _bounded_set(trace.call_prompts, call_id, prompt or "", 256)
            if guessed and entry_id is not None:
                for call in tool_calls:
                    if isinstance(call.get("id"), str) and call["id"]:
                        trace.guessed_calls[call["id"][:128]] = (entry_id, agent_id or "")
                        while len(trace.guessed_calls) > 256:
                            trace.guessed_calls.popitem(last=False)
            for call_id, name in named:
                earlier = trace.call_prompts.get(call_id)
                if earlier:
                    self._learn_prompt(trace, earlier, name)
                guess = trace.guessed_calls.pop(call_id, None)
                if guess is not None and guess[1] != name and (guess[0], name) not in corrected:
                    corrected.append((guess[0], name))
            if learned and prompt:
                self._learn_prompt(trace, prompt, learned)
        return corrected

    @staticmethod
    def _learn_prompt(trace: _Trace, prompt: str, name: str) -> None:
        known = trace.prompts.get(prompt)
        _bounded_set(trace.prompts, prompt, name if known in (None, name) else AMBIGUOUS, 128)

    def remember_entry(self, trace_id: str, entry: dict[str, Any]) -> None:
        """Learn from an entry read back from the store (a cold instance's seed)."""
        raw = entry.get("request")
        request: dict[str, Any] = raw if isinstance(raw, dict) else {}
        system = request.get("system") if isinstance(request.get("system"), str) else None
        conversation = request.get("messages", request.get("input"))
        messages = [m for m in conversation if isinstance(m, dict)] if isinstance(conversation, list) else []
        self.remember(trace_id, entry.get("tool_calls") or [], messages=messages, system=system or "",
                      agent_id=entry.get("agent_id"), source=entry.get("agent_id_source"))

    # --- recalling -----------------------------------------------------------------------------------------------

    def match(self, trace_id: str, messages: list[Any]) -> str | None:
        """The member or tool agent a request's user message was delegated to, if any."""
        with self._lock:
            trace = self._traces.get(trace_id)
            bucket = list(trace.tasks) if trace else []
        texts = _user_texts(messages)
        if not bucket or not texts:
            return None
        prompt = fingerprint(system_text(messages))
        horizon = time.monotonic() - self._ttl
        for at, task, name, caller in reversed(bucket):  # the latest delegation of a task wins
            if at < horizon:
                continue
            if caller is None and any(task in text for text in texts):
                return name
            if caller is not None and caller != prompt and any(
                    text == task or (len(task) >= _LONG_TASK and task in text) for text in texts):
                return name
        return None

    def roster_match(self, trace_id: str, messages: list[Any]) -> str | None:
        """The Agno member whose roster role is the one this request's prompt carries."""
        match = _YOUR_ROLE.search(system_text(messages))
        if not match:
            return None
        with self._lock:
            trace = self._traces.get(trace_id)
            return (trace.roles.get(match.group(1).strip()) or None) if trace else None

    def prompt_name(self, trace_id: str, messages: list[Any]) -> str | None:
        prompt = fingerprint(system_text(messages))
        if not prompt:
            return None
        with self._lock:
            trace = self._traces.get(trace_id)
            return (trace.prompts.get(prompt) or None) if trace else None

    def needs_seed(self, trace_id: str) -> bool:
        with self._lock:
            return trace_id not in self._seeded and trace_id not in self._traces

    def mark_seeded(self, trace_id: str) -> None:
        with self._lock:
            if len(self._seeded) > self._max_traces:
                self._seeded.clear()
            self._seeded.add(trace_id)


def _named_calls(messages: list[Any]) -> list[tuple[str, str]]:
    """(tool call id, name) of the conversation's named assistant messages (LangGraph's `name`)."""
    found = []
    for message in messages:
        if isinstance(message, dict) and message.get("role") == "assistant":
            name = clean(message.get("name"))
            for call in message.get("tool_calls") or [] if name else []:
                if isinstance(call, dict) and isinstance(call.get("id"), str) and name:
                    found.append((call["id"][:128], name))
    return found
