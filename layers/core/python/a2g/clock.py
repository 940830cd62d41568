"""An injectable clock: services take `Clock` so scheduled jobs can be tested with time travel."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)

    def set(self, when: datetime) -> None:
        self._now = when


class OffsetClock:
    """The system clock shifted by `A2G_CLOCK_OFFSET_SECONDS`.

    The local runtime's tests run the real scheduled functions in another process; shifting its clock is
    how they make a month pass. Never set on AWS.
    """

    def now(self) -> datetime:
        import os

        offset = float(os.environ.get("A2G_CLOCK_OFFSET_SECONDS", "0") or 0)
        return datetime.now(UTC) + timedelta(seconds=offset)


def default_clock() -> Clock:
    return OffsetClock()


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def monotonic_ms() -> float:
    return time.perf_counter() * 1000.0
