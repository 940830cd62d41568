"""WebSocket connections in the Connections table.

Keys (docs/data-model.md): `pk=CONN#<connection_id>, sk=META` holds the connection and its user;
`pk=CONN#<connection_id>, sk=SUB#<trace_id>` is one trace subscription, also indexed as
`gsi1pk=TRACE#<trace_id>, gsi1sk=CONN#<connection_id>` so a writer finds a trace's listeners with one Query.
Every item carries a TTL so connections that vanished without $disconnect age out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from a2g.clock import Clock, SystemClock, epoch, iso
from a2g.db import Gsi1, PlatformModel, table_meta
from a2g.settings import get_settings


class ConnectionItem(PlatformModel):
    Meta = table_meta("connections")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi1 = Gsi1()
    connection_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    trace_id = UnicodeAttribute(null=True)
    connected_at = UnicodeAttribute()
    ttl = NumberAttribute()


@dataclass(frozen=True)
class Connection:
    connection_id: str
    user_id: str


class ConnectionRepository:
    def __init__(self, clock: Clock | None = None):
        self._clock = clock or SystemClock()

    def _ttl(self) -> int:
        hours = get_settings().ws_connection_ttl_hours
        return epoch(self._clock.now() + timedelta(hours=hours))

    def add(self, connection_id: str, user_id: str) -> None:
        ConnectionItem(
            pk=f"CONN#{connection_id}", sk="META", connection_id=connection_id, user_id=user_id,
            connected_at=iso(self._clock.now()), ttl=self._ttl(),
        ).save()

    def get(self, connection_id: str) -> Connection | None:
        try:
            item = ConnectionItem.get(f"CONN#{connection_id}", "META")
        except ConnectionItem.DoesNotExist:
            return None
        return Connection(item.connection_id, item.user_id)

    def subscribe(self, connection_id: str, user_id: str, trace_id: str) -> None:
        ConnectionItem(
            pk=f"CONN#{connection_id}", sk=f"SUB#{trace_id}", gsi1pk=f"TRACE#{trace_id}",
            gsi1sk=f"CONN#{connection_id}", connection_id=connection_id, user_id=user_id, trace_id=trace_id,
            connected_at=iso(self._clock.now()), ttl=self._ttl(),
        ).save()

    def unsubscribe(self, connection_id: str, trace_id: str) -> None:
        ConnectionItem(pk=f"CONN#{connection_id}", sk=f"SUB#{trace_id}").delete()

    def listeners(self, trace_id: str) -> list[Connection]:
        """One Query (paged by DynamoDB past 1 MB), reading only the two attributes a push needs."""
        return [
            Connection(item.connection_id, item.user_id)
            for item in ConnectionItem.gsi1.query(f"TRACE#{trace_id}",
                                                  attributes_to_get=["connection_id", "user_id"])
        ]

    def remove(self, connection_id: str) -> None:
        """Forget a connection and all its subscriptions (on $disconnect or after a 410)."""
        with ConnectionItem.batch_write() as batch:
            for item in ConnectionItem.query(f"CONN#{connection_id}"):
                batch.delete(item)
