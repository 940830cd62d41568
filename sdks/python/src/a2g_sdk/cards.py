"""Build A2A agent cards (JSON dicts) from the objects agent frameworks already have.

Each framework is imported lazily, only by the helper that needs it, so `a2g-sdk` itself depends on httpx
alone. The cards are A2A v1.0 (`supportedInterfaces`); the platform accepts v0.3 cards as well.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from typing import Any

A2A_PROTOCOL_VERSION = "1.0"


def card_from_a2a(agent_card: Any) -> dict[str, Any]:
    """An a2a-sdk AgentCard as JSON: the 1.x protobuf message or the 0.3 pydantic model (dicts pass through)."""
    if isinstance(agent_card, dict):
        return dict(agent_card)
    if hasattr(agent_card, "DESCRIPTOR"):  # a2a-sdk >= 1.0: protobuf messages
        try:
            from a2a.server.request_handlers.response_helpers import agent_card_to_dict

            return dict(agent_card_to_dict(agent_card))  # adds v0.3 fields when a 0.3 interface is declared
        except ImportError:
            from google.protobuf.json_format import MessageToDict

            return dict(MessageToDict(agent_card))
    if hasattr(agent_card, "model_dump"):  # a2a-sdk 0.3: pydantic models with camelCase aliases
        return dict(agent_card.model_dump(mode="json", by_alias=True, exclude_none=True))
    raise TypeError(f"not an A2A AgentCard: {type(agent_card).__name__}")


def _run(coroutine: Any) -> Any:
    """Run a coroutine from synchronous code, also when called inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    box: dict[str, Any] = {}

    def runner() -> None:
        try:
            box["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # noqa: BLE001 - re-raised below in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=runner)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _skill(skill_id: str, name: str, description: str, tags: Iterable[str]) -> dict[str, Any]:
    return {"id": skill_id, "name": name, "description": description or name, "tags": list(tags)}


def _card(name: str, description: str, url: str, skills: list[dict[str, Any]], version: str,
          streaming: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "description": description or name,
        "supportedInterfaces": [
            {"url": url, "protocolBinding": "JSONRPC", "protocolVersion": A2A_PROTOCOL_VERSION}
        ],
        "version": version,
        "capabilities": {"streaming": streaming},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": skills,
    }


def card_from_adk(agent: Any, *, url: str, version: str = "1.0.0", description: str | None = None) -> dict[str, Any]:
    """A card for a Google ADK agent served over A2A at `url` (e.g. with `google.adk.a2a.utils.to_a2a`).

    Uses ADK's own `AgentCardBuilder` when google-adk with A2A support is installed; otherwise (or for an
    object that only looks like an ADK agent) builds the card from `name`, `description`, `sub_agents` and
    `tools`.
    """
    builder: Any = None
    base_agent: Any = None
    try:
        from google.adk.a2a.utils.agent_card_builder import AgentCardBuilder
        from google.adk.agents import BaseAgent

        builder, base_agent = AgentCardBuilder, BaseAgent
    except ImportError:
        pass
    if builder is not None and base_agent is not None and isinstance(agent, base_agent):
        card = card_from_a2a(_run(builder(agent=agent, rpc_url=url, agent_version=version).build()))
        if description:
            card["description"] = description
        return card

    name = str(getattr(agent, "name", "") or "").strip()
    if not name:
        raise ValueError("the ADK agent has no name")
    about = description or str(getattr(agent, "description", "") or "")
    skills = [_skill(name, name, about, ["adk"])]
    for sub in getattr(agent, "sub_agents", None) or []:
        sub_name = str(getattr(sub, "name", "") or "")
        if sub_name:
            skills.append(_skill(sub_name, sub_name, str(getattr(sub, "description", "") or ""), ["adk", "sub-agent"]))
    for tool in getattr(agent, "tools", None) or []:
        tool_name = str(getattr(tool, "name", None) or getattr(tool, "__name__", "") or "")
        if tool_name:
            tool_about = str(getattr(tool, "description", None) or (getattr(tool, "__doc__", None) or "")).strip()
            skills.append(_skill(f"{name}-{tool_name}", tool_name, tool_about.splitlines()[0] if tool_about else "",
                                 ["adk", "tool"]))
    return _card(name, about, url, skills, version)


def card_from_langgraph(
    graph: Any, *, name: str, url: str, description: str | None = None, version: str = "1.0.0",
) -> dict[str, Any]:
    """A card for a LangGraph graph served over A2A at `url` (LangGraph server: `<server>/a2a/<assistant_id>`).

    `graph` is a `StateGraph` or a compiled graph; each node other than `__start__` / `__end__` becomes a
    skill (tagged `langgraph`), described by its function's docstring when it has one.
    """
    drawable = graph
    if hasattr(graph, "compile") and not hasattr(graph, "get_graph"):
        drawable = graph.compile()
    nodes: dict[str, Any] = {}
    if hasattr(drawable, "get_graph"):
        nodes = dict(drawable.get_graph().nodes)
    elif hasattr(graph, "nodes"):
        nodes = dict(graph.nodes)
    skills = []
    for node_id, node in nodes.items():
        if node_id in ("__start__", "__end__"):
            continue
        runnable = getattr(node, "data", None) or getattr(node, "runnable", None)
        func = getattr(runnable, "func", None) or getattr(runnable, "afunc", None) or runnable
        doc = (getattr(func, "__doc__", None) or "").strip()
        if doc.startswith(("Runnable", "Base class")):  # a library class docstring says nothing about the node
            doc = ""
        skills.append(_skill(str(node_id), str(node_id), doc.splitlines()[0] if doc else "", ["langgraph"]))
    about = description or (getattr(graph, "__doc__", None) or "").strip() or name
    return _card(name, about, url, skills, version)
