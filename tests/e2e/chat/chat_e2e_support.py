"""What the playground e2e tests share: registering agents, a WebSocket chat client, presigned uploads."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect


@dataclass
class Run:
    """Everything one `invoke` pushed, in order."""

    pushes: list[dict[str, Any]] = field(default_factory=list)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [p for p in self.pushes if p.get("type") == kind]

    @property
    def streamed(self) -> str:
        return "".join(p["delta"] for p in self.of("chunk"))

    @property
    def final(self) -> dict[str, Any]:
        return self.pushes[-1]


def create_agent(user: Any, name: str, framework: str, endpoint: dict[str, Any]) -> dict[str, Any]:
    response = user.post("/api/my-agents", json={"name": name, "description": f"{name} for the chat e2e tests",
                                                 "framework": framework, "endpoint": endpoint})  # fmt: skip
    assert response.status_code == 201, response.text
    return dict(response.json())


class ChatSocket:
    """A browser's WebSocket to the platform: send `invoke`, read pushes until the run ends."""

    def __init__(self, ws_url: str):
        self.connection: ClientConnection = connect(ws_url, open_timeout=30, max_size=2**22)

    def invoke(self, session_id: str, message: str, attachments: list[str] | None = None,
               timeout: float = 120.0, **extra: Any) -> Run:  # fmt: skip
        self.send_invoke(session_id, message, attachments, **extra)
        return self.read_run(timeout)

    def send_invoke(
        self, session_id: str, message: str, attachments: list[str] | None = None, **extra: Any
    ) -> None:
        self.connection.send(json.dumps({"action": "invoke", "session_id": session_id, "message": message,
                                         "attachments": attachments or [], **extra}))  # fmt: skip

    def read_run(self, timeout: float = 120.0) -> Run:
        run = Run()
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"the run did not end in {timeout} s; pushes: {run.pushes}")
            push = json.loads(self.connection.recv(timeout=remaining))
            run.pushes.append(push)
            if push.get("type") in ("message", "error"):
                return run

    def close(self) -> None:
        self.connection.close()


def upload(user: Any, session_id: str, file_name: str, content_type: str, data: bytes) -> dict[str, Any]:
    """What the browser does: ask for a presigned POST, then POST the bytes straight to S3."""
    created = user.post("/api/files", json={"session_id": session_id, "file_name": file_name,
                                            "content_type": content_type, "size": len(data)})  # fmt: skip
    assert created.status_code == 201, created.text
    body = created.json()
    post = body["upload"]
    sent = httpx.post(
        post["url"], data=post["fields"], files={"file": (file_name, data, content_type)}, timeout=30
    )
    assert sent.status_code in (200, 201, 204), sent.text
    return dict(body["file"])


def wait_for_messages(user: Any, session_id: str, count: int, timeout: float = 60.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        response = user.get(f"/api/sessions/{session_id}/messages")
        assert response.status_code == 200, response.text
        items = list(response.json()["items"])
        if len(items) >= count or time.monotonic() > deadline:
            return items
        time.sleep(0.2)
