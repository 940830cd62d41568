"""Integration tests of the operations storage against the real DynamoDB Local, tables from template.yaml.

The `ddb` fixture binds every loaded model to this folder's database for the length of one test and puts
them back afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.dynamodb_local import dynamodb_local, point_models_at, restore_models


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    with dynamodb_local("ops") as endpoint:
        yield endpoint


@pytest.fixture
def ddb(dynamodb_endpoint: str) -> Iterator[str]:
    """The endpoint, with every model bound to it for this test only (other folders' integration tests
    keep their own endpoints)."""
    before = point_models_at(dynamodb_endpoint)
    yield dynamodb_endpoint
    restore_models(before)
