"""The few platform calls the tracing e2e tests and the log-proxy benchmark need (sign-in, API key, an agent
trace), and a runtime starter for the benchmark (a script, so it cannot use the e2e conftest's fixtures)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.tracing.mock_llm import free_port

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class TracingRuntime:
    base_url: str
    ws_url: str
    handler_env: dict[str, str]  # table names, DynamoDB endpoint, token secret: what the functions see

    def sign_in(self, username: str, team: str = "team-a") -> str:
        response = httpx.post(self.base_url + "/api/auth/dev-login", json={"username": username, "team": team},
                              timeout=60)
        response.raise_for_status()
        return str(response.json()["access_token"])

    def api_key(self, token: str) -> str:
        response = httpx.post(self.base_url + "/api/api-keys", json={"name": "tracing-e2e"},
                              headers={"authorization": f"Bearer {token}"}, timeout=60)
        response.raise_for_status()
        body = response.json()
        return str(body.get("key") or body.get("api_key") or body["raw_key"])

    def create_trace(self, owner: str, kind: str = "agent", **kw: Any) -> str:
        """What the agent registry / playground do: one TraceRepository call against the runtime's table."""
        script = (
            "import json,sys;from a2g.tracing.repository import TraceRepository;"
            "a=json.loads(sys.argv[1]);print(TraceRepository().create_trace(**a))"
        )
        env = {**os.environ, **self.env()}
        out = subprocess.run([sys.executable, "-c", script, json.dumps({"owner_user_id": owner, "kind": kind, **kw})],
                             env=env, capture_output=True, text=True, check=True, cwd=ROOT)
        return out.stdout.strip().splitlines()[-1]

    def env(self) -> dict[str, str]:
        return {**self.handler_env, "PYTHONPATH": f"{ROOT / 'layers/core/python'}:{ROOT}"}


def _handler_env(data_dir: Path, dynamodb_endpoint: str) -> dict[str, str]:
    names = {"A2G_USERS_TABLE": "a2g-UsersTable", "A2G_AGENTS_TABLE": "a2g-AgentsTable",
             "A2G_CHATS_TABLE": "a2g-ChatsTable", "A2G_TRACES_TABLE": "a2g-TracesTable",
             "A2G_CONNECTIONS_TABLE": "a2g-ConnectionsTable", "A2G_PLATFORM_TABLE": "a2g-PlatformTable",
             "A2G_USAGE_TABLE": "a2g-UsageTable", "A2G_FILES_BUCKET": "a2g-filesbucket"}
    secret = (data_dir / "token-secret").read_text().strip()
    return {**names, "A2G_TOKEN_SECRET": secret, "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local-secret"}


def start_runtime(extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], TracingRuntime]:
    data_dir = Path(tempfile.mkdtemp(prefix="a2g-tracing-e2e-"))
    port = free_port()
    env = {**os.environ, "A2G_ALLOW_MISSING_FUNCTIONS": "1", "A2G_OUTBOUND_ALLOW": "127.0.0.1,::1",
           "INITIAL_ADMIN_IDS": "admin", "A2G_PORT": str(port),
           "PYTHONPATH": f"{ROOT / 'infrastructure/local'}:{ROOT / 'layers/core/python'}",
           "POWERTOOLS_LOG_LEVEL": "WARNING", **(extra_env or {})}
    log = open(data_dir / "runtime.log", "wb")  # noqa: SIM115 - owned by the child
    process = subprocess.Popen([sys.executable, "-m", "a2g_local", "serve", "--port", str(port), "--data-dir",
                                str(data_dir)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 240
    info = data_dir / "runtime.json"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((data_dir / "runtime.log").read_text()[-3000:])
        if info.is_file():
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    meta = json.loads(info.read_text())
                    return process, TracingRuntime(meta["url"], meta["ws_url"],
                                                   _handler_env(data_dir, meta["dynamodb_endpoint"]))
            except (httpx.HTTPError, ValueError, KeyError):
                pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the local runtime did not start in 240 s")
