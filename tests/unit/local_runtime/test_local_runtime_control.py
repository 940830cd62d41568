"""The control endpoints' guard (token, browser markers, Host, content type) and the schedule names they accept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from a2g_local.control import describe_schedule_names, find_schedules, refusal
from a2g_local.template import load_template

REPO_ROOT = Path(__file__).resolve().parents[3]
TOKEN = "t" * 43


def _scope(method: str = "POST", path: str = "/_local/clock", client: str = "127.0.0.1",
           **headers: str) -> dict[str, Any]:
    base = {"host": "127.0.0.1:3000", "x-a2g-control-token": TOKEN, "content-type": "application/json"}
    base.update({k.replace("_", "-"): v for k, v in headers.items()})
    return {"method": method, "path": path, "client": (client, 5555),
            "headers": [(k.encode(), v.encode()) for k, v in base.items() if v is not None]}


def _code(scope: dict[str, Any]) -> str | None:
    refused = refusal(scope, token=TOKEN, own_hosts=frozenset())
    return None if refused is None else refused[1]


def test_the_runtimes_own_tools_pass() -> None:
    assert _code(_scope()) is None
    assert _code(_scope("GET", "/_local/info", content_type=None)) is None
    assert _code(_scope(content_type="application/json; charset=utf-8")) is None
    assert _code(_scope(host="localhost:3000")) is None and _code(_scope(host="[::1]:3000")) is None


@pytest.mark.parametrize("headers", [
    {"origin": "http://evil.example"},
    {"origin": "null"},
    {"origin": "http://127.0.0.1:3000"},  # even the app's own pages do not drive the control endpoints
    {"sec_fetch_site": "cross-site"},
    {"sec_fetch_site": "same-site"},
    {"sec_fetch_site": "same-origin"},
])
def test_requests_from_web_pages_are_refused(headers: dict[str, str]) -> None:
    assert _code(_scope(**headers)) == "cross_site_refused"


@pytest.mark.parametrize("token", [None, "", "wrong", TOKEN + "x", TOKEN[:-1]])
def test_the_control_token_is_required(token: str | None) -> None:
    assert _code(_scope(x_a2g_control_token=token)) == "control_token_required"
    assert _code(_scope("GET", "/_local/info", x_a2g_control_token=token)) == "control_token_required"


def test_readiness_needs_no_token() -> None:
    assert _code(_scope("GET", "/_local/ready", x_a2g_control_token=None)) is None
    assert _code(_scope("GET", "/_local/ready", x_a2g_control_token=None, origin="http://evil.example")) \
        == "cross_site_refused"


@pytest.mark.parametrize("ctype", [None, "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", "application/jsonp"])
def test_posts_must_be_json(ctype: str | None) -> None:
    assert _code(_scope(content_type=ctype)) == "unsupported_media_type"


def test_a_rebound_host_name_is_refused() -> None:
    assert _code(_scope(host="attacker.example:3000")) == "host_not_allowed"
    assert _code(_scope(client="10.0.0.5")) == "forbidden"


@pytest.fixture(scope="module")
def platform_template() -> Any:
    return load_template(REPO_ROOT / "template.yaml", environ={}, allow_missing_functions=True)


@pytest.mark.parametrize(("name", "schedule"), [
    ("health-checks", "a2g-health-checks-dev"), ("health_checks", "a2g-health-checks-dev"),
    ("a2g-health-checks-dev", "a2g-health-checks-dev"), ("HealthChecksFunction", "a2g-health-checks-dev"),
    ("HealthChecks", "a2g-health-checks-dev"), ("lifecycle", "a2g-lifecycle-dev"),
    ("a2g-lifecycle-dev", "a2g-lifecycle-dev"), ("heartbeat", "a2g-heartbeat-dev"),
    ("Heartbeat", "a2g-heartbeat-dev"), ("a2g-heartbeat-dev", "a2g-heartbeat-dev"),
])
def test_the_names_the_readme_shows_find_their_schedule(platform_template: Any, name: str, schedule: str) -> None:
    assert [s.name for s in find_schedules(platform_template, name)] == [schedule]


def test_a_miss_lists_the_valid_names(platform_template: Any) -> None:
    assert find_schedules(platform_template, "health") == []
    listed = describe_schedule_names(platform_template)
    for expected in ("health-checks", "lifecycle", "heartbeat", "a2g-health-checks-dev", "HealthChecksFunction"):
        assert expected in listed
