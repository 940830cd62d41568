"""LLM key store tests: SSM Parameter Store emulated by moto, the registry's storage by an in-memory fake.

Settings are read when the storage models are imported; these defaults only fill in what no other test
module set first (nothing here talks to a table).
"""

from __future__ import annotations

from tests import environment_defaults

environment_defaults.apply()

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
