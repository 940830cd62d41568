"""EventBridge schedule expressions: `rate(value unit)` and `cron(min hour day-of-month month day-of-week year)`.

Parsed with EventBridge's own rules so a template that the local runtime accepts also deploys:
- `rate`: a positive integer and `minute|minutes|hour|hours|day|days`, singular only for 1, plural otherwise;
- `cron`: six fields, always UTC; day-of-week 1-7 = SUN-SAT (not 0-6); exactly one of day-of-month and
  day-of-week is `?`; `,` `-` `*` `/` are supported. `L`, `W` and `#` are refused with a clear message
  (the platform does not use them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


class ScheduleError(ValueError):
    pass


_RATE = re.compile(r"^rate\(\s*(\S+)\s+(\S+)\s*\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {m: i for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)}
_DAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}


@dataclass(frozen=True)
class Rate:
    expression: str
    seconds: int

    def next_after(self, now: datetime, *, anchor: datetime) -> datetime:
        """The first firing strictly after `now`, counting periods from `anchor` (when the rule started)."""
        if now < anchor:
            return anchor + timedelta(seconds=self.seconds)
        periods = int((now - anchor).total_seconds() // self.seconds) + 1
        return anchor + timedelta(seconds=periods * self.seconds)


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None: `?` (any, decided by day-of-week)
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # EventBridge numbering: 1 = Sunday ... 7 = Saturday
    years: frozenset[int]

    def _day_matches(self, day: datetime) -> bool:
        if self.days_of_month is not None and day.day not in self.days_of_month:
            return False
        if self.days_of_week is not None:
            eb_dow = (day.isoweekday() % 7) + 1  # Monday=1..Sunday=7 -> Sunday=1..Saturday=7
            if eb_dow not in self.days_of_week:
                return False
        return True

    def next_after(self, now: datetime, *, anchor: datetime | None = None) -> datetime | None:
        """The first firing strictly after `now` (UTC), or None if the expression never fires again."""
        now = now.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        for year in sorted(y for y in self.years if y >= now.year):
            for month in sorted(self.months):
                if (year, month) < (now.year, now.month):
                    continue
                day = datetime(year, month, 1, tzinfo=UTC)
                while day.month == month:
                    if (year, month, day.day) >= (now.year, now.month, now.day) and self._day_matches(day):
                        same_day = (year, month, day.day) == (now.year, now.month, now.day)
                        for hour in sorted(self.hours):
                            if same_day and hour < now.hour:
                                continue
                            for minute in sorted(self.minutes):
                                if same_day and hour == now.hour and minute < now.minute:
                                    continue
                                return day.replace(hour=hour, minute=minute)
                    day += timedelta(days=1)
        return None


Schedule = Rate | Cron


def parse_schedule(expression: str) -> Schedule:
    text = str(expression).strip()
    if text.startswith("rate("):
        return _parse_rate(text)
    if text.startswith("cron("):
        return _parse_cron(text)
    raise ScheduleError(f"{text!r} is neither rate(...) nor cron(...)")


def _parse_rate(text: str) -> Rate:
    match = _RATE.match(text)
    if not match:
        raise ScheduleError(f"{text!r}: expected rate(<value> <unit>), e.g. rate(5 minutes)")
    value_text, unit = match.groups()
    if not value_text.isdigit() or int(value_text) <= 0:
        raise ScheduleError(f"{text!r}: the value must be a positive whole number")
    value = int(value_text)
    base = unit.removesuffix("s")
    if base not in _UNITS:
        raise ScheduleError(f"{text!r}: unknown unit {unit!r} (minute(s), hour(s) or day(s))")
    if value == 1 and unit != base:
        raise ScheduleError(f"{text!r}: EventBridge wants the singular unit for 1, e.g. rate(1 {base})")
    if value != 1 and unit == base:
        raise ScheduleError(f"{text!r}: EventBridge wants the plural unit for {value}, e.g. rate({value} {base}s)")
    return Rate(text, value * _UNITS[base])


def _parse_cron(text: str) -> Cron:
    match = _CRON.match(text)
    if not match:
        raise ScheduleError(f"{text!r}: expected cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)")
    fields = match.group(1).split()
    if len(fields) != 6:
        raise ScheduleError(
            f"{text!r}: EventBridge cron has 6 fields (minutes hours day-of-month month day-of-week year), "
            f"got {len(fields)}"
        )
    minute_f, hour_f, dom_f, month_f, dow_f, year_f = fields
    for name, field in (("day-of-month", dom_f), ("day-of-week", dow_f)):
        if re.search(r"[LW#]", field.upper()):
            raise ScheduleError(f"{text!r}: {name} {field!r} uses L, W or #, which the local runtime does not support")
    if (dom_f == "?") == (dow_f == "?"):
        raise ScheduleError(f"{text!r}: exactly one of day-of-month and day-of-week must be '?'")
    try:
        return Cron(
            expression=text,
            minutes=_field(minute_f, 0, 59, {}),
            hours=_field(hour_f, 0, 23, {}),
            days_of_month=None if dom_f == "?" else _field(dom_f, 1, 31, {}),
            months=_field(month_f, 1, 12, _MONTHS),
            days_of_week=None if dow_f == "?" else _field(dow_f, 1, 7, _DAYS),
            years=_field(year_f, 1970, 2199, {}),
        )
    except ScheduleError as exc:
        raise ScheduleError(f"{text!r}: {exc}") from None


def _field(text: str, low: int, high: int, names: dict[str, int]) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleError(f"bad step {step_text!r}")
            step = int(step_text)
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise ScheduleError(f"{part!r} is outside {low}-{high}")
        if end < start:  # a wrapping range such as FRI-MON
            rng = list(range(start, high + 1)) + list(range(low, end + 1))
        else:
            rng = list(range(start, end + 1))
        values.update(rng[::step])
    return frozenset(values)


def _value(text: str, names: dict[str, int]) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit():
        raise ScheduleError(f"{text!r} is not a number" + (f" or one of {', '.join(names)}" if names else ""))
    return int(text)
