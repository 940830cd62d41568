"""Talking to agents of every framework behind one interface (see base.py).

`adapter_for(framework, AsyncOutboundClient.shared())` gives the adapter; `adapter.run(call)` is an async
iterator of `TextDelta`, `Progress`, `StateUpdate` and `FinalText` events.
"""

from __future__ import annotations

from a2g.agent_adapters.base import (
    FRAMEWORKS,
    HISTORY_TURNS,
    AgentAdapter,
    AgentCall,
    AgentEndpoint,
    AgentEvent,
    AgentHttp,
    Attachment,
    FinalText,
    Progress,
    StateUpdate,
    TextDelta,
    Turn,
)
from a2g.agent_adapters.errors import (
    AgentMisconfigured,
    AgentProtocolError,
    AgentRunFailed,
    AgentTimedOut,
    AgentUnavailable,
)


def adapter_for(framework: str, http: AgentHttp) -> AgentAdapter:
    """The adapter for a registry framework name (AGNO, ADK, LANGGRAPH, A2A, CUSTOM)."""
    name = str(getattr(framework, "value", framework)).upper()
    if name == "AGNO":
        from a2g.agent_adapters.agno import AgnoAdapter

        return AgnoAdapter(http)
    if name == "ADK":
        from a2g.agent_adapters.adk import AdkAdapter

        return AdkAdapter(http)
    if name == "LANGGRAPH":
        from a2g.agent_adapters.langgraph import LangGraphAdapter

        return LangGraphAdapter(http)
    if name == "A2A":
        from a2g.agent_adapters.a2a import A2aAdapter

        return A2aAdapter(http)
    if name == "CUSTOM":
        from a2g.agent_adapters.custom import CustomAdapter

        return CustomAdapter(http)
    raise AgentMisconfigured(f"no adapter for framework {framework!r}; known: {', '.join(FRAMEWORKS)}")


__all__ = [
    "FRAMEWORKS",
    "HISTORY_TURNS",
    "AgentAdapter",
    "AgentCall",
    "AgentEndpoint",
    "AgentEvent",
    "AgentHttp",
    "AgentMisconfigured",
    "AgentProtocolError",
    "AgentRunFailed",
    "AgentTimedOut",
    "AgentUnavailable",
    "Attachment",
    "FinalText",
    "Progress",
    "StateUpdate",
    "TextDelta",
    "Turn",
    "adapter_for",
]
