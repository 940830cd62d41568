"""LLM key store tests: SSM Parameter Store emulated by moto, the registry's storage by an in-memory fake.

Settings are read when the storage models are imported; these defaults only fill in what no other test
module set first (nothing here talks to a table).
"""

from __future__ import annotations

import os

for _name, _value in {
    "A2G_USERS_TABLE": "a2g-UsersTable",
    "A2G_AGENTS_TABLE": "a2g-AgentsTable",
    "A2G_CHATS_TABLE": "a2g-ChatsTable",
    "A2G_TRACES_TABLE": "a2g-TracesTable",
    "A2G_CONNECTIONS_TABLE": "a2g-ConnectionsTable",
    "A2G_PLATFORM_TABLE": "a2g-PlatformTable",
    "A2G_USAGE_TABLE": "a2g-UsageTable",
    "A2G_FILES_BUCKET": "a2g-files",
    "A2G_TOKEN_SECRET": "unit-test-secret-unit-test-secret-0123",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
}.items():
    os.environ.setdefault(_name, _value)

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws


@pytest.fixture
def ssm() -> Iterator[Any]:
    """A Parameter Store client against moto (a fresh, empty account per test)."""
    with mock_aws():
        yield boto3.client("ssm", region_name="us-east-1")
