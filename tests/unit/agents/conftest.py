"""Unit tests of the agent registry: services with in-memory fakes passed through their constructors.

Settings are read when storage modules are imported; these defaults only fill in what is not set yet.
"""

from __future__ import annotations

import os

for _name, _value in {
    "A2G_USERS_TABLE": "a2g-users",
    "A2G_AGENTS_TABLE": "a2g-agents",
    "A2G_CHATS_TABLE": "a2g-chats",
    "A2G_TRACES_TABLE": "a2g-traces",
    "A2G_CONNECTIONS_TABLE": "a2g-connections",
    "A2G_PLATFORM_TABLE": "a2g-platform",
    "A2G_USAGE_TABLE": "a2g-usage",
    "A2G_FILES_BUCKET": "a2g-files",
    "A2G_TOKEN_SECRET": "unit-test-secret-unit-test-secret-0123",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
}.items():
    os.environ.setdefault(_name, _value)
