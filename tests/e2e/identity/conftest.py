"""Identity e2e fixtures: a real OpenID Connect provider (tests/e2e/oidc, npm oidc-provider) and a browser-like
driver for its sign-in pages.

`oidc_provider(redirect_uris, users=..., signing_key_pem=...)` starts the provider on a free 127.0.0.1 port and returns its issuer
URL and public key; it is stopped at the end of the module. `browser_sign_in(...)` plays a person in a
browser: /api/auth/login -> the provider's login and consent forms -> /api/auth/callback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

E2E_DIR = Path(__file__).resolve().parents[1]
OIDC_DIR = E2E_DIR / "oidc"
if str(E2E_DIR) not in sys.path:  # tests/e2e/helpers.py
    sys.path.insert(0, str(E2E_DIR))

CLIENT_ID = "a2g-e2e"
CLIENT_SECRET = "a2g-e2e-secret-for-tests"


@dataclass
class OidcProvider:
    issuer: str
    public_key_pem: str
    kid: str
    process: subprocess.Popen[str]

    def platform_env(self, **extra: str) -> dict[str, str]:
        """The runtime settings that point the platform at this provider."""
        return {"A2G_OIDC_ISSUER": self.issuer, "A2G_OIDC_CLIENT_ID": CLIENT_ID,
                "A2G_OIDC_CLIENT_SECRET": CLIENT_SECRET, **extra}


def _start_provider(
    redirect_uris: list[str], users: dict[str, dict[str, str]], signing_key_pem: str | None
) -> OidcProvider:
    node = shutil.which("node")
    if node is None:
        pytest.skip("the test OpenID Connect provider needs Node.js")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("tests/e2e/oidc/node_modules is missing: run `make install` (npm ci in tests/e2e/oidc)")
    env = {**os.environ, "OIDC_PORT": "0", "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
           "OIDC_REDIRECT_URIS": ",".join(redirect_uris), "OIDC_USERS": json.dumps(users)}
    if signing_key_pem:
        env["OIDC_SIGNING_KEY_PEM"] = signing_key_pem
    process = subprocess.Popen(
        [node, "provider.mjs"], cwd=OIDC_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL, text=True,
    )
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline() if process.stdout else ""))
    reader.start()
    reader.join(timeout=60)
    if not line or not line[0].strip():
        process.kill()
        raise RuntimeError("the test OpenID Connect provider did not start")
    info = json.loads(line[0])
    return OidcProvider(info["issuer"], info["public_key_pem"], info["kid"], process)


@pytest.fixture(scope="module")
def oidc_provider() -> Iterator[Callable[..., OidcProvider]]:
    started: list[OidcProvider] = []

    def start(
        redirect_uris: list[str], users: dict[str, dict[str, str]] | None = None, signing_key_pem: str | None = None
    ) -> OidcProvider:
        provider = _start_provider(redirect_uris, users or {}, signing_key_pem)
        started.append(provider)
        return provider

    yield start
    for provider in started:
        provider.process.terminate()
        try:
            provider.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            provider.process.kill()


# --- a person in a browser ------------------------------------------------------------------------------

_FORM = re.compile(r"<form[^>]*action=\"([^\"]+)\"[^>]*>(.*?)</form>", re.DOTALL | re.IGNORECASE)
_INPUT = re.compile(r"<input[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"(\w+)=\"([^\"]*)\"")


def _form(html: str, base: str) -> tuple[str, dict[str, str]]:
    match = _FORM.search(html)
    if match is None:
        raise AssertionError(f"no form on the provider's page:\n{html[:2000]}")
    fields: dict[str, str] = {}
    for tag in _INPUT.findall(match.group(2)):
        attrs = dict(_ATTR.findall(tag))
        if "name" in attrs:
            fields[attrs["name"]] = unescape(attrs.get("value", ""))
    return urljoin(base, unescape(match.group(1))), fields


@dataclass
class BrowserResult:
    """Where the platform's callback sent the browser, and the browser (its cookie jar)."""

    callback_response: httpx.Response
    browser: httpx.Client
    redirects: list[str]


def browser_sign_in(
    base_url: str, username: str, *, login_path: str = "/api/auth/login",
    tamper_callback: Callable[[str], str] | None = None, max_steps: int = 20,
) -> BrowserResult:
    """Sign in through the provider's pages; `tamper_callback` may rewrite the callback URL (attack tests)."""
    browser = httpx.Client(timeout=30.0, follow_redirects=False)
    callback_prefix = base_url + "/api/auth/callback"
    seen: list[str] = []
    response = browser.get(base_url + login_path)
    for _ in range(max_steps):
        if response.status_code in (302, 303):
            location = urljoin(str(response.url), response.headers["location"])
            seen.append(location)
            if location.startswith(callback_prefix):
                if tamper_callback is not None:
                    location = tamper_callback(location)
                return BrowserResult(browser.get(location), browser, seen)
            response = browser.get(location)
            continue
        if response.status_code == 200 and "<form" in response.text:
            action, fields = _form(response.text, str(response.url))
            if "login" in fields or 'name="login"' in response.text:
                fields.update({"login": username, "password": "any-password"})
            response = browser.post(action, data=fields)
            continue
        raise AssertionError(f"unexpected answer during sign-in: {response.status_code} {response.text[:1000]}")
    raise AssertionError(f"sign-in did not reach the callback in {max_steps} steps: {seen}")


@pytest.fixture
def sign_in_with_browser() -> Callable[..., BrowserResult]:
    return browser_sign_in

