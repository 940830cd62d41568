"""EventBridge schedule expressions and the scheduler loop."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from a2g_local.schedule_expr import Cron, Rate, ScheduleError, parse_schedule
from a2g_local.scheduler import Scheduler
from a2g_local.template import ScheduleDef


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("expression", "seconds"), [
    ("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(1 hour)", 3600), ("rate(2 hours)", 7200),
    ("rate(1 day)", 86400), ("rate(7 days)", 604800),
])
def test_rate(expression: str, seconds: int) -> None:
    assert parse_schedule(expression) == Rate(expression, seconds)


@pytest.mark.parametrize("expression", [
    "rate(5 minutez)", "rate(1 minutes)", "rate(2 minute)", "rate(0 minutes)", "rate(-1 minutes)",
    "rate(1.5 hours)", "rate(minutes)", "every 5 minutes",
])
def test_rate_errors(expression: str) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(expression)


def test_rate_next_fire_counts_from_the_anchor() -> None:
    rate = parse_schedule("rate(5 minutes)")
    anchor = _at("2026-01-01T00:00:30")
    assert rate.next_after(anchor, anchor=anchor) == _at("2026-01-01T00:05:30")
    assert rate.next_after(_at("2026-01-01T00:05:30"), anchor=anchor) == _at("2026-01-01T00:10:30")
    assert rate.next_after(_at("2026-01-01T00:07:00"), anchor=anchor) == _at("2026-01-01T00:10:30")


@pytest.mark.parametrize(("expression", "now", "expected"), [
    ("cron(0 3 * * ? *)", "2026-01-01T02:59:00", "2026-01-01T03:00:00"),
    ("cron(0 3 * * ? *)", "2026-01-01T03:00:00", "2026-01-02T03:00:00"),
    ("cron(0/15 * * * ? *)", "2026-01-01T10:16:10", "2026-01-01T10:30:00"),
    ("cron(0 12 ? * MON-FRI *)", "2026-01-02T13:00:00", "2026-01-05T12:00:00"),  # Fri after noon -> Mon
    ("cron(0 9 ? * 1 *)", "2026-01-01T00:00:00", "2026-01-04T09:00:00"),  # 1 = Sunday
    ("cron(30 8 1 JAN,JUL ? *)", "2026-02-01T00:00:00", "2026-07-01T08:30:00"),
    ("cron(0 0 29 2 ? *)", "2026-03-01T00:00:00", "2028-02-29T00:00:00"),
    ("cron(0 0 1 1 ? 2027)", "2026-06-01T00:00:00", "2027-01-01T00:00:00"),
    ("cron(5,10 0 * * ? *)", "2026-01-01T00:05:00", "2026-01-01T00:10:00"),
])
def test_cron_next_fire(expression: str, now: str, expected: str) -> None:
    schedule = parse_schedule(expression)
    assert isinstance(schedule, Cron)
    assert schedule.next_after(_at(now)) == _at(expected)


def test_cron_that_never_fires_again() -> None:
    schedule = parse_schedule("cron(0 0 1 1 ? 2020)")
    assert schedule.next_after(_at("2026-01-01T00:00:00")) is None  # type: ignore[call-arg]


@pytest.mark.parametrize(("expression", "message"), [
    ("cron(0 3 * * *)", "6 fields"),
    ("cron(0 3 * * * *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 3 ? * ? *)", "exactly one of day-of-month and day-of-week"),
    ("cron(0 3 L * ? *)", "L, W or #"),
    ("cron(0 3 ? * 6#3 *)", "L, W or #"),
    ("cron(60 3 * * ? *)", "outside 0-59"),
    ("cron(0 3 * * ? 1969)", "outside 1970-2199"),
    ("cron(0 3 ? * 0 *)", "outside 1-7"),
    ("cron(0 3 * FOO ? *)", "not a number"),
])
def test_cron_errors(expression: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(expression)


def _schedule(name: str, expression: str) -> ScheduleDef:
    return ScheduleDef(name=name, function="Fn", event_name=name, expression=expression,
                       schedule=parse_schedule(expression), enabled=True, input=None)


async def test_scheduler_fires_on_time_with_a_fake_clock() -> None:
    clock = {"now": _at("2026-01-01T00:00:00")}
    fired: list[tuple[str, datetime]] = []

    async def fake_sleep(seconds: float) -> None:
        for _ in range(3):  # let the jobs started at this instant run before time moves on
            await asyncio.sleep(0)
        clock["now"] += timedelta(seconds=seconds)

    async def fire(schedule: ScheduleDef) -> None:
        fired.append((schedule.name, clock["now"]))

    disabled = _schedule("off", "rate(1 minute)")
    disabled.enabled = False
    scheduler = Scheduler([_schedule("every-minute", "rate(1 minute)"), _schedule("at-0002", "cron(2 0 * * ? *)"),
                           disabled], fire, now=lambda: clock["now"], sleep=fake_sleep)
    task = asyncio.create_task(scheduler.run())
    while len([f for f in fired if f[0] == "every-minute"]) < 3:
        await asyncio.sleep(0)
    task.cancel()
    assert [f for f in fired if f[0] == "every-minute"] == [
        ("every-minute", _at("2026-01-01T00:01:00")), ("every-minute", _at("2026-01-01T00:02:00")),
        ("every-minute", _at("2026-01-01T00:03:00"))]
    assert ("at-0002", _at("2026-01-01T00:02:00")) in fired
    assert not any(name == "off" for name, _ in fired)
    assert scheduler.upcoming()["every-minute"] == _at("2026-01-01T00:04:00").isoformat()


async def test_a_failing_job_does_not_stop_the_scheduler() -> None:
    clock = {"now": _at("2026-01-01T00:00:00")}
    calls = []

    async def fake_sleep(seconds: float) -> None:
        for _ in range(3):  # let the jobs started at this instant run before time moves on
            await asyncio.sleep(0)
        clock["now"] += timedelta(seconds=seconds)

    async def fire(schedule: ScheduleDef) -> None:
        calls.append(clock["now"])
        raise RuntimeError("job failed")

    scheduler = Scheduler([_schedule("s", "rate(1 minute)")], fire, now=lambda: clock["now"], sleep=fake_sleep)
    task = asyncio.create_task(scheduler.run())
    while len(calls) < 3:
        await asyncio.sleep(0)
    task.cancel()
    assert calls[:3] == [_at("2026-01-01T00:01:00"), _at("2026-01-01T00:02:00"), _at("2026-01-01T00:03:00")]
