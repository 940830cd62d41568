"""PynamoDB wiring: every model's table name and endpoint come from settings.

The platform keeps a handful of tables with generic keys (`pk`/`sk` plus `gsi1`/`gsi2`), designed in
docs/data-model.md. A model declares which table it lives in with `table_meta("agents")`.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from a2g.settings import get_settings

TABLE_SETTINGS = {
    "users": "users_table",
    "agents": "agents_table",
    "chats": "chats_table",
    "traces": "traces_table",
    "connections": "connections_table",
    "platform": "platform_table",
    "usage": "usage_table",
}


def table_meta(table: str) -> type:
    """A PynamoDB `Meta` class for one of the platform's tables."""
    settings = get_settings()
    attrs: dict[str, Any] = {
        "table_name": getattr(settings, TABLE_SETTINGS[table]),
        "region": settings.aws_region,
        # Short timeouts: a Lambda should fail fast and let the caller retry rather than hang.
        "connect_timeout_seconds": 3,
        "read_timeout_seconds": 10,
        "max_retry_attempts": 3,
    }
    if settings.dynamodb_endpoint_url:
        attrs["host"] = settings.dynamodb_endpoint_url
    return type("Meta", (), attrs)


def _index_meta(name: str) -> type:
    return type("Meta", (), {"index_name": name, "projection": AllProjection()})


class Gsi1(GlobalSecondaryIndex[Any]):
    """`gsi1pk` / `gsi1sk`: the second access path of a table (see docs/data-model.md)."""

    Meta = _index_meta("gsi1")
    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2(GlobalSecondaryIndex[Any]):
    """`gsi2pk` / `gsi2sk`: the third access path of a table (see docs/data-model.md)."""

    Meta = _index_meta("gsi2")
    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)
