"""Live tracing: every LLM call an agent makes through the log-proxy becomes a trace entry, pushed live.

How a call finds its trace (the design decision, explained in docs/tracing.md):
- Every agent has one stable **agent trace** (kind "agent"); its developer pastes
  `<platform>/api/log-proxy/<agent trace id>/v1` into the agent once, with their platform API key.
- Every chat session has its own **session trace** (kind "session").
- While the platform's chat invokes an agent, the chat marks the run active on the agent trace; entries written
  meanwhile are tagged with that session and also written to, and pushed on, the session trace.
- Calls from the developer's own terminal land in the agent trace, untagged.
- The log-proxy refuses a trace whose owner is not the API key's user, so nobody writes into another's trace.

API for other domains (stable):

    from a2g.tracing.repository import TraceRepository
    traces = TraceRepository()
    trace_id = traces.create_trace(owner_user_id, "agent", agent_id=agent_id)        # agent registry
    trace_id = traces.create_trace(owner_user_id, "session", agent_id=a, session_id=s)  # playground
    meta = traces.get_trace(trace_id)              # TraceMeta | None (owner_user_id, kind, agent_id, ...)
    traces.delete_trace(trace_id)                  # META, runs and entries (agent or session deleted)

    from a2g.tracing.service import build_trace_service
    tracing = build_trace_service()
    tracing.mark_run_active(agent_trace_id, session_id, ttl_s=300, session_trace_id=..., user_id=...)
    tracing.mark_run_done(agent_trace_id, session_id)

`mark_run_active` only tags when the session's user owns the agent trace (a developer testing their own
agent); a published agent chatted with by someone else keeps its calls in its developer's trace only.
"""
