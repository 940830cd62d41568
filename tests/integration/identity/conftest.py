"""Identity storage against the real DynamoDB Local (in memory), the Users table created from template.yaml."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.dynamodb_local import dynamodb_local, empty_tables, point_models_at


@pytest.fixture(scope="session")
def identity_ddb_endpoint() -> Iterator[str]:
    with dynamodb_local("identity", ["UsersTable"]) as endpoint:
        yield endpoint


@pytest.fixture
def identity_ddb(identity_ddb_endpoint: str) -> str:
    """The endpoint, with the identity models (and every other loaded model) bound to it."""
    import a2g.identity.repository  # noqa: F401 - load the models before re-pointing them

    point_models_at(identity_ddb_endpoint)
    # Each test starts from an empty table: the admin counter is one item shared by every test.
    empty_tables(identity_ddb_endpoint, ["UsersTable"])
    return identity_ddb_endpoint
