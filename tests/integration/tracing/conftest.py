"""Tracing storage against the real DynamoDB Local (in memory), tables created from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.dynamodb_local import dynamodb_local, point_models_at


@pytest.fixture(scope="session")
def tracing_ddb_endpoint() -> Iterator[str]:
    with dynamodb_local("tracing") as endpoint:
        yield endpoint


@pytest.fixture
def ddb(tracing_ddb_endpoint: str) -> str:
    # Import every model this directory uses first, so all of them are re-pointed.
    import a2g.llms.repository
    import a2g.realtime.repository
    import a2g.tracing.models  # noqa: F401

    point_models_at(tracing_ddb_endpoint)
    return tracing_ddb_endpoint
