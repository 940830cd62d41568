"""A real Agno AgentOS with one agent and one team, their models the mock LLM (OpenAI-compatible).

Sessions are kept in Agno's in-memory db, so a test can ask AgentOS for the session the platform's chat
created (same id) and read the run metadata the adapter sent. A middleware records the headers of each
run request (where the platform's trace headers arrive).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

os.environ.setdefault("AGNO_TELEMETRY", "false")

import uvicorn
from agno.agent import Agent
from agno.db.in_memory import InMemoryDb
from agno.models.openai import OpenAIChat
from agno.os import AgentOS
from agno.team import Team

from tests.e2e.tracing.mock_llm import free_port


class AgnoTestServer:
    def __init__(self, llm_base_url: str):
        self.port = free_port()
        self.run_headers: list[dict[str, str]] = []

        def model() -> OpenAIChat:
            return OpenAIChat(id="mock-model", base_url=llm_base_url, api_key="test-key")

        db = InMemoryDb()
        agent = Agent(id="echo-agent", name="Echo agent", model=model(), db=db, markdown=False)
        member = Agent(id="helper-agent", name="Helper", model=model(), db=db)
        team = Team(id="echo-team", name="Echo team", members=[member], model=model(), db=db)
        self.app = AgentOS(agents=[agent], teams=[team], telemetry=False).get_app()

        @self.app.middleware("http")
        async def record(request: Any, call_next: Any) -> Any:
            if request.url.path.endswith("/runs"):
                self.run_headers.append({k.lower(): v for k, v in request.headers.items()})
            return await call_next(request)

        self._server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AgnoTestServer:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the Agno AgentOS did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
