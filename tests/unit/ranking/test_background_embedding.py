"""Agents without a vector of the in-process model (just created or edited) are embedded after the response,
on the service's background executor — never inside a request — and rank by their words until then.

The executor here runs its jobs only when the test says so, so "not inside the request" is checked exactly."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any

import numpy as np

from tests.unit.ranking.test_ranking_service import Harness, WordHashEmbedder, entry


class ManualExecutor(concurrent.futures.Executor):
    def __init__(self) -> None:
        self.jobs: list[tuple[concurrent.futures.Future[Any], Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self.jobs.append((future, fn, args))
        return future

    def run_all(self) -> None:
        while self.jobs:
            future, fn, args = self.jobs.pop(0)
            future.set_result(fn(*args))


def _doc_vector(h: Harness, agent_id: str) -> np.ndarray:
    """The vector the service's in-process index ranks `agent_id` with."""
    local = h.service._local
    assert local is not None
    vector = local.ranker.indexed_vector(agent_id)
    assert vector is not None, f"{agent_id} is not indexed"
    return vector


def test_a_new_agent_ranks_by_words_and_is_embedded_after_the_response() -> None:
    local = WordHashEmbedder()
    background = ManualExecutor()
    h = Harness(
        [
            entry("a1", "weather forecast", vector=local.vector("weather forecast")),
            entry("a2", "translate documents"),  # saved without a vector, as the registry saves it
        ],
        local=local,
        embed_executor=background,
        lazy_embed_budget=8,
    )
    assert h.ids("translate")[0] == "a2"  # found by its words at once
    assert local.embedded == [], "the request embedded an agent"
    assert not _doc_vector(h, "a2").any()
    h.ids("translate")
    assert len(background.jobs) == 1, "a second job was queued while the first had not run"

    background.run_all()
    assert local.embedded == ["translate documents"]
    assert h.ids("translate")[0] == "a2"
    assert np.allclose(_doc_vector(h, "a2"), local.vector("translate documents"))
    assert h.store.calls["agents"] == 1  # picked up without reading the catalogue again
    assert background.jobs == []  # nothing left to embed

    # An edit (a new version without a vector): ranked by words again until the next job has run.
    h.store.entries[1] = entry("a2", "translate documents and slides", version=2)
    h.now[0] = 31.0
    h.ids("slides")
    assert local.embedded == ["translate documents"] and len(background.jobs) == 1
    background.run_all()
    h.ids("slides")
    assert local.embedded[-1] == "translate documents and slides"
    assert np.allclose(_doc_vector(h, "a2"), local.vector("translate documents and slides"))


def test_background_embedding_goes_in_batches_and_a_failure_is_retried_by_a_later_request() -> None:
    class Flaky(WordHashEmbedder):
        fail = True

        def embed(self, texts: list[str]) -> np.ndarray:
            if self.fail:
                raise RuntimeError("model file unreadable")
            return super().embed(texts)

    local = Flaky()
    background = ManualExecutor()
    h = Harness([entry(f"a{i}", f"agent number {i}") for i in range(5)], local=local,
                embed_executor=background, lazy_embed_budget=2)
    assert len(h.ids("number")) == 5
    background.run_all()  # fails: logged, nothing stored
    assert local.embedded == []
    h.now[0] = 31.0  # the next refresh finds them still without vectors and queues another job
    h.ids("number")
    local.fail = False
    background.run_all()
    assert sorted(local.embedded) == [f"agent number {i}" for i in range(5)]
    h.ids("number")
    assert all(_doc_vector(h, f"a{i}").any() for i in range(5)) and background.jobs == []


def test_a_new_instance_loads_its_model_while_the_first_catalogue_read_waits() -> None:
    import threading

    loading = threading.Event()
    calls: list[int] = []
    local = WordHashEmbedder()

    def factory() -> WordHashEmbedder:
        calls.append(1)
        loading.set()
        return local

    h = Harness([entry("a1", "weather forecast")])
    h.service._local_embedder_factory = factory
    read = h.store.production_agents

    def slow_read() -> list[Any]:
        # The read waits for storage; the model load must already be under way meanwhile.
        assert loading.wait(5), "the model was not loading while the catalogue was read"
        return read()

    h.store.production_agents = slow_read  # type: ignore[method-assign]
    assert h.ids("weather") == ["a1"]
    assert calls == [1]  # loaded once, though two threads wanted it
