"""How a run can fail, in words a chat user understands. All are a2g.errors types, so an HTTP caller
would map them to 502 / 504 like any other upstream failure."""

from __future__ import annotations

from a2g.errors import UpstreamFailed, UpstreamTimeout


class AgentUnavailable(UpstreamFailed):
    """The agent could not be reached or answered with an HTTP error."""

    code = "agent_unavailable"


class AgentTimedOut(UpstreamTimeout):
    """The agent stayed silent for too long, or the whole run took longer than allowed."""

    code = "agent_timeout"


class AgentProtocolError(UpstreamFailed):
    """The agent answered something its framework's protocol does not allow."""

    code = "agent_protocol_error"


class AgentRunFailed(UpstreamFailed):
    """The agent itself reported an error (a failed task, a run error event)."""

    code = "agent_error"


class AgentMisconfigured(UpstreamFailed):
    """The registered endpoint lacks what the framework needs (e.g. no Agno agent or team id)."""

    code = "agent_misconfigured"
