"""Statistics for administrators, computed from the pre-aggregated counters only (never the logs)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, Protocol

from a2g.clock import Clock
from a2g.errors import ValidationFailed
from a2g.operations.ports import DEVELOPMENT, DISABLED, PRODUCTION, AgentDirectory
from a2g.operations.usage_repository import CounterRow, GatewayRow

GroupBy = Literal["day", "team", "user", "model", "agent"]
GROUP_BYS: tuple[str, ...] = ("day", "team", "user", "model", "agent")


class UserNames(Protocol):
    def display_name(self, user_id: str) -> str | None:
        """The person's display name; None when the user is unknown (or the profile cannot be read)."""
        ...


class UsageCounters(Protocol):
    def day_rows(self, days: list[date], *, details: bool) -> dict[str, list[CounterRow]]: ...

    def gateway_rows(self, days: list[date]) -> list[GatewayRow]: ...


@dataclass
class _Sums:
    calls: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms_sum: float = 0.0

    def add(self, row: CounterRow) -> None:
        self.calls += row.calls
        self.errors += row.errors
        self.prompt_tokens += row.prompt_tokens
        self.completion_tokens += row.completion_tokens
        self.latency_ms_sum += row.latency_ms_sum

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "errors": self.errors,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "avg_latency_ms": round(self.latency_ms_sum / self.calls, 1) if self.calls else None,
        }


def parse_day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(f"{name}: expected a date YYYY-MM-DD, got {value!r}") from exc


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


class StatsService:
    def __init__(self, counters: UsageCounters, agents: AgentDirectory, clock: Clock, *, max_days: int = 366,
                 users: UserNames | None = None):
        self._counters = counters
        self._agents = agents
        self._users = users
        self._clock = clock
        self._max_days = max_days

    def _range(self, start: str | None, end: str | None, default_days: int) -> tuple[date, date]:
        today = self._clock.now().date()
        last = parse_day(end, "to") if end else today
        first = parse_day(start, "from") if start else last - timedelta(days=default_days - 1)
        if first > last:
            raise ValidationFailed("'from' must not be after 'to'")
        if (last - first).days + 1 > self._max_days:
            raise ValidationFailed(f"the range is limited to {self._max_days} days")
        return first, last

    def usage(self, start: str | None, end: str | None, group_by: str = "day") -> dict[str, Any]:
        """Calls, errors, tokens and average latency between two days (inclusive), grouped."""
        if group_by not in GROUP_BYS:
            raise ValidationFailed(f"group_by must be one of {', '.join(GROUP_BYS)}")
        first, last = self._range(start, end, default_days=30)
        days = days_between(first, last)
        # The day view needs only each day's sums; the others need the detail rows.
        by_day = self._counters.day_rows(days, details=group_by != "day")
        totals = _Sums()
        groups: dict[str, _Sums] = defaultdict(_Sums)
        for day, rows in by_day.items():
            for row in rows:
                totals.add(row)
                key = day if group_by == "day" else getattr(row, group_by)
                groups[key].add(row)
        if group_by == "day":
            ordered = [(d.isoformat(), groups.get(d.isoformat(), _Sums())) for d in days]  # zero-filled
        else:
            ordered = sorted(groups.items(), key=lambda kv: (-kv[1].calls, kv[0]))
        names = self._names(group_by, [key for key, _ in ordered if key])
        return {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "group_by": group_by,
            "totals": totals.as_dict(),
            "groups": [{"key": key or None, "name": names.get(key), **sums.as_dict()} for key, sums in ordered],
        }

    def _names(self, group_by: str, keys: list[str]) -> dict[str, str]:
        """What people call the agents / users of a breakdown (ids stay in `key`): an agent's name while it
        exists, a user's display name. A group's name is None when there is none to show."""
        names: dict[str, str] = {}
        if group_by == "agent":
            for agent_id in keys:
                agent = self._agents.get(agent_id)  # a breakdown has a few dozen groups: GetItem each
                if agent is not None and agent.name:
                    names[agent_id] = agent.name
        elif group_by == "user" and self._users is not None:
            for user_id in keys:
                name = self._users.display_name(user_id)
                if name:
                    names[user_id] = name
        return names

    def users(self, start: str | None, end: str | None) -> dict[str, Any]:
        """Active users per day: people whose LLM calls went through the platform that day."""
        first, last = self._range(start, end, default_days=30)
        days = days_between(first, last)
        by_day = self._counters.day_rows(days, details=True)
        everyone: set[str] = set()
        series = []
        for d in days:
            rows = by_day.get(d.isoformat(), [])
            users = {row.user for row in rows if row.user}
            everyone |= users
            series.append({"date": d.isoformat(), "active_users": len(users), "calls": sum(r.calls for r in rows)})
        return {"from": first.isoformat(), "to": last.isoformat(), "days": series,
                "distinct_active_users": len(everyone)}

    def gateway(self, start: str | None, end: str | None) -> dict[str, Any]:
        """Calls of agents through the A2A gateway / MCP between two days (inclusive): per agent, per calling
        team (the caller's team at the time of the call), and per pair."""
        first, last = self._range(start, end, default_days=30)
        rows = self._counters.gateway_rows(days_between(first, last))
        names: dict[str, str] = {}
        for agent_id in {r.agent for r in rows}:
            agent = self._agents.get(agent_id)  # a few agents: GetItem each
            if agent is not None:
                names[agent_id] = agent.name
        return {"from": first.isoformat(), "to": last.isoformat(), **gateway_stats(rows, names)}

    def agents(self, *, most_used_days: int = 30, top: int = 10) -> dict[str, Any]:
        """Agents by status and by framework, and the agents with the most LLM calls lately."""
        by_status: Counter[str] = Counter()
        by_framework: Counter[str] = Counter()
        names: dict[str, str] = {}
        for status in (DEVELOPMENT, PRODUCTION, DISABLED):
            for agent in _all_with_status(self._agents, status):
                by_status[status] += 1
                by_framework[agent.framework] += 1
                names[agent.agent_id] = agent.name
        last = self._clock.now().date()
        first = last - timedelta(days=most_used_days - 1)
        usage = self.usage(first.isoformat(), last.isoformat(), "agent")
        most_used = [
            {"agent_id": g["key"], "name": names.get(g["key"]), "calls": g["calls"],
             "total_tokens": g["total_tokens"]}
            for g in usage["groups"] if g["key"]
        ][:top]
        return {
            "total": sum(by_status.values()),
            "by_status": {s: by_status.get(s, 0) for s in (DEVELOPMENT, PRODUCTION, DISABLED)},
            "by_framework": dict(sorted(by_framework.items())),
            "most_used": most_used,
            "most_used_window": {"from": first.isoformat(), "to": last.isoformat()},
        }


def _call_sums(rows: Iterable[GatewayRow]) -> dict[str, Any]:
    calls = sum(r.calls for r in rows)
    latency = sum(r.latency_ms_sum for r in rows)
    return {"calls": calls, "errors": sum(r.errors for r in rows),
            "avg_latency_ms": round(latency / calls, 1) if calls else None}


def gateway_stats(rows: list[GatewayRow], names: dict[str, str]) -> dict[str, Any]:
    """Calls through the A2A gateway per agent, per calling team, and per (agent, calling team)."""
    def grouped(key: Callable[[GatewayRow], tuple[str, ...]]) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
        groups: dict[tuple[str, ...], list[GatewayRow]] = defaultdict(list)
        for row in rows:
            groups[key(row)].append(row)
        sums = [(k, _call_sums(v)) for k, v in groups.items()]
        return sorted(sums, key=lambda kv: (-kv[1]["calls"], kv[0]))

    return {
        "totals": _call_sums(rows),
        "by_agent": [{"agent_id": k[0], "name": names.get(k[0]), **v} for k, v in grouped(lambda r: (r.agent,))],
        "by_team": [{"team": k[0] or None, **v} for k, v in grouped(lambda r: (r.team,))],
        "by_agent_and_team": [{"agent_id": k[0], "name": names.get(k[0]), "team": k[1] or None, **v}
                              for k, v in grouped(lambda r: (r.agent, r.team))],
    }


def _all_with_status(agents: AgentDirectory, status: str) -> Iterable[Any]:
    cursor: str | None = None
    while True:
        page = agents.page_by_status(status, updated_until=None, cursor=cursor, limit=200)
        yield from page.agents
        if not page.cursor:
            return
        cursor = page.cursor

