"""Schedules through the local runtime: fire-now (endpoint and CLI), the scheduled event, time travel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e
REPO_ROOT = Path(__file__).resolve().parents[3]


def test_fire_now_runs_the_function_with_a_scheduled_event(test_runtime: Any) -> None:
    first = test_runtime.fire("tick-test")
    assert first["schedule"] == "tick-test" and first["function"] == "TickFunction"
    assert first["result"]["detail_type"] == "Scheduled Event"
    assert first["result"]["source"] == "aws.events"
    second = test_runtime.fire("tick-test")
    assert second["result"]["beats"] == first["result"]["beats"] + 1
    stored = httpx.get(test_runtime.url("/api/kv/tick-tick-test")).json()
    event = json.loads(stored["value"])
    assert event["resources"] == ["arn:aws:events:us-east-1:000000000000:rule/tick-test"]
    assert event["detail"] == {} and event["version"] == "0" and event["time"].endswith("Z")


def test_fire_by_function_or_event_name(test_runtime: Any) -> None:
    by_event = test_runtime.fire("TickFunction.Nightly")
    assert by_event["schedule"] == "TickFunctionNightly"
    ambiguous = test_runtime.control("POST", "schedules/TickFunction/fire")
    assert ambiguous.status_code == 409
    unknown = test_runtime.control("POST", "schedules/nope/fire")
    assert unknown.status_code == 404 and "tick-test" in unknown.json()["error"]["message"]
    assert "valid names" in unknown.json()["error"]["message"]


def test_schedules_list_with_next_fire(test_runtime: Any) -> None:
    schedules = {s["name"]: s for s in test_runtime.control("GET", "schedules").json()}
    assert schedules["tick-test"]["expression"] == "rate(1 minute)"
    assert schedules["TickFunctionNightly"]["next_fire"].endswith("03:00:00+00:00")


def test_fire_cli(test_runtime: Any) -> None:
    # The CLI finds the URL and the control token in the data dir's runtime.json, as `make fire` does.
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "infrastructure" / "local"),
           "A2G_DATA_DIR": str(test_runtime.data_dir)}
    done = subprocess.run([sys.executable, "-m", "a2g_local", "fire", "tick-test", "--url", test_runtime.base_url],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["result"]["rule"] == "tick-test"
    missing = subprocess.run([sys.executable, "-m", "a2g_local", "fire", "nope", "--url", test_runtime.base_url],
                             capture_output=True, text=True, env=env, timeout=60, check=False)
    assert missing.returncode == 1 and "404" in missing.stderr


def test_clock_offset_reaches_the_functions(test_runtime: Any) -> None:
    try:
        set_to = test_runtime.set_clock_offset(86400 * 31)
        assert set_to["offset_seconds"] == 86400 * 31
        seen = httpx.get(test_runtime.url("/api/clock")).json()
        assert seen["offset_seconds"] == 86400 * 31
    finally:
        test_runtime.set_clock_offset(0)
    assert httpx.get(test_runtime.url("/api/clock")).json()["offset_seconds"] == 0


def test_the_cli_without_the_runs_token_is_refused(test_runtime: Any, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "infrastructure" / "local"), "A2G_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "a2g_local", "fire", "tick-test", "--url", test_runtime.base_url],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 1 and "401" in done.stderr and "control token" in done.stderr
