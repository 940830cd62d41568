"""Why an agent ranks where it does: reason codes with parameters, worded by the app in each language.

Every result carries ``reasons`` — the strongest first — each a :class:`Reason` ``(code, params)``:

=====================  ==========================================  =============================================
code                   params                                      meaning
=====================  ==========================================  =============================================
``matches_skills``     ``skills``: list of skill names (≤ 3)       the request's words match these skills
``matches_words``      ``words``: list of the request's words      the request's words occur in the agent
``close_in_meaning``   –                                           the embedding similarity is above the
                                                                   calibrated "good match" threshold
``weak_match``         –                                           ranked for completeness: below it
``you_use_often``      ``uses``: int                               the caller used it 3 times or more
``you_used_recently``  ``uses``: int                               the caller used it lately
``used_with``          ``agent_id``, ``agent_name``                people who use that agent (which the caller
                                                                   uses) also use this one
``similar_to``         ``agent_id``, ``agent_name``                its description is really similar (cosine
                                                                   above :data:`SIMILAR_TO_MIN`) to an agent
                                                                   the caller uses
``popular_in_team``    –                                           used a lot in the caller's team lately
``popular``            –                                           used a lot by everyone lately
``in_catalogue``       –                                           nothing more to say (no request, no history)
=====================  ==========================================  =============================================

The relevance codes come first when there is a request; a personal code may follow. The match level
(:data:`MATCH_GOOD` / :data:`MATCH_PARTIAL` / :data:`MATCH_NONE`) says whether the agent fits the
request at all (``AgentRanker._match_levels``); the service answers the best level over the results as
``match``, and on ``"none"`` the app shows "no good match".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

__all__ = [
    "CODES",
    "MATCH_GOOD",
    "MATCH_NONE",
    "MATCH_PARTIAL",
    "SIMILAR_TO_MIN",
    "Reason",
    "ReasonCode",
    "describe",
]

MATCH_GOOD = "good"
MATCH_PARTIAL = "partial"
MATCH_NONE = "none"

SIMILAR_TO_MIN = 0.75
"""Cosine between two agents' vectors (the mean of both models' cosines with the bilingual embedder)
above which "similar to X" is said. On the enterprise development set (bench "match calibration") pairs
its authors marked as related (``near``) have a median of 0.57, yet random pairs have a median of 0.51,
a 95th percentile of 0.69 and a 99th of 0.79: below ~0.75 the models' similarity between two agents does
not say they are alike, so the reason is kept for near-duplicates and close variants."""

ReasonCode = Literal[
    "matches_skills",
    "matches_words",
    "close_in_meaning",
    "weak_match",
    "you_use_often",
    "you_used_recently",
    "used_with",
    "similar_to",
    "popular_in_team",
    "popular",
    "in_catalogue",
]
"""The one list of reason codes: the response model (``schemas.py``) types ``code`` with it, so the API
documents exactly what the engine emits. It lives here, not in ``schemas.py``, because the engine imports
this module and must not pull in pydantic and the registry's schemas on a cold start."""

CODES: tuple[str, ...] = get_args(ReasonCode)


@dataclass(frozen=True)
class Reason:
    """One reason: a code of :data:`CODES` and its parameters (JSON-ready values)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


_ENGLISH = {
    "matches_skills": "matches: {skills}",
    "matches_words": "matches: {words}",
    "close_in_meaning": "close in meaning to your request",
    "weak_match": "weak match",
    "you_use_often": "you use this often",
    "you_used_recently": "you used this recently",
    "used_with": "people who use {agent_name} also use this",
    "similar_to": "similar to {agent_name}, which you use",
    "popular_in_team": "popular in your team",
    "popular": "popular",
    "in_catalogue": "in the catalogue",
}


def describe(reasons: list[Reason]) -> str:
    """English wording, for logs and the benchmark (the app words the codes itself)."""
    parts = []
    for reason in reasons:
        params = {k: ", ".join(map(str, v)) if isinstance(v, list) else v for k, v in reason.params.items()}
        parts.append(_ENGLISH.get(reason.code, reason.code).format(**params))
    return "; ".join(parts)
