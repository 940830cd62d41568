"""A real A2A agent built with a2a-sdk (v1.0 JSON-RPC with v0.3 compatibility), its model the mock LLM.

The executor streams the LLM's answer as artifact chunks (first chunk, then `append`), the way a2a-sdk
agents commonly do, after a "working" status with a progress line. It remembers what it received (the
message metadata where the platform puts the trace id, context ids, file parts) in `seen`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn
from a2a.helpers.proto_helpers import new_task_from_user_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types import AgentCapabilities, AgentCard, AgentInterface, AgentSkill, Part, TaskState
from google.protobuf.json_format import MessageToDict
from openai import AsyncOpenAI
from starlette.applications import Starlette

from tests.e2e.tracing.mock_llm import free_port


class EchoLlmExecutor(AgentExecutor):
    def __init__(self, llm_base_url: str, api_key: str = "test-key", model: str = "mock-model"):
        self.seen: list[dict[str, Any]] = []
        self.use_llm(llm_base_url, api_key, model)

    def use_llm(self, base_url: str, api_key: str, model: str, *, forward_gateway_ids: bool = False) -> None:
        """Point the agent's model elsewhere, e.g. at the platform's log-proxy (as a developer would).

        `forward_gateway_ids`: send the gateway's context id (message metadata) and the agent's own task id to
        the LLM as X-A2G-Context-Id / X-A2G-Task-Id, as docs/gateway.md asks a developer's agent to do."""
        self._llm = AsyncOpenAI(base_url=base_url, api_key=api_key)
        self._model = model
        self._forward = forward_gateway_ids

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        message = context.message
        raw = MessageToDict(message) if message is not None else {}
        files = [p for p in raw.get("parts", []) if "raw" in p or "url" in p]
        self.seen.append({"metadata": raw.get("metadata", {}), "context_id": context.context_id, "files": files,
                          "text": context.get_user_input()})  # fmt: skip
        if context.current_task is None and message is not None:  # a new task is announced first
            await event_queue.enqueue_event(new_task_from_user_message(message))
        updater = TaskUpdater(event_queue, context.task_id or "", context.context_id or "")
        await updater.start_work(updater.new_agent_message([Part(text="asking the model")]))
        prompt = context.get_user_input()
        if files:
            prompt += " [files: " + ", ".join(f.get("filename", "?") for f in files) + "]"
        headers = {}
        if self._forward and raw.get("metadata", {}).get("a2g_context_id"):
            headers = {"X-A2G-Context-Id": raw["metadata"]["a2g_context_id"]}
            if context.task_id:
                headers["X-A2G-Task-Id"] = context.task_id
        stream = await self._llm.chat.completions.create(
            model=self._model, messages=[{"role": "user", "content": prompt}], stream=True, extra_headers=headers
        )
        first = True
        async for chunk in stream:
            delta = chunk.choices[0].delta.content if chunk.choices else None
            if not delta:
                continue
            await updater.add_artifact([Part(text=delta)], artifact_id="answer", append=not first)
            first = False
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        await TaskUpdater(event_queue, context.task_id or "", context.context_id or "").cancel()


class A2aTestServer:
    def __init__(self, llm_base_url: str, *, push: bool = False):
        """`push`: the card declares push notifications and the server keeps their configs (in memory)."""
        self.port = free_port()
        self.executor = EchoLlmExecutor(llm_base_url)
        card = AgentCard(
            name="Echo A2A agent",
            description="Answers with what the mock LLM says",
            version="1.0.0",
            supported_interfaces=[
                AgentInterface(url=self.url, protocol_binding="JSONRPC", protocol_version="1.0")
            ],
            capabilities=AgentCapabilities(streaming=True, push_notifications=push),
            default_input_modes=["text/plain"],
            default_output_modes=["text/plain"],
            skills=[AgentSkill(id="echo", name="Echo", description="Echoes", tags=["echo"])],
        )
        from a2a.server.tasks import InMemoryPushNotificationConfigStore

        handler = DefaultRequestHandler(self.executor, InMemoryTaskStore(), card,
                                        push_config_store=InMemoryPushNotificationConfigStore() if push else None)
        routes = create_agent_card_routes(card) + create_jsonrpc_routes(
            handler, rpc_url="/", enable_v0_3_compat=True
        )
        self.app = Starlette(routes=routes)
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> A2aTestServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the A2A test agent did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


__all__ = ["A2aTestServer", "TaskState"]
