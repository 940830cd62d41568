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

from tests.e2e.tracing.mock_llm import MockLlm, last_user_text

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
    story_llm.script = story_llm.story_reply  # type: ignore[attr-defined]
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
    story_llm.script = lambda body: f"echo: {last_user_text(body)}"
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


PNG = bytes.fromhex(  # a 16x16 red square
    "89504e470d0a1a0a0000000d49484452000000100000001008060000001ff3ff610000001949444154789c63381110f09f12cc306a"
    "c0a801a3060c17030032bf671fbba360e10000000049454e44ae426082"
)
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
FILES = [
    ("chart.png", "image/png", PNG),
    ("scores.csv", "text/csv", "name,score\n\"Kim, J\",91\n이영희,88\n".encode()),
    ("notes.md", "text/markdown", b"# Meeting notes\n\n- **decided**: ship it\n"),
    ("log.txt", "text/plain", b"line one\nline two\n"),
    ("brief.pdf", "application/pdf", PDF),
    ("plan.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04 not really"),
]
ATTACH_CASES = [(390, 844, "dark", "ko"), (1440, 900, "light", "en")]


@pytest.mark.parametrize(("width", "height", "scheme", "lang"), ATTACH_CASES,
                         ids=[f"{w}-{s}-{lang}" for w, _, s, lang in ATTACH_CASES])  # fmt: skip
def test_attachments_open_in_a_lightbox_or_a_preview_and_others_download(
    open_page, runtime: RuntimeProcess, story_llm: MockLlm, screenshot_dir: Path,
    width: int, height: int, scheme: str, lang: str,
) -> None:  # fmt: skip
    runtime.require_functions("AuthFunction", "MyAgentsFunction", "SessionsFunction", "WsInvokeFunction",
                              "FilesFunction")  # fmt: skip
    story_llm.script = lambda body: "got your files"
    username = f"ui-files-{width}-{scheme}-{lang}"
    agent = _developer_with_agent(runtime, story_llm, username)
    words = LABELS[lang]
    page: Page = open_page(width=width, height=height, color_scheme=scheme,
                           storage={"mode": "development", "colorScheme": scheme, "language": lang,
                                    "railExpanded": True, "tracePanelOpen": False})  # fmt: skip

    def shot(stop: str) -> None:
        page.wait_for_timeout(400)  # the dialog's transition ends
        page.screenshot(path=str(screenshot_dir / f"files-{width}-{scheme}-{lang}-{stop}.png"))

    page.goto(runtime.url("/signin"))
    page.get_by_label(words["user"]).fill(username)
    page.get_by_label(words["team"]).fill("qa")
    page.get_by_role("button", name=words["submit"], exact=True).click()
    expect(page).to_have_url(re.compile("/(operation|workspace)$"))
    page.goto(runtime.url(f"/workspace/agents/{agent['id']}"))
    expect(page.get_by_test_id("composer-input")).to_be_visible()
    page.get_by_test_id("file-input").set_input_files(
        [{"name": n, "mimeType": t, "buffer": b} for n, t, b in FILES])  # fmt: skip
    expect(page.get_by_test_id("pending-attachment")).to_have_count(len(FILES))
    expect(page.get_by_test_id("send")).to_be_enabled(timeout=30_000)  # every upload finished
    page.get_by_test_id("composer-input").fill("here are my files")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("message-assistant").last).to_contain_text("got your files", timeout=30_000)
    question = page.get_by_test_id("message-user").last

    # the image opens in a lightbox
    question.get_by_test_id("attachment-open").first.click()
    preview = page.get_by_test_id("attachment-preview")
    expect(preview.get_by_test_id("preview-image")).to_be_visible()
    assert preview.get_by_test_id("preview-image").evaluate("img => img.complete && img.naturalWidth") == 16
    shot("lightbox")
    page.keyboard.press("Escape")
    expect(preview).to_have_count(0)

    # CSV as a table, Markdown rendered, text as text, PDF in the viewer
    def open_file(name: str) -> None:
        question.get_by_role("button", name=re.compile(re.escape(name))).first.click()

    open_file("scores.csv")
    table = page.get_by_test_id("preview-csv")
    expect(table.get_by_role("columnheader", name="score")).to_be_visible()
    expect(table.get_by_role("cell", name="Kim, J")).to_be_visible()
    expect(table.get_by_role("cell", name="이영희")).to_be_visible()
    shot("csv")
    page.get_by_test_id("preview-close").click()
    open_file("notes.md")
    expect(page.get_by_test_id("preview-markdown").get_by_role("heading", name="Meeting notes")).to_be_visible()
    page.get_by_test_id("preview-close").click()
    open_file("log.txt")
    expect(page.get_by_test_id("preview-text")).to_contain_text("line two")
    page.get_by_test_id("preview-close").click()
    open_file("brief.pdf")
    expect(page.get_by_test_id("preview-pdf")).to_have_attribute("src", re.compile("^blob:"))
    page.get_by_test_id("preview-close").click()

    # anything else downloads
    with page.expect_download() as download:
        question.get_by_test_id("attachment-download").click()
    assert download.value.suggested_filename == "plan.docx"


def test_an_empty_chat_suggests_the_agents_example_prompts_not_skill_names(
    open_page, runtime: RuntimeProcess, story_llm: MockLlm, screenshot_dir: Path
) -> None:
    runtime.require_functions("AuthFunction", "MyAgentsFunction", "SessionsFunction", "WsInvokeFunction")
    story_llm.script = lambda body: f"echo: {last_user_text(body)}"
    username = "ui-prompts"
    with _admin_api(runtime) as api:
        _token(runtime, username)
        assert api.post(f"/api/admin/users/{username}/approve").status_code == 200
    with httpx.Client(base_url=runtime.base_url, timeout=30,
                      headers={"Authorization": f"Bearer {_token(runtime, username)}"}) as dev:  # fmt: skip
        made = {}
        for name, skills in [
            ("Otter guide", [{"name": "stories", "examples": ["Tell me a story about otters", "Why do otters hold hands?"]}]),
            ("Bare skills", [{"name": "stories"}]),
        ]:  # fmt: skip
            created = dev.post("/api/my-agents", json={
                "name": name, "description": "Knows otters", "framework": "CUSTOM", "skills": skills,
                "endpoint": {"base_url": story_llm.base_url, "custom_protocol": "openai"}})  # fmt: skip
            assert created.status_code == 201, created.text
            made[name] = created.json()
        assert made["Otter guide"]["skills"][0]["examples"] == ["Tell me a story about otters",
                                                                 "Why do otters hold hands?"]  # fmt: skip
    page: Page = open_page(width=390, height=844, storage={"mode": "development", "colorScheme": "light",
                                                           "language": "en", "tracePanelOpen": False})  # fmt: skip
    page.goto(runtime.url("/signin"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Team").fill("qa")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile("/(operation|workspace)$"))

    page.goto(runtime.url(f"/workspace/agents/{made['Bare skills']['id']}"))
    expect(page.get_by_test_id("composer-input")).to_be_visible()
    expect(page.get_by_text("Start a conversation")).to_be_visible()
    expect(page.get_by_test_id("suggested-prompt")).to_have_count(0)  # a bare skill name is no prompt

    page.goto(runtime.url(f"/workspace/agents/{made['Otter guide']['id']}"))
    prompts = page.get_by_test_id("suggested-prompt")
    expect(prompts).to_have_count(2)
    page.screenshot(path=str(screenshot_dir / "chat-390-light-en-suggestions.png"))
    prompts.first.click()
    expect(page.get_by_test_id("message-user").last).to_contain_text("Tell me a story about otters")
    expect(page.get_by_test_id("message-assistant").last).to_contain_text("echo: Tell me a story about otters",
                                                                           timeout=30_000)  # fmt: skip

    # The agent dialog shows the examples, and what it saves keeps them.
    page.goto(runtime.url("/workspace"))
    page.get_by_role("button", name="Edit Otter guide").click()
    field = page.get_by_test_id("agent-prompts")
    expect(field.get_by_text("Why do otters hold hands?")).to_be_visible()
    field.get_by_role("combobox").fill("What do otters eat?")
    field.get_by_role("combobox").press("Enter")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("dialog")).to_have_count(0, timeout=15_000)
    with httpx.Client(base_url=runtime.base_url, timeout=30,
                      headers={"Authorization": f"Bearer {_token(runtime, username)}"}) as dev:  # fmt: skip
        saved = dev.get(f"/api/my-agents/{made['Otter guide']['id']}").json()
    assert saved["skills"][0]["examples"] == ["Tell me a story about otters", "Why do otters hold hands?",
                                              "What do otters eat?"]  # fmt: skip


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1440, 900)], ids=["390", "1440"])
def test_a_long_chat_keeps_the_reading_place_and_offers_a_jump_to_the_latest(
    open_page, runtime: RuntimeProcess, story_llm: MockLlm, screenshot_dir: Path, width: int, height: int
) -> None:
    """Scrolled up in a long conversation, a streaming answer does not pull the reader down; a button jumps
    to the latest message. Enter sends, Shift+Enter adds a line."""
    runtime.require_functions("AuthFunction", "MyAgentsFunction", "SessionsFunction", "WsInvokeFunction")
    long_answer = "\n\n".join(f"Paragraph {i}: " + "words " * 30 for i in range(12))

    def reply(body: dict) -> str:
        question = last_user_text(body)
        if "slow" in question:
            story_llm.chunks, story_llm.pause_s = 30, 0.2
        else:
            story_llm.chunks, story_llm.pause_s = 4, 0.02
        return f"{question}\n\n{long_answer}"

    story_llm.script = reply
    username = f"ui-long-chat-{width}"
    agent = _developer_with_agent(runtime, story_llm, username)
    page: Page = open_page(width=width, height=height, storage={"mode": "development", "colorScheme": "light",
                                                               "language": "en", "tracePanelOpen": False})  # fmt: skip
    page.goto(runtime.url("/signin"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Team").fill("qa")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile("/(operation|workspace)$"))
    page.goto(runtime.url(f"/workspace/agents/{agent['id']}"))
    composer = page.get_by_test_id("composer-input")
    expect(composer).to_be_visible()

    # Shift+Enter is a new line, Enter sends both lines.
    composer.click()
    page.keyboard.type("first question")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    expect(page.get_by_test_id("message-user")).to_have_count(0)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("message-user").last).to_contain_text("second line")
    expect(page.get_by_test_id("message-assistant").last).to_contain_text("Paragraph 11", timeout=30_000)
    expect(page.get_by_test_id("send")).to_be_visible(timeout=30_000)
    scroll = page.get_by_test_id("chat-scroll")
    jump = page.get_by_test_id("scroll-to-bottom")
    expect(jump).to_have_count(0)  # at the bottom already

    # A slow answer streams while the reader is at the top: they stay there, the button appears.
    composer.fill("a slow one")
    composer.press("Enter")
    expect(page.get_by_test_id("stop")).to_be_visible(timeout=30_000)
    scroll.evaluate("el => el.scrollTo({top: 0})")
    expect(jump).to_be_visible()
    expect(page.get_by_test_id("message-assistant").last).to_contain_text("Paragraph 3", timeout=30_000)
    assert scroll.evaluate("el => el.scrollTop") < 5, "the streaming answer pulled the reader down"
    page.screenshot(path=str(screenshot_dir / f"chat-{width}-light-en-jump-to-latest.png"))
    jump.click()
    expect(jump).to_have_count(0)
    page.wait_for_function(
        "el => el.scrollHeight - el.scrollTop - el.clientHeight < 48",
        arg=scroll.element_handle(),
    )
    expect(page.get_by_test_id("send")).to_be_visible(timeout=60_000)
