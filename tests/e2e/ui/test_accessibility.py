"""axe-core on every main page, light and dark, English and Korean, at laptop and phone width, on the real local
runtime: sign-in, workspace, playground
(a chat with a code block, the live trace), operation mode (search results, a published agent's chat),
settings and the admin pages. Zero serious or critical violations (tests/e2e/ui/axe.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.tracing.mock_llm import MockLlm

from .axe import axe_violations, describe
from .test_journeys import ADMIN, _token

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e

ANSWER = "Here is the snippet:\n\n```python\nprint('a long line of code that scrolls sideways ' * 4)\n```\n\nDone."


@pytest.fixture(scope="module")
def code_llm() -> Iterator[MockLlm]:
    llm = MockLlm(chunks=3, pause_s=0.02)
    llm.script = lambda body: ANSWER
    llm.start()
    try:
        yield llm
    finally:
        llm.stop()


def _agents(rt: RuntimeProcess, llm: MockLlm) -> tuple[dict, dict]:
    """(a development agent, a published one) of the admin, both CUSTOM agents on the mock LLM."""
    with httpx.Client(base_url=rt.base_url, timeout=30, headers={"Authorization": f"Bearer {_token(rt, ADMIN)}"}) as api:
        made = []
        for name in ("Axe helper", "Axe published helper"):
            created = api.post("/api/my-agents", json={
                "name": name, "description": "Answers with code", "framework": "CUSTOM", "skills": [{"name": "code"}],
                "endpoint": {"base_url": llm.base_url, "custom_protocol": "openai"}})  # fmt: skip
            assert created.status_code == 201, created.text
            made.append(created.json())
        published = api.post(f"/api/my-agents/{made[1]['id']}/publish", json={})
        assert published.status_code == 200, published.text
        return made[0], published.json()


# Korean too: its words are longer or shorter than the English ones (wrapping, truncation, contrast of text
# on chips) and the page's language is part of what axe checks.
CASES = [(w, h, scheme, lang) for lang in ("en", "ko") for w, h in ((1440, 900), (390, 844)) for scheme in ("light", "dark")]
WORDS = {"en": {"workspace": "My agents", "user": "Username", "team": "Team", "submit": "Sign in"},
         "ko": {"workspace": "내 에이전트", "user": "사용자 이름", "team": "팀", "submit": "로그인"}}


@pytest.mark.parametrize(("width", "height", "scheme", "language"), CASES, ids=[f"{w}-{s}-{lang}" for w, _, s, lang in CASES])
def test_every_main_page_has_no_serious_accessibility_violations(
    open_page, runtime: RuntimeProcess, code_llm: MockLlm, width: int, height: int, scheme: str, language: str
) -> None:
    runtime.require_functions("AuthFunction", "MyAgentsFunction", "SessionsFunction", "WsInvokeFunction",
                              "AgentsCatalogFunction", "RankingFunction", "AdminUsersFunction", "LlmsFunction",
                              "AdminStatsFunction", "ApiKeysFunction", "LogsFunction")  # fmt: skip
    dev_agent, live_agent = _agents(runtime, code_llm)
    page: Page = open_page(width=width, height=height, storage={"mode": "development", "colorScheme": scheme, "language": language,
                                    "railExpanded": True, "tracePanelOpen": True})  # fmt: skip
    words = WORDS[language]
    found: dict[str, str] = {}

    def check(where: str) -> None:
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # transitions settle (axe measures colours as painted)
        violations = axe_violations(page)
        if violations:
            found[where] = describe(violations)

    page.goto(runtime.url("/signin"))
    expect(page.get_by_label(words["user"])).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", language)
    check("sign-in")
    page.get_by_label(words["user"]).fill(ADMIN)
    page.get_by_label(words["team"]).fill("qa")
    page.get_by_role("button", name=words["submit"], exact=True).click()
    expect(page).to_have_url(re.compile("/(operation|workspace)$"))
    page.goto(runtime.url("/workspace"))
    expect(page.get_by_role("heading", name=words["workspace"])).to_be_visible()
    check("workspace")

    page.goto(runtime.url(f"/workspace/agents/{dev_agent['id']}"))
    page.get_by_test_id("composer-input").fill("show me code")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("message-assistant").last).to_contain_text("Done.", timeout=30_000)
    check("playground")

    page.goto(runtime.url("/operation"))
    page.get_by_test_id("requirement-input").fill("an agent that answers with code")
    page.get_by_test_id("requirement-input").press("Enter")
    expect(page.get_by_test_id("ranked-list").or_(page.get_by_role("status")).first).to_be_visible()
    check("operation")
    page.goto(runtime.url(f"/operation/agents/{live_agent['id']}"))
    expect(page.get_by_test_id("composer-input")).to_be_visible()
    check("operation chat")

    for path, where in [("/settings", "settings"), ("/admin/users", "admin users"), ("/admin/llms", "admin LLMs"),
                        ("/admin/stats", "admin statistics"), ("/admin/audit", "audit log")]:  # fmt: skip
        page.goto(runtime.url(path))
        expect(page.get_by_role("heading", level=1).first).to_be_visible()
        check(where)

    assert not found, "\n".join(f"{where} ({width} px, {scheme}, {language}):\n{text}" for where, text in found.items())
