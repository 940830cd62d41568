"""Ranking over real storage: the registry's agents (with the embeddings the embedding job writes once they
are published — the registry saves them without one), the chat domain's usage and popularity rows, the LLM registry's models — read by `RankingRepository` from DynamoDB
Local and ranked by `RankingService` with the real in-process model."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from a2g.agents.model import AgentCreate, AgentPatch, AgentStatus, Endpoint, Framework, Skill
from a2g.agents.repository import AgentRepository
from a2g.agents.service import AgentService, CatalogService
from a2g.chat.repository import UsageRepository
from a2g.clock import FixedClock, iso
from a2g.errors import ValidationFailed
from a2g.identity.principal import Principal
from a2g.ranking import MAX_QUERY_CHARS, default_embedder
from a2g.ranking.embedding_writer import EmbeddingWriter
from a2g.ranking.remote import remote_embedder
from a2g.ranking.repository import RankingRepository
from a2g.ranking.service import RankingService
from a2g.ranking.text import lexical_tokens

CATALOGUE = json.loads((Path(__file__).parent / "catalogue.json").read_text(encoding="utf-8"))
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OWNER = Principal(user_id="dev-owner", role="USER", team="platform")


class _NoTraces:
    def create_trace(self, owner_user_id: str, kind: Any, agent_id: str | None = None,
                     session_id: str | None = None) -> str:
        return f"trc_{agent_id}"

    def delete_trace(self, trace_id: str) -> None:
        pass


class _AnyDestination:
    def check_destination(self, url: str) -> None:
        pass


class CountingEmbedder:
    """The real in-process model, counting how many texts it was asked to embed (requests excluded)."""

    def __init__(self) -> None:
        self.inner = default_embedder()
        self.dimension = self.inner.dimension  # type: ignore[attr-defined]
        self.model_name = type(self.inner).__name__  # the name the embedding job stores
        self.embedded: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return self.inner.embed(texts)

    def embed_query(self, text: str) -> np.ndarray:
        embed_query = getattr(self.inner, "embed_query", None)
        return embed_query(text) if callable(embed_query) else self.inner.embed([text])[0]

    def coverage(self, text: str) -> float:
        coverage = getattr(self.inner, "coverage", None)
        return float(coverage(text)) if callable(coverage) else 1.0


def _write_embeddings() -> None:
    """What the `agent_embeddings` schedule does between requests."""
    EmbeddingWriter(RankingRepository(), default_embedder).run()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def registry(ranking_ddb: str, clock: FixedClock) -> AgentService:
    """The registry's real service and repository."""
    return AgentService(AgentRepository(clock), _NoTraces(), _AnyDestination(), clock,  # type: ignore[arg-type]
                        public_url="http://platform.test")


def _create(registry: AgentService, key: str, *, publish: bool = True) -> str:
    spec = CATALOGUE[key]
    body = AgentCreate(
        name=spec["name"], description=spec["description"],
        skills=[Skill(**s) for s in spec["skills"]], framework=Framework.CUSTOM,
        endpoint=Endpoint(base_url=f"http://agents.test/{key}", custom_protocol="openai"),
    )
    agent = registry.create(OWNER, body)
    if publish:
        registry.publish(OWNER, agent.id)
        _write_embeddings()
    return agent.id


_published: dict[str, str] = {}


@pytest.fixture
def catalogue(agent_rows: Any, clock: FixedClock) -> dict[str, str]:
    """Every agent of catalogue.json, published; handle -> agent id. Published once and reused while the
    table holds exactly these agents (a test that changed the agents makes the next one publish again)."""
    if not _published or agent_rows.agent_ids() != set(_published.values()):
        agent_rows.wipe()
        registry = AgentService(AgentRepository(clock), _NoTraces(), _AnyDestination(), clock,  # type: ignore[arg-type]
                                public_url="http://platform.test")
        _published.clear()
        _published.update({key: _create(registry, key) for key in CATALOGUE if not key.startswith("_")})
    return dict(_published)


def _service(clock: FixedClock, **kwargs: Any) -> RankingService:
    kwargs.setdefault("cache_seconds", 0)
    embedder = kwargs.pop("embedder", None) or default_embedder()
    return RankingService(RankingRepository(), lambda: embedder, clock, **kwargs)


def _user(name: str, team: str = "e2e") -> Principal:
    return Principal(user_id=name, role="USER", team=team)


def _ids(answer: dict[str, Any]) -> list[str]:
    return [item["agent"]["id"] for item in answer["items"]]


def _use(user: Principal, agent_id: str, times: int, at: datetime) -> None:
    usage = UsageRepository()
    for _ in range(times):
        usage.record_use(user.user_id, agent_id, iso(at), team=user.team)


# --- what is served ---------------------------------------------------------------------------------

def test_only_published_agents_are_ranked_as_the_catalogue_shows_them(
    registry: AgentService, clock: FixedClock
) -> None:
    published = _create(registry, "translator")
    draft = _create(registry, "summarizer", publish=False)
    withdrawn = _create(registry, "weather")
    registry.withdraw(OWNER, withdrawn)
    disabled = _create(registry, "recipes")
    AgentRepository(clock).set_status(disabled, AgentStatus.DISABLED)

    answer = _service(clock).ranked(_user("reader"), None)

    assert _ids(answer) == [published]
    assert draft not in _ids(answer)
    listed = CatalogService(AgentRepository(clock), public_url="http://platform.test").list_published()
    assert answer["items"][0]["agent"] == listed["items"][0]  # the registry's own public JSON
    assert "endpoint" not in answer["items"][0]["agent"] and "trace_id" not in answer["items"][0]["agent"]
    assert isinstance(answer["items"][0]["score"], float) and answer["items"][0]["reason"]


def test_an_empty_catalogue_ranks_to_an_empty_list(ranking_ddb: str, clock: FixedClock) -> None:
    assert _service(clock).ranked(_user("reader"), "translate this") == {
        "items": [], "query": "translate this", "match": "none"  # nothing in it fits: the app's "no good match"
    }


def test_limits_and_the_query_cap_are_refused(catalogue: dict[str, str], clock: FixedClock) -> None:
    service = _service(clock)
    assert len(service.ranked(_user("reader"), None, limit=3)["items"]) == 3
    assert len(service.ranked(_user("reader"), None)["items"]) == len(catalogue)  # default 20 > 10 agents
    for bad in (0, 101):
        with pytest.raises(ValidationFailed):
            service.ranked(_user("reader"), None, limit=bad)
    with pytest.raises(ValidationFailed) as refused:
        service.ranked(_user("reader"), "x" * (MAX_QUERY_CHARS + 1))
    assert refused.value.status == 400 and refused.value.code == "validation_error"
    assert service.ranked(_user("reader"), "x" * MAX_QUERY_CHARS)["items"]  # at the cap is fine


# --- relevance ----------------------------------------------------------------------------------------

def test_the_translation_agent_is_found_for_a_spec_sheet_it_never_mentions(
    catalogue: dict[str, str], clock: FixedClock
) -> None:
    answer = _service(clock).ranked(_user("reader"), "translate my spec sheet to English")
    assert _ids(answer)[0] == catalogue["translator"]
    assert answer["items"][0]["reason"].startswith("matches")
    assert answer["query"] == "translate my spec sheet to English"


@pytest.mark.parametrize(
    ("request_text", "expected"),
    [
        ("이 문서를 영어로 번역해줘", "translator"),          # Korean: "translate this document to English"
        ("PDF 보고서 요약해줘", "summarizer"),                 # mixed: "summarize the PDF report"
        ("내일 부산 날씨 알려줘", "weather"),                  # Korean: "tomorrow's weather in Busan"
        ("python 코드 리뷰 부탁해", "code_review"),            # mixed: "please review my python code"
    ],
)
def test_korean_and_mixed_requests_find_their_agent(
    catalogue: dict[str, str], clock: FixedClock, request_text: str, expected: str
) -> None:
    answer = _service(clock).ranked(_user("reader"), request_text)
    assert catalogue[expected] in _ids(answer)[:2], [i["agent"]["name"] for i in answer["items"][:3]]


@pytest.mark.parametrize("request_text", ["ይህን ሰነድ ወደ እንግሊዝኛ ተርጉምልኝ", "🌧️☔🤔", "ᓄᓇᕗᑦ ᐅᖃᐅᓯᖅ"])
def test_a_request_in_a_language_nobody_indexed_still_ranks(
    catalogue: dict[str, str], clock: FixedClock, request_text: str
) -> None:
    answer = _service(clock).ranked(_user("reader"), request_text, limit=5)
    assert len(answer["items"]) == 5
    assert all(item["reason"] for item in answer["items"])


# --- history and popularity --------------------------------------------------------------------------

def test_history_lifts_the_neighbours_of_the_agents_a_user_uses(
    catalogue: dict[str, str], clock: FixedClock
) -> None:
    reviewer, tests = catalogue["code_review"], catalogue["unit_tests"]
    regular, newcomer = _user("regular"), _user("newcomer")
    _use(regular, reviewer, 12, NOW - timedelta(days=1))
    service = _service(clock)

    with_history = service.ranked(regular, None)
    without = service.ranked(newcomer, None)

    assert _ids(with_history)[0] == reviewer
    assert with_history["items"][0]["reason"] == "you use this often"
    assert _ids(with_history).index(tests) < _ids(without).index(tests)
    assert _ids(with_history)[1] == tests  # the reviewer's nearest neighbour comes right after it
    # Whether it may be called "similar to" the reviewer depends on a calibrated cosine threshold, checked
    # where the vectors are at hand (tests/unit/ranking/test_ranker.py::test_similar_to_is_said_only_above_…).


def test_without_history_team_popularity_comes_before_global(
    catalogue: dict[str, str], clock: FixedClock
) -> None:
    for i in range(3):
        _use(_user(f"analyst-{i}", team="data"), catalogue["sql"], 4, NOW - timedelta(days=2))
    for i in range(6):
        _use(_user(f"other-{i}", team="sales"), catalogue["weather"], 5, NOW - timedelta(days=3))

    answer = _service(clock).ranked(_user("new-analyst", team="data"), None)

    assert _ids(answer)[:2] == [catalogue["sql"], catalogue["weather"]]
    assert [i["reason"] for i in answer["items"][:2]] == ["popular in your team", "popular"]


def test_popularity_is_counted_per_month_and_team_and_old_months_fade(
    catalogue: dict[str, str], clock: FixedClock
) -> None:
    usage = UsageRepository()
    _use(_user("a", team="data"), catalogue["sql"], 2, NOW)
    _use(_user("b", team="data"), catalogue["sql"], 1, NOW - timedelta(days=31))  # October
    _use(_user("c", team="sales"), catalogue["travel"], 1, NOW - timedelta(days=95))  # August: too old

    assert usage.agent_popularity("2026-11", "data") == {catalogue["sql"]: 2}
    assert usage.agent_popularity("2026-10", "data") == {catalogue["sql"]: 1}
    assert usage.agent_popularity("2026-11") == {catalogue["sql"]: 2}

    repository = RankingRepository()
    assert repository.popularity(["2026-11", "2026-10"], "data") == {catalogue["sql"]: 3}
    assert repository.popularity(["2026-11", "2026-10"], None) == {catalogue["sql"]: 3}  # August not read
    history = {u.agent_id: u for u in repository.usage_of("a")}
    assert history[catalogue["sql"]].uses == 2
    assert history[catalogue["sql"]].last_used_epoch == NOW.timestamp()


# --- embeddings ---------------------------------------------------------------------------------------

def test_stored_embeddings_are_used_and_a_missing_one_is_computed_without_a_write(
    registry: AgentService, catalogue: dict[str, str], clock: FixedClock
) -> None:
    repo = AgentRepository(clock)
    assert all(repo.embedding_of(OWNER.user_id, a) for a in catalogue.values())  # the job stored them
    bare = registry.create(OWNER, AgentCreate(
        name="Contract Checker", description="Checks legal contracts for risky clauses.",
        framework=Framework.CUSTOM, endpoint=Endpoint(base_url="http://agents.test/c", custom_protocol="json"),
    ))
    registry.publish(OWNER, bare.id)  # saved without a vector; the job has not run yet
    counting = CountingEmbedder()

    answer = _service(clock, embedder=counting).ranked(_user("reader"), "review the risky clauses of a contract")

    assert counting.embedded == ["Contract Checker. Checks legal contracts for risky clauses."]
    assert _ids(answer)[0] == bare.id
    assert repo.embedding_of(OWNER.user_id, bare.id) is None  # nothing written on the request path


def test_the_embedding_job_writes_vectors_without_a_version_change_and_never_over_a_newer_save(
    registry: AgentService, clock: FixedClock
) -> None:
    from a2g.agents.model import AgentPatch

    agent = registry.create(OWNER, AgentCreate(
        name="Contract Checker", description="Checks legal contracts for risky clauses.",
        framework=Framework.CUSTOM, endpoint=Endpoint(base_url="http://agents.test/c", custom_protocol="json"),
    ))
    published = registry.publish(OWNER, agent.id)
    repo = AgentRepository(clock)
    assert repo.embedding_of(OWNER.user_id, agent.id) is None  # saved without one

    writer = EmbeddingWriter(RankingRepository(), default_embedder)
    entries = RankingRepository().production_agents()
    assert writer.run().written >= 1
    stored = repo.embedding_of(OWNER.user_id, agent.id)
    assert stored is not None and repo.get(agent.id).version == published.version  # type: ignore[union-attr]
    assert writer.run().written == 0  # nothing left to do

    # a PATCH of what the agent is about drops the vector; a write for the version read before is refused
    registry.patch(OWNER, agent.id, AgentPatch(version=published.version, description="Reviews NDAs."))
    assert repo.embedding_of(OWNER.user_id, agent.id) is None
    stale = next(e for e in entries if e.agent_id == agent.id)
    assert RankingRepository().save_embedding(stale, b"stale", "stale-model") is False
    assert repo.embedding_of(OWNER.user_id, agent.id) is None
    assert writer.run().written == 1 and repo.embedding_of(OWNER.user_id, agent.id) not in (None, stored)


def test_a_vector_of_another_model_is_not_mixed_in(
    registry: AgentService, clock: FixedClock
) -> None:
    agent_id = _create(registry, "translator")
    repo = AgentRepository(clock)
    stored = repo.embedding_of(OWNER.user_id, agent_id)
    repo.update(OWNER.user_id, agent_id, repo.get(agent_id).version, {}, updated_at=NOW,  # type: ignore[union-attr]
                embedding=stored, embedding_model="some-other-model")
    counting = CountingEmbedder()

    _service(clock, embedder=counting).ranked(_user("reader"), "translate")

    assert len(counting.embedded) == 1 and counting.embedded[0].startswith("Polyglot Translator")


class _CountingRepository(RankingRepository):
    """The real repository, counting full catalogue reads and incremental ones."""

    def __init__(self) -> None:
        super().__init__()
        self.full_reads = 0
        self.change_reads = 0

    def iter_production_agents(self) -> Iterator[Any]:  # what `production_agents` reads through, too
        self.full_reads += 1
        return super().iter_production_agents()

    def changes_since(self, updated_after: str) -> list[Any]:
        self.change_reads += 1
        return super().changes_since(updated_after)


def test_agent_writes_are_visible_on_the_next_request_without_a_full_re_read(
    registry: AgentService, clock: FixedClock
) -> None:
    first = _create(registry, "translator")
    second = _create(registry, "weather")
    now = [0.0]
    repository = _CountingRepository()
    embedder = default_embedder()
    service = RankingService(repository, lambda: embedder, clock, cache_seconds=30, monotonic=lambda: now[0])
    assert sorted(_ids(service.ranked(_user("reader"), None))) == sorted([first, second])
    assert repository.full_reads == 1
    now[0] = 0.5
    service.ranked(_user("reader"), None)
    assert repository.change_reads == 0  # the marker did not move: nothing re-read

    third = _create(registry, "code_review")
    now[0] = 1.0
    assert third in _ids(service.ranked(_user("reader"), None))  # a new agent, on the very next request

    agent = registry.get_mine(OWNER, first)
    registry.patch(OWNER, first, AgentPatch(version=agent.version, description="Forecasts volcanic ash clouds"))
    now[0] = 2.0
    answer = service.ranked(_user("reader"), "volcanic ash")
    assert _ids(answer)[0] == first
    assert answer["items"][0]["agent"]["description"] == "Forecasts volcanic ash clouds"

    registry.withdraw(OWNER, second)
    now[0] = 3.0
    assert second not in _ids(service.ranked(_user("reader"), None))  # unpublished
    registry.delete(OWNER, third)
    now[0] = 4.0
    assert sorted(_ids(service.ranked(_user("reader"), None))) == [first]  # deleted
    assert repository.full_reads == 1  # every change above was read incrementally

    rebuilt = _service(clock)  # a fresh service reading everything ranks the same
    assert _ids(rebuilt.ranked(_user("reader"), "volcanic ash")) == _ids(service.ranked(_user("reader"), "volcanic ash"))


# --- an admin-registered embedding model -------------------------------------------------------------

class FakeEmbeddings:
    """An OpenAI-compatible `/v1/embeddings` on loopback: hashed bags of words (lexical, deterministic)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                outer.requests.append({"path": self.path, "auth": self.headers.get("authorization"), **body})
                if outer.fail:
                    self.send_response(500)
                    self.end_headers()
                    return
                data = [{"index": i, "embedding": outer.vector(t)} for i, t in enumerate(body["input"])]
                payload = json.dumps({"object": "list", "data": data, "model": body["model"]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def vector(text: str) -> list[float]:
        vector = [0.0] * 64
        for token in lexical_tokens(text):
            vector[sum(map(ord, token)) % 64] += 1.0
        vector[0] += 0.01  # never all zeros
        return vector

    def texts(self) -> list[str]:
        return [t for r in self.requests for t in r["input"]]


@pytest.fixture
def fake_embeddings() -> Iterator[FakeEmbeddings]:
    server = FakeEmbeddings()
    yield server
    server.server.shutdown()


def _register_embedding_model(base_url: str) -> None:
    from a2g.adapters.outbound import DestinationPolicy
    from a2g.llms.key_store import key_cipher_from_settings
    from a2g.llms.repository import LlmRepository
    from a2g.llms.service import LlmCreate, LlmRegistry
    from a2g.settings import get_settings

    # A loopback LLM is refused when written unless A2G_OUTBOUND_ALLOW lets the platform call it.
    registry = LlmRegistry(LlmRepository(), key_cipher_from_settings(get_settings()),
                           destinations=DestinationPolicy.from_allow_list(["127.0.0.1"]))
    registry.create(LlmCreate(name="Embeddings", base_url=base_url, api_key="sk-embed-secret",
                                          models=["embed-small"]))


def _remote_service(clock: FixedClock, **kwargs: Any) -> RankingService:
    from a2g.adapters.outbound import DestinationPolicy, OutboundClient

    loopback = OutboundClient(DestinationPolicy.from_allow_list(["127.0.0.1"]))
    return _service(clock, remote_model="embed-small",
                    remote_embedder=lambda endpoint: remote_embedder(endpoint, loopback), **kwargs)


def test_an_admin_registered_embedding_model_embeds_requests_and_agents(
    catalogue: dict[str, str], clock: FixedClock, fake_embeddings: FakeEmbeddings
) -> None:
    _register_embedding_model(fake_embeddings.url)
    counting = CountingEmbedder()
    service = _remote_service(clock, embedder=counting)

    answer = service.ranked(_user("reader"), "translate documents into English")

    assert _ids(answer)[0] == catalogue["translator"]
    assert {r["model"] for r in fake_embeddings.requests} == {"embed-small"}
    assert {r["auth"] for r in fake_embeddings.requests} == {"Bearer sk-embed-secret"}
    texts = fake_embeddings.texts()
    # The embedding job stored in-process vectors; the remote model re-embeds every agent (one model for
    # both sides) — and the request itself.
    assert sum(t.startswith(CATALOGUE["translator"]["name"]) for t in texts) == 1
    assert len(texts) == len(catalogue) + 1 and texts[-1] == "translate documents into English"
    assert counting.embedded == []  # the in-process model was not needed

    service.ranked(_user("reader"), "weather in Seoul")
    assert fake_embeddings.texts()[len(texts):] == ["weather in Seoul"]  # agents are remembered


def test_a_failing_embedding_model_falls_back_to_the_in_process_model(
    catalogue: dict[str, str], clock: FixedClock, fake_embeddings: FakeEmbeddings
) -> None:
    _register_embedding_model(fake_embeddings.url)
    fake_embeddings.fail = True
    now = [0.0]
    service = _remote_service(clock, monotonic=lambda: now[0], remote_retry_seconds=60)

    answer = service.ranked(_user("reader"), "translate my spec sheet to English")
    assert _ids(answer)[0] == catalogue["translator"]  # the in-process model answered
    calls = len(fake_embeddings.requests)
    assert calls >= 1

    service.ranked(_user("reader"), "weather tomorrow")
    assert len(fake_embeddings.requests) == calls  # paused: a broken endpoint is not called every time

    fake_embeddings.fail = False
    now[0] = 61.0
    assert _ids(service.ranked(_user("reader"), "translate documents"))[0] == catalogue["translator"]
    assert len(fake_embeddings.requests) > calls  # tried again after the pause, and used


def test_an_unregistered_embedding_model_means_the_in_process_model(
    catalogue: dict[str, str], clock: FixedClock, fake_embeddings: FakeEmbeddings
) -> None:
    answer = _remote_service(clock).ranked(_user("reader"), "translate my spec sheet to English")
    assert _ids(answer)[0] == catalogue["translator"]
    assert fake_embeddings.requests == []


def test_deletions_past_the_markers_cap_make_readers_re_read_everything(
    registry: AgentService, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import a2g.agents.repository as agents_repository

    monkeypatch.setattr(agents_repository, "REMOVED_CAP", 1)
    keep, gone_a, gone_b = (_create(registry, key) for key in ("translator", "weather", "recipes"))
    now = [0.0]
    repository = _CountingRepository()
    embedder = default_embedder()
    service = RankingService(repository, lambda: embedder, clock, monotonic=lambda: now[0])
    assert len(_ids(service.ranked(_user("reader"), None))) == 3
    registry.delete(OWNER, gone_a)
    now[0] = 1.0
    assert gone_a not in _ids(service.ranked(_user("reader"), None))  # read from the marker's removed set
    assert repository.full_reads == 1
    registry.delete(OWNER, gone_b)  # the set passes its cap: it is reset and the epoch moves
    assert agents_repository.CatalogueMarkerItem.get(*agents_repository.CATALOGUE_MARKER_KEY).removed is None
    now[0] = 2.0
    assert _ids(service.ranked(_user("reader"), None)) == [keep]
    assert repository.full_reads == 2
