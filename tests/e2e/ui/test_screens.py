"""A tour of every main page in both modes and both themes, against FakeApi, saving screenshots.

Besides the pictures (tests/e2e/ui/screenshots/<theme>-<mode>-<page>.png, for people to look at), each stop
checks what must be on that page and that the browser logged no errors.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .fake_api import FakeApi

THEMES = ["light", "dark"]
MODES = ["development", "operation"]


def _rgb(css: str) -> tuple[int, int, int]:
    r, g, b = (int(x) for x in re.findall(r"\d+", css)[:3])
    return r, g, b


def _open(open_page, static_app: str, path: str, *, theme: str, mode: str, role: str = "ADMIN", signed_in: bool = True):
    page = open_page(color_scheme=theme, storage={"colorScheme": theme, "mode": mode, "language": "en",
                                                  "railExpanded": True, "tracePanelOpen": True},
                     session_hint=signed_in)
    api = FakeApi(role=role)
    if not signed_in:
        api.respond = _signed_out(api.respond)  # type: ignore[method-assign]
    api.install(page)
    page.goto(static_app + path)
    return page, api


def _signed_out(respond):
    def wrapped(method, path, q, data):
        if path == "/api/auth/refresh":
            return 401, {"error": {"code": "unauthenticated", "message": "no session"}}
        return respond(method, path, q, data)
    return wrapped


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("mode", MODES)
def test_tour(open_page, static_app: str, screenshot_dir: Path, theme: str, mode: str) -> None:
    shot = lambda page, name: page.screenshot(path=str(screenshot_dir / f"{theme}-{mode}-{name}.png"))

    # Home of the mode: the workspace (development) or the ranked catalogue (operation).
    home = "/workspace" if mode == "development" else "/operation"
    page, api = _open(open_page, static_app, home, theme=theme, mode=mode)
    expect(page).to_have_title(re.compile("A2G"))
    bar = page.get_by_test_id("mode-bar")
    expect(bar).to_contain_text("Development mode" if mode == "development" else "Operation mode")
    r, g, b = _rgb(bar.evaluate("el => getComputedStyle(el).backgroundColor"))
    assert (r > b) if mode == "development" else (b > r), f"mode bar colour {r, g, b} does not fit {mode}"
    if mode == "development":
        expect(page.get_by_test_id("agent-card")).to_have_count(5)
        shot(page, "workspace")
        page.get_by_test_id("add-agent").click()
        expect(page.get_by_role("dialog")).to_contain_text("Add an agent")
        page.get_by_role("dialog").get_by_label("Base URL").fill("http://localhost:7777")
        page.wait_for_timeout(400)  # let the dialog's fade-in finish before the picture
        shot(page, "add-agent")
        page.keyboard.press("Escape")
    else:
        expect(page.get_by_test_id("rank-reason").first).to_contain_text("used it")
        page.get_by_test_id("requirement-input").fill("contract pdf")
        page.get_by_test_id("requirement-input").press("Enter")
        expect(page.get_by_test_id("rank-reason").first).to_contain_text("contract pdf")
        shot(page, "catalogue")

    # The playground with a markdown answer, and in development mode the live trace beside it.
    base = "/workspace/agents/agt_01" if mode == "development" else "/operation/agents/agt_01"
    page.goto(static_app + base)
    expect(page.get_by_test_id("message-assistant")).to_have_count(1)
    expect(page.locator(".a2g-md table")).to_be_visible()
    expect(page.get_by_test_id("message-assistant").get_by_test_id("code-block")).to_be_visible()
    if mode == "development":
        expect(page.get_by_test_id("trace-entry")).to_have_count(3)
        expect(page.get_by_test_id("connection-state")).to_have_attribute("data-state", "open")
        api.push_trace(FakeApi._entry(7, "critic") | {"entry_id": "ent_live"})
        expect(page.get_by_test_id("trace-entry")).to_have_count(4)
        expect(page.get_by_test_id("trace-base-url")).to_contain_text("/api/log-proxy/trc_01/v1")
    else:
        expect(page.get_by_test_id("trace-panel")).to_have_count(0)
    page.get_by_test_id("composer-input").fill("And the termination clause?")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("message-assistant").last).to_contain_text("Sure — here is the answer.")
    shot(page, "playground")

    page.goto(static_app + "/settings")
    expect(page.get_by_test_id("api-key-row")).to_have_count(2)
    shot(page, "settings")

    page.goto(static_app + "/admin/users")
    expect(page.get_by_test_id("user-row")).to_have_count(4)
    shot(page, "admin-users")
    page.goto(static_app + "/admin/llms")
    expect(page.get_by_test_id("llm-card")).to_have_count(2)
    shot(page, "admin-llms")
    page.goto(static_app + "/admin/stats")
    expect(page.get_by_test_id("chart-daily").locator("svg").first).to_be_visible()
    expect(page.get_by_test_id("chart-breakdown").locator("svg").first).to_be_visible()
    shot(page, "admin-stats")


@pytest.mark.parametrize("theme", THEMES)
def test_sign_in_and_pending_pages(open_page, static_app: str, screenshot_dir: Path, theme: str) -> None:
    page, _ = _open(open_page, static_app, "/workspace", theme=theme, mode="development", signed_in=False)
    expect(page).to_have_url(re.compile("/signin$"))
    expect(page.get_by_role("link", name="Sign in with company SSO")).to_have_attribute("href", "/api/auth/login?return_to=%2Fworkspace")
    expect(page.get_by_label("Username")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / f"{theme}-signin.png"))

    page, _ = _open(open_page, static_app, "/workspace", theme=theme, mode="development", role="PENDING")
    expect(page).to_have_url(re.compile("/pending$"))
    expect(page.get_by_role("heading", name="Waiting for approval")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / f"{theme}-pending.png"))


def test_laptop_width_and_keyboard(open_page, static_app: str, screenshot_dir: Path) -> None:
    """At 1280×800 the playground keeps a usable chat column; the composer sends with Enter alone."""
    page, _ = _open(open_page, static_app, "/workspace/agents/agt_01", theme="light", mode="development")
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.get_by_test_id("trace-panel")).to_be_visible()
    width = page.get_by_test_id("chat-scroll").evaluate("el => el.getBoundingClientRect().width")
    assert width >= 480, f"chat column only {width}px wide at 1280px"
    page.get_by_test_id("composer-input").focus()
    page.keyboard.type("Hello by keyboard")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("message-user").last).to_contain_text("Hello by keyboard")
    page.screenshot(path=str(screenshot_dir / "light-development-playground-1280.png"))


def test_korean(open_page, static_app: str, screenshot_dir: Path) -> None:
    page = open_page(storage={"colorScheme": "light", "mode": "development", "language": "ko", "railExpanded": True,
                              "tracePanelOpen": True}, session_hint=True)
    FakeApi().install(page)
    page.goto(static_app + "/workspace")
    expect(page.get_by_test_id("mode-bar")).to_contain_text("개발 모드")
    expect(page.get_by_role("heading", name="내 에이전트")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "light-development-workspace-ko.png"))
