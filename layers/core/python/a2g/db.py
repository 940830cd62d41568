"""PynamoDB wiring: every model's table name and endpoint come from settings, and every model shares the
process's one DynamoDB client.

The platform keeps a handful of tables with generic keys (`pk`/`sk` plus `gsi1`/`gsi2`), designed in
docs/data-model.md. A model derives from `PlatformModel` and declares which table it lives in with
`Meta = table_meta("agents")`.

Why `PlatformModel`: PynamoDB gives every model class its own connection, and every connection its own
botocore session (per thread) and client: 50-80 ms each on Lambda, nine of them on the log-proxy's first
call. A `PlatformModel`'s connection is set when the model is first used, from its `Meta`, and sends
through the one client the process keeps for that endpoint (a2g.aws_session), so the first request of a
function pays for one session and one client whatever number of models it touches. Pointing a model
elsewhere (tests: `Meta.host` and `_connection = None`) binds it to that endpoint's client instead.
"""

from __future__ import annotations

from typing import Any, cast

from pynamodb.attributes import UnicodeAttribute
from pynamodb.connection.base import Connection
from pynamodb.connection.table import TableConnection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import MetaProtocol, Model

from a2g.aws_session import botocore_session, shared_client
from a2g.settings import get_settings

USER_AGENT = "a2g-platform"

TABLE_SETTINGS = {
    "users": "users_table",
    "agents": "agents_table",
    "chats": "chats_table",
    "traces": "traces_table",
    "connections": "connections_table",
    "platform": "platform_table",
    "usage": "usage_table",
}


def table_meta(table: str) -> MetaProtocol:
    """A PynamoDB `Meta` class for one of the platform's tables.

    Typed as `MetaProtocol`, what `Model.Meta` is declared as: PynamoDB reads the settings off the class
    with getattr and defaults, so a class carrying only the ones set here is what it expects."""
    settings = get_settings()
    attrs: dict[str, Any] = {
        "table_name": getattr(settings, TABLE_SETTINGS[table]),
        "region": settings.aws_region,
        # Short timeouts: a Lambda should fail fast and let the caller retry rather than hang.
        "connect_timeout_seconds": 3,
        "read_timeout_seconds": 10,
        "max_retry_attempts": 3,
        # One client serves every model and thread of the process (the local runtime runs many threads).
        "max_pool_connections": 50,
    }
    if settings.dynamodb_endpoint_url:
        attrs["host"] = settings.dynamodb_endpoint_url
    return cast(MetaProtocol, type("Meta", (), attrs))


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


class _SharedClientConnection(Connection):
    """PynamoDB's connection (its table metadata, request building and error mapping), sending through the
    process's shared botocore client for its endpoint instead of a client and session of its own."""

    @property
    def session(self) -> Any:
        return botocore_session()

    @property
    def client(self) -> Any:
        return shared_client(
            "dynamodb",
            region=self.region,
            endpoint_url=self.host,
            parameter_validation=False,  # as PynamoDB configures its own clients
            connect_timeout=self._connect_timeout_seconds,
            read_timeout=self._read_timeout_seconds,
            max_pool_connections=self._max_pool_connections,
            retries={"total_max_attempts": 1 + self._max_retry_attempts_exception, "mode": "standard"},
            # A fixed User-Agent: botocore otherwise rebuilds its own from a dozen sanitised components twice
            # per call — a sixth of the CPU of the log-proxy's two writes on Lambda.
            user_agent=USER_AGENT,
        )


class PlatformModel(Model):
    """The base of every platform model: PynamoDB's `Model` on the process's shared DynamoDB client."""

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = super()._get_connection()
        if not isinstance(table.connection, _SharedClientConnection):
            meta = cls.Meta
            shared = _SharedClientConnection(
                region=meta.region,
                host=meta.host,
                connect_timeout_seconds=meta.connect_timeout_seconds,
                read_timeout_seconds=meta.read_timeout_seconds,
                max_retry_attempts=meta.max_retry_attempts,
                max_pool_connections=meta.max_pool_connections,
            )
            shared.add_meta_table(table.connection.get_meta_table(meta.table_name))
            table.connection = shared
        return table


def transaction_connection(model: type[Model]) -> Connection:
    """The connection a `TransactWrite` / `TransactGet` over `model`'s table sends through: the model's own
    (its current endpoint, the shared client), not a new one with a session and client of its own."""
    return model._get_connection().connection
