"""An agent developer's flow from code, with the synchronous client.

    export A2G_PLATFORM_URL=http://127.0.0.1:3000 A2G_API_KEY=a2g_sk_...
    python developer_flow.py http://127.0.0.1:9999/        # the URL of your running A2A agent

Registers the agent from its card, updates its description, starts a chat session, streams one answer,
prints the session trace's LLM calls (those the agent made through its log-proxy base URL while it ran),
and publishes the agent.
"""

from __future__ import annotations

import sys
import time

from a2g_sdk import A2GError, Client, TraceEntry


def main(agent_url: str, message: str = "hello from the SDK") -> int:
    try:
        with Client() as a2g:
            registered = a2g.register(card_url=agent_url, color="#0EA5E9")
            print(f"{'registered' if registered.get('created') else 'updated'} {registered['id']}")
            print(f"the agent's LLM base URL: {registered.get('log_proxy_base_url')}")
            agent = a2g.update_agent(registered["id"], description="Answers what its model says")
            print(f"version {agent['version']}: {agent.get('description')}")

            session = a2g.start_session(agent["id"], title="from the SDK")
            print(f"session {session['session_id']}, trace {session['trace_id']}")
            for event in a2g.invoke(session["session_id"], message):
                if event.get("type") == "chunk":
                    print(event.get("delta", ""), end="", flush=True)
                elif event.get("type") == "error":
                    print(f"\nthe agent failed: {event.get('error')}")
                    return 1
            print()

            entries: list[TraceEntry] = []
            deadline = time.monotonic() + 10  # an entry is stored just after the LLM has answered
            while not entries and time.monotonic() < deadline:
                entries = a2g.trace(session["trace_id"])["items"]
                time.sleep(0.2)
            for entry in entries:
                print(f"LLM call {entry['entry_id']}: {entry.get('model')} {entry['status']} "
                      f"in {entry.get('latency_ms')} ms")

            published = a2g.publish(agent["id"])
            print(f"{published['name']} is {published['status']}")
    except A2GError as exc:
        print(f"failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]) if len(sys.argv) > 1 else main("http://127.0.0.1:9999/"))
