"""Ranking's storage reads against the real DynamoDB Local (in memory), tables created from template.yaml.

The agents are written by the registry's own repository (with the embedding its create hook computes), the
usage by the chat domain's repository, LLMs by the LLM registry — so these tests read exactly the rows the
owning domains write; the tables are emptied before each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.integration.dynamodb_local import dynamodb_local, empty_tables, point_models_at, table_names

# A 512 MB Lambda has a fraction of a core: single-threaded BLAS is what the function runs.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


RANKING_TABLES = ("AgentsTable", "ChatsTable", "PlatformTable")


@pytest.fixture(scope="session")
def ranking_ddb_endpoint() -> Iterator[str]:
    with dynamodb_local("ranking", RANKING_TABLES) as endpoint:
        yield endpoint


def _bind_and_wipe(endpoint: str, logical_ids: tuple[str, ...]) -> None:
    import a2g.agents.repository
    import a2g.chat.repository
    import a2g.llms.repository  # noqa: F401 - the models must exist before they are re-pointed

    point_models_at(endpoint)
    empty_tables(endpoint, logical_ids)


@pytest.fixture
def ranking_ddb(ranking_ddb_endpoint: str) -> str:
    """The endpoint, every loaded model bound to it, the ranking tables empty."""
    _bind_and_wipe(ranking_ddb_endpoint, RANKING_TABLES)
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
        for page in client.get_paginator("scan").paginate(TableName=table_names()["AgentsTable"],
                                                          ProjectionExpression="sk"):
            ids.update(i["sk"]["S"].removeprefix("AGENT#") for i in page["Items"]
                       if i["sk"]["S"].startswith("AGENT#"))
        return ids

    def wipe(self) -> None:
        _bind_and_wipe(self.endpoint, ("AgentsTable",))


@pytest.fixture
def agent_rows(ranking_ddb_keeping_agents: str) -> AgentRows:
    return AgentRows(ranking_ddb_keeping_agents)
