"""The trace panel and the admin pages at 390, 768 and 1440 px, light and dark, English and Korean, on the
real local runtime.

Each run: a developer's playground with a call running through the log-proxy (shown as it runs, the panel
at its own heading), a "new calls" pill while a call is open, the colour and filter per agent, a call's
detail; Clear with its confirmation and Undo (nothing stored is lost); then, as an admin, the statistics
with a 7-day preset and names instead of ids, and the audit log with its filters. Nothing may overflow
sideways. Screenshots: tests/e2e/ui/screenshots/themes-<width>-<theme>-<language>-<stop>.png.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.tracing.mock_llm import MockLlm

from .test_journeys import ADMIN, _admin_api, _token
from .test_responsive import COMPACT_BELOW, _no_sideways_overflow

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e

MODEL = "mock-themes-model"
SLOW_MODEL = "mock-themes-slow"  # answers after SLOW_SECONDS: long enough to see the call running
SLOW_SECONDS = 6.0
WIDTHS = [(390, 844), (768, 1024), (1440, 900)]


@pytest.fixture(scope="module")
def themes_llm() -> Iterator[MockLlm]:
    # its own slow model: the default `slow-model` is a name another module of the same runtime may register
    llm = MockLlm(chunk_words=2, slow_seconds=SLOW_SECONDS, slow_models={SLOW_MODEL}).start()
    try:
        yield llm
    finally:
        llm.stop()


@pytest.fixture(scope="module")
def themes_runtime(runtime_launcher: Callable[..., RuntimeProcess], themes_llm: MockLlm) -> RuntimeProcess:
    """A runtime of this module's own, whose health checks act on the first failure, so the audit log and
    the LLM cards have something to show: one published agent at a dead address is disabled (an audit
    event), one LLM answers and one does not (a reason on its card)."""
    rt = runtime_launcher(env={"A2G_HEALTH_FAILURE_THRESHOLD": "1", "A2G_HEALTH_CHECK_MIN_SPACING_SECONDS": "0",
                               "A2G_HEALTH_CHECK_TIMEOUT_SECONDS": "2"})
    rt.require_functions("AuthFunction", "MyAgentsFunction", "ApiKeysFunction", "LlmsFunction", "LogsFunction",
                         "LogProxyFunction", "AdminStatsFunction", "AdminUsersFunction", "HealthChecksFunction")
    with _admin_api(rt) as api:
        for body in ({"name": "Themes mock", "base_url": themes_llm.base_url, "api_key": "mock-key",
                      "models": [MODEL, SLOW_MODEL]},
                     {"name": "Unreachable LLM", "base_url": "http://127.0.0.1:9/v1", "api_key": "none",
                      "models": ["mock-themes-dead"]}):
            created = api.post("/api/admin/llms", json=body)
            assert created.status_code == 201, created.text
    publisher = _developer(rt, "ui-th-publisher")
    with httpx.Client(base_url=rt.base_url, timeout=30, headers={"Authorization": f"Bearer {publisher['token']}"}) as dev:
        assert dev.post(f"/api/my-agents/{publisher['id']}/publish").status_code == 200
    fired = rt.fire("HealthChecksFunction")
    assert publisher["id"] in str(fired), fired
    return rt


def _developer(rt: RuntimeProcess, username: str) -> dict[str, Any]:
    with _admin_api(rt) as api:
        _token(rt, username)
        assert api.post(f"/api/admin/users/{username}/approve").status_code == 200
    with httpx.Client(base_url=rt.base_url, timeout=30,
                      headers={"Authorization": f"Bearer {_token(rt, username)}"}) as dev:
        created = dev.post("/api/my-agents", json={
            "name": f"Theme agent {username.removeprefix('ui-th-')}", "description": "Traced in every theme", "framework": "CUSTOM",
            "endpoint": {"base_url": "http://127.0.0.1:9/v1", "custom_protocol": "openai"}})
        assert created.status_code == 201, created.text
        key = dev.post("/api/api-keys", json={"name": "themes"})
        assert key.status_code == 201, key.text
        return {**created.json(), "api_key": key.json()["key"], "token": _token(rt, username)}


def _call(rt: RuntimeProcess, agent: dict[str, Any], text: str, model: str = MODEL,
          sub_agent: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {agent['api_key']}"}
    if sub_agent:
        headers["X-Agent-Id"] = sub_agent
    return httpx.post(rt.url(f"/api/log-proxy/{agent['trace_id']}/v1/chat/completions"), headers=headers,
                      timeout=60, json={"model": model, "messages": [{"role": "user", "content": text}]})


def _stored(rt: RuntimeProcess, agent: dict[str, Any]) -> list[str]:
    listed = httpx.get(rt.url("/api/logs"), params={"trace_id": agent["trace_id"], "limit": 200},
                       headers={"Authorization": f"Bearer {agent['token']}"}, timeout=30)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    return [e["entry_id"] for e in body.get("items", body.get("entries", []))]


def _open(open_page: Any, rt: RuntimeProcess, username: str, width: int, height: int, theme: str,
          language: str) -> Page:
    page = open_page(width=width, height=height, color_scheme=theme, session_hint=True, storage={
        "colorScheme": theme, "mode": "development", "language": language, "railExpanded": True,
        "tracePanelOpen": True})
    # Signed in through the API in the page's own context: its refresh cookie brings the app in, whatever
    # language the sign-in page would be in.
    answer = page.request.post(rt.url("/api/auth/dev-login"), data={"username": username, "team": "qa"})
    assert answer.ok, answer.text()
    return page


def _in_view(page: Page, test_id: str) -> None:
    box = page.get_by_test_id(test_id).bounding_box()
    size = page.viewport_size
    assert box and size and box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (test_id, box)


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("width", "height"), WIDTHS, ids=[f"{w}x{h}" for w, h in WIDTHS])
def test_trace_panel_and_admin_in_every_theme_and_language(
    open_page, themes_runtime: RuntimeProcess, screenshot_dir: Path, width: int, height: int, theme: str,
    language: str,
) -> None:
    runtime = themes_runtime
    stop = f"themes-{width}-{theme}-{language}"

    def shot(page: Page, name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"{stop}-{name}.png"))

    username = f"ui-th-{width}-{theme[0]}{language}"
    agent = _developer(runtime, username)
    # Calls made before the page opens, by two sub-agents: history, each agent its colour.
    for who in ("planner", "researcher"):
        assert _call(runtime, agent, f"earlier call by {who}", sub_agent=who).status_code == 200

    page = _open(open_page, runtime, username, width, height, theme, language)
    page.goto(runtime.url(f"/workspace/agents/{agent['id']}"))
    if width < COMPACT_BELOW:
        page.get_by_test_id("tab-trace").click()
    expect(page.get_by_test_id("trace-entry")).to_have_count(2, timeout=15_000)
    expect(page.get_by_test_id("connection-state")).to_have_attribute("data-state", "open", timeout=15_000)
    # The panel opens at its heading; with calls in the trace the setup guide is collapsed.
    _in_view(page, "trace-heading")
    expect(page.get_by_test_id("trace-capture-toggle")).to_have_attribute("aria-expanded", "false")
    tags = page.get_by_test_id("trace-agent-tag")
    colours = {tags.nth(i).inner_text(): tags.nth(i).get_attribute("data-color") for i in range(tags.count())}
    assert set(colours) == {"planner", "researcher"} and len(set(colours.values())) == 2, colours

    # A call running: shown at once, with the panel still at its heading.
    runner = threading.Thread(target=lambda: _call(runtime, agent, "a slow question", model=SLOW_MODEL,
                                                   sub_agent="planner"))
    runner.start()
    try:
        expect(page.get_by_test_id("trace-entry-running")).to_be_visible(timeout=10_000)
        _in_view(page, "trace-heading")
        _no_sideways_overflow(page, f"{stop} running call")
        shot(page, "trace-running")
    finally:
        runner.join(timeout=60)
    expect(page.get_by_test_id("trace-entry-running")).to_have_count(0, timeout=15_000)
    expect(page.get_by_test_id("trace-entry")).to_have_count(3)

    # Reading at the top with a call open: new calls do not move the list; a pill counts them. The setup
    # guide, opened here, stays open after a reload (remembered).
    page.get_by_test_id("trace-capture-toggle").click()
    expect(page.get_by_test_id("trace-capture-toggle")).to_have_attribute("aria-expanded", "true")
    page.reload()
    if width < COMPACT_BELOW:
        page.get_by_test_id("tab-trace").click()
    expect(page.get_by_test_id("trace-entry")).to_have_count(3, timeout=15_000)
    expect(page.get_by_test_id("trace-capture-toggle")).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("connection-state")).to_have_attribute("data-state", "open", timeout=15_000)
    first = page.get_by_test_id("trace-entry").first
    first.get_by_role("button").first.click()
    expect(first.get_by_test_id("trace-entry-detail")).to_be_visible()
    expect(first.get_by_test_id("detail-messages")).to_contain_text("earlier call by")
    scroll = page.get_by_test_id("trace-scroll")
    scroll.evaluate("el => { el.scrollTop = 0 }")
    assert _call(runtime, agent, "a call while reading", sub_agent="writer").status_code == 200
    expect(page.get_by_test_id("trace-new-calls")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("trace-new-calls")).to_contain_text("1")
    assert scroll.evaluate("el => el.scrollTop") == 0  # the reading position is kept
    _in_view(page, "trace-heading")
    shot(page, "trace-detail-pill")
    page.get_by_test_id("trace-new-calls").click()
    expect(page.get_by_test_id("trace-new-calls")).to_have_count(0)
    expect(page.get_by_test_id("trace-entry").last).to_be_in_viewport()
    page.get_by_test_id("trace-capture-toggle").click()
    expect(page.get_by_test_id("trace-capture-toggle")).to_have_attribute("aria-expanded", "false")

    # The filter by agent shows one agent's calls only.
    page.get_by_test_id("trace-filter-agent").filter(has_text="researcher").click()
    expect(page.get_by_test_id("trace-entry")).to_have_count(1)
    page.get_by_test_id("trace-filter-all").click()
    expect(page.get_by_test_id("trace-entry")).to_have_count(4)

    # Clear asks first, then offers Undo; undoing loses nothing, on screen or stored.
    stored = _stored(runtime, agent)
    assert len(stored) == 4, stored
    page.get_by_test_id("trace-clear").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    shot(page, "trace-clear-confirm")
    dialog.get_by_role("button").last.click()
    expect(page.get_by_test_id("trace-entry")).to_have_count(0)
    expect(page.get_by_test_id("toast-action")).to_be_visible()
    _no_sideways_overflow(page, f"{stop} cleared")
    shot(page, "trace-cleared-undo")
    page.get_by_test_id("toast-action").click()
    expect(page.get_by_test_id("trace-entry")).to_have_count(4)
    page.wait_for_timeout(500)
    assert sorted(_stored(runtime, agent)) == sorted(stored)

    if (width, theme, language) == (1440, "light", "en"):
        # Once: a clear that is not undone deletes what was shown, and keeps a call made meanwhile.
        page.get_by_test_id("trace-clear").click()
        page.get_by_role("dialog").get_by_role("button").last.click()
        expect(page.get_by_test_id("trace-entry")).to_have_count(0)
        assert _call(runtime, agent, "a call during the undo delay").status_code == 200
        expect(page.get_by_test_id("trace-entry")).to_have_count(1, timeout=15_000)
        expect(page.get_by_test_id("toast-action")).to_have_count(0, timeout=15_000)
        page.wait_for_timeout(1000)
        kept = _stored(runtime, agent)
        assert len(kept) == 1 and kept[0] not in stored, kept
        expect(page.get_by_test_id("trace-entry")).to_have_count(1)

    # Admin: statistics named, with presets; the audit log with its filters.
    admin = _open(open_page, runtime, ADMIN, width, height, theme, language)
    admin.goto(runtime.url("/admin/stats"))
    expect(admin.get_by_role("heading", level=1)).to_be_visible()
    admin.get_by_test_id("period-7").click()
    today = datetime.now(UTC).date()  # the server's days, whatever the browser's zone (Seoul, conftest)
    expect(admin.get_by_test_id("stats-from").locator("input")).to_have_value((today - timedelta(days=6)).isoformat())
    expect(admin.get_by_test_id("period-utc")).to_be_visible()
    expect(admin.get_by_test_id("period-7")).to_have_attribute("aria-pressed", "true")
    admin.get_by_role("group").filter(has=admin.get_by_role("button", name=re.compile("^(Agent|에이전트)$"))) \
        .get_by_role("button", name=re.compile("^(Agent|에이전트)$")).click()
    rows = admin.get_by_test_id("breakdown-row")
    expect(rows.filter(has_text=agent["name"])).to_have_count(1, timeout=15_000)
    expect(rows.filter(has_text=agent["id"])).to_have_count(0)  # the name, not the raw id
    admin.wait_for_load_state("networkidle")
    _no_sideways_overflow(admin, f"{stop} stats")
    shot(admin, "admin-stats")

    admin.goto(runtime.url("/admin/audit"))
    expect(admin.get_by_role("heading", level=1)).to_be_visible()
    admin.get_by_test_id("period-90").click()
    with _admin_api(runtime) as api:
        start = (today - timedelta(days=89)).isoformat()
        listed = api.get("/api/admin/audit", params={"from": start, "to": today.isoformat(), "limit": 50}).json()
    assert listed["items"], listed
    rows = admin.get_by_test_id("audit-row")
    expect(rows).to_have_count(len(listed["items"]), timeout=15_000)
    # The disabled agent by its name and its owner's, not their ids.
    disabled = rows.filter(has_text="Theme agent publisher")
    expect(disabled.first).to_be_visible()
    assert disabled.first.get_attribute("data-action") == "agent.disabled"
    _no_sideways_overflow(admin, f"{stop} audit")
    shot(admin, "admin-audit")
    admin.get_by_test_id("audit-action").click()
    admin.get_by_role("option").nth(3).click()  # agent.warned: none here
    expect(rows).to_have_count(0)
    expect(admin.get_by_role("status").first).to_be_visible()

    # LLM cards: the last check with its time; a failed one with its reason and no latency.
    admin.goto(runtime.url("/admin/llms"))
    cards = admin.get_by_test_id("llm-card")
    expect(cards).to_have_count(2, timeout=15_000)
    dead = cards.filter(has_text="Unreachable LLM")
    expect(dead.get_by_test_id("llm-health")).to_have_attribute("data-status", "unhealthy")
    expect(dead.get_by_test_id("llm-health-error")).to_be_visible()
    assert " ms" not in dead.get_by_test_id("llm-health-line").inner_text()
    expect(cards.filter(has_text="Themes mock").get_by_test_id("llm-health-line")).to_contain_text(" ms")
    admin.wait_for_load_state("networkidle")
    _no_sideways_overflow(admin, f"{stop} llms")
    shot(admin, "admin-llms")


@pytest.mark.parametrize("language", ["en", "ko"])
def test_period_presets_are_the_utc_days_the_server_counts(open_page, themes_runtime: RuntimeProcess,
                                                           screenshot_dir: Path, language: str) -> None:
    """The browser is in Seoul at 00:30, when it is still the day before in UTC: "last 7 days" ends on the
    UTC day (the day the server counts), not on the browser's date, and the page says the days are UTC."""
    moment = (datetime.now(UTC) - timedelta(days=1)).replace(hour=15, minute=30, second=0, microsecond=0)
    utc_day = moment.date()
    page = _open(open_page, themes_runtime, ADMIN, 1440, 900, "light", language)
    page.clock.set_fixed_time(moment)
    for path in ("/admin/stats", "/admin/audit"):
        page.goto(themes_runtime.url(path))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.get_by_test_id("period-7").click()
        expect(page.get_by_test_id("stats-to").locator("input")).to_have_value(utc_day.isoformat())
        expect(page.get_by_test_id("stats-from").locator("input")).to_have_value((utc_day - timedelta(days=6)).isoformat())
        expect(page.get_by_test_id("period-7")).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_test_id("period-utc")).to_contain_text("UTC")
        expect(page.get_by_test_id("error-state")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / f"period-utc-{language}.png"))


def test_a_second_notice_does_not_end_the_undo_of_clear(open_page, themes_runtime: RuntimeProcess,
                                                        screenshot_dir: Path) -> None:
    """Clear, then another notice within the undo window (a chat deleted): both notices show, nothing
    stored is deleted yet, and Undo still brings every call back."""
    runtime = themes_runtime
    agent = _developer(runtime, "ui-th-notices")
    for who in ("planner", "researcher"):
        assert _call(runtime, agent, f"call by {who}", sub_agent=who).status_code == 200
    with httpx.Client(base_url=runtime.base_url, timeout=30, headers={"Authorization": f"Bearer {agent['token']}"}) as dev:
        assert dev.post(f"/api/agents/{agent['id']}/sessions", json={"title": "A chat to delete"}).status_code in (200, 201)
    stored = _stored(runtime, agent)
    assert len(stored) == 2, stored

    page = _open(open_page, runtime, "ui-th-notices", 1440, 900, "light", "en")
    page.goto(runtime.url(f"/workspace/agents/{agent['id']}"))
    expect(page.get_by_test_id("trace-entry")).to_have_count(2, timeout=15_000)
    page.get_by_test_id("trace-clear").click()
    page.get_by_role("dialog").get_by_role("button").last.click()
    expect(page.get_by_test_id("trace-entry")).to_have_count(0)
    expect(page.get_by_test_id("toast-action")).to_be_visible()

    # Quickly (the window is 8 s): the Delete is shown on hover, clicking it needs none.
    page.get_by_role("button", name="Delete chat: A chat to delete").click(force=True)
    page.get_by_role("dialog").get_by_role("button").last.click()
    expect(page.get_by_test_id("toast").filter(has_text="Chat deleted")).to_be_visible()
    expect(page.get_by_test_id("toast")).to_have_count(2)
    expect(page.get_by_test_id("toast-action")).to_be_visible()  # the Undo is still offered
    page.wait_for_timeout(1000)
    assert sorted(_stored(runtime, agent)) == sorted(stored)  # and nothing was deleted
    page.screenshot(path=str(screenshot_dir / "notices-undo-and-another.png"))
    page.get_by_test_id("toast-action").click()
    expect(page.get_by_test_id("trace-entry")).to_have_count(2)
    page.wait_for_timeout(9000)  # past the undo window: still nothing deleted
    assert sorted(_stored(runtime, agent)) == sorted(stored)
