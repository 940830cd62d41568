"""Schedule: writes the ranking embedding onto published agents that have none.

The registry saves agents without one (its functions do not carry the ranking model) and drops it when an
agent's name, description or skills change; this job embeds them in batches, off every request path
(a2g.ranking.embedding_writer).
"""

from __future__ import annotations

from typing import Any

from a2g.ranking.embedding_writer import embedding_writer

writer = embedding_writer()  # nothing is read or loaded until the first run


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    outcome = writer.run()
    return {"written": outcome.written, "changed": outcome.changed, "pending": outcome.pending}
