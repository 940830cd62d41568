"""`GET /api/agents/ranked` end to end: real sign-in, agents created and published through
`/api/my-agents`, usage recorded by chatting over the WebSocket `invoke` (CUSTOM agents answering through a
mock OpenAI-compatible LLM), and the ranked catalogue read over HTTP.

The module runs its own runtime (an empty catalogue at first, which the shared one cannot promise) with
`A2G_RANKING_CACHE_SECONDS=0`, so every request sees what the previous step wrote. Tests run in file order
(`--dist loadfile`); the first one needs the catalogue still empty.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

E2E_DIR = Path(__file__).resolve().parents[1]
if str(E2E_DIR) not in sys.path:  # tests/e2e/helpers.py
    sys.path.insert(0, str(E2E_DIR))

from helpers import SignedInUser, approved_user, pending_user, unique_username

from tests.e2e.chat.chat_e2e_support import ChatSocket
from tests.e2e.tracing.mock_llm import MockLlm

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

CATALOGUE = json.loads(
    (E2E_DIR.parent / "integration" / "ranking" / "catalogue.json").read_text(encoding="utf-8")
)
MAX_QUERY_CHARS = 500
FUNCTIONS = ("RankingFunction", "AuthFunction", "MyAgentsFunction", "AgentsCatalogFunction",
             "SessionsFunction", "WsInvokeFunction", "AgentEmbeddingsFunction")


@pytest.fixture(scope="module")
def ranking_runtime(runtime_launcher: Any) -> RuntimeProcess:
    rt: RuntimeProcess = runtime_launcher(env={"A2G_RANKING_CACHE_SECONDS": "0"})
    rt.require_functions(*FUNCTIONS)
    return rt


@pytest.fixture(scope="module")
def llm() -> Iterator[MockLlm]:
    server = MockLlm(chunks=2, pause_s=0.0).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def developer(ranking_runtime: RuntimeProcess) -> Iterator[SignedInUser]:
    user = approved_user(ranking_runtime, unique_username("ranking-dev"), team="builders")
    yield user
    user.close()


@pytest.fixture(scope="module")
def catalogue(ranking_runtime: RuntimeProcess, developer: SignedInUser, llm: MockLlm) -> dict[str, dict[str, Any]]:
    """catalogue.json created and published by the developer (handle -> agent JSON), plus one draft; the
    agents' embeddings written by the `agent_embeddings` schedule, as it does between requests."""
    published = {}
    for key, spec in CATALOGUE.items():
        if key.startswith("_"):
            continue
        agent = _create(developer, spec, llm)
        response = developer.post(f"/api/my-agents/{agent['id']}/publish")
        assert response.status_code == 200, response.text
        published[key] = response.json()
    draft = _create(developer, {"name": "Draft Translator", "skills": [],
                                "description": "Translates documents into English; not published yet."}, llm)
    published["_draft"] = draft
    fired = ranking_runtime.fire("agent_embeddings")["result"]
    assert fired == {"written": len(published) - 1, "changed": 0, "pending": 0}  # the draft is not ranked
    assert ranking_runtime.fire("agent_embeddings")["result"]["written"] == 0  # nothing left to write
    return published


def _create(user: SignedInUser, spec: dict[str, Any], llm: MockLlm) -> dict[str, Any]:
    response = user.post("/api/my-agents", json={
        "name": spec["name"], "description": spec["description"], "skills": spec["skills"],
        "framework": "CUSTOM", "endpoint": {"base_url": llm.base_url, "custom_protocol": "openai"},
    })
    assert response.status_code == 201, response.text
    return dict(response.json())


def _ranked(user: SignedInUser, **params: Any) -> dict[str, Any]:
    response = user.get("/api/agents/ranked", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _names(answer: dict[str, Any]) -> list[str]:
    return [item["agent"]["name"] for item in answer["items"]]


def test_an_empty_catalogue_ranks_to_an_empty_list(ranking_runtime: RuntimeProcess) -> None:
    reader = approved_user(ranking_runtime, unique_username("reader"))
    assert _ranked(reader) == {"items": [], "query": None, "match": None}
    assert _ranked(reader, q="translate my spec sheet") == {
        "items": [], "query": "translate my spec sheet", "match": "none"
    }


def test_only_signed_in_approved_users_get_the_ranking(ranking_runtime: RuntimeProcess) -> None:
    import httpx

    anonymous = httpx.get(ranking_runtime.url("/api/agents/ranked"), timeout=30)
    assert anonymous.status_code == 401  # refused by the API's authorizer, before the function
    assert "items" not in anonymous.text

    waiting = pending_user(ranking_runtime)
    refused = waiting.get("/api/agents/ranked")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "pending_approval"


def test_only_published_agents_are_served_as_the_catalogue_shows_them(
    ranking_runtime: RuntimeProcess, catalogue: dict[str, dict[str, Any]]
) -> None:
    reader = approved_user(ranking_runtime, unique_username("reader"), team="readers")
    answer = _ranked(reader, limit=100)

    published_ids = {a["id"] for k, a in catalogue.items() if not k.startswith("_")}
    assert {item["agent"]["id"] for item in answer["items"]} == published_ids
    assert catalogue["_draft"]["id"] not in {item["agent"]["id"] for item in answer["items"]}
    first = answer["items"][0]
    shown = reader.get(f"/api/agents/{first['agent']['id']}")
    assert shown.status_code == 200 and first["agent"] == shown.json()  # the registry's public JSON
    assert all(isinstance(i["score"], float) and i["reason"] for i in answer["items"])


def test_the_requirement_is_understood_semantically_in_english_and_korean(
    ranking_runtime: RuntimeProcess, catalogue: dict[str, dict[str, Any]]
) -> None:
    reader = approved_user(ranking_runtime, unique_username("reader"), team="readers")

    answer = _ranked(reader, q="translate my spec sheet to English", limit=5)
    assert _names(answer)[0] == "Polyglot Translator"
    assert answer["items"][0]["reason"]
    assert answer["query"] == "translate my spec sheet to English"

    korean = _ranked(reader, q="이 문서를 영어로 번역해줘", limit=5)  # "translate this document to English"
    assert "Polyglot Translator" in _names(korean)[:2]
    mixed = _ranked(reader, q="PDF 보고서 요약해줘", limit=5)  # "summarize the PDF report"
    assert _names(mixed)[0] == "Report Summarizer"


def test_a_request_in_a_language_nobody_indexed_still_ranks(
    ranking_runtime: RuntimeProcess, catalogue: dict[str, dict[str, Any]]
) -> None:
    reader = approved_user(ranking_runtime, unique_username("reader"))
    for text in ("ይህን ሰነድ ወደ እንግሊዝኛ ተርጉምልኝ", "🌧️☔🤔"):
        answer = _ranked(reader, q=text, limit=4)
        assert len(answer["items"]) == 4 and all(i["reason"] for i in answer["items"])


def test_bad_parameters_are_refused(
    ranking_runtime: RuntimeProcess, catalogue: dict[str, dict[str, Any]]
) -> None:
    reader = approved_user(ranking_runtime, unique_username("reader"))
    too_long = reader.get("/api/agents/ranked", params={"q": "x" * (MAX_QUERY_CHARS + 1)})
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "validation_error"
    assert reader.get("/api/agents/ranked", params={"q": "x" * MAX_QUERY_CHARS}).status_code == 200
    for limit in (0, 101, "many"):
        refused = reader.get("/api/agents/ranked", params={"limit": limit})
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "validation_error"
    assert len(_ranked(reader, limit=3)["items"]) == 3
    assert len(_ranked(reader)["items"]) == len([k for k in catalogue if not k.startswith("_")])


def test_chatting_with_an_agent_lifts_its_neighbours_and_its_team_popularity(
    ranking_runtime: RuntimeProcess, catalogue: dict[str, dict[str, Any]]
) -> None:
    reviewer = catalogue["code_review"]
    regular = approved_user(ranking_runtime, unique_username("regular"), team="backend")
    before = _names(_ranked(regular))
    assert before.index("Unit Test Writer") > 1  # nothing personal yet

    session = regular.post(f"/api/agents/{reviewer['id']}/sessions", json={})
    assert session.status_code in (200, 201), session.text
    socket = ChatSocket(ranking_runtime.ws_connect_url(token=regular.token))
    try:
        for turn in range(3):
            run = socket.invoke(session.json()["session_id"], f"please review change {turn}", timeout=120)
            assert run.final["type"] == "message", run.pushes
    finally:
        socket.close()

    after = _ranked(regular)
    assert _names(after)[:2] == ["Python Code Reviewer", "Unit Test Writer"]
    assert after["items"][0]["reasons"] == [{"code": "you_use_often", "params": {"uses": 3}}]
    assert after["items"][0]["reason"] == "you use this often"
    assert after["match"] is None and after["items"][0]["match"] is None  # no request, no match level
    outsider = approved_user(ranking_runtime, unique_username("outsider"), team="finance")
    assert _names(_ranked(outsider)).index("Unit Test Writer") > 1  # their ranking is their own

    # A newcomer with no history: what their team uses comes first, then what everyone uses.
    teammate = approved_user(ranking_runtime, unique_username("teammate"), team="backend")
    team_view = _ranked(teammate)
    assert team_view["items"][0]["agent"]["id"] == reviewer["id"]
    assert team_view["items"][0]["reasons"] == [{"code": "popular_in_team", "params": {}}]
    assert team_view["items"][0]["team_users"] == 1  # the regular, of the same team
    outsider_view = _ranked(outsider)
    assert outsider_view["items"][0]["agent"]["id"] == reviewer["id"]
    assert outsider_view["items"][0]["reasons"] == [{"code": "popular", "params": {}}]
    assert outsider_view["items"][0]["team_users"] == 0
    assert outsider_view["items"][0]["owner"]["team"] == "builders"  # the developer's team, not an id

    # With a requirement, the history only nudges: the fitting agent still wins, the reason says why.
    answer = _ranked(regular, q="plan a business trip to Busan")
    assert _names(answer)[0] == "Trip Planner"


def test_nonsense_gets_no_good_match_and_reasons_are_codes(
    ranking_runtime: RuntimeProcess, catalogue: dict[str, dict[str, Any]]
) -> None:
    reader = approved_user(ranking_runtime, unique_username("reader"), team="readers")
    for text in ("zzqx blorf", "블라블라 뿅뿅", "🍕🍕🍕"):
        answer = _ranked(reader, q=text, limit=5)
        assert answer["match"] == "none", (text, answer["items"][0])
        assert len(answer["items"]) == 5  # still ranked, but flagged: the app shows "no good match"
        assert all(i["match"] == "none" and i["reasons"][0]["code"] == "weak_match" for i in answer["items"])
        assert not any(r["code"] == "close_in_meaning" for i in answer["items"] for r in i["reasons"])

    fits = _ranked(reader, q="summarize this PDF report", limit=3)
    assert fits["match"] == "good"
    top = fits["items"][0]
    assert top["agent"]["name"] == "Report Summarizer" and top["match"] == "good"
    assert top["reasons"][0]["code"] in ("matches_skills", "matches_words")
    assert top["reasons"][0]["params"]  # the skills or words it matched


def test_people_who_use_one_agent_find_what_colleagues_use_with_it(
    ranking_runtime: RuntimeProcess, catalogue: dict[str, dict[str, Any]]
) -> None:
    """Co-usage learned from real chat runs: two colleagues use the trip planner and the weather agent;
    a third who uses only the trip planner is shown the weather agent "used with" it."""
    trip, weather = catalogue["travel"], catalogue["weather"]
    colleagues = [approved_user(ranking_runtime, unique_username(f"traveller{i}"), team="sales") for i in range(3)]
    for user, agents in ((colleagues[0], (trip, weather)), (colleagues[1], (trip, weather)), (colleagues[2], (trip,))):
        socket = ChatSocket(ranking_runtime.ws_connect_url(token=user.token))
        try:
            for agent in agents:
                session = user.post(f"/api/agents/{agent['id']}/sessions", json={})
                assert session.status_code in (200, 201), session.text
                run = socket.invoke(session.json()["session_id"], "hello", timeout=120)
                assert run.final["type"] == "message", run.pushes
        finally:
            socket.close()
    answer = _ranked(colleagues[2])
    items = {i["agent"]["id"]: i for i in answer["items"]}
    assert _names(answer)[0] == "Trip Planner"
    assert items[weather["id"]]["reasons"][0] == {
        "code": "used_with", "params": {"agent_id": trip["id"], "agent_name": "Trip Planner"}
    }
    assert items[weather["id"]]["team_users"] == 2
