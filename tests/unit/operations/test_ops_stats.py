"""Usage statistics from counter rows: grouping, averages, zero-filled days, validation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from a2g.clock import FixedClock
from a2g.errors import ValidationFailed
from a2g.operations.ports import DEVELOPMENT, DISABLED, PRODUCTION, AgentView
from a2g.operations.stats import StatsService
from a2g.operations.usage_repository import CounterRow, GatewayRow, split_detail_key
from operations_fakes import FakeAgents


class FakeCounters:
    def __init__(self, rows: list[CounterRow]) -> None:
        self.rows = rows
        self.calls: list[tuple[int, bool]] = []

    def day_rows(self, days: list[date], *, details: bool) -> dict[str, list[CounterRow]]:
        self.calls.append((len(days), details))
        wanted = {d.isoformat() for d in days}
        out: dict[str, list[CounterRow]] = {d: [] for d in wanted}
        for row in self.rows:
            if row.day in wanted and (bool(row.user) == details):
                out[row.day].append(row)
        return out


def detail(day: str, team: str, user: str, model: str, agent: str, calls: int, errors: int = 0,
           latency: float = 100.0) -> CounterRow:
    return CounterRow(day=day, team=team, user=user, model=model, agent=agent, calls=calls, errors=errors,
                      prompt_tokens=10 * calls, completion_tokens=5 * calls, latency_ms_sum=latency * calls)


def with_totals(rows: list[CounterRow]) -> list[CounterRow]:
    totals: dict[str, CounterRow] = {}
    for r in rows:
        t = totals.get(r.day) or CounterRow(day=r.day, team="", user="", model="", agent="")
        totals[r.day] = CounterRow(
            day=r.day, team="", user="", model="", agent="", calls=t.calls + r.calls, errors=t.errors + r.errors,
            prompt_tokens=t.prompt_tokens + r.prompt_tokens, completion_tokens=t.completion_tokens + r.completion_tokens,
            latency_ms_sum=t.latency_ms_sum + r.latency_ms_sum,
        )
    return rows + list(totals.values())


ROWS = with_totals([
    detail("2026-05-01", "red", "ann", "gpt", "ag1", 3, errors=1, latency=200),
    detail("2026-05-01", "red", "ben", "gpt", "ag2", 1),
    detail("2026-05-03", "blue", "cy", "llama", "ag1", 6, latency=50),
    detail("2026-04-30", "blue", "cy", "llama", "ag1", 100),  # outside the range
])


def service(rows: list[CounterRow] = ROWS, agents: FakeAgents | None = None) -> tuple[StatsService, FakeCounters]:
    counters = FakeCounters(rows)
    clock = FixedClock(datetime(2026, 5, 3, 10, tzinfo=UTC))
    return StatsService(counters, agents or FakeAgents(), clock), counters


def test_by_day_reads_only_totals_and_fills_empty_days() -> None:
    svc, counters = service()
    result = svc.usage("2026-05-01", "2026-05-03", "day")
    assert counters.calls == [(3, False)]
    assert [g["key"] for g in result["groups"]] == ["2026-05-01", "2026-05-02", "2026-05-03"]
    assert [g["calls"] for g in result["groups"]] == [4, 0, 6]
    assert result["groups"][1]["avg_latency_ms"] is None
    assert result["totals"] == {
        "calls": 10, "errors": 1, "prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150,
        "avg_latency_ms": round((600 + 100 + 300) / 10, 1),
    }


@pytest.mark.parametrize(("group_by", "expected"), [
    ("team", {"red": 4, "blue": 6}),
    ("user", {"ann": 3, "ben": 1, "cy": 6}),
    ("model", {"gpt": 4, "llama": 6}),
    ("agent", {"ag1": 9, "ag2": 1}),
])
def test_grouping(group_by: str, expected: dict[str, int]) -> None:
    svc, counters = service()
    result = svc.usage("2026-05-01", "2026-05-03", group_by)
    assert counters.calls == [(3, True)]
    assert {g["key"]: g["calls"] for g in result["groups"]} == expected
    assert result["groups"][0]["calls"] == max(expected.values())  # most calls first
    assert result["totals"]["calls"] == 10


def test_average_latency_is_weighted_by_calls() -> None:
    svc, _ = service()
    red = next(g for g in svc.usage("2026-05-01", "2026-05-01", "team")["groups"] if g["key"] == "red")
    assert red["avg_latency_ms"] == 175.0  # (3*200 + 1*100) / 4


@pytest.mark.parametrize(("start", "end", "group_by"), [
    ("2026-13-01", "2026-05-01", "day"),
    ("yesterday", None, "day"),
    ("2026-05-03", "2026-05-01", "day"),
    ("2024-01-01", "2026-01-01", "day"),
    ("2026-05-01", "2026-05-02", "week"),
])
def test_bad_requests_are_validation_errors(start: str, end: str | None, group_by: str) -> None:
    svc, _ = service()
    with pytest.raises(ValidationFailed):
        svc.usage(start, end, group_by)


def test_a_whole_year_is_allowed_and_defaults_end_today() -> None:
    svc, _ = service()
    result = svc.usage("2025-05-04", None, "day")
    assert len(result["groups"]) == 365
    assert result["to"] == "2026-05-03"


def test_active_users_per_day() -> None:
    svc, _ = service()
    result = svc.users("2026-05-01", "2026-05-03")
    assert [d["active_users"] for d in result["days"]] == [2, 0, 1]
    assert result["distinct_active_users"] == 3


def test_agent_statistics() -> None:
    agents = FakeAgents()
    t = datetime(2026, 5, 1, tzinfo=UTC)
    for agent_id, status, framework in [("ag1", PRODUCTION, "A2A"), ("ag2", DEVELOPMENT, "AGNO"),
                                        ("ag3", DEVELOPMENT, "AGNO"), ("ag4", DISABLED, "ADK")]:
        agents.add(AgentView(agent_id=agent_id, owner_id="o", name=agent_id.upper(), status=status,
                             framework=framework, base_url="http://x", created_at=t, updated_at=t))
    svc, _ = service(agents=agents)
    result = svc.agents()
    assert result["total"] == 4
    assert result["by_status"] == {DEVELOPMENT: 2, PRODUCTION: 1, DISABLED: 1}
    assert result["by_framework"] == {"A2A": 1, "ADK": 1, "AGNO": 2}
    assert [(m["agent_id"], m["name"], m["calls"]) for m in result["most_used"]] == [("ag1", "AG1", 109),
                                                                                    ("ag2", "AG2", 1)]


def test_detail_keys_split_back_as_the_log_proxy_escaped_them() -> None:
    assert split_detail_key("D#red#ann#gpt-4o#ag1") == ("red", "ann", "gpt-4o", "ag1")
    assert split_detail_key("D#-#ann#org%23model%2520x#-") == ("", "ann", "org#model%20x", "")
    assert split_detail_key("TOTAL") is None
    assert split_detail_key("D#only#three#parts") is None


class FakeGatewayCounters(FakeCounters):
    def __init__(self, rows: list[GatewayRow]) -> None:
        super().__init__([])
        self.gateway = rows
        self.asked: list[date] = []

    def gateway_rows(self, days: list[date]) -> list[GatewayRow]:
        self.asked = days
        wanted = {d.isoformat() for d in days}
        return [r for r in self.gateway if r.day in wanted]


def test_gateway_calls_per_agent_per_calling_team_and_per_pair() -> None:
    agents = FakeAgents()
    when = datetime(2026, 5, 1, tzinfo=UTC)
    agents.add(AgentView(agent_id="ag1", owner_id="o", name="Planner", status=PRODUCTION, framework="A2A",
                         base_url="http://x", created_at=when, updated_at=when))  # fmt: skip
    counters = FakeGatewayCounters([
        GatewayRow("2026-05-01", "red", "ag1", calls=3, errors=1, latency_ms_sum=900),
        GatewayRow("2026-05-02", "blue", "ag1", calls=1, latency_ms_sum=100),
        GatewayRow("2026-05-02", "", "gone", calls=2, latency_ms_sum=400),
        GatewayRow("2026-04-01", "red", "ag1", calls=50),  # outside the range
    ])
    stats = StatsService(counters, agents, FixedClock(datetime(2026, 5, 3, 10, tzinfo=UTC)))
    out = stats.gateway("2026-05-01", "2026-05-03")
    assert [d.isoformat() for d in counters.asked] == ["2026-05-01", "2026-05-02", "2026-05-03"]
    assert out["totals"] == {"calls": 6, "errors": 1, "avg_latency_ms": 233.3}
    assert out["by_agent"] == [
        {"agent_id": "ag1", "name": "Planner", "calls": 4, "errors": 1, "avg_latency_ms": 250.0},
        {"agent_id": "gone", "name": None, "calls": 2, "errors": 0, "avg_latency_ms": 200.0},
    ]
    assert [(g["team"], g["calls"]) for g in out["by_team"]] == [("red", 3), (None, 2), ("blue", 1)]
    assert [(p["agent_id"], p["team"], p["calls"]) for p in out["by_agent_and_team"]] == [
        ("ag1", "red", 3), ("gone", None, 2), ("ag1", "blue", 1)]
    with pytest.raises(ValidationFailed):
        stats.gateway("2026-05-03", "2026-05-01")


class FakeUserNames:
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.asked: list[str] = []

    def display_name(self, user_id: str) -> str | None:
        self.asked.append(user_id)
        return self.names.get(user_id)


def test_breakdowns_by_agent_and_user_carry_names_beside_the_ids() -> None:
    agents = FakeAgents()
    when = datetime(2026, 5, 1, tzinfo=UTC)
    agents.add(AgentView(agent_id="ag1", owner_id="o", name="Trip Planner", status=PRODUCTION, framework="A2A",
                         base_url="http://x", created_at=when, updated_at=when))  # fmt: skip
    users = FakeUserNames({"ann": "Ann Lee", "cy": "Cy Park"})
    stats = StatsService(FakeCounters(ROWS), agents, FixedClock(datetime(2026, 5, 3, 10, tzinfo=UTC)), users=users)
    by_agent = {g["key"]: g["name"] for g in stats.usage("2026-05-01", "2026-05-03", "agent")["groups"]}
    assert by_agent == {"ag1": "Trip Planner", "ag2": None}  # ag2 no longer exists: its id is all there is
    by_user = {g["key"]: g["name"] for g in stats.usage("2026-05-01", "2026-05-03", "user")["groups"]}
    assert by_user == {"ann": "Ann Lee", "ben": None, "cy": "Cy Park"}
    assert sorted(users.asked) == ["ann", "ben", "cy"]
    # Other groupings are named by their key already, and look nothing up.
    assert {g["name"] for g in stats.usage("2026-05-01", "2026-05-03", "team")["groups"]} == {None}
    assert len(users.asked) == 3
