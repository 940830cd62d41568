"""Embeddings from an OpenAI-compatible ``/embeddings`` endpoint (an admin-registered embedding model).

Used instead of the in-process model when an admin has registered an embedding model in the LLM
registry — typically a multilingual one, which lifts the in-process model's English-only limit.
The caller passes an ``httpx.Client``: in the platform that is the guarded outbound client (allow-list,
timeouts), in tests one with ``httpx.MockTransport``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # httpx is imported when a client is made: most ranking requests never use this module
    import httpx

    from a2g.ranking.embedder import TextEmbedder
    from a2g.ranking.ports import EmbeddingEndpoint

__all__ = ["EmbeddingServiceError", "OpenAIEmbeddingClient", "remote_embedder"]


class EmbeddingServiceError(RuntimeError):
    """The embedding endpoint failed or answered something unusable (the service maps it to 502)."""


class OpenAIEmbeddingClient:
    """:class:`~a2g.ranking.embedder.TextEmbedder` over ``POST {base_url}/embeddings``.

    Inputs are sent in batches of ``batch_size`` (OpenAI accepts up to 2,048 per call; smaller batches
    keep one slow call short). Rows come back L2-normalised, whatever the endpoint returns, because the
    ranker treats dot products as cosines.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        batch_size: int = 256,
    ) -> None:
        self._url = base_url.rstrip("/") + "/embeddings"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        if client is None:
            import httpx

            client = httpx.Client(timeout=timeout)
        self._client = client
        self._batch_size = batch_size
        self.dimension: int | None = None

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension or 0), dtype=np.float32)
        rows: list[np.ndarray] = []
        for start in range(0, len(texts), self._batch_size):
            rows.append(self._embed_batch(texts[start : start + self._batch_size]))
        matrix = np.vstack(rows).astype(np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        result: np.ndarray = matrix / np.maximum(norms, 1e-12)
        self.dimension = int(result.shape[1])
        return result

    def _embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        # Empty strings are rejected by some servers; a single space embeds as "nothing" everywhere.
        payload = {"model": self._model, "input": [t if t.strip() else " " for t in texts]}
        import httpx  # loaded by now: the platform's guarded client and tests' clients are httpx's

        try:
            response = self._client.post(self._url, json=payload, headers=self._headers)
        except httpx.HTTPError as error:
            raise EmbeddingServiceError(f"embedding request failed: {type(error).__name__}") from error
        if response.status_code != 200:
            raise EmbeddingServiceError(f"embedding endpoint answered {response.status_code}")
        try:
            data = response.json()["data"]
            ordered = sorted(data, key=lambda item: item.get("index", 0))
            matrix = np.asarray([item["embedding"] for item in ordered], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as error:
            raise EmbeddingServiceError("embedding endpoint answered an unexpected body") from error
        if matrix.ndim != 2 or matrix.shape[0] != len(texts) or not np.all(np.isfinite(matrix)):
            raise EmbeddingServiceError("embedding endpoint answered the wrong number or shape of vectors")
        return matrix


class _GuardedEmbeddingHttp:
    """The ``post`` the engine's OpenAI client needs, made through the platform's guarded outbound client
    (destination policy, timeouts). Embedding answers are large (a 1,536-wide vector is ~30 KB of JSON),
    so the size cap is raised for this use."""

    _MAX_BYTES = 32 * 1024 * 1024

    def __init__(self, outbound: Any, timeout_seconds: float) -> None:
        self._outbound = outbound
        self._timeout = timeout_seconds

    def post(self, url: str, *, json: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self._outbound.request(
            "POST",
            url,
            json=json,
            headers=headers,
            total_timeout=self._timeout,
            read_timeout=self._timeout,
            max_bytes=self._MAX_BYTES,
            follow_redirects=False,
        )


_REMOTE_TIMEOUT_SECONDS = 5.0  # one request waits at most this long before falling back
_REMOTE_BATCH = 64


def remote_embedder(endpoint: EmbeddingEndpoint, outbound: Any = None) -> TextEmbedder:
    """The engine's OpenAI-compatible client for `endpoint`, through `outbound` (an
    :class:`a2g.adapters.outbound.OutboundClient`; the process-wide one by default)."""
    from a2g.adapters.outbound import OutboundClient

    timeout = min(endpoint.timeout_seconds, _REMOTE_TIMEOUT_SECONDS)
    http = _GuardedEmbeddingHttp(outbound or OutboundClient.shared(), timeout)
    return OpenAIEmbeddingClient(
        endpoint.base_url,
        endpoint.api_key,
        endpoint.model,
        client=http,  # type: ignore[arg-type]
        batch_size=_REMOTE_BATCH,
    )
