"""The main journeys at phone, tablet and laptop width, on the real local runtime (one per session).

At each size: sign in, chat with an agent (the composer must take typing and send), open the live trace and
see a call arrive, search in operation mode, and open the admin pages. Every stop checks that nothing
overflows sideways (the page is never wider than the window) and saves a screenshot,
tests/e2e/ui/screenshots/responsive-<width>-<stop>.png, for people to look at.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.tracing.mock_llm import MockLlm

from .test_journeys import ADMIN, _admin_api, _sign_in, _token, mock_llm  # noqa: F401

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e

# A model of this module's own: the LLM registered for test_journeys' model points at that module's mock
# server, which is stopped by the time these tests run in the same session.
MODEL = "mock-responsive-model"
SIZES = [(390, 844), (768, 1024), (1440, 900)]
COMPACT_BELOW = 900  # MUI's md breakpoint: below it the rail is a drawer and the playground one column


def _no_sideways_overflow(page: Page, where: str) -> None:
    # Give layout a frame to settle after navigation before measuring.
    page.wait_for_timeout(150)
    scroll_width, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner, f"{where}: page is {scroll_width} px wide in a {inner} px window"
    # Scrolling containers inside the page must not scroll sideways either (wrapped text, not cut-off rows);
    # code blocks, markdown tables and a scrollable tab strip are meant to.
    wide = page.evaluate("""() => [...document.querySelectorAll('main, main *')]
        .filter(el => { const s = getComputedStyle(el); return (s.overflowX === 'auto' || s.overflowX === 'scroll')
                         && el.scrollWidth > el.clientWidth + 1 && !el.closest('pre, .a2g-md table, .MuiTabs-scroller') })
        .map(el => {
            const widest = [...el.querySelectorAll('*')].filter(c => c.getBoundingClientRect().right > el.getBoundingClientRect().right + 1)
            const culprit = widest.length ? widest[widest.length - 1].outerHTML.slice(0, 160) : ''
            return (el.getAttribute('data-testid') || el.tagName) + ' ' + el.scrollWidth + '>' + el.clientWidth + ' ' + culprit })""")
    assert not wide, f"{where}: scrolls sideways: {wide}"


def _shot(page: Page, screenshot_dir: Path, width: int, stop: str) -> None:
    page.screenshot(path=str(screenshot_dir / f"responsive-{width}-{stop}.png"))


def _ensure_llm(rt: RuntimeProcess, llm: MockLlm) -> None:
    with _admin_api(rt) as api:
        names = {m.get("model") for m in api.get("/api/llms").json().get("models", [])}
        if MODEL not in names:
            created = api.post(
                "/api/admin/llms",
                json={
                    "name": "Responsive mock",
                    "base_url": llm.base_url,
                    "api_key": "mock-key",
                    "models": [MODEL],
                },
            )
            assert created.status_code == 201, created.text


def _agent_for(rt: RuntimeProcess, llm: MockLlm, username: str) -> dict:
    with _admin_api(rt) as api:
        _token(rt, username)
        assert api.post(f"/api/admin/users/{username}/approve").status_code == 200
    with httpx.Client(
        base_url=rt.base_url, timeout=30, headers={"Authorization": f"Bearer {_token(rt, username)}"}
    ) as dev:
        created = dev.post(
            "/api/my-agents",
            json={
                "name": "Pocket agent",
                "description": "Answers on any screen",
                "framework": "CUSTOM",
                "endpoint": {"base_url": llm.base_url, "custom_protocol": "openai"},
            },
        )
        assert created.status_code == 201, created.text
        key = dev.post("/api/api-keys", json={"name": "responsive"})
        assert key.status_code == 201, key.text
        return {**created.json(), "api_key": key.json()["key"]}


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_developer_journey_fits_the_screen(
    open_page,
    runtime: RuntimeProcess,
    mock_llm: MockLlm,  # noqa: F811
    screenshot_dir: Path,
    width: int,
    height: int,
) -> None:
    runtime.require_functions(
        "AuthFunction",
        "MyAgentsFunction",
        "SessionsFunction",
        "WsInvokeFunction",
        "ApiKeysFunction",
        "LlmsFunction",
        "LogsFunction",
        "LogProxyFunction",
    )
    _ensure_llm(runtime, mock_llm)
    username = f"ui-resp-{width}"
    agent = _agent_for(runtime, mock_llm, username)
    compact = width < COMPACT_BELOW

    page = open_page(width=width, height=height)
    page.goto(runtime.url("/signin"))
    _no_sideways_overflow(page, "sign-in")
    _shot(page, screenshot_dir, width, "signin")
    _sign_in(page, runtime, username)
    # A USER lands in operation mode; this one is a developer and goes to the workspace.
    expect(page).to_have_url(re.compile("/operation$"))
    page.goto(runtime.url("/workspace"))
    expect(page.get_by_role("heading", name="My agents")).to_be_visible()
    nav = page.get_by_role("navigation", name=re.compile("."))
    if compact:
        # The rail is a drawer: hidden until the menu button opens it, and it closes on navigation.
        expect(nav).to_be_hidden()
        page.get_by_test_id("nav-drawer-open").click()
        expect(nav).to_be_visible()
        _shot(page, screenshot_dir, width, "nav-drawer")
        nav.get_by_role("link", name="Settings").click()
        expect(page).to_have_url(re.compile("/settings$"))
        expect(nav).to_be_hidden()
        page.go_back()
    else:
        expect(nav).to_be_visible()
    _no_sideways_overflow(page, "workspace")
    _shot(page, screenshot_dir, width, "workspace")

    # Chat: the composer can be typed into and the answer streams in.
    page.goto(runtime.url(f"/workspace/agents/{agent['id']}"))
    expect(page.get_by_test_id("composer-input")).to_be_visible()
    composer = page.get_by_test_id("composer-input")
    box = composer.bounding_box()
    assert box and box["width"] >= min(280, width * 0.6), f"composer is only {box} wide at {width} px"
    composer.fill("hello from a small screen")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("message-assistant").last).to_contain_text(
        "echo: hello from a small screen", timeout=30_000
    )
    _no_sideways_overflow(page, "chat")
    _shot(page, screenshot_dir, width, "chat")
    # Each message shows its time; the answer also how long it took. Regenerate asks the question again, in
    # place of the answer it regenerates (the question and its new answer replace the old pair).
    expect(page.get_by_test_id("message-time")).to_have_count(2)
    expect(page.get_by_test_id("message-assistant").last.get_by_test_id("message-time")).to_contain_text(
        re.compile(r"\d+(\.\d)? (ms|s)")
    )
    page.get_by_test_id("message-assistant").last.hover()
    page.get_by_test_id("regenerate").click()
    expect(page.get_by_test_id("send")).to_be_visible(timeout=30_000)  # the run ended (Stop gave way to Send)
    expect(page.get_by_test_id("message-assistant")).to_have_count(1)
    expect(page.get_by_test_id("message-user")).to_have_count(1)
    expect(page.get_by_test_id("message-assistant").last).to_contain_text(
        "echo: hello from a small screen", timeout=30_000
    )

    if compact:
        # Sessions live in a drawer; the trace is a tab beside the chat.
        expect(page.get_by_test_id("trace-panel")).to_have_count(0)
        page.get_by_test_id("open-sessions").click()
        expect(page.get_by_test_id("session-item").first).to_be_visible()
        _shot(page, screenshot_dir, width, "sessions-drawer")
        page.get_by_test_id("session-item").first.click()
        expect(page.get_by_test_id("session-item")).to_be_hidden()
        page.get_by_test_id("tab-trace").click()
        expect(page.get_by_test_id("composer-input")).to_be_hidden()
    else:
        expect(page.get_by_test_id("session-item").first).to_be_visible()
        panel = page.get_by_test_id("trace-panel")
        expect(panel).to_be_visible()
        # The panel is resizable with its handle, and the width is remembered across a reload.
        before = panel.bounding_box()["width"]
        handle = page.get_by_test_id("trace-resize")
        hb = handle.bounding_box()
        page.mouse.move(hb["x"] + hb["width"] / 2, hb["y"] + hb["height"] / 2)
        page.mouse.down()
        page.mouse.move(hb["x"] - 120, hb["y"] + hb["height"] / 2, steps=5)
        page.mouse.up()
        widened = panel.bounding_box()["width"]
        assert widened > before + 80, (before, widened)
        page.reload()
        expect(page.get_by_test_id("trace-panel")).to_be_visible()
        assert abs(page.get_by_test_id("trace-panel").bounding_box()["width"] - widened) <= 2
    expect(page.get_by_test_id("connection-state")).to_have_attribute("data-state", "open", timeout=15_000)
    before_calls = page.get_by_test_id("trace-entry").count()
    answer = httpx.post(
        runtime.url(f"/api/log-proxy/{agent['trace_id']}/v1/chat/completions"),
        headers={"Authorization": f"Bearer {agent['api_key']}"},
        timeout=30,
        json={"model": MODEL, "messages": [{"role": "user", "content": "call seen on screen"}]},
    )
    assert answer.status_code == 200, answer.text
    expect(page.get_by_test_id("trace-entry")).to_have_count(before_calls + 1, timeout=15_000)
    _no_sideways_overflow(page, "trace")
    _shot(page, screenshot_dir, width, "trace")
    if compact:
        page.get_by_test_id("tab-chat").click()
        expect(page.get_by_test_id("composer-input")).to_be_visible()


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_operation_and_admin_fit_the_screen(
    open_page, runtime: RuntimeProcess, screenshot_dir: Path, width: int, height: int
) -> None:
    runtime.require_functions(
        "AuthFunction",
        "RankingFunction",
        "AgentsCatalogFunction",
        "AdminUsersFunction",
        "LlmsFunction",
        "AdminStatsFunction",
    )
    page = open_page(
        width=width,
        height=height,
        storage={
            "mode": "operation",
            "colorScheme": "light",
            "language": "en",
            "railExpanded": True,
            "tracePanelOpen": True,
        },
    )
    _sign_in(page, runtime, ADMIN)
    expect(page).to_have_url(re.compile("/operation$"))
    page.get_by_test_id("requirement-input").fill("something that answers questions")
    page.get_by_test_id("requirement-input").press("Enter")
    expect(page.get_by_test_id("ranked-list").or_(page.get_by_role("status")).first).to_be_visible()
    _no_sideways_overflow(page, "operation")
    _shot(page, screenshot_dir, width, "operation")
    for path, heading, stop in [
        ("/admin/users", "Users", "admin-users"),
        ("/admin/llms", None, "admin-llms"),
        ("/admin/stats", None, "admin-stats"),
        ("/settings", "Settings", "settings"),
    ]:
        page.goto(runtime.url(path))
        if heading:
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        else:
            expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.wait_for_load_state("networkidle")
        _no_sideways_overflow(page, stop)
        _shot(page, screenshot_dir, width, stop)
