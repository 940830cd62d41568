"""Operation mode's catalogue: published agents ranked for the caller.

GET /api/agents/ranked?q=&limit=   PRODUCTION agents ordered by fit to the requirement `q` (when given) and
                                   the caller's usage history, each with a score and a short reason
                                   (docs/ranking.md)
"""

from __future__ import annotations

from typing import Any

from a2g.http import ApprovedPrincipal, create_app, lambda_handler_for
from a2g.ranking.schemas import RankedAgents
from a2g.ranking.service import ranking_service, warm_before_snapshot
from fastapi import Query

app = create_app("ranking")
ranking = ranking_service()  # built once per function instance; the models load on first use
warm_before_snapshot(ranking)  # ... or, where SnapStart snapshots this function, before the snapshot


@app.get("/api/agents/ranked", response_model=RankedAgents, summary="Published agents ranked for me")
def ranked_agents(
    principal: ApprovedPrincipal,
    q: str | None = Query(None, description="What the user needs, in any language (at most 500 characters)"),
    limit: int | None = Query(None, description="How many agents (1-100, default 20)"),
) -> dict[str, Any]:
    return ranking.ranked(principal, q, limit)


handler = lambda_handler_for(app)
