"""`sam build` (the SAM CLI from PyPI, no Docker) produces a stack Lambda can run.

One real build per session into `.aws-sam/build-test`, every resource built (no `--cached`: SAM would key a
layer on its folder only, not on uv.lock); the manylinux wheels come from PyPI on a fresh clone and from
package.py's `.build/cache/` (keyed on the lock) afterwards. Then every function is imported in a clean interpreter of the runtime's
version with only what Lambda gives it (its built folder and its built layers merged as /opt would be; no
site-packages, no PYTHONPATH), and the docs function answers an API Gateway HTTP API event.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.checks import REPO, TEMPLATE, functions, load_raw

SAM = REPO / ".venv-sam" / "bin" / "sam"
BUILD_DIR = REPO / ".aws-sam" / "build-test"
EVENTS = Path(__file__).parent / "events"
PACKAGE_PY = REPO / "infrastructure" / "deploy" / "package.py"


def _package_module() -> Any:
    spec = importlib.util.spec_from_file_location("a2g_deploy_package", PACKAGE_PY)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _sam_env() -> dict[str, str]:
    return {
        **os.environ,
        "AWS_DEFAULT_REGION": "us-east-1",
        "SAM_CLI_TELEMETRY": "0",
        "SAM_CLI_DISABLE_VERSION_CHECK": "1",
        "PYTHONPATH": "",
    }


@pytest.fixture(scope="module")
def sam_build() -> Iterator[dict[str, Any]]:
    assert SAM.is_file(), "the SAM CLI is missing: make install-sam"
    done = subprocess.run(
        [
            str(SAM),
            "build",
            "--template-file",
            str(TEMPLATE),
            "--build-dir",
            str(BUILD_DIR),
            "--parallel",
        ],
        cwd=REPO,
        env=_sam_env(),
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    yield {"returncode": done.returncode, "output": done.stdout + done.stderr}


def test_sam_build_succeeds_and_the_built_template_points_at_every_built_function_and_layer(
    sam_build: dict[str, Any],
) -> None:
    assert sam_build["returncode"] == 0, sam_build["output"][-4000:]
    built = yaml.load((BUILD_DIR / "template.yaml").read_text(), Loader=yaml.BaseLoader)  # tags as text
    resources = built["Resources"]
    for lid in functions(load_raw()):
        code = BUILD_DIR / resources[lid]["Properties"]["CodeUri"]
        assert (code / "app.py").is_file() or any(code.glob("*.sh")), lid
    for layer in ("CoreLayer", "RankingLayer"):
        site = BUILD_DIR / resources[layer]["Properties"]["ContentUri"] / "python"
        assert (site / "a2g").is_dir(), layer
    core, ranking = BUILD_DIR / "CoreLayer" / "python", BUILD_DIR / "RankingLayer" / "python"
    # The third-party dependencies are there, for Lambda's platform and Python, split as package.py splits them.
    assert (core / "pydantic_core").is_dir() and list(
        (core / "pydantic_core").glob("*cpython-312-*linux*.so")
    )
    assert (ranking / "numpy").is_dir() and not (core / "numpy").exists()
    assert (ranking / "a2g" / "ranking" / "model" / "MANIFEST.json").is_file()


def test_sam_validate_lint_and_cfn_lint_with_informational_checks_are_clean() -> None:
    validate = subprocess.run(
        [str(SAM), "validate", "--lint", "--template-file", str(TEMPLATE)],
        cwd=REPO,
        env=_sam_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--include-checks", "I", "--", str(TEMPLATE)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert lint.returncode == 0 and not lint.stdout.strip(), lint.stdout + lint.stderr


_CLEAN_RUN = r"""
import importlib.util, json, sys
code_dir, module_file, attr, event_file = sys.argv[1:5]
sys.path[:0] = [code_dir]
spec = importlib.util.spec_from_file_location("handler_module", code_dir + "/" + module_file)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
target = getattr(module, attr)
answer = None
if event_file:
    class Context:
        function_name, aws_request_id, memory_limit_in_mb = "a2g-docs", "sam-build-check", 512
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:a2g-docs"
        def get_remaining_time_in_millis(self): return 29000
    answer = target(json.load(open(event_file)), Context())
site = [p for p in sys.path if "site-packages" in p]
print(json.dumps({"callable": callable(target), "answer": answer, "site_packages": site,
                  "a2g": module.__dict__.get("__name__") and sys.modules["a2g"].__file__}))
"""


def _run_clean(
    python: str, opt: Path, code_dir: Path, module_file: str, attr: str, event: Path | None = None
) -> dict[str, Any]:
    package = _package_module()
    prelude = f"import sys; sys.path[:0] = [{str(opt / 'python')!r}]\n"
    env = {**package.dummy_settings_env(), "PATH": os.environ.get("PATH", ""), "HOME": str(opt)}
    done = subprocess.run(
        [python, "-I", "-S", "-c", prelude + _CLEAN_RUN, str(code_dir), module_file, attr, str(event or "")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, (code_dir.name, done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def lambda_python() -> str:
    python = _package_module().find_python("3.12")
    if python is None:
        pytest.skip("no Python 3.12 here (the Lambda runtime's version): the clean import needs one")
    return python


def _opt_for(lid: str, raw: dict[str, Any], stage: Path) -> Path:
    package = _package_module()
    layers = package.function_layers(raw, lid)
    return package.merged_opt(stage, layers, {layer: BUILD_DIR / layer for layer in layers})


def test_the_built_docs_function_answers_an_api_gateway_event_with_only_its_layers(
    sam_build: dict[str, Any], lambda_python: str, tmp_path: Path
) -> None:
    assert sam_build["returncode"] == 0, sam_build["output"][-4000:]
    result = _run_clean(
        lambda_python,
        _opt_for("DocsFunction", load_raw(), tmp_path),
        BUILD_DIR / "DocsFunction",
        "app.py",
        "handler",
        EVENTS / "http_api_get_openapi.json",
    )
    assert result["site_packages"] == []
    assert result["a2g"].startswith(str(tmp_path))  # our package came from the built layer, not the checkout
    answer = result["answer"]
    assert answer["statusCode"] == 200, answer
    document = json.loads(answer["body"])
    assert document["openapi"].startswith("3.") and "/api/health" in document["paths"]


def test_every_built_function_imports_in_a_clean_python_with_only_its_built_layers(
    sam_build: dict[str, Any], lambda_python: str, tmp_path: Path
) -> None:
    assert sam_build["returncode"] == 0, sam_build["output"][-4000:]
    raw = load_raw()
    failures = {}
    for lid, resource in functions(raw).items():
        handler = resource["Properties"].get("Handler") or raw["Globals"]["Function"]["Handler"]
        module_file, attr = (
            ("app.py", "app")
            if handler.endswith(".sh")
            else (handler.rsplit(".", 1)[0] + ".py", handler.rsplit(".", 1)[1])
        )
        try:
            result = _run_clean(
                lambda_python, _opt_for(lid, raw, tmp_path), BUILD_DIR / lid, module_file, attr
            )
            if not result["callable"]:
                failures[lid] = f"{attr} is not callable"
        except AssertionError as exc:
            failures[lid] = str(exc)[-1500:]
    assert not failures, failures
