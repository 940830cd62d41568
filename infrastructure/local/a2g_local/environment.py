"""The one environment every in-process function sees.

Order, weakest first: the template's resolved variables (Globals and each function's), then the runtime's
own values (local endpoints, A2G_ENV=local), then the repo's `.env`, then the process environment — except
for the few values that must point at this runtime (endpoints, the @connections URL), which the runtime
always sets while it runs its own stores.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from a2g_local.template import REGION, Template

TOKEN_SECRET_FILE = "token-secret"
AWS_SECRET_FILE = "aws-secret-access-key"
LOCAL_ACCESS_KEY_ID = "local"
SECRET_NAMES = ("A2G_TOKEN_SECRET", "A2G_OIDC_CLIENT_SECRET", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "A2G_MAIL_API_AUTH_HEADER")


@dataclass
class Endpoints:
    public_url: str  # http://127.0.0.1:3000
    dynamodb_url: str | None  # None: AWS or the emulator behind AWS_ENDPOINT_URL
    s3_url: str | None
    ws_management_url: str
    # host:port of the runtime itself and of its stores: never an outbound destination of a function.
    platform_endpoints: tuple[str, ...] = ()


def read_dotenv(path: Path | None) -> dict[str, str]:
    if path is None or not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def token_secret(data_dir: Path) -> str:
    """The data dir's token secret, created on first use so tokens survive restarts (never committed)."""
    return _kept_secret(data_dir / TOKEN_SECRET_FILE)


def local_aws_secret(data_dir: Path) -> str:
    """The secret access key of the credentials the runtime hands its functions; its S3 verifies signatures
    with it. Kept in the data dir (0600) so presigned URLs survive a restart."""
    return _kept_secret(data_dir / AWS_SECRET_FILE)


def _kept_secret(path: Path) -> str:
    data_dir = path.parent
    if path.is_file():
        value = path.read_text(encoding="utf-8").strip()
        if len(value) >= 32:
            return value
    value = secrets.token_urlsafe(48)
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value


def build_environment(
    template: Template,
    *,
    process_env: dict[str, str],
    dotenv: dict[str, str],
    endpoints: Endpoints,
    data_dir: Path,
    own_stores: bool,
) -> dict[str, str]:
    """The variables to set in this process before any handler is imported."""
    env: dict[str, str] = dict(template.environment)
    env.update({
        "A2G_ENV": "local",
        "A2G_PUBLIC_URL": endpoints.public_url,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": env.get("POWERTOOLS_DEV", "false"),
        "AWS_XRAY_SDK_ENABLED": "false",
        "AWS_LAMBDA_RUNTIME_API": "",
    })
    env.pop("AWS_LAMBDA_RUNTIME_API")
    env.update(dotenv)
    env.update({k: process_env[k] for k in env if k in process_env})
    # The template's PublicUrl default names port 3000; the runtime knows its real address.
    if "A2G_PUBLIC_URL" not in dotenv and "A2G_PUBLIC_URL" not in process_env and "PublicUrl" not in process_env:
        env["A2G_PUBLIC_URL"] = endpoints.public_url
    env["A2G_ENV"] = "local"
    env["A2G_WS_MANAGEMENT_URL"] = endpoints.ws_management_url
    # Always the runtime's own (plus any the developer lists): allowing 127.0.0.1 for a local LLM must not
    # let a user's agent URL reach /_local, /_s3, /@connections or DynamoDB Local.
    extra = [e for e in (process_env.get("A2G_PLATFORM_ENDPOINTS") or dotenv.get("A2G_PLATFORM_ENDPOINTS")
                         or "").split(",") if e.strip()]
    env["A2G_PLATFORM_ENDPOINTS"] = ",".join(dict.fromkeys([*endpoints.platform_endpoints, *extra]))
    if own_stores:
        assert endpoints.dynamodb_url and endpoints.s3_url
        env["AWS_ENDPOINT_URL_DYNAMODB"] = endpoints.dynamodb_url
        env["AWS_ENDPOINT_URL_S3"] = endpoints.s3_url
        env["A2G_S3_PUBLIC_ENDPOINT_URL"] = endpoints.s3_url
        # The runtime's own credentials (never real ones): its S3 verifies signatures made with them.
        env["AWS_ACCESS_KEY_ID"] = LOCAL_ACCESS_KEY_ID
        env["AWS_SECRET_ACCESS_KEY"] = local_aws_secret(data_dir)
        env["A2G_LLM_KEY_STORE"] = "encrypted"  # the runtime's own stores have no SSM Parameter Store
    # The log-proxy's journal of trace records the store would not take (replayed when it is back).
    env["A2G_TRACE_SPOOL_DIR"] = (process_env.get("A2G_TRACE_SPOOL_DIR") or dotenv.get("A2G_TRACE_SPOOL_DIR")
                                  or str(data_dir / "trace-spool"))
    secret = process_env.get("A2G_TOKEN_SECRET") or dotenv.get("A2G_TOKEN_SECRET") or env.get("A2G_TOKEN_SECRET")
    env["A2G_TOKEN_SECRET"] = secret or token_secret(data_dir)
    return env


def apply_environment(env: dict[str, str], *, own_stores: bool) -> None:
    os.environ.update(env)
    if own_stores:
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
            os.environ.pop(name, None)


def public_view(env: dict[str, str]) -> dict[str, str]:
    """The environment without secrets, for /_local/info."""
    return {k: ("***" if k in SECRET_NAMES and v else v) for k, v in sorted(env.items())}
