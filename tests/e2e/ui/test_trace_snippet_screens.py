"""The trace panel's "connect your agent" box with its per-SDK snippets, at 390, 768 and 1440 px, light and dark,
English and Korean, against FakeApi: every tab reachable, the code inside the panel (long lines scroll inside
the code block, never widen the panel); screenshots for people to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.ui.fake_api import FakeApi

pytestmark = pytest.mark.e2e
SNIPPETS = ["openai", "openai-agents", "anthropic", "google-genai", "adk", "agno", "langchain", "pydantic-ai", "env"]


@pytest.mark.parametrize("width", [390, 768, 1440])
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("language", ["en", "ko"])
def test_snippets_panel(open_page, static_app: str, screenshot_dir: Path, width: int, theme: str,
                        language: str) -> None:
    page = open_page(width=width, color_scheme=theme, storage={
        "colorScheme": theme, "mode": "development", "language": language, "railExpanded": width >= 1440,
        "tracePanelOpen": True}, session_hint=True)
    FakeApi().install(page)
    page.goto(static_app + "/workspace/agents/agt_01")
    expect(page.get_by_test_id("message-assistant")).to_have_count(1, timeout=20_000)  # a loaded machine
    if width < 900:  # phones and tablets: the trace is a tab beside the chat
        page.get_by_test_id("tab-trace").click()
    panel, capture = page.get_by_test_id("trace-panel"), page.get_by_test_id("trace-capture")
    expect(capture).to_be_visible()
    # The guide collapses by itself once the trace's calls have loaded: wait for them, then open it.
    expect(panel.get_by_test_id("trace-entry").first).to_be_visible(timeout=20_000)
    toggle = capture.get_by_test_id("trace-capture-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    outer = panel.bounding_box()
    assert outer is not None and outer["x"] >= 0 and outer["x"] + outer["width"] <= width + 1, (outer, width)
    for sid in SNIPPETS:
        tab = capture.get_by_test_id(f"trace-snippet-tab-{sid}")
        tab.scroll_into_view_if_needed()
        tab.click()
        code = capture.get_by_test_id("trace-snippet").get_by_test_id("code-block")
        expect(code).to_contain_text("api/log-proxy/")
        box = code.bounding_box()
        assert box is not None and box["x"] >= outer["x"] - 1, (sid, box, outer)
        assert box["x"] + box["width"] <= outer["x"] + outer["width"] + 1, (sid, box, outer)
        if sid in ("openai-agents", "langchain"):  # the widest and the longest
            capture.scroll_into_view_if_needed()
            capture.screenshot(path=str(screenshot_dir / f"trace-snippets-{sid}-{theme}-{language}-{width}.png"))
    # nothing wider than the screen: no sideways scrolling of the page itself
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
