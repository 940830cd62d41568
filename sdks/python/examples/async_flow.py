"""The same calls from asyncio code: list your agents, chat with the first one, read the trace.

    export A2G_PLATFORM_URL=http://127.0.0.1:3000 A2G_API_KEY=a2g_sk_...
    python async_flow.py "what can you do?"
"""

from __future__ import annotations

import asyncio
import sys

from a2g_sdk import AsyncClient, ChatMessage, NotFound, RunFailed


async def main(message: str) -> int:
    async with AsyncClient() as a2g:
        me = await a2g.me()
        page = await a2g.list_agents(limit=10)
        if not page["items"]:
            print(f"{me.get('user_id')} has no agents yet")
            return 1
        agent = page["items"][0]
        session = await a2g.start_session(agent["id"], reuse_latest=True)
        try:
            answer: ChatMessage = await a2g.chat(session["session_id"], message)
        except RunFailed as exc:
            print(f"{agent['name']} failed: {exc.message}")
            return 1
        except NotFound:
            print("the session is gone")
            return 1
        print(f"{agent['name']}: {answer['content']}")
        async for entry in a2g.iter_trace(session["trace_id"]):
            print(entry["at"], entry.get("model"), entry["status"])
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "hello")))
