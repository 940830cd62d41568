"""The deployment scripts' own logic, run against stand-ins for the `sam` and `aws` CLIs (no AWS account here):
which stack, template, config and parameters they deploy with, the second pass that sets PublicUrl to the
CloudFront URL, and the web app upload. What AWS then does with the template is not verifiable here.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.checks import REPO

DEPLOY = REPO / "infrastructure" / "deploy"
WEB_URL = "https://d1234abcd.cloudfront.net"

# `sam deploy` records its arguments and "deploys": the stack's PublicUrl becomes what was passed (or the
# template's default) and the outputs appear. `aws` answers from that state and records everything else.
FAKE_SAM = r"""#!/usr/bin/env python3
import json, os, sys
state_file = os.environ["FAKE_STATE"]
state = json.load(open(state_file)) if os.path.exists(state_file) else {"calls": []}
state["calls"].append(["sam", *sys.argv[1:]])
args = sys.argv[1:]
params = args[args.index("--parameter-overrides") + 1:]
params = dict(p.split("=", 1) for p in params if "=" in p and not p.startswith("--"))
state["parameters"] = {"PublicUrl": params.get("PublicUrl", "http://127.0.0.1:3000")}
state["outputs"] = {"WebUrl": os.environ["FAKE_WEB_URL"], "WebBucketName": "a2g-dev-webbucket-1",
                    "WebDistributionId": "E2FAKE", "ApiUrl": "https://api", "WebSocketUrl": "wss://ws",
                    "LogProxyUrl": "https://lp"}
json.dump(state, open(state_file, "w"))
"""
FAKE_AWS = r"""#!/usr/bin/env python3
import json, os, re, sys
state_file = os.environ["FAKE_STATE"]
state = json.load(open(state_file)) if os.path.exists(state_file) else {"calls": []}
state["calls"].append(["aws", *sys.argv[1:]])
json.dump(state, open(state_file, "w"))
args = " ".join(sys.argv[1:])
if args.startswith("sts get-caller-identity"):
    print("123456789012")
elif args.startswith("cloudformation describe-stacks"):
    if "outputs" not in state:
        sys.exit(254)  # the stack does not exist yet
    key = re.search(r"Key=='(\w+)'", args).group(1)
    source = state["parameters"] if "Parameters" in args else state["outputs"]
    print(source.get(key, "None"))
"""


@pytest.fixture
def fake_cli(tmp_path: Path) -> dict[str, Any]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("sam", FAKE_SAM), ("aws", FAKE_AWS)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    packaged = tmp_path / "template.packaged.yaml"
    packaged.write_text("Resources: {}\n")
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html>")
    (dist / "assets" / "app-1a2b.js").write_text("x")
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(tmp_path), "FAKE_STATE": str(tmp_path / "state.json"),
           "FAKE_WEB_URL": WEB_URL, "A2G_PACKAGED_TEMPLATE": str(packaged), "A2G_WEB_DIST": str(dist),
           "A2G_TOKEN_SECRET": "s" * 40}
    return {"env": env, "state": tmp_path / "state.json", "packaged": packaged}


def run(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(DEPLOY / script), *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False, cwd=REPO)


def calls(state: Path, program: str, *prefix: str) -> list[list[str]]:
    return [c[1:] for c in json.loads(state.read_text())["calls"] if c[0] == program and c[1:1 + len(prefix)] ==
            list(prefix)]


def parameters(call: list[str]) -> dict[str, str]:
    after = call[call.index("--parameter-overrides") + 1:]
    return dict(p.split("=", 1) for p in after if "=" in p)


def test_first_deploy_sets_public_url_to_cloudfront_in_a_second_pass(fake_cli: dict[str, Any]) -> None:
    done = run("deploy-aws.sh", fake_cli["env"])
    assert done.returncode == 0, done.stderr
    deploys = calls(fake_cli["state"], "sam", "deploy")
    assert len(deploys) == 2
    first, second = deploys
    for call in deploys:
        assert call[call.index("--template-file") + 1] == str(fake_cli["packaged"])
        # Absolute: SAM resolves a relative --config-file against the template's folder, not the working one.
        assert call[call.index("--config-file") + 1] == str(DEPLOY / "samconfig.toml")
        assert call[call.index("--stack-name") + 1] == "a2g-dev"
        assert parameters(call)["Stage"] == "dev" and parameters(call)["TokenSecret"] == "s" * 40
    assert "PublicUrl" not in parameters(first)  # the stack does not exist yet: the template's default
    assert parameters(second)["PublicUrl"] == WEB_URL
    assert f"web app:           {WEB_URL}" in done.stdout


def test_web_app_upload_caches_bundles_and_revalidates_index(fake_cli: dict[str, Any]) -> None:
    done = run("deploy-aws.sh", fake_cli["env"])
    assert done.returncode == 0, done.stderr
    syncs = calls(fake_cli["state"], "aws", "s3")
    commands = [" ".join(shlex.quote(a) for a in c) for c in syncs]
    assert any("s3://a2g-dev-webbucket-1/assets/" in c and "immutable" in c for c in commands), commands
    assert any(c.startswith("s3 cp") and "s3://a2g-dev-webbucket-1/index.html" in c and "no-cache" in c
               for c in commands), commands
    invalidations = calls(fake_cli["state"], "aws", "cloudfront", "create-invalidation")
    assert invalidations and "E2FAKE" in invalidations[0]


def test_a_given_public_url_is_deployed_in_one_pass(fake_cli: dict[str, Any]) -> None:
    env = {**fake_cli["env"], "A2G_PUBLIC_URL": "https://agents.example.com", "A2G_STAGE": "prod",
           "A2G_PARAMETERS": "OidcIssuer=https://sso.example.com OidcClientId=a2g", "A2G_SKIP_FRONTEND": "1",
           "A2G_ARCHITECTURE": "arm64"}
    done = run("deploy-aws.sh", env)
    assert done.returncode == 0, done.stderr
    [deploy] = calls(fake_cli["state"], "sam", "deploy")
    assert deploy[deploy.index("--config-env") + 1] == "prod" and deploy[deploy.index("--stack-name") + 1] == "a2g-prod"
    assert parameters(deploy) == {"Stage": "prod", "TokenSecret": "s" * 40, "PublicUrl": "https://agents.example.com",
                                  "Architecture": "arm64", "OidcIssuer": "https://sso.example.com", "OidcClientId": "a2g"}
    assert calls(fake_cli["state"], "aws", "s3") == []


@pytest.mark.parametrize("secret", [None, "too-short"])
def test_deploy_refuses_to_run_without_a_real_token_secret(fake_cli: dict[str, Any], secret: str | None) -> None:
    env = {k: v for k, v in fake_cli["env"].items() if k != "A2G_TOKEN_SECRET"}
    if secret is not None:
        env["A2G_TOKEN_SECRET"] = secret
    done = run("deploy-aws.sh", env)
    assert done.returncode != 0 and "A2G_TOKEN_SECRET" in done.stderr
    assert not fake_cli["state"].exists() or calls(fake_cli["state"], "sam") == []


def test_localstack_deploy_needs_a_running_localstack(fake_cli: dict[str, Any]) -> None:
    env = {**fake_cli["env"], "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}  # nothing listens on port 9
    done = run("deploy-localstack.sh", env)
    assert done.returncode != 0 and "no LocalStack answers" in done.stderr
    assert not fake_cli["state"].exists()
