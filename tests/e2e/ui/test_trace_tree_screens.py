"""The trace panel's run tree (OTel spans joined with a proxy entry) and its OpenTelemetry guide, at 390, 768
and 1440 px, light and dark, English and Korean, against FakeApi; screenshots for people to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.ui.fake_api import FakeApi, _iso

pytestmark = pytest.mark.e2e


def _span_entries() -> list[dict[str, Any]]:
    def entry(eid: str, kind: str, at: float, ms: float, span: str, parent: str | None, **kw: Any) -> dict[str, Any]:
        return {"entry_id": eid, "trace_id": "trc_01", "at": _iso(at), "created_at": _iso(at), "api": "otel",
                "kind": kind, "status": "ok", "latency_ms": ms, "span": {"span_id": span, "parent_span_id": parent,
                                                                         "name": kw.pop("name", kind)}, **kw}
    proxy = FakeApi._entry(1, "otter_expert") | {
        "entry_id": "log_1", "at": _iso(1.99), "api": "chat", "kind": "chat.completions", "agent_id_source": "span",
        "span": {"span_id": "c", "parent_span_id": "b", "name": "generate_content"}}
    return [
        entry("spn_a", "agent_run", 2.0, 1900, "a", None, agent_name="concierge"),
        entry("spn_b", "agent_run", 1.995, 1300, "b", "a", agent_name="otter_expert"),
        proxy,
        entry("spn_d", "tool_call", 1.985, 40, "d", "b", tool={"name": "lookup_otters"}),
    ]


@pytest.mark.parametrize("width", [390, 768, 1440])
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("language", ["en", "ko"])
def test_run_tree_and_otel_guide(open_page, static_app: str, screenshot_dir: Path, width: int, theme: str,
                                 language: str) -> None:
    page = open_page(width=width, color_scheme=theme, storage={
        "colorScheme": theme, "mode": "development", "language": language, "railExpanded": width >= 1440,
        "tracePanelOpen": True}, session_hint=True)
    api = FakeApi()
    api.trace_entries["trc_01"] = _span_entries()
    api.install(page)
    page.goto(static_app + "/workspace/agents/agt_01")
    expect(page.get_by_test_id("message-assistant")).to_have_count(1)
    if width < 900:  # phones and tablets: the trace is a tab beside the chat
        page.get_by_test_id("tab-trace").click()
    panel = page.get_by_test_id("trace-panel")
    expect(panel).to_be_visible()
    tree = page.get_by_test_id("trace-tree")
    expect(tree).to_be_visible()
    nodes = tree.get_by_test_id("trace-tree-node")
    expect(nodes).to_have_count(4)  # the LLM call once: the proxy's entry under the sub-agent
    expect(tree).to_contain_text("otter_expert")
    expect(tree).to_contain_text("lookup_otters")
    expect(page.get_by_test_id("trace-otel-guide")).to_contain_text("Google ADK")
    # The tree stays inside the panel, and the panel inside the screen.
    box, outer = tree.bounding_box(), panel.bounding_box()
    assert box is not None and outer is not None
    assert box["x"] >= outer["x"] and box["x"] + box["width"] <= outer["x"] + outer["width"] + 1, (box, outer)
    assert outer["x"] >= 0 and outer["x"] + outer["width"] <= width + 1, (outer, width)
    tree.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / f"trace-tree-{theme}-{language}-{width}.png"))
    collapse = tree.get_by_role("button").first
    collapse.click()
    expect(nodes).to_have_count(1)
