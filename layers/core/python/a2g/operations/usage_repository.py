"""Reading the pre-aggregated usage counters (UsageTable, written by the log-proxy).

`pk=DAY#<yyyy-mm-dd>`: `sk=D#<team>#<user>#<model>#<agent>` per combination (days written before the
log-proxy's one-update counters also hold a `sk=TOTAL` row, no longer read), each with the counters calls, errors, prompt_tokens, completion_tokens, latency_ms_sum (docs/data-model.md).

A year is 365 small partitions: one Query per day, concurrently, projecting the counters only (a day's totals
are the sum of its detail rows), through boto3's low-level client: turning thousands of rows into PynamoDB model objects
costs more than the reads themselves, and PynamoDB's shared connection pool would serialize the threads.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from a2g.settings import get_settings

COUNTERS = ("calls", "errors", "prompt_tokens", "completion_tokens", "latency_ms_sum")


@dataclass(frozen=True)
class CounterRow:
    """One counter item; the four dimensions are "" on a day's sum."""

    day: str
    team: str
    user: str
    model: str
    agent: str
    calls: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms_sum: float = 0.0


def _unescape(part: str) -> str:
    """Undo the writer's escaping (`a2g.tracing.repository.key_part`): `-` is "none", `%23` is `#`."""
    if part == "-":
        return ""
    return part.replace("%23", "#").replace("%25", "%")


def split_detail_key(sk: str) -> tuple[str, str, str, str] | None:
    """`D#<team>#<user>#<model>#<agent>` → its four values ("" where the call had none)."""
    if not sk.startswith("D#"):
        return None
    parts = sk[2:].split("#")
    if len(parts) != 4:
        return None
    return _unescape(parts[0]), _unescape(parts[1]), _unescape(parts[2]), _unescape(parts[3])


class UsageCounterReader:
    def __init__(self, table_name: str | None = None, *, max_workers: int = 32, endpoint_url: str | None = None):
        settings = get_settings()
        self._table = table_name or settings.usage_table
        self._endpoint_url = endpoint_url or settings.dynamodb_endpoint_url
        self._max_workers = max_workers

    @cached_property
    def _client(self) -> Any:
        from a2g.aws_session import shared_client

        return shared_client(
            "dynamodb",
            region=get_settings().aws_region,
            endpoint_url=self._endpoint_url,
            max_pool_connections=self._max_workers, connect_timeout=3, read_timeout=10,
            retries={"max_attempts": 4, "mode": "adaptive"},
        )

    def day_rows(self, days: list[date], *, details: bool) -> dict[str, list[CounterRow]]:
        """For each day its detail rows (details=True) or one row of their sums (details=False, the
        dimensions ""); absent days map to an empty list.

        One Query per day partition, concurrently. The log-proxy writes a call's counters in one update of
        its detail row only (on Lambda every write is a DynamoDB call on the response path), so a day's
        totals are summed here; the `TOTAL` rows older days also hold are not read.
        """
        if not days:
            return {}
        names = [d.isoformat() for d in days]
        out: dict[str, list[CounterRow]] = {name: [] for name in names}
        workers = max(1, min(self._max_workers, len(names)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="usage") as pool:
            for day, rows in zip(names, pool.map(self._query_day, names), strict=True):
                out[day] = rows if details else ([_total(day, rows)] if rows else [])
        return out

    def _query_day(self, day: str) -> list[CounterRow]:
        return [row for item in self._items(day, "D#") if (row := _row(day, item)) is not None]

    def gateway_rows(self, days: list[date]) -> list[GatewayRow]:
        """The gateway call counters of each day: one Query per day partition (`G#` rows), concurrently."""
        if not days:
            return []
        out: list[GatewayRow] = []
        with ThreadPoolExecutor(max_workers=max(1, min(self._max_workers, len(days))),
                                thread_name_prefix="usage") as pool:
            for rows in pool.map(self._gateway_day, [d.isoformat() for d in days]):
                out.extend(rows)
        return out

    def _gateway_day(self, day: str) -> list[GatewayRow]:
        rows = []
        for item in self._items(day, "G#"):
            parts = item["sk"]["S"][2:].split("#")
            if len(parts) != 2:
                continue
            rows.append(GatewayRow(day, _unescape(parts[0]), _unescape(parts[1]), int(_num(item, "calls")),
                                   int(_num(item, "errors")), _num(item, "latency_ms_sum")))
        return rows

    def _items(self, day: str, prefix: str) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": f"DAY#{day}"}, ":prefix": {"S": prefix}},
            "ProjectionExpression": "sk, " + ", ".join(COUNTERS),
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self._client.query(**kwargs)
            items.extend(page.get("Items", []))
            last = page.get("LastEvaluatedKey")
            if not last:
                return items
            kwargs["ExclusiveStartKey"] = last


def _num(item: dict[str, Any], name: str) -> float:
    value = item.get(name)
    if not value or "N" not in value:
        return 0.0
    return float(value["N"])


@dataclass(frozen=True)
class GatewayRow:
    """One `G#<calling team>#<agent>` counter of a day: A2A gateway calls (a2g.gateway.service)."""

    day: str
    team: str
    agent: str
    calls: int = 0
    errors: int = 0
    latency_ms_sum: float = 0.0


def _total(day: str, rows: list[CounterRow]) -> CounterRow:
    return CounterRow(
        day=day, team="", user="", model="", agent="", calls=sum(r.calls for r in rows),
        errors=sum(r.errors for r in rows), prompt_tokens=sum(r.prompt_tokens for r in rows),
        completion_tokens=sum(r.completion_tokens for r in rows),
        latency_ms_sum=sum(r.latency_ms_sum for r in rows),
    )


def _row(day: str, item: dict[str, Any]) -> CounterRow | None:
    parts = split_detail_key(item["sk"]["S"])
    if parts is None:
        return None
    team, user, model, agent = parts
    return CounterRow(
        day=day, team=team, user=user, model=model, agent=agent,
        calls=int(_num(item, "calls")), errors=int(_num(item, "errors")),
        prompt_tokens=int(_num(item, "prompt_tokens")), completion_tokens=int(_num(item, "completion_tokens")),
        latency_ms_sum=_num(item, "latency_ms_sum"),
    )
