"""Error states that offer the action that helps, on the real local runtime: a playground link to an agent
that does not exist (or is not yours) says so in one sentence and offers the way back to the agents, never a
Retry that cannot help; at phone and laptop width, English and Korean (whose lines break between words).
Screenshots: tests/e2e/ui/screenshots/error-missing-agent-<width>-<language>-<mode>.png."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from .test_journeys import ADMIN
from .test_responsive import _no_sideways_overflow

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e

MISSING = {"en": "This agent was not found, or it is not yours.", "ko": "에이전트를 찾을 수 없거나 내 에이전트가 아닙니다."}
# Per mode: the way back's label, and the heading of the page it leads to (None: operation's search page).
BACK: dict[str, dict[str, tuple[str, str | None]]] = {
    "en": {"development": ("Back to My agents", "My agents"), "operation": ("Back to agents", None)},
    "ko": {"development": ("내 에이전트로", "내 에이전트"), "operation": ("에이전트 목록으로", None)},
}
CASES = [(390, 844, "en"), (390, 844, "ko"), (1440, 900, "en"), (1440, 900, "ko")]


@pytest.mark.parametrize(("width", "height", "language"), CASES, ids=[f"{w}-{lang}" for w, _, lang in CASES])
def test_a_missing_agent_offers_the_way_back_not_a_retry(open_page, runtime: RuntimeProcess, screenshot_dir: Path,
                                                         width: int, height: int, language: str) -> None:
    runtime.require_functions("AuthFunction", "MyAgentsFunction", "AgentsCatalogFunction", "SessionsFunction")
    for mode, base in (("development", "/workspace"), ("operation", "/operation")):
        page: Page = open_page(width=width, height=height, session_hint=True, storage={
            "mode": mode, "colorScheme": "light", "language": language, "railExpanded": False, "tracePanelOpen": True})
        page.problems.allowed.append("404")  # type: ignore[attr-defined]  # the missing agent, on purpose
        answer = page.request.post(runtime.url("/api/auth/dev-login"), data={"username": ADMIN, "team": "qa"})
        assert answer.ok, answer.text()
        page.goto(runtime.url(f"{base}/agents/agt_00000000000000000000000000"))
        state = page.get_by_test_id("error-state")
        expect(state).to_have_text(MISSING[language], timeout=15_000)
        expect(page.get_by_test_id("error-action")).to_have_count(0)  # no Retry: retrying cannot find it
        back = page.get_by_test_id("back-to-agents")
        label, heading = BACK[language][mode]
        expect(back).to_have_text(label)
        if language == "ko":  # Korean lines break between words, not inside one ("에이전 / 트가")
            assert state.evaluate("el => getComputedStyle(el).wordBreak") == "keep-all"
        _no_sideways_overflow(page, f"missing agent {width} {language} {mode}")
        page.screenshot(path=str(screenshot_dir / f"error-missing-agent-{width}-{language}-{mode}.png"))
        back.click()
        expect(page).to_have_url(re.compile(f"{base}$"))
        if heading:
            expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        else:
            expect(page.get_by_test_id("requirement-input")).to_be_visible()
