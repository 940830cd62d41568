"""Integration tests: repositories against the real DynamoDB Local. Settings every folder here shares.

The environment is set before any `a2g` module is imported (pytest loads this conftest first), so every
PynamoDB model is declared with these table names; `tests/integration/dynamodb_local.py` starts the database.
"""

from __future__ import annotations

from tests import environment_defaults

environment_defaults.apply()
