"""History signals: what the caller, their colleagues and everyone use, as scores per catalogue row.

``personal = own + co-usage + content neighbour + team + global`` (weights in :class:`RankingParams`):

* **own** — log(1 + uses) decayed with a half-life since the last use, scaled by the user's maximum;
* **co-usage** ("people who use X also use Y") — item–item cosine over who uses what
  (:func:`co_usage_from`), summed over the caller's agents weighted by their own strength; this is the
  signal that finds the next agent of a workflow (booking → travel policy → expense report);
* **content neighbour** — the best embedding similarity to an agent the caller uses, above the
  catalogue's median similarity to it (cold start for a NEW agent, which nobody has used yet);
* **team** and **global** — log-scaled popularity (the service passes recency-weighted counts),
  which is all a NEW user has.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["HistoryParts", "co_usage_from", "history_parts", "log_scaled"]

_SECONDS_PER_DAY = 86_400.0


@dataclass
class HistoryParts:
    """Per-row contributions (already weighted) and what the reasons need."""

    own: np.ndarray
    co_usage: np.ndarray
    co_usage_of: np.ndarray  # row of the caller's agent that contributed most (-1: none)
    neighbour: np.ndarray
    neighbour_of: np.ndarray
    neighbour_cosine: np.ndarray  # raw cosine to that agent
    team: np.ndarray
    overall: np.ndarray
    uses: np.ndarray

    @property
    def total(self) -> np.ndarray:
        result: np.ndarray = (self.own + self.co_usage + self.neighbour + self.team + self.overall).astype(
            np.float32
        )
        return result


def co_usage_from(
    uses_by_user: Mapping[str, Mapping[str, float]], *, shrinkage: float = 2.0, keep: int = 20
) -> dict[str, dict[str, float]]:
    """Item–item similarity from who uses what: ``|U_i ∩ U_j| / (sqrt(|U_i| |U_j|) + shrinkage)``.

    ``uses_by_user`` maps a user to the agents they use (values > 0 count as "uses"). The shrinkage keeps
    two agents shared by one user from looking as related as two shared by twenty. Only each agent's
    ``keep`` most similar neighbours are kept, so the map stays small."""
    users_of: dict[str, set[str]] = {}
    for user, agents in uses_by_user.items():
        for agent, count in agents.items():
            if count > 0:
                users_of.setdefault(agent, set()).add(user)
    result: dict[str, dict[str, float]] = {}
    items = list(users_of)
    for i, a in enumerate(items):
        ua = users_of[a]
        row: dict[str, float] = {}
        for b in items:
            if b == a:
                continue
            shared = len(ua & users_of[b])
            if shared:
                row[b] = shared / (math.sqrt(len(ua) * len(users_of[b])) + shrinkage)
        if row:
            result[a] = dict(sorted(row.items(), key=lambda kv: -kv[1])[:keep])
        del i
    return result


def log_scaled(ids: Sequence[str], counts: Mapping[str, float]) -> np.ndarray:
    """log(1 + count) / log(1 + max count): one very popular agent must not flatten all the others."""
    if not counts:
        return np.zeros(len(ids), dtype=np.float32)
    raw = np.fromiter((counts.get(i, 0) for i in ids), dtype=np.float64, count=len(ids))
    values = np.log1p(np.maximum(raw, 0.0)).astype(np.float32)
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else values


def history_parts(
    *,
    ids: Sequence[str],
    position: Mapping[str, int],
    embeddings: np.ndarray,
    history: Sequence[tuple[str, int, float]],
    now: float,
    team_popularity: Mapping[str, float],
    global_popularity: Mapping[str, float],
    co_usage: Mapping[str, Mapping[str, float]] | None,
    half_life_days: float,
    own_weight: float,
    co_usage_weight: float,
    neighbour_weight: float,
    team_weight: float,
    global_weight: float,
) -> HistoryParts:
    """The weighted parts; ``history`` is (agent id, uses, last used epoch) of the caller."""
    n = len(ids)
    own = np.zeros(n, dtype=np.float32)
    uses = np.zeros(n, dtype=np.int64)
    used_rows: list[int] = []
    used_weights: list[float] = []
    strength_of: dict[str, float] = {}
    for agent_id, count, last_used in history:
        if count <= 0:
            continue
        age_days = max(0.0, now - last_used) / _SECONDS_PER_DAY
        strength = math.log1p(count) * 0.5 ** (age_days / half_life_days)
        strength_of[agent_id] = max(strength_of.get(agent_id, 0.0), strength)
        row = position.get(agent_id)
        if row is not None:
            own[row] = max(own[row], strength)
            uses[row] = max(uses[row], count)
            used_rows.append(row)
            used_weights.append(strength)
    top_strength = max(strength_of.values(), default=0.0)
    if top_strength > 0:
        own /= top_strength

    co = np.zeros(n, dtype=np.float32)
    co_of = np.full(n, -1, dtype=np.int64)
    if co_usage and strength_of:
        best = np.zeros(n, dtype=np.float32)
        for source, strength in strength_of.items():
            source_row = position.get(source, -1)
            weight = strength / top_strength
            for target, similarity in co_usage.get(source, {}).items():
                row = position.get(target)
                if row is None:
                    continue
                contribution = weight * similarity
                co[row] += contribution
                if contribution > best[row]:
                    best[row], co_of[row] = contribution, source_row
        top = float(co.max())
        if top > 0:
            co /= top

    neighbour = np.zeros(n, dtype=np.float32)
    neighbour_of = np.full(n, -1, dtype=np.int64)
    neighbour_cosine = np.zeros(n, dtype=np.float32)
    if used_rows and n > 1:
        similarities = embeddings[used_rows] @ embeddings.T  # (k, n)
        raw = similarities.copy()
        for i, row in enumerate(used_rows):
            similarities[i, row] = np.nan  # an agent is not its own neighbour
        baseline = np.nanmedian(similarities, axis=1, keepdims=True)
        lifted = np.clip((similarities - baseline) / np.maximum(1.0 - baseline, 1e-6), 0.0, 1.0)
        lifted = np.nan_to_num(lifted, nan=0.0)
        lifted *= (np.asarray(used_weights, dtype=np.float32) / top_strength)[:, None]
        best_rows = lifted.argmax(axis=0)
        neighbour = lifted[best_rows, np.arange(n)].astype(np.float32)
        neighbour_of = np.asarray([used_rows[b] for b in best_rows], dtype=np.int64)
        neighbour_cosine = raw[best_rows, np.arange(n)].astype(np.float32)

    return HistoryParts(
        own=own_weight * own,
        co_usage=co_usage_weight * co,
        co_usage_of=co_of,
        neighbour=neighbour_weight * neighbour,
        neighbour_of=neighbour_of,
        neighbour_cosine=neighbour_cosine,
        team=team_weight * log_scaled(ids, team_popularity),
        overall=global_weight * log_scaled(ids, global_popularity),
        uses=uses,
    )
