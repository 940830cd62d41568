"""Cold starts stay at the framework's floor: importing a function builds no AWS client or session, loads no
model, and imports no HTTP client library or numeric stack that not every route of it needs.

Each function module is imported as Lambda would (a fresh interpreter, A2G_ENV=aws, the function's folder and
the shared layer on the path), with botocore's session and client constructors counted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "infrastructure" / "local"))

from a2g_local.template import load_template

TEMPLATE = load_template(ROOT / "template.yaml", environ={"TokenSecret": "t" * 40})
# What a function may import at import time because every one of its routes needs it.
ALLOWED = {
    "AgentEmbeddingsFunction": {"numpy"},  # its one job embeds (the model loads when it runs)
    "RankingFunction": {"numpy"},  # its one route scores with numpy (the models load on first use)
    "WsInvokeFunction": {"httpx"},  # its one route runs an agent, over HTTP
    "A2aGatewayFunction": {"httpx"},  # its JSON-RPC route runs an agent, over HTTP
    "McpFunction": {"httpx"},  # the mcp SDK it is built on imports it; ask_agent runs agents over HTTP
}
WATCHED = ["boto3", "httpx", "aiohttp", "numpy", "tokenizers", "safetensors"]

_CHILD = r"""
import json, sys
import botocore.session
counts = {"sessions": 0, "clients": 0}
_init, _create = botocore.session.Session.__init__, botocore.session.Session.create_client
def init(self, *a, **k):
    counts["sessions"] += 1
    _init(self, *a, **k)
def create(self, *a, **k):
    counts["clients"] += 1
    return _create(self, *a, **k)
botocore.session.Session.__init__, botocore.session.Session.create_client = init, create
sys.path[:0] = json.loads(sys.argv[1])
import importlib
module = importlib.import_module(sys.argv[2])
assert getattr(module, sys.argv[3], None) is not None
print(json.dumps({**counts, "loaded": [m for m in json.loads(sys.argv[4]) if m in sys.modules]}))
"""


def _import_as_lambda(fn_id: str) -> dict[str, object]:
    fn = TEMPLATE.functions[fn_id]
    env = {**{k: v for k, v in TEMPLATE.environment.items()}, **fn.environment, "A2G_ENV": "aws",
           "PATH": os.environ.get("PATH", ""), "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
           "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "HOME": str(ROOT)}
    attr = "app" if fn.streaming else fn.handler_attr
    paths = [str(fn.code_dir), str(ROOT / "layers" / "core" / "python")]
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(paths), fn.module_path.stem, attr, json.dumps(WATCHED)],
        env=env, cwd=fn.code_dir, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("fn_id", sorted(TEMPLATE.functions))
def test_importing_a_function_builds_no_aws_client_and_loads_nothing_it_does_not_always_need(fn_id: str) -> None:
    seen = _import_as_lambda(fn_id)
    assert seen["sessions"] == 0 and seen["clients"] == 0, f"{fn_id} made botocore sessions/clients at import"
    unexpected = set(seen["loaded"]) - ALLOWED.get(fn_id, set())  # type: ignore[arg-type]
    assert not unexpected, f"{fn_id} imports {sorted(unexpected)} at import"
