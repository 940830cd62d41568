"""Run by an interpreter that has a2a-sdk 0.3 (not this project's venv, which has 1.x: one `a2a` package per
environment): `python a2a03_client.py <gateway url> <api key> <text>` prints what the 0.3 client saw as JSON.

Used by test_gateway_e2e.py (its `a2a03_python` fixture makes that interpreter once with uv)."""

import asyncio
import json
import sys

import httpx
from a2a.client import ClientConfig, ClientFactory
from a2a.types import Message, Part, Role, TaskQueryParams, TextPart


async def main(url: str, key: str, text: str) -> None:
    async with httpx.AsyncClient(headers={"authorization": f"Bearer {key}"}, timeout=60) as http:
        client = await ClientFactory.connect(url, client_config=ClientConfig(streaming=True, httpx_client=http),
                                             relative_card_path="/.well-known/agent-card.json")
        message = Message(role=Role.user, parts=[Part(root=TextPart(text=text))], message_id="m-03")
        task = None
        async for event in client.send_message(message):
            task = event[0] if isinstance(event, tuple) else None
        assert task is not None
        again = await client.get_task(TaskQueryParams(id=task.id))
        answer = "".join(p.root.text for a in (task.artifacts or []) for p in a.parts if hasattr(p.root, "text"))
        print(json.dumps({"state": task.status.state.value, "context_id": task.context_id, "answer": answer,
                          "got_state": again.status.state.value}))


asyncio.run(main(*sys.argv[1:4]))
