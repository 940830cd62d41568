"""Settings every test process needs before any `a2g` module is imported: table names, a token secret and
dummy AWS credentials. Each test folder's conftest calls `apply()` first; values already set win (the first
conftest pytest loads decides for the whole process), so a developer's own environment is respected."""

from __future__ import annotations

import os

DEFAULTS = {
    "A2G_USERS_TABLE": "a2g-UsersTable",
    "A2G_AGENTS_TABLE": "a2g-AgentsTable",
    "A2G_CHATS_TABLE": "a2g-ChatsTable",
    "A2G_TRACES_TABLE": "a2g-TracesTable",
    "A2G_CONNECTIONS_TABLE": "a2g-ConnectionsTable",
    "A2G_PLATFORM_TABLE": "a2g-PlatformTable",
    "A2G_USAGE_TABLE": "a2g-UsageTable",
    "A2G_FILES_BUCKET": "a2g-files",
    "A2G_TOKEN_SECRET": "test-secret-test-secret-test-secret-0123",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
}


def apply() -> None:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)
