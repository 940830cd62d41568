"""Intelligent agent ranking: a pure library (no AWS, no I/O besides reading its model files).

It orders the PRODUCTION catalogue for one user by how well each agent fits a typed requirement —
semantic embeddings fused with BM25 — and by the user's usage history, and says why for each agent.

Public interface
----------------
::

    AgentDocument(agent_id, name, description, skills, embedding=None, team=None)
        skills: list[(name, description, tags)]; embedding: np.ndarray of agent_text(...) or None
    UsageSignal(agent_id, uses, last_used_epoch)          # the calling user's own usage
    RankedAgent(agent_id, score, reasons, match)          # reasons: (Reason(code, params), ...), strongest
                                                          # first; match "good"/"partial"/"none" (None: no q)
    Reason(code, params) / CODES                          # a2g.ranking.reasons: the codes the app words
    co_usage_from(uses_by_user) -> {agent: {agent: sim}}  # a2g.ranking.history: item–item co-usage

    TextEmbedder                                          # Protocol: embed(texts) -> (n, d) rows L2-normalised
    default_embedder() -> TextEmbedder                    # in-process, cached, lazy: all-MiniLM-L6-v2 (English)
                                                          # ⊕ multilingual-e5-small (Korean, mixed), 768-d
    OpenAIEmbeddingClient(base_url, api_key, model, client=None)   # admin-registered model, same Protocol
    agent_text(name, description, skills) -> str          # the text an agent is embedded from
    encode_embedding(vec) -> bytes / decode_embedding(b) -> np.ndarray   # int8, 389 bytes for 384-d

    MAX_QUERY_CHARS                                       # longer q -> ValueError (service: 400)
    AgentRanker(embedder, clock_epoch=time.time, params=None)
        .rank(agents, query, history, team_popularity, global_popularity,
              agent_names=None, limit=20, co_usage=None) -> list[RankedAgent]
        .update(changed_agents, removed_ids)              # keep the ranker's own catalogue in place ...
        .rank_indexed(query, history, ...)                # ... and rank it (same arguments as rank)

How a service uses it
---------------------
* On agent create/update: ``encode_embedding(embedder.embed([agent_text(name, description, skills)])[0])``
  and store the bytes with the agent (record which embedding model made them; when the model changes,
  re-embed, or pass ``embedding=None`` and the ranker embeds and caches).
* On ``GET /api/agents/ranked``: build ``AgentDocument``s with ``decode_embedding`` and call
  ``rank``; keep one ``AgentRanker`` per warm function so the catalogue index is reused.
* ``ValueError`` from ``rank`` is a 400; ``EmbeddingServiceError`` from the remote embedder is a 502.

Deployment notes: the models are ~63 MB of files in ``a2g/ranking/model`` (built by
``tools/build_ranking_model.py``); peak RSS is ~160 MB with English requests only and ~250 MB once a
Korean request has loaded multilingual-e5. Run the function with ``OPENBLAS_NUM_THREADS=1``: a 512 MB
Lambda has a fraction of one vCPU, and BLAS threads only contend there.

Ranking semantics are in :mod:`a2g.ranking.engine`, the model choice in :mod:`a2g.ranking.embedder` and
:mod:`a2g.ranking.multilingual`, tokenisation (Korean included) in :mod:`a2g.ranking.text`. The
benchmark is ``tests/bench/ranking``.
"""

from a2g.ranking.embedder import (
    MiniLMEmbedder,
    ModelNotFoundError,
    TextEmbedder,
    agent_text,
    decode_embedding,
    default_embedder,
    encode_embedding,
)
from a2g.ranking.engine import (
    MAX_QUERY_CHARS,
    AgentDocument,
    AgentRanker,
    RankedAgent,
    RankingParams,
    UsageSignal,
)
from a2g.ranking.remote import EmbeddingServiceError, OpenAIEmbeddingClient

__all__ = [
    "MAX_QUERY_CHARS",
    "AgentDocument",
    "AgentRanker",
    "EmbeddingServiceError",
    "MiniLMEmbedder",
    "ModelNotFoundError",
    "OpenAIEmbeddingClient",
    "RankedAgent",
    "RankingParams",
    "TextEmbedder",
    "UsageSignal",
    "agent_text",
    "decode_embedding",
    "default_embedder",
    "encode_embedding",
]
