"""The agent repository against the real DynamoDB Local (in memory), tables created from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.dynamodb_local import dynamodb_local, empty_tables, point_models_at

TABLES = ("AgentsTable", "TracesTable")


@pytest.fixture(scope="session")
def agents_ddb_endpoint() -> Iterator[str]:
    with dynamodb_local("agents", TABLES) as endpoint:
        yield endpoint


@pytest.fixture
def agents_ddb(agents_ddb_endpoint: str) -> str:
    """The endpoint, with the registry's models (and every other loaded model) bound to it, tables empty."""
    import a2g.agents.repository
    import a2g.tracing.models  # noqa: F401

    point_models_at(agents_ddb_endpoint)
    empty_tables(agents_ddb_endpoint, TABLES)
    return agents_ddb_endpoint
