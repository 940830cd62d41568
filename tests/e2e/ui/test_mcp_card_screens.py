"""The MCP setup card of operation mode at phone, tablet and desktop widths, light and dark, English and
Korean, against FakeApi: it opens, shows this origin's /api/mcp URL in the page's language, its snippet
scrolls inside itself (the page never scrolls sideways), and the browser logs no errors. Screenshots go to
tests/e2e/ui/screenshots/mcp-<width>-<theme>-<language>.png for people to look at."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .fake_api import FakeApi

TITLES = {"en": "Use these agents from an MCP client", "ko": "MCP 클라이언트에서 이 에이전트 쓰기"}


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 768, 1440])
def test_mcp_card(open_page, static_app: str, screenshot_dir: Path, width: int, theme: str, language: str) -> None:
    page = open_page(width=width, height=900, color_scheme=theme, session_hint=True,
                     storage={"colorScheme": theme, "mode": "operation", "language": language, "railExpanded": width >= 1440})
    FakeApi(role="USER").install(page)
    page.goto(static_app + "/operation")
    card = page.get_by_test_id("mcp-setup")
    expect(card).to_contain_text(TITLES[language])
    card.get_by_role("button", name=TITLES[language]).click()
    snippet = page.get_by_test_id("mcp-snippet")
    expect(snippet).to_be_visible()
    assert json.loads(snippet.inner_text())["mcpServers"]["a2g"]["url"] == f"{static_app}/api/mcp"
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
    card.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # the accordion's expand transition
    card.screenshot(path=str(screenshot_dir / f"mcp-{width}-{theme}-{language}.png"))
