"""A real A2A agent built with a2a-sdk (v1.0 JSON-RPC, v0.3 compatible) that echoes, on 127.0.0.1.

`EchoAgentServer(name).start()` serves its card at `/.well-known/agent-card.json` and JSON-RPC at `/`;
`.card` is the a2a-sdk `AgentCard` (a protobuf message) it serves, for `a2g_sdk.card_from_a2a`.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from a2a.helpers.proto_helpers import new_task_from_user_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types import AgentCapabilities, AgentCard, AgentInterface, AgentSkill, Part
from starlette.applications import Starlette


class EchoExecutor(AgentExecutor):
    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        if context.current_task is None and context.message is not None:
            await event_queue.enqueue_event(new_task_from_user_message(context.message))
        updater = TaskUpdater(event_queue, context.task_id or "", context.context_id or "")
        await updater.add_artifact([Part(text="echo: " + context.get_user_input())], artifact_id="answer")
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        await TaskUpdater(event_queue, context.task_id or "", context.context_id or "").cancel()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EchoAgentServer:
    def __init__(self, name: str = "Echo agent", description: str = "Echoes what it is told"):
        self.port = _free_port()
        self.card = AgentCard(
            name=name,
            description=description,
            version="1.0.0",
            supported_interfaces=[AgentInterface(url=self.url, protocol_binding="JSONRPC", protocol_version="1.0")],
            capabilities=AgentCapabilities(streaming=True),
            default_input_modes=["text/plain"],
            default_output_modes=["text/plain"],
            skills=[AgentSkill(id="echo", name="Echo", description="Repeats the message", tags=["echo", "test"])],
        )
        handler = DefaultRequestHandler(EchoExecutor(), InMemoryTaskStore(), self.card)
        routes = create_agent_card_routes(self.card) + create_jsonrpc_routes(
            handler, rpc_url="/", enable_v0_3_compat=True
        )
        self._server = uvicorn.Server(
            uvicorn.Config(Starlette(routes=routes), host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> EchoAgentServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the A2A echo agent did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
