"""What the gateway learns from a passed-through A2A run, and how the agent's context id is shown."""

from __future__ import annotations

from a2g.gateway.passthrough import Observer, _rewrite_context
from a2g.gateway.protocol import artifact_update, status_update, to_v1
from a2g.gateway.service import Outcome


def test_the_observer_follows_a_v1_stream_to_its_answer_and_state() -> None:
    outcome = Outcome()
    observer = Observer(outcome)
    at = "2026-12-02T00:00:00.000Z"
    events = [
        {"task": {"id": "t1", "contextId": "c1", "status": {"state": "TASK_STATE_SUBMITTED"}}},
        to_v1(status_update("t1", "c1", "working", at, final=False)),
        to_v1(artifact_update("t1", "c1", "echo: ", append=False, last=False)),
        to_v1(artifact_update("t1", "c1", "hi", append=True, last=True)),
        to_v1(status_update("t1", "c1", "completed", at, final=True)),
    ]
    for event in events:
        observer.see(event)
    assert (outcome.task_id, outcome.state, outcome.answer, outcome.error) == ("t1", "completed", "echo: hi", None)


def test_a_failed_status_message_is_the_error() -> None:
    outcome = Outcome()
    Observer(outcome).see({"kind": "status-update", "taskId": "t2", "contextId": "c", "final": True,
                           "status": {"state": "failed", "message": {"kind": "message", "role": "agent",
                                                                     "parts": [{"kind": "text", "text": "boom"}]}}})
    assert (outcome.state, outcome.error) == ("failed", "boom")


def test_the_agents_own_context_id_is_shown_as_the_session() -> None:
    result = {"kind": "task", "id": "t", "contextId": "agent-ctx",
              "history": [{"kind": "message", "contextId": "agent-ctx", "parts": []}]}
    shown = _rewrite_context(result, "agent-ctx", "ses_1")
    assert shown["contextId"] == "ses_1" and shown["history"][0]["contextId"] == "ses_1"
    assert _rewrite_context(result, None, "ses_1") is result  # nothing remembered: nothing to map
