"""The web app's typed client and the running API cannot drift apart unnoticed.

Three links, each checked: the running platform's `GET /api/openapi.json` is the document committed at
frontend/src/api/openapi.json (exported from the functions' apps by tools/export_openapi.py); the committed
schema.d.ts is what openapi-typescript generates from that document; and the client compiles against it
(`tsc`, so a path, parameter, body or answer the frontend uses that the document no longer has fails).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[3]
FRONTEND = REPO / "frontend"
GENERATOR = REPO / "tools" / "openapi-typescript"
COMMITTED = FRONTEND / "src" / "api" / "openapi.json"


def _needs_node(folder: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("the generated client needs Node.js")
    if not (folder / "node_modules").is_dir():
        pytest.skip(f"{folder.relative_to(REPO)}/node_modules is missing: run `make install`")


def test_the_committed_document_is_what_the_running_api_serves(runtime: Any) -> None:
    served = httpx.get(runtime.url("/api/openapi.json"), timeout=120)
    assert served.status_code == 200, served.text[:300]
    committed = json.loads(COMMITTED.read_text())
    if served.json() != committed:
        live, mine = served.json(), committed
        differ = sorted(set(live["paths"]) ^ set(mine["paths"])) or [
            p for p in live["paths"] if live["paths"][p] != mine["paths"].get(p)
        ] or [n for n in live["components"]["schemas"] if live["components"]["schemas"][n]
              != mine["components"]["schemas"].get(n)]
        pytest.fail(f"frontend/src/api/openapi.json is stale (first differences: {differ[:5]}); "
                    "run `uv run python tools/export_openapi.py`, then `npm run generate` in frontend/")


def test_the_export_script_writes_the_committed_document() -> None:
    # the suite's own interpreter: `.ci/run` runs `make test`, which does not put uv on the PATH
    run = subprocess.run([sys.executable, "tools/export_openapi.py", "--check"], cwd=REPO,
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-2000:]


def test_the_committed_types_are_what_the_document_generates() -> None:
    _needs_node(GENERATOR)
    run = subprocess.run(["node", str(GENERATOR / "generate.mjs"), "--check"], cwd=FRONTEND, capture_output=True,
                         text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]


def test_the_client_compiles_against_the_generated_types() -> None:
    _needs_node(FRONTEND)
    tsc = FRONTEND / "node_modules" / ".bin" / "tsc"
    run = subprocess.run([str(tsc), "-p", "tsconfig.json"], cwd=FRONTEND, capture_output=True, text=True,
                         timeout=900, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
