"""Fires the template's schedules on time (wall clock, UTC), like EventBridge rules.

`rate(...)` rules count periods from the runtime's start (an EventBridge rule counts from its creation);
`cron(...)` rules fire on the minute. A firing that overlaps the previous run of the same schedule still
starts (EventBridge does not wait either). Time travel (`A2G_CLOCK_OFFSET_SECONDS`) changes what functions
see as "now", not when the scheduler fires.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from a2g_local.schedule_expr import Rate
from a2g_local.template import ScheduleDef

log = logging.getLogger("a2g_local")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(
        self,
        schedules: list[ScheduleDef],
        fire: Callable[[ScheduleDef], Awaitable[Any]],
        *,
        now: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ):
        self.schedules = [s for s in schedules if s.enabled]
        self._fire = fire
        self._now = now
        self._sleep = sleep
        self.anchor = now()
        self.next_fire: dict[str, datetime | None] = {s.name: self._next(s, self.anchor) for s in self.schedules}
        self._tasks: set[asyncio.Task[Any]] = set()

    def _next(self, schedule: ScheduleDef, after: datetime) -> datetime | None:
        if isinstance(schedule.schedule, Rate):
            return schedule.schedule.next_after(after, anchor=self.anchor)
        return schedule.schedule.next_after(after)

    async def run(self) -> None:
        while True:
            pending = [(when, s) for s in self.schedules if (when := self.next_fire[s.name]) is not None]
            if not pending:
                return
            earliest = min(when for when, _ in pending)
            delay = (earliest - self._now()).total_seconds()
            if delay > 0:
                await self._sleep(min(delay, 60.0))  # re-check at least every minute (clock changes)
                continue
            now = self._now()
            for when, schedule in pending:
                if when <= now:
                    self.next_fire[schedule.name] = self._next(schedule, max(now, when))
                    task = asyncio.create_task(self._run_one(schedule))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)

    async def _run_one(self, schedule: ScheduleDef) -> None:
        try:
            await self._fire(schedule)
        except Exception:
            log.exception("schedule %s (%s) failed", schedule.name, schedule.function)

    def upcoming(self) -> dict[str, str | None]:
        return {name: when.isoformat() if when else None for name, when in self.next_fire.items()}
