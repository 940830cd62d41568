"""What the web app's playground does, from code: attach a file, watch the trace live, Stop a run after a few
pieces and keep what streamed, then Regenerate the last turn (`replaces`).

    export A2G_PLATFORM_URL=http://127.0.0.1:3000 A2G_API_KEY=a2g_sk_...
    python stop_and_redo.py agt_... notes.txt
"""

from __future__ import annotations

import sys
import threading

from a2g_sdk import Client, Conflict, RunEvent


def main(agent_id: str, attachment: str) -> int:
    with Client() as a2g:
        session = a2g.start_session(agent_id, title="from stop_and_redo.py")
        sid = session["session_id"]
        notes = a2g.upload_file(sid, attachment)  # a path: its name and type come from it
        print(f"attached {notes['file_name']} ({notes['content_type']}, {notes['size']} bytes)")

        def watch() -> None:  # the trace panel: every LLM call of this chat, live
            for push in a2g.watch_trace(session["trace_id"]):
                if push["type"] == "trace.entry":
                    entry = push["entry"]
                    print(f"\n[trace] {entry.get('model')} {entry['status']} in {entry.get('latency_ms')} ms")

        threading.Thread(target=watch, daemon=True).start()

        pieces = 0
        last: RunEvent | None = None
        for event in a2g.invoke(sid, "Summarise the attached notes", attachments=[notes["file_id"]]):
            last = event
            if event["type"] == "chunk":
                print(event.get("delta", ""), end="", flush=True)
                pieces += 1
                if pieces == 3:  # Stop: the run ends with what streamed so far, saved as `stopped`
                    a2g.cancel(sid, request_id=event["request_id"])
        answer = last["message"] if last else None
        print(f"\n-> {answer['status'] if answer else 'no answer'}")

        question = a2g.list_messages(sid)["items"][0]
        redone = a2g.chat(sid, question["content"], attachments=[notes["file_id"]],
                          replaces=question["message_id"])  # Regenerate: the old turn is replaced
        print(f"regenerated: {redone['content'][:80]}")
        try:
            a2g.chat(sid, "again", replaces=question["message_id"])  # that question is gone now
        except Conflict as exc:
            print(f"a stale replace is refused: {exc.code}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: stop_and_redo.py <agent id> <file to attach>", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
