"""The scheduler's heartbeat: a scheduled function records each beat; `/api/health` reports the last one,
so an operator sees at a glance whether schedules fire."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from a2g.clock import Clock, iso
from a2g.db import PlatformModel, table_meta


class HeartbeatItem(PlatformModel):
    Meta = table_meta("platform")
    pk = UnicodeAttribute(hash_key=True)  # "HEARTBEAT"
    sk = UnicodeAttribute(range_key=True)  # the schedule's name
    last_beat_at = UnicodeAttribute()
    beats = NumberAttribute(default=0)


class HeartbeatRepository:
    def record(self, schedule: str, clock: Clock) -> None:
        item = HeartbeatItem(pk="HEARTBEAT", sk=schedule)
        item.update(actions=[HeartbeatItem.last_beat_at.set(iso(clock.now())), HeartbeatItem.beats.add(1)])

    def latest(self) -> dict[str, dict[str, object]]:
        return {
            item.sk: {"last_beat_at": item.last_beat_at, "beats": int(item.beats)}
            for item in HeartbeatItem.query("HEARTBEAT")
        }
