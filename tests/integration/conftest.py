"""Integration tests: repositories against the real DynamoDB Local. Settings every folder here shares.

The environment is set before any `a2g` module is imported (pytest loads this conftest first), so every
PynamoDB model is declared with these table names; `tests/integration/dynamodb_local.py` starts the database.
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
    "A2G_TOKEN_SECRET": "integration-test-secret-0123456789abcdef",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
}.items():
    os.environ.setdefault(_name, _value)
