"""Usage statistics over the real UsageTable on DynamoDB Local: counters written in the log-proxy's key
format (by its own writer where it matters) and read back one partition per day, concurrently.

The year figures are printed (run with `-s` to see them) and attached to the test report; nothing here
asserts on time (benchmarks do not belong in the test suite's pass/fail).
"""

from __future__ import annotations

import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from a2g.clock import FixedClock
from a2g.operations.ports import AgentPage
from a2g.operations.stats import StatsService
from a2g.operations.usage_repository import UsageCounterReader
from a2g.settings import get_settings
from a2g.tracing.repository import UsageRepository, usage_detail_key

YEAR_START = date(2030, 1, 1)
DAYS = 365
TEAMS, USERS, MODELS, AGENTS = ("red", "blue", "green"), ("u1", "u2"), ("gpt-4o", "org/llama#3"), ("agt_a", None)


class NoAgents:
    def page_by_status(self, status: str, **_: Any) -> AgentPage:
        return AgentPage([], None)

    def get(self, agent_id: str) -> None:
        return None

    def set_status(self, *_: Any) -> bool:
        return False

    def delete(self, *_: Any) -> bool:
        return False


def _counters(day_index: int, combo_index: int) -> dict[str, int]:
    calls = 1 + (day_index * 7 + combo_index * 3) % 11
    return {"calls": calls, "errors": calls // 5, "prompt_tokens": calls * 100, "completion_tokens": calls * 20,
            "latency_ms_sum": calls * (200 + combo_index)}


def _item(day: str, sk: str, c: dict[str, int]) -> dict[str, Any]:
    return {"PutRequest": {"Item": {"pk": {"S": f"DAY#{day}"}, "sk": {"S": sk},
                                    **{k: {"N": str(v)} for k, v in c.items()}}}}


@pytest.fixture(scope="module")
def seeded_year(dynamodb_endpoint: str) -> dict[str, Any]:
    """A year of counters: per day a TOTAL row and 24 detail rows (3 teams x 2 users x 2 models x 2 agents)."""
    client = boto3.client("dynamodb", endpoint_url=dynamodb_endpoint, region_name="us-east-1")
    table = get_settings().usage_table
    combos = list(itertools.product(TEAMS, USERS, MODELS, AGENTS))
    expected: dict[str, Any] = {"calls": 0, "by_team": {}, "by_model": {}, "users_per_day": len(USERS)}

    def write_day(i: int) -> None:
        day = (YEAR_START + timedelta(days=i)).isoformat()
        items, total = [], {"calls": 0, "errors": 0, "prompt_tokens": 0, "completion_tokens": 0,
                            "latency_ms_sum": 0}
        for j, (team, user, model, agent) in enumerate(combos):
            c = _counters(i, j)
            items.append(_item(day, usage_detail_key(team, user, model, agent), c))
            for k in total:
                total[k] += c[k]
        items.append(_item(day, "TOTAL", total))
        for start in range(0, len(items), 25):
            client.batch_write_item(RequestItems={table: items[start:start + 25]})

    for i in range(DAYS):
        for j, (team, _user, model, _agent) in enumerate(combos):
            calls = _counters(i, j)["calls"]
            expected["calls"] += calls
            expected["by_team"][team] = expected["by_team"].get(team, 0) + calls
            expected["by_model"][model] = expected["by_model"].get(model, 0) + calls
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(write_day, range(DAYS)))
    expected["items"] = DAYS * (len(combos) + 1)
    return expected


def _service(endpoint: str, today: date) -> StatsService:
    clock = FixedClock(datetime(today.year, today.month, today.day, 12, tzinfo=UTC))
    return StatsService(UsageCounterReader(endpoint_url=endpoint), NoAgents(), clock)


def test_a_year_of_statistics(seeded_year: dict[str, Any], dynamodb_endpoint: str,
                              record_property: Any) -> None:
    svc = _service(dynamodb_endpoint, YEAR_START + timedelta(days=DAYS))
    start, end = YEAR_START.isoformat(), (YEAR_START + timedelta(days=DAYS - 1)).isoformat()
    svc.usage(start, start, "day")  # warm the client (connection pool, credentials)

    figures: dict[str, float] = {}
    for group_by in ("day", "team", "user", "model", "agent"):
        runs = []
        for _ in range(3):
            began = time.perf_counter()
            result = svc.usage(start, end, group_by)
            runs.append((time.perf_counter() - began) * 1000)
            assert result["totals"]["calls"] == seeded_year["calls"]
        figures[group_by] = min(runs)
        if group_by == "day":
            assert len(result["groups"]) == DAYS
        if group_by == "team":
            assert {g["key"]: g["calls"] for g in result["groups"]} == seeded_year["by_team"]
        if group_by == "model":
            assert {g["key"]: g["calls"] for g in result["groups"]} == seeded_year["by_model"]
        if group_by == "agent":
            assert {g["key"] for g in result["groups"]} == {"agt_a", None}
    users = svc.users(start, end)
    assert all(d["active_users"] == seeded_year["users_per_day"] for d in users["days"])

    for group_by, ms in figures.items():
        record_property(f"year_{group_by}_ms", round(ms, 1))
    print(f"\nusage statistics over {DAYS} days ({seeded_year['items']} counter items, DynamoDB Local): "
          + ", ".join(f"group_by={g}: {ms:.0f} ms" for g, ms in figures.items()))


def test_statistics_equal_what_the_log_proxy_writer_counted(ddb: str) -> None:
    """Counters written through the tracing domain's own writer (two atomic ADDs per call) add up."""
    writer = UsageRepository()
    day = "2031-07-04"
    calls = [("red", "ann", "gpt-4o", "agt_1", 120, 30, 250, False),
             ("red", "ann", "gpt-4o", "agt_1", 80, 10, 150, True),
             ("blue", "bo", "llama", None, 10, 5, 90, False)]
    for team, user, model, agent, prompt, completion, latency, failed in calls:
        writer.add(day, usage_detail_key(team, user, model, agent),
                   {"calls": 1, "errors": int(failed), "prompt_tokens": prompt,
                    "completion_tokens": completion, "latency_ms_sum": latency})
    svc = _service(ddb, date(2031, 7, 5))
    by_day = svc.usage(day, day, "day")
    assert by_day["totals"] == {"calls": 3, "errors": 1, "prompt_tokens": 210, "completion_tokens": 45,
                                "total_tokens": 255, "avg_latency_ms": round(490 / 3, 1)}
    by_user = {g["key"]: g for g in svc.usage(day, day, "user")["groups"]}
    assert by_user["ann"]["calls"] == 2 and by_user["ann"]["errors"] == 1 and by_user["ann"]["avg_latency_ms"] == 200
    by_agent = {g["key"]: g["calls"] for g in svc.usage(day, day, "agent")["groups"]}
    assert by_agent == {"agt_1": 2, None: 1}
