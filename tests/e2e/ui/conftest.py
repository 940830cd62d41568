"""Browser fixtures for the web app's end-to-end tests.

Chromium is Debian's (/usr/bin/chromium, `apt-get install chromium`), driven by the Python `playwright`
package; no browser is ever downloaded. The built app (frontend/dist) is built here when missing.

- ``browser`` (session): one headless Chromium.
- ``open_page`` (function): a factory for pages in fresh contexts (laptop-sized by default) that collect
  console errors and uncaught exceptions; the test fails if any appeared, so "no errors in the console" is
  checked on every page the tests visit.
- ``static_app`` (session): the built app on its own port with SPA fallback, for the screenshot tour that
  runs against ``FakeApi``; the journeys use the real runtime (which serves the same dist).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
FRONTEND = REPO_ROOT / "frontend"
DIST = FRONTEND / "dist"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = os.environ.get("A2G_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def _build_frontend() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed, so the frontend cannot be built")
    if not (FRONTEND / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)
    subprocess.run([npm, "run", "build"], cwd=FRONTEND, check=True)


@pytest.fixture(scope="session")
def frontend_dist() -> Path:
    if os.environ.get("A2G_UI_REBUILD") == "1" or not (DIST / "index.html").is_file():
        _build_frontend()
    return DIST


# Module scope, not session: Playwright's sync API keeps an asyncio loop marked running on the main thread
# while it is open, which breaks every asyncio test that runs after it in the same worker.
@pytest.fixture(scope="module")
def browser(frontend_dist: Path) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@dataclass
class PageProblems:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    # Messages the browser logs for requests a test makes fail on purpose (e.g. a 400 shown at a field).
    allowed: list[str] = field(default_factory=list)

    def unexpected(self) -> list[str]:
        return [m for m in self.console_errors + self.page_errors if not any(a in m for a in self.allowed)]


@pytest.fixture
def open_page(browser: object) -> Iterator[Callable[..., object]]:
    contexts: list[object] = []
    problems: list[PageProblems] = []

    def make(width: int = 1440, height: int = 900, color_scheme: str = "light", storage: dict | None = None,
             session_hint: bool = False):
        ctx = browser.new_context(viewport={"width": width, "height": height}, color_scheme=color_scheme,  # type: ignore[attr-defined]
                                  locale="en-US", timezone_id="Asia/Seoul")
        contexts.append(ctx)
        if storage:
            # The app keeps look-and-feel (theme, mode, language) in localStorage under "a2g-ui".
            import json

            # `?.`: a document created while its context closes (a test that failed) has no storage.
            ctx.add_init_script(f"window.localStorage?.setItem('a2g-ui', {json.dumps(json.dumps({'state': storage, 'version': 0}))});")
        if session_hint:
            # "This browser may hold a refresh cookie": makes the app try /api/auth/refresh on load.
            ctx.add_init_script("window.localStorage?.setItem('a2g-session', '1');")
        page = ctx.new_page()
        found = PageProblems()
        problems.append(found)
        page.on("console", lambda msg: msg.type == "error" and found.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: found.page_errors.append(str(exc)))
        page.problems = found  # type: ignore[attr-defined]
        return page

    yield make
    for ctx in contexts:
        ctx.close()  # type: ignore[attr-defined]
    bad = [m for p in problems for m in p.unexpected()]
    assert not bad, "errors in the browser console:\n" + "\n".join(bad)


class _SpaHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files from dist; any other path gets index.html (client-side routes)."""

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if not path.exists() or path.is_dir() and not (path / "index.html").exists():
            self.path = "/index.html"
        return super().send_head()


@pytest.fixture(scope="session")
def static_app(frontend_dist: Path) -> Iterator[str]:
    handler = functools.partial(_SpaHandler, directory=str(frontend_dist))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
