"""Chat controls in the browser on the real local runtime, at phone, tablet and laptop width, light and dark,
English and Korean: Stop while a slow answer streams (what streamed stays, marked stopped, and stays after a
reload), Regenerate and Edit and resend (each replaces the last question and answer, also after a reload),
and copy on both sides. Screenshots: tests/e2e/ui/screenshots/chat-<width>-<scheme>-<lang>-<stop>.png."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.adapters.adapters_mock_llm import MockLlm, last_user_text

from .test_journeys import _admin_api, _token

if TYPE_CHECKING:
    from pathlib import Path

    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e

CASES = [(390, 844, "light", "en"), (390, 844, "dark", "ko"), (768, 1024, "dark", "en"), (1440, 900, "light", "ko")]
LABELS = {"en": {"user": "Username", "team": "Team", "submit": "Sign in", "stopped": "Stopped"},
          "ko": {"user": "사용자 이름", "team": "팀", "submit": "로그인", "stopped": "중지됨"}}  # fmt: skip


@pytest.fixture(scope="module")
def story_llm() -> Iterator[MockLlm]:
    """Answers "echo: <question>", except a question with "story", which streams slowly (long enough to Stop)."""
    llm = MockLlm(chunks=4, pause_s=0.05)
    story = " ".join(f"chapter{i}" for i in range(40))

    def reply(body: dict) -> str:
        question = last_user_text(body)
        if "story" in question:
            llm.chunks, llm.pause_s = 40, 0.5
            return story
        llm.chunks, llm.pause_s = 4, 0.05
        return f"echo: {question}"

    llm.story_reply = reply  # type: ignore[attr-defined]
    llm.start()
    try:
        yield llm
    finally:
        llm.stop()


def _developer_with_agent(rt: RuntimeProcess, llm: MockLlm, username: str) -> dict:
    with _admin_api(rt) as api:
        _token(rt, username)
        assert api.post(f"/api/admin/users/{username}/approve").status_code == 200
    with httpx.Client(base_url=rt.base_url, timeout=30,
                      headers={"Authorization": f"Bearer {_token(rt, username)}"}) as dev:  # fmt: skip
        created = dev.post("/api/my-agents", json={
            "name": "Story teller", "description": "Tells stories, slowly", "framework": "CUSTOM",
            "endpoint": {"base_url": llm.base_url, "custom_protocol": "openai"}})  # fmt: skip
        assert created.status_code == 201, created.text
        return dict(created.json())


def _contents(page: Page, testid: str) -> list[str]:
    return [t.strip() for t in page.get_by_test_id(testid).all_inner_texts()]


@pytest.mark.parametrize(("width", "height", "scheme", "lang"), CASES, ids=[f"{w}-{s}-{lang}" for w, _, s, lang in CASES])
def test_stop_regenerate_edit_and_copy(
    open_page, runtime: RuntimeProcess, story_llm: MockLlm, screenshot_dir: Path,
    width: int, height: int, scheme: str, lang: str,
) -> None:  # fmt: skip
    runtime.require_functions("AuthFunction", "MyAgentsFunction", "SessionsFunction", "WsInvokeFunction",
                              "WsCancelFunction")  # fmt: skip
    story_llm.reply = story_llm.story_reply  # type: ignore[attr-defined]
    username = f"ui-controls-{width}-{scheme}-{lang}"
    agent = _developer_with_agent(runtime, story_llm, username)
    words = LABELS[lang]
    page: Page = open_page(width=width, height=height, color_scheme=scheme,
                           storage={"mode": "development", "colorScheme": scheme, "language": lang,
                                    "railExpanded": True, "tracePanelOpen": False})  # fmt: skip
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])

    def shot(stop: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"chat-{width}-{scheme}-{lang}-{stop}.png"))

    page.goto(runtime.url("/signin"))
    page.get_by_label(words["user"]).fill(username)
    page.get_by_label(words["team"]).fill("qa")
    page.get_by_role("button", name=words["submit"], exact=True).click()
    expect(page).to_have_url(re.compile("/(operation|workspace)$"))
    page.goto(runtime.url(f"/workspace/agents/{agent['id']}"))
    composer = page.get_by_test_id("composer-input")
    expect(composer).to_be_visible()
    shot("empty")

    # Stop: a slow answer is stopped after a few words; what streamed stays, marked stopped.
    composer.fill("tell me a story")
    page.get_by_test_id("send").click()
    answer = page.get_by_test_id("message-assistant").last
    expect(answer).to_contain_text("chapter2", timeout=30_000)
    expect(page.get_by_test_id("stop")).to_be_visible()
    shot("streaming")
    page.get_by_test_id("stop").click()
    expect(page.get_by_test_id("answer-stopped")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("answer-stopped")).to_contain_text(words["stopped"])
    expect(page.get_by_test_id("send")).to_be_visible()
    stopped_text = answer.inner_text()
    assert "chapter39" not in stopped_text  # cut short
    shot("stopped")

    # Regenerate the stopped answer: it is replaced, not added to.
    story_llm.reply = lambda body: f"echo: {last_user_text(body)}"
    story_llm.chunks, story_llm.pause_s = 4, 0.05
    answer.hover()
    page.get_by_test_id("regenerate").click()
    expect(page.get_by_test_id("message-assistant").last).to_contain_text("echo: tell me a story", timeout=30_000)
    expect(page.get_by_test_id("send")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("message-assistant")).to_have_count(1)
    expect(page.get_by_test_id("answer-stopped")).to_have_count(0)

    # Edit and resend the question: the question and its answer are replaced.
    page.get_by_test_id("message-user").last.hover()
    page.get_by_test_id("edit").click()
    edit = page.get_by_test_id("edit-input")
    expect(edit).to_have_value("tell me a story")
    shot("editing")
    edit.fill("tell me a joke")
    page.get_by_test_id("edit-send").click()
    expect(page.get_by_test_id("message-assistant").last).to_contain_text("echo: tell me a joke", timeout=30_000)
    expect(page.get_by_test_id("send")).to_be_visible(timeout=30_000)
    assert len(_contents(page, "message-user")) == 1 and "tell me a joke" in _contents(page, "message-user")[0]
    expect(page.get_by_test_id("message-assistant")).to_have_count(1)

    # Copy the answer and the question.
    copy_name = "Copy message" if lang == "en" else "메시지 복사"
    page.get_by_test_id("message-assistant").last.get_by_role("button", name=copy_name).click()
    assert page.evaluate("navigator.clipboard.readText()") == "echo: tell me a joke"
    page.get_by_test_id("message-user").last.get_by_role("button", name=copy_name).click()
    assert page.evaluate("navigator.clipboard.readText()") == "tell me a joke"
    shot("edited")

    # What the server kept is what the screen shows.
    page.reload()
    expect(page.get_by_test_id("message-assistant")).to_have_count(1, timeout=30_000)
    expect(page.get_by_test_id("message-assistant").last).to_contain_text("echo: tell me a joke")
    expect(page.get_by_test_id("message-user")).to_have_count(1)
