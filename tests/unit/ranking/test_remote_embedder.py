"""OpenAIEmbeddingClient against an httpx.MockTransport."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest
from a2g.ranking import AgentRanker, EmbeddingServiceError, OpenAIEmbeddingClient, TextEmbedder


def vectors_for(texts: list[str]) -> list[list[float]]:
    return [[float(len(t)), 1.0, 0.0] for t in texts]


def client_with(handler) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_posts_openai_embeddings_request_and_normalises() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = json.loads(request.content)
        data = [{"index": i, "embedding": v} for i, v in enumerate(vectors_for(body["input"]))]
        return httpx.Response(200, json={"data": list(reversed(data)), "model": body["model"]})

    embedder = OpenAIEmbeddingClient(
        "https://llm.example/v1/", "sk-test", "emb-3", client=client_with(handler)
    )
    assert isinstance(embedder, TextEmbedder)
    result = embedder.embed(["abc", "a"])
    request = seen[0]
    assert request.method == "POST" and str(request.url) == "https://llm.example/v1/embeddings"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert json.loads(request.content) == {"model": "emb-3", "input": ["abc", "a"]}
    expected = np.array(vectors_for(["abc", "a"]), dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert np.allclose(result, expected)  # reordered by "index" and L2-normalised
    assert embedder.dimension == 3


def test_batches_large_inputs() -> None:
    sizes: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        inputs = json.loads(request.content)["input"]
        sizes.append(len(inputs))
        return httpx.Response(
            200, json={"data": [{"index": i, "embedding": v} for i, v in enumerate(vectors_for(inputs))]}
        )

    embedder = OpenAIEmbeddingClient("http://x", None, "m", client=client_with(handler), batch_size=2)
    assert embedder.embed(["a", "bb", "ccc", "dddd", "e"]).shape == (5, 3)
    assert sizes == [2, 2, 1]


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(500, json={"error": {"message": "boom"}}),
        httpx.Response(200, json={"unexpected": True}),
        httpx.Response(
            200, json={"data": [{"index": 0, "embedding": [1.0, 2.0]}]}
        ),  # one vector for two texts
        httpx.Response(200, text="not json"),
    ],
)
def test_bad_answers_raise_embedding_service_error(response: httpx.Response) -> None:
    embedder = OpenAIEmbeddingClient("http://x", "k", "m", client=client_with(lambda request: response))
    with pytest.raises(EmbeddingServiceError):
        embedder.embed(["a", "b"])


def test_transport_failure_raises_embedding_service_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    embedder = OpenAIEmbeddingClient("http://x", "k", "m", client=client_with(handler))
    with pytest.raises(EmbeddingServiceError):
        embedder.embed(["a"])


def test_ranker_runs_on_the_remote_embedder() -> None:
    from a2g.ranking import AgentDocument

    def handler(request: httpx.Request) -> httpx.Response:
        inputs = json.loads(request.content)["input"]
        # a toy "model": weather texts point one way, everything else another
        data = [
            {"index": i, "embedding": [1.0, 0.0] if "weather" in t.lower() or "비" in t else [0.0, 1.0]}
            for i, t in enumerate(inputs)
        ]
        return httpx.Response(200, json={"data": data})

    embedder = OpenAIEmbeddingClient("http://x", "k", "m", client=client_with(handler))
    agents = [
        AgentDocument("r", "Recipes", "Cooking tips", []),
        AgentDocument("w", "Weather", "Forecasts", []),
    ]
    results = AgentRanker(embedder).rank(agents, "내일 비 와?", [], {}, {})
    assert results[0].agent_id == "w"
