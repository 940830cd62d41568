"""The development-mode journey in a real browser on the real local runtime (which serves frontend/dist).

One mock OpenAI-compatible server plays two parts: the agent (a CUSTOM agent with protocol "openai" answers
"echo: <message>") and the platform's LLM (registered by the admin), so a call through the log-proxy — as
the developer's agent would make it from their terminal — shows up live in the playground's trace panel.

Each journey skips (naming the missing functions) while the backend function it needs is not there yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.tracing.mock_llm import MockLlm

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e

ADMIN = "admin"  # INITIAL_ADMIN_IDS of the test runtime
MODEL = "mock-ui-model"


@pytest.fixture(scope="module")
def mock_llm() -> Iterator[MockLlm]:
    llm = MockLlm(chunk_words=2).start()
    try:
        yield llm
    finally:
        llm.stop()


def _token(rt: RuntimeProcess, username: str, team: str = "qa") -> str:
    response = httpx.post(rt.url("/api/auth/dev-login"), json={"username": username, "team": team}, timeout=30)
    response.raise_for_status()
    return str(response.json()["access_token"])


def _admin_api(rt: RuntimeProcess) -> httpx.Client:
    return httpx.Client(base_url=rt.base_url, headers={"Authorization": f"Bearer {_token(rt, ADMIN)}"}, timeout=30)


def _sign_in(page: Page, rt: RuntimeProcess, username: str) -> None:
    page.goto(rt.url("/signin"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Team").fill("qa")
    page.get_by_role("button", name="Sign in").click()


def _ensure_llm(rt: RuntimeProcess, llm: MockLlm) -> None:
    with _admin_api(rt) as api:
        names = {m.get("model") for m in api.get("/api/llms").json().get("models", [])}
        if MODEL not in names:
            created = api.post("/api/admin/llms", json={"name": "Mock LLM", "base_url": llm.base_url,
                                                        "api_key": "mock-key", "models": [MODEL]})
            assert created.status_code == 201, created.text


def test_sign_in_shows_workspace(open_page, runtime: RuntimeProcess, screenshot_dir) -> None:
    runtime.require_functions("AuthFunction", "MyAgentsFunction")
    page = open_page()
    _sign_in(page, runtime, ADMIN)
    expect(page).to_have_url(re.compile("/workspace$"))
    expect(page.get_by_test_id("mode-bar")).to_contain_text("Development mode")
    expect(page.get_by_role("heading", name="My agents")).to_be_visible()
    # The session survives a reload: the access token is only in memory, the refresh cookie brings it back.
    page.reload()
    expect(page.get_by_role("heading", name="My agents")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "runtime-workspace.png"))


def test_create_agent_chat_and_live_trace(open_page, runtime: RuntimeProcess, mock_llm: MockLlm,
                                          screenshot_dir) -> None:
    runtime.require_functions("AuthFunction", "MyAgentsFunction", "SessionsFunction", "WsInvokeFunction",
                              "ApiKeysFunction", "LlmsFunction", "LogsFunction", "LogProxyFunction")
    _ensure_llm(runtime, mock_llm)
    page = open_page()
    _sign_in(page, runtime, ADMIN)
    expect(page).to_have_url(re.compile("/workspace$"))

    # Create an agent through the dialog: a CUSTOM agent that speaks OpenAI chat completions.
    page.get_by_test_id("add-agent").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_test_id("framework-select").click()
    page.get_by_role("option", name="Custom").click()
    dialog.get_by_role("combobox", name="Protocol").click()
    page.get_by_role("option", name="OpenAI chat completions").click()
    dialog.get_by_label("Endpoint URL").fill(mock_llm.base_url)
    dialog.get_by_role("textbox", name="Title").fill("Echo agent")
    dialog.get_by_label("Description").fill("Repeats what you say")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog).to_be_hidden(timeout=30_000)
    card = page.get_by_test_id("agent-card").filter(has_text="Echo agent")
    expect(card).to_be_visible()

    # Chat: the answer streams in over the WebSocket.
    card.get_by_role("link", name="Echo agent").click()
    expect(page).to_have_url(re.compile(r"/workspace/agents/[^/?]+"))
    expect(page.get_by_test_id("connection-state")).to_have_attribute("data-state", "open", timeout=15_000)
    page.get_by_test_id("composer-input").fill("hello platform")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("message-assistant").last).to_contain_text("echo: hello platform", timeout=30_000)
    expect(page.get_by_test_id("session-item").first).to_be_visible()

    # The trace panel tells how to connect; create a key there and call the log-proxy as the agent would.
    base_url = page.get_by_test_id("trace-base-url").inner_text()
    assert re.search(r"/api/log-proxy/[^/]+/v1$", base_url), base_url
    page.get_by_role("button", name="Create API key").click()
    key_field = page.get_by_test_id("trace-api-key")
    # Wait for the whole new key: a masked key from an earlier test ("a2g_sk_...abcd") may show first.
    expect(key_field).to_have_text(re.compile(r"^\s*a2g_sk_[A-Za-z0-9_-]{32,64}\s*$"))
    api_key = key_field.inner_text().strip()
    before = page.get_by_test_id("trace-entry").count()
    answer = httpx.post(base_url + "/chat/completions", headers={"Authorization": f"Bearer {api_key}"},
                        json={"model": MODEL, "messages": [{"role": "user", "content": "traced call"}]}, timeout=30)
    assert answer.status_code == 200, answer.text
    expect(page.get_by_test_id("trace-entry")).to_have_count(before + 1, timeout=15_000)
    newest = page.get_by_test_id("trace-entry").last
    expect(newest).to_contain_text(MODEL)
    newest.get_by_role("button").first.click()
    expect(newest).to_contain_text("traced call")
    page.screenshot(path=str(screenshot_dir / "runtime-playground.png"))

    # A call too big for one WebSocket message arrives shortened; opening it shows the whole stored call.
    big = "otter " * 12_000 + "END-OF-THE-BIG-PROMPT"
    answer = httpx.post(base_url + "/chat/completions", headers={"Authorization": f"Bearer {api_key}"},
                        json={"model": MODEL, "messages": [{"role": "user", "content": big}]}, timeout=30)
    assert answer.status_code == 200, answer.text
    expect(page.get_by_test_id("trace-entry")).to_have_count(before + 2, timeout=15_000)
    largest = page.get_by_test_id("trace-entry").last
    largest.get_by_role("button").first.click()
    expect(largest).to_contain_text("END-OF-THE-BIG-PROMPT", timeout=15_000)
    expect(largest.get_by_test_id("trace-entry-whole")).to_have_count(0)


def test_create_api_key_in_settings(open_page, runtime: RuntimeProcess) -> None:
    runtime.require_functions("AuthFunction", "ApiKeysFunction")
    page = open_page()
    _sign_in(page, runtime, ADMIN)
    expect(page).to_have_url(re.compile("/workspace$"))
    page.goto(runtime.url("/settings"))
    # Wait for the list (or its empty state) before counting.
    expect(page.get_by_role("table", name="API keys").or_(page.get_by_text("No API keys yet"))).to_be_visible()
    rows_before = page.get_by_test_id("api-key-row").count()
    page.get_by_test_id("create-key").click()
    page.get_by_label("Key name").fill("ui-e2e")
    page.get_by_role("button", name="Create").click()
    shown = page.get_by_test_id("created-key-value")
    expect(shown).to_contain_text("a2g_")
    plain = shown.inner_text().strip()
    row = page.get_by_test_id("api-key-row").filter(has_text="ui-e2e")
    expect(row).to_have_count(1)
    expect(page.get_by_test_id("api-key-row")).to_have_count(rows_before + 1)
    # The list shows the key masked, never in full.
    assert plain not in row.inner_text()
    # The key works: it authenticates an API call.
    whoami = httpx.get(runtime.url("/api/auth/me"), headers={"Authorization": f"Bearer {plain}"}, timeout=30)
    assert whoami.status_code == 200 and whoami.json()["user_id"] == ADMIN


def test_pending_user_waits_then_admin_approves(open_page, runtime: RuntimeProcess) -> None:
    runtime.require_functions("AuthFunction", "AdminUsersFunction")
    newcomer = "ui-newcomer"
    waiting = open_page()
    _sign_in(waiting, runtime, newcomer)
    expect(waiting).to_have_url(re.compile("/pending$"))
    expect(waiting.get_by_role("heading", name="Waiting for approval")).to_be_visible()

    admin = open_page()
    _sign_in(admin, runtime, ADMIN)
    expect(admin).to_have_url(re.compile("/workspace$"))
    admin.goto(runtime.url("/admin/users"))
    row = admin.locator(f'[data-testid="user-row"][data-username="{newcomer}"]')
    expect(row).to_contain_text("PENDING")
    row.get_by_test_id("approve").click()
    expect(row.get_by_test_id("approve")).to_have_count(0)
    expect(row).to_contain_text("USER")

    # The newcomer checks again and is let in (the refreshed token carries the new role).
    waiting.get_by_role("button", name="Check again").click()
    # A USER lands in operation mode's catalogue (developers switch to their workspace themselves).
    expect(waiting).to_have_url(re.compile("/operation$"))


def test_a_published_agent_is_found_and_used_by_a_colleague(open_page, runtime: RuntimeProcess,
                                                              mock_llm: MockLlm) -> None:
    runtime.require_functions("AuthFunction", "AdminUsersFunction", "MyAgentsFunction", "RankingFunction",
                              "AgentsCatalogFunction", "SessionsFunction", "WsInvokeFunction")
    publisher, colleague = "ui-publisher", "ui-colleague"
    with _admin_api(runtime) as api:
        for username in (publisher, colleague):
            _token(runtime, username)  # first sign-in: PENDING
            assert api.post(f"/api/admin/users/{username}/approve").status_code == 200
    with httpx.Client(base_url=runtime.base_url, timeout=30,
                      headers={"Authorization": f"Bearer {_token(runtime, publisher)}"}) as dev:
        created = dev.post("/api/my-agents", json={
            "name": "Otter Facts", "description": "Answers questions about otters and how they live",
            "framework": "CUSTOM", "endpoint": {"base_url": mock_llm.base_url, "custom_protocol": "openai"}})
        assert created.status_code == 201, created.text

    # The developer publishes it from the workspace.
    workspace = open_page()
    _sign_in(workspace, runtime, publisher)
    expect(workspace).to_have_url(re.compile("/operation$"))
    workspace.get_by_test_id("mode-development").click()
    expect(workspace).to_have_url(re.compile("/workspace$"))
    card = workspace.get_by_test_id("agent-card").filter(has_text="Otter Facts")
    card.get_by_role("button", name="Publish Otter Facts").click()
    expect(card).to_contain_text("Published")

    # A colleague in operation mode asks for what they need; the ranked catalogue lists it (the ranking function
    # reuses its catalogue for A2G_RANKING_CACHE_SECONDS, so a cached one is given time to expire).
    page = open_page(storage={"mode": "operation", "colorScheme": "light", "language": "en",
                              "railExpanded": True, "tracePanelOpen": True})
    _sign_in(page, runtime, colleague)
    expect(page).to_have_url(re.compile("/operation$"))
    found = page.get_by_test_id("ranked-list").get_by_test_id("agent-card").filter(has_text="Otter Facts")
    for _ in range(40):
        page.get_by_test_id("requirement-input").fill("something about otters")
        page.get_by_test_id("requirement-input").press("Enter")
        expect(page.get_by_test_id("ranked-list").or_(page.get_by_role("status")).first).to_be_visible()
        if found.count():
            break
        page.wait_for_timeout(1000)
    found.get_by_role("link", name="Otter Facts").click()
    expect(page).to_have_url(re.compile(r"/operation/agents/[^/?]+"))
    expect(page.get_by_role("heading", name="Otter Facts")).to_be_visible()

    # Two chats: the first is kept in the session list after "new chat" and can be reopened.
    page.get_by_test_id("composer-input").fill("how do otters sleep")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("message-assistant").last).to_contain_text("echo: how do otters sleep",
                                                                          timeout=30_000)
    expect(page.get_by_test_id("session-item")).to_have_count(1)
    page.get_by_test_id("new-chat").click()
    expect(page.get_by_test_id("message-assistant")).to_have_count(0)
    page.get_by_test_id("composer-input").fill("what do otters eat")
    page.get_by_test_id("send").click()
    expect(page.get_by_test_id("message-assistant").last).to_contain_text("echo: what do otters eat",
                                                                          timeout=30_000)
    expect(page.get_by_test_id("session-item")).to_have_count(2)
    page.get_by_test_id("session-item").filter(has_text="how do otters sleep").click()
    expect(page.get_by_test_id("message-user")).to_have_count(1)
    expect(page.get_by_test_id("message-user").first).to_contain_text("how do otters sleep")
    # The colleague never sees the developer's trace panel.
    expect(page.get_by_test_id("show-trace")).to_have_count(0)


def test_operation_mode_shows_ranked_catalogue(open_page, runtime: RuntimeProcess) -> None:
    runtime.require_functions("AuthFunction", "RankingFunction", "AgentsCatalogFunction")
    page = open_page(storage={"mode": "operation", "colorScheme": "light", "language": "en",
                              "railExpanded": True, "tracePanelOpen": True}, session_hint=False)
    _sign_in(page, runtime, ADMIN)
    expect(page).to_have_url(re.compile("/operation$"))
    expect(page.get_by_test_id("mode-bar")).to_contain_text("Operation mode")
    page.get_by_test_id("requirement-input").fill("echo")
    page.get_by_test_id("requirement-input").press("Enter")
    expect(page.get_by_test_id("ranked-list").or_(page.get_by_role("status"))).to_be_visible()


def test_admin_tests_an_llm_and_sees_the_calls_in_the_statistics(open_page, runtime: RuntimeProcess,
                                                                  mock_llm: MockLlm, screenshot_dir) -> None:
    runtime.require_functions("AuthFunction", "LlmsFunction", "ApiKeysFunction", "LogProxyFunction",
                              "AdminStatsFunction", "MyAgentsFunction")
    _ensure_llm(runtime, mock_llm)
    # One call through the log-proxy by a developer of team "stats-team", as their agent would make it.
    developer = "ui-stats-dev"
    with _admin_api(runtime) as api:
        httpx.post(runtime.url("/api/auth/dev-login"), json={"username": developer, "team": "stats-team"},
                   timeout=30).raise_for_status()
        assert api.post(f"/api/admin/users/{developer}/approve").status_code == 200
    with httpx.Client(base_url=runtime.base_url, timeout=30,
                      headers={"Authorization": f"Bearer {_token(runtime, developer, 'stats-team')}"}) as dev:
        agent = dev.post("/api/my-agents", json={
            "name": "Stats agent", "framework": "CUSTOM",
            "endpoint": {"base_url": mock_llm.base_url, "custom_protocol": "openai"}})
        assert agent.status_code == 201, agent.text
        key = dev.post("/api/api-keys", json={"name": "stats"})
        assert key.status_code == 201, key.text
        proxied = httpx.post(runtime.url(f"/api/log-proxy/{agent.json()['trace_id']}/v1/chat/completions"),
                             headers={"Authorization": f"Bearer {key.json()['key']}"}, timeout=30,
                             json={"model": MODEL, "messages": [{"role": "user", "content": "count me"}]})
        assert proxied.status_code == 200, proxied.text

    page = open_page()
    _sign_in(page, runtime, ADMIN)
    expect(page).to_have_url(re.compile("/workspace$"))

    # The LLM registry's test action makes one real call to the mock and says how long it took.
    page.goto(runtime.url("/admin/llms"))
    card = page.get_by_test_id("llm-card").filter(has_text=MODEL)
    card.get_by_role("button", name="Test").click()
    expect(page.get_by_role("alert")).to_contain_text(re.compile(r"Reachable in [\d.]+ ms"), timeout=15_000)

    # Statistics read the counters the proxied call added (coalesced for up to a second: reload until there).
    page.goto(runtime.url("/admin/stats"))
    expect(page.get_by_test_id("chart-daily")).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Team").click()
    for _ in range(10):
        if page.get_by_role("cell", name="stats-team", exact=True).count():
            break
        page.wait_for_timeout(500)
        page.reload()
        page.get_by_role("button", name="Team").click()
    expect(page.get_by_role("row").filter(has_text="stats-team")).to_be_visible()
    expect(page.get_by_test_id("chart-users")).to_be_visible()
    assert int(page.get_by_test_id("distinct-active-users").inner_text().replace(",", "")) >= 1
    page.get_by_test_id("chart-users").scroll_into_view_if_needed()  # the page scrolls inside its main area
    page.screenshot(path=str(screenshot_dir / "runtime-admin-stats.png"))


def _tiny_png() -> bytes:
    """A valid 2×2 red PNG (the browser must decode what it downloads through the presigned URL)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_chat_with_a_text_file_and_an_image(open_page, runtime: RuntimeProcess, mock_llm: MockLlm) -> None:
    runtime.require_functions("AuthFunction", "MyAgentsFunction", "SessionsFunction", "FilesFunction",
                              "WsInvokeFunction")
    with _admin_api(runtime) as api:
        agent = api.post("/api/my-agents", json={
            "name": "Attachment echo", "framework": "CUSTOM",
            "endpoint": {"base_url": mock_llm.base_url, "custom_protocol": "openai"}})
        assert agent.status_code == 201, agent.text
    page = open_page()
    _sign_in(page, runtime, ADMIN)
    expect(page).to_have_url(re.compile("/workspace$"))
    page.goto(runtime.url(f"/workspace/agents/{agent.json()['id']}"))
    expect(page.get_by_test_id("connection-state")).to_have_attribute("data-state", "open", timeout=15_000)

    page.wait_for_load_state("networkidle")  # a new agent: no session yet, attaching a file makes one
    # Both files go to storage through presigned uploads before the message can be sent.
    page.get_by_test_id("file-input").set_input_files([
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"otter-fact-42: otters hold hands"},
        {"name": "red.png", "mimeType": "image/png", "buffer": _tiny_png()},
    ])
    expect(page.get_by_test_id("pending-attachment")).to_have_count(2)
    page.get_by_test_id("composer-input").fill("read my notes")
    expect(page.get_by_test_id("send")).to_be_enabled(timeout=15_000)
    page.get_by_test_id("send").click()

    # The agent got the text file inlined (the echo repeats it) and the user's message shows both files.
    expect(page.get_by_test_id("message-assistant").last).to_contain_text("otter-fact-42", timeout=30_000)
    sent = page.get_by_test_id("message-user").last
    expect(sent.get_by_text("notes.txt")).to_be_visible()
    image = sent.get_by_test_id("attachment-media").locator("img")
    expect(image).to_have_attribute("alt", "red.png")
    page.wait_for_function("img => img.complete && img.naturalWidth === 2", arg=image.element_handle(), timeout=15_000)
    expect(page.get_by_test_id("pending-attachment")).to_have_count(0)  # the composer is cleared


def test_code_answer_copies_and_the_agent_is_edited_then_deleted(open_page, runtime: RuntimeProcess,
                                                                 mock_llm: MockLlm) -> None:
    runtime.require_functions("AuthFunction", "MyAgentsFunction", "SessionsFunction", "WsInvokeFunction")
    with _admin_api(runtime) as api:
        created = api.post("/api/my-agents", json={
            "name": "Code echo", "framework": "CUSTOM",
            "endpoint": {"base_url": mock_llm.base_url, "custom_protocol": "openai"}})
        assert created.status_code == 201, created.text
        agent_id = created.json()["id"]
    page = open_page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=runtime.base_url)
    _sign_in(page, runtime, ADMIN)
    expect(page).to_have_url(re.compile("/workspace$"))

    # A fenced block in the answer renders as code with a working copy button.
    page.goto(runtime.url(f"/workspace/agents/{agent_id}"))
    page.get_by_test_id("composer-input").fill("here:\n```python\nprint('otters')\n```")
    page.get_by_test_id("send").click()
    block = page.get_by_test_id("message-assistant").last.get_by_test_id("code-block")
    expect(block).to_contain_text("print('otters')", timeout=30_000)
    expect(block).to_contain_text("python")
    block.get_by_role("button", name="Copy code").click()
    assert page.evaluate("navigator.clipboard.readText()").strip() == "print('otters')"

    # Edit from the workspace: the card shows the new title, a reload still does (it was saved).
    page.goto(runtime.url("/workspace"))
    card = page.get_by_test_id("agent-card").filter(has_text="Code echo")
    card.get_by_role("button", name="Edit Code echo").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox", name="Title").fill("Code echo v2")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden(timeout=30_000)
    page.reload()
    renamed = page.get_by_test_id("agent-card").filter(has_text="Code echo v2")
    expect(renamed).to_have_count(1)

    # Delete, confirmed: gone from the list and from the API.
    renamed.get_by_role("button", name="Delete Code echo v2").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_test_id("agent-card").filter(has_text="Code echo v2")).to_have_count(0)
    with _admin_api(runtime) as api:
        assert api.get(f"/api/my-agents/{agent_id}").status_code == 404
