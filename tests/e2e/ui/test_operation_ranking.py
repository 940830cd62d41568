"""Operation mode for end users, in the browser on the real local runtime, at 390, 768 and 1440 px:
a real request finds the fitting agent, its card shows the owner's name and team, its skills and the
ranking reason worded from the reason code (English and Korean); a nonsense request ("zzqx blorf") shows
the "no good match" state instead of cards. Screenshots: tests/e2e/ui/screenshots/operation-<width>-*.png.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.sync_api import Page, expect

from .test_journeys import ADMIN, _sign_in, _token

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e

SIZES = [(390, 844), (768, 1024), (1440, 900)]
# The first ranking in a fresh runtime loads both models and embeds the catalogue (seconds on a loaded
# machine): wait for the answer that long. Not a timing check.
LOADING = 60_000
OWNER = "ranking-ui-owner"
AGENTS = [
    {
        "name": "Expense Report Assistant",
        "description": "Turns receipts into an expense report: reads the receipt photo, picks the category "
        "and submits it for approval.",
        "skills": [{"id": "scan", "name": "Scan receipt", "description": "Read a receipt", "tags": ["receipt", "영수증"]}],
    },
    {
        "name": "회의실 예약",
        "description": "회의실과 화상회의 장비를 예약하고 참석자 일정을 확인해 회의를 잡습니다.",
        "skills": [{"id": "book", "name": "book_room", "description": "회의실 예약", "tags": ["회의실", "예약"]}],
    },
]


@pytest.fixture(scope="module")
def published(runtime: RuntimeProcess) -> list[dict]:
    """Two agents published by a developer of the "finance-ops" team (created once per session)."""
    runtime.require_functions("AuthFunction", "AdminUsersFunction", "MyAgentsFunction", "RankingFunction",
                              "AgentsCatalogFunction")
    with httpx.Client(base_url=runtime.base_url, timeout=30,
                      headers={"Authorization": f"Bearer {_token(runtime, ADMIN)}"}) as admin:
        _token(runtime, OWNER, team="finance-ops")
        assert admin.post(f"/api/admin/users/{OWNER}/approve").status_code in (200, 409)
    token = _token(runtime, OWNER, team="finance-ops")
    agents = []
    with httpx.Client(base_url=runtime.base_url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as dev:
        mine = {a["name"]: a for a in dev.get("/api/my-agents").json().get("agents", [])}
        for spec in AGENTS:
            agent = mine.get(spec["name"])
            if agent is None:
                created = dev.post("/api/my-agents", json={
                    **spec, "framework": "CUSTOM",
                    "endpoint": {"base_url": "http://127.0.0.1:9", "custom_protocol": "openai"},
                })
                assert created.status_code == 201, created.text
                agent = created.json()
            if agent["status"] != "PRODUCTION":
                response = dev.post(f"/api/my-agents/{agent['id']}/publish")
                assert response.status_code == 200, response.text
                agent = response.json()
            agents.append(agent)
        _wait_until_embedded(dev, "submit my taxi receipts from the Seoul trip", "Expense Report Assistant")
    return agents


def _wait_until_embedded(api: httpx.Client, query: str, name: str) -> None:
    """An agent just published ranks by its words until the ranking function has embedded it off the request
    path; the screens below are about the answer once it has (a weak match only for lack of a vector is not)."""
    deadline = time.monotonic() + 90
    while True:
        answer = api.get("/api/agents/ranked", params={"q": query})
        assert answer.status_code == 200, answer.text
        item = next((i for i in answer.json()["items"] if i["agent"]["name"] == name), None)
        if item is not None and not any(r["code"] == "weak_match" for r in item["reasons"]):
            return
        assert time.monotonic() < deadline, f"{name} still ranks as no match for {query!r}: {item}"
        time.sleep(0.5)


def _search(page: Page, text: str) -> None:
    page.get_by_test_id("requirement-input").fill(text)
    page.get_by_test_id("requirement-input").press("Enter")


def _no_sideways_overflow(page: Page, where: str) -> None:
    page.wait_for_timeout(150)
    scroll_width, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner, f"{where}: page is {scroll_width} px wide in a {inner} px window"


def _owner_lines_whole(page: Page, width: int) -> None:
    """Every card's "Offered by <owner> · <team>" is shown whole (wrapped if need be), never cut with an
    ellipsis: it is what people choose an agent by."""
    lines = page.get_by_test_id("agent-owner")
    expect(lines.first).to_be_visible()
    cut = lines.evaluate_all(
        """els => els.filter(el => el.scrollWidth > el.clientWidth + 1 || getComputedStyle(el).textOverflow === 'ellipsis')
                    .map(el => el.textContent)"""
    )
    assert not cut, f"{width} px: owner lines cut short: {cut}"
    expect(page.get_by_test_id("agent-card").filter(has_text="Expense Report Assistant").first
           .get_by_test_id("agent-owner")).to_have_text(f"Offered by {OWNER} · finance-ops")


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_operation_search_and_no_good_match(open_page, runtime: RuntimeProcess, published: list[dict],
                                            screenshot_dir: Path, width: int, height: int) -> None:
    page = open_page(width=width, height=height, storage={
        "mode": "operation", "colorScheme": "light", "language": "en", "railExpanded": False,
        "tracePanelOpen": False,
    })
    _sign_in(page, runtime, ADMIN)
    expect(page).to_have_url(re.compile("/operation$"))

    _search(page, "submit my taxi receipts from the Seoul trip")
    card = page.get_by_test_id("agent-card").filter(has_text="Expense Report Assistant").first
    expect(card).to_be_visible(timeout=LOADING)
    # the owner's name and team (not their raw id), the skills, and a worded reason (no raw code)
    expect(card.get_by_test_id("agent-owner")).to_contain_text("finance-ops")
    expect(card).to_contain_text("Scan receipt")
    reason = card.get_by_test_id("rank-reason")
    expect(reason).to_contain_text(re.compile(r"Matches|Mentions|Close in meaning"))
    expect(reason).not_to_contain_text(re.compile(r"matches_|close_in|weak_match"))  # never a raw code
    expect(page.get_by_test_id("no-good-match")).to_have_count(0)
    # an agent that does not fit the request at all is not among the matches, but under "Other agents"
    expect(page.get_by_test_id("ranked-list")).not_to_contain_text("회의실 예약")
    expect(page.get_by_test_id("other-agents")).to_contain_text("회의실 예약")
    _owner_lines_whole(page, width)
    _no_sideways_overflow(page, "operation search")
    page.screenshot(path=str(screenshot_dir / f"operation-{width}-search.png"), full_page=True)

    _search(page, "zzqx blorf")
    state = page.get_by_test_id("no-good-match")
    expect(state).to_be_visible(timeout=LOADING)
    expect(state).to_contain_text("No good match for “zzqx blorf”")
    expect(page.get_by_test_id("agent-card")).to_have_count(0)
    _no_sideways_overflow(page, "no good match")
    page.screenshot(path=str(screenshot_dir / f"operation-{width}-no-match.png"), full_page=True)

    page.get_by_role("button", name="Browse all agents").click()
    expect(page.get_by_test_id("ranked-list")).to_be_visible(timeout=LOADING)


def test_operation_reasons_and_no_good_match_in_korean(open_page, runtime: RuntimeProcess, published: list[dict],
                                                       screenshot_dir: Path) -> None:
    page = open_page(width=390, height=844, storage={
        "mode": "operation", "colorScheme": "dark", "language": "ko", "railExpanded": False,
        "tracePanelOpen": False,
    })
    page.goto(runtime.url("/signin"))
    page.get_by_label("사용자 이름").fill(ADMIN)
    page.get_by_label("팀").fill("qa")
    page.get_by_role("button", name="로그인").click()
    expect(page).to_have_url(re.compile("/operation$"))
    _search(page, "내일 오후 3시 회의실 잡아줘")
    card = page.get_by_test_id("agent-card").filter(has_text="회의실 예약").first
    expect(card).to_be_visible(timeout=LOADING)
    expect(card.get_by_test_id("rank-reason")).to_contain_text(re.compile("일치하는 기능|포함|의미가 가깝습니다"))
    page.screenshot(path=str(screenshot_dir / "operation-390-ko-search.png"), full_page=True)
    _search(page, "zzqx blorf")
    expect(page.get_by_test_id("no-good-match")).to_contain_text("잘 맞는 에이전트가 없습니다", timeout=LOADING)
    page.screenshot(path=str(screenshot_dir / "operation-390-ko-no-match.png"), full_page=True)
