"""The control endpoints on the platform's own template: only the run's own tools get in (issue 20, 1 and 13).

`make fire` and `make clock` (the commands the README shows) send the run's control token from the data
dir's runtime.json; anything else — no token, a web page's Origin, a text/plain body — is refused before
any function runs. The forged promotion of a PENDING user that any web page could send is refused too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.helpers import pending_user, sign_in

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e
REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def platform(runtime_launcher: Any) -> RuntimeProcess:
    """A runtime of its own: firing the platform's schedules must not touch the session runtime's agents."""
    return runtime_launcher()  # type: ignore[no-any-return]


def _make(rt: RuntimeProcess, *args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {**os.environ, "A2G_DATA_DIR": str(rt.data_dir)}
    return subprocess.run(["make", "-s", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


@pytest.mark.parametrize(("name", "schedule"), [
    ("health-checks", "a2g-health-checks-dev"), ("lifecycle", "a2g-lifecycle-dev"),
    ("heartbeat", "a2g-heartbeat-dev"), ("health_checks", "a2g-health-checks-dev"),
    ("a2g-lifecycle-dev", "a2g-lifecycle-dev"),
])
def test_make_fire_takes_the_names_the_readme_shows(platform: RuntimeProcess, name: str, schedule: str) -> None:
    done = _make(platform, "fire", f"SCHEDULE={name}")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["schedule"] == schedule


def test_make_fire_with_an_unknown_name_lists_the_valid_ones(platform: RuntimeProcess) -> None:
    done = _make(platform, "fire", "SCHEDULE=health")
    assert done.returncode != 0
    for name in ("health-checks", "lifecycle", "heartbeat", "a2g-health-checks-dev"):
        assert name in done.stderr


def test_make_clock_travels_in_time_and_back(platform: RuntimeProcess) -> None:
    try:
        done = _make(platform, "clock", "DAYS=31")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["offset_seconds"] == 31 * 86400
        assert platform.control("GET", "clock").json()["offset_seconds"] == 31 * 86400
        done = _make(platform, "clock", "HOURS=2", "SECONDS=30")
        assert json.loads(done.stdout)["offset_seconds"] == 7230
        shown = _make(platform, "clock")
        assert json.loads(shown.stdout)["offset_seconds"] == 7230
    finally:
        reset = _make(platform, "clock", "RESET=1")
    assert json.loads(reset.stdout)["offset_seconds"] == 0


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "info"), ("GET", "routes"), ("GET", "schedules"), ("GET", "clock"), ("POST", "clock"),
    ("POST", "schedules/lifecycle/fire"), ("POST", "functions/HeartbeatFunction/invoke"),
])
def test_every_control_endpoint_but_ready_needs_the_token(platform: RuntimeProcess, method: str, path: str) -> None:
    answer = httpx.request(method, platform.url(f"/_local/{path}"), json={} if method == "POST" else None)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "control_token_required"
    wrong = httpx.request(method, platform.url(f"/_local/{path}"), json={} if method == "POST" else None,
                          headers={"x-a2g-control-token": "guess"})
    assert wrong.status_code == 401
    assert httpx.get(platform.url("/_local/ready")).status_code == 200


def test_the_forgery_a_web_page_can_send_is_refused(platform: RuntimeProcess) -> None:
    victim = pending_user(platform)
    path = f"/api/admin/users/{victim.user_id}"
    event = {"version": "2.0", "routeKey": "PATCH /api/admin/users/{user_id}", "rawPath": path,
             "pathParameters": {"user_id": victim.user_id}, "headers": {"content-type": "application/json"},
             "requestContext": {"http": {"method": "PATCH", "path": path},
                                "authorizer": {"lambda": {"user_id": "admin", "role": "ADMIN", "team": "x",
                                                          "auth_kind": "token"}}},
             "body": json.dumps({"role": "ADMIN"})}
    invoke = platform.url("/_local/functions/AdminUsersFunction/invoke")
    # What a page can send without a preflight: text/plain, with the browser's Origin and fetch metadata.
    for headers in ({"content-type": "text/plain", "origin": "http://evil.example", "sec-fetch-site": "cross-site"},
                    {"content-type": "text/plain"},
                    {"content-type": "text/plain", "x-a2g-control-token": platform.control_token},
                    {"content-type": "application/json", "origin": "http://evil.example",
                     "x-a2g-control-token": platform.control_token}):
        answer = httpx.post(invoke, content=json.dumps(event), headers=headers)
        assert answer.status_code in (401, 403, 415), (headers, answer.text)
    assert sign_in(platform, victim.user_id, "e2e").role == "PENDING"
