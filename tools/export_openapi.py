"""Export the platform's one OpenAPI document, merged from the functions' own apps, to
frontend/src/api/openapi.json: the contract the web app's typed client is generated from
(`npm run build` in frontend/ turns it into src/api/schema.d.ts with openapi-typescript).

    uv run python tools/export_openapi.py           # write it (after changing a route or a response model)
    uv run python tools/export_openapi.py --check   # exit 1 when the committed document is stale

The same document is what `GET /api/openapi.json` serves (functions/docs); the drift test
(tests/e2e/contract/test_generated_client_drift_e2e.py) fails when the two disagree.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DOCUMENT = REPO / "frontend" / "src" / "api" / "openapi.json"

# Importing the functions' apps reads the platform's settings; these placeholders only name things (no store is
# reached while the document is built). Values already in the environment win.
_PLACEHOLDER_SETTINGS = {
    "A2G_USERS_TABLE": "a2g-UsersTable", "A2G_AGENTS_TABLE": "a2g-AgentsTable", "A2G_CHATS_TABLE": "a2g-ChatsTable",
    "A2G_TRACES_TABLE": "a2g-TracesTable", "A2G_CONNECTIONS_TABLE": "a2g-ConnectionsTable",
    "A2G_PLATFORM_TABLE": "a2g-PlatformTable", "A2G_USAGE_TABLE": "a2g-UsageTable", "A2G_FILES_BUCKET": "a2g-files",
    "A2G_TOKEN_SECRET": "export-openapi-placeholder-secret-0123456789", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "placeholder", "AWS_SECRET_ACCESS_KEY": "placeholder",
}


def document() -> dict[str, Any]:
    for name, value in _PLACEHOLDER_SETTINGS.items():
        os.environ.setdefault(name, value)
    sys.path.insert(0, str(REPO / "layers" / "core" / "python"))
    from a2g.http.openapi import merged_document

    return merged_document(REPO / "functions")


def render(doc: dict[str, Any]) -> str:
    """Stable text: sorted keys, two-space indent, one trailing newline (so a re-export is a clean diff)."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the committed document is current")
    args = parser.parse_args(argv)
    text = render(document())
    if args.check:
        current = DOCUMENT.read_text() if DOCUMENT.exists() else ""
        if current != text:
            sys.stderr.write(f"{DOCUMENT.relative_to(REPO)} is stale: run `uv run python tools/export_openapi.py`\n")
            return 1
        return 0
    DOCUMENT.write_text(text)
    sys.stdout.write(f"wrote {DOCUMENT.relative_to(REPO)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
