"""`make package` (infrastructure/deploy/package.py) builds deployable packages on this machine, without Docker.

One real build per test session into a temporary folder (binary wheels for the Lambda platform come from
PyPI the first time; `.build/cache/` keeps them, installed and compiled, for the next runs).
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.checks import REPO, functions, load_raw

PACKAGE_PY = REPO / "infrastructure" / "deploy" / "package.py"
MB = 1024 * 1024


def _package_module() -> Any:
    spec = importlib.util.spec_from_file_location("a2g_deploy_package", PACKAGE_PY)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    out = tmp_path_factory.mktemp("package")
    done = subprocess.run([sys.executable, str(PACKAGE_PY), "--out", str(out)], cwd=REPO, capture_output=True,
                          text=True, timeout=3600, check=False)
    sizes = json.loads((out / "sizes.json").read_text()) if (out / "sizes.json").is_file() else {}
    yield {"out": out, "returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "sizes": sizes}


def test_make_package_succeeds_and_prints_every_package_size(build: dict[str, Any]) -> None:
    assert build["returncode"] == 0, build["stdout"][-3000:] + build["stderr"][-3000:]
    raw = load_raw()
    for lid in [*functions(raw), "CoreLayer", "RankingLayer"]:
        assert re.search(rf"^[fl] {lid} +\d+\.\d [KM]B +\d+\.\d [KM]B", build["stdout"], re.MULTILINE), lid


def test_every_function_and_layer_has_its_zip_and_the_packaged_template_points_at_them(
        build: dict[str, Any]) -> None:
    packaged = yaml.safe_load((build["out"] / "template.packaged.yaml").read_text())
    resources = packaged["Resources"]
    for lid in functions(load_raw()):
        zip_path = Path(resources[lid]["Properties"]["CodeUri"])
        assert zip_path == build["out"] / "functions" / f"{lid}.zip" and zipfile.is_zipfile(zip_path), lid
    for layer in ("CoreLayer", "RankingLayer"):
        assert zipfile.is_zipfile(resources[layer]["Properties"]["ContentUri"]), layer


def test_every_package_is_under_lambdas_limits(build: dict[str, Any]) -> None:
    packages = build["sizes"]["packages"]
    for lid, package in packages.items():
        if package["kind"] == "function":
            assert package["zip_bytes"] < 50 * MB, lid
            assert package["with_layers_bytes"] < 250 * MB, (lid, package["with_layers_bytes"] / MB)
            assert package["with_layers_bytes"] >= package["unzipped_bytes"] + packages["CoreLayer"]["unzipped_bytes"]
    assert all(not p["problems"] for p in packages.values())


def test_limit_check_refuses_what_lambda_would_refuse() -> None:
    package = _package_module()
    assert package.limit_problems(10 * MB, 249 * MB, 2) == []
    assert package.limit_problems(51 * MB, 10 * MB, 1) == ["zip 51.0 MB > 50 MB"]
    assert package.limit_problems(1 * MB, 251 * MB, 1) == ["unzipped with its layers 251.0 MB > 250 MB"]
    assert package.limit_problems(1 * MB, 1 * MB, 6) == ["6 layers > 5"]


def test_the_embedding_stack_and_models_ship_only_in_the_ranking_layer(build: dict[str, Any]) -> None:
    core = zipfile.ZipFile(build["out"] / "layers" / "CoreLayer.zip").namelist()
    ranking = zipfile.ZipFile(build["out"] / "layers" / "RankingLayer.zip").namelist()
    for top in ("numpy/", "tokenizers/", "safetensors/", "a2g/ranking/model/"):
        assert any(n.startswith("python/" + top) for n in ranking), top
        assert not any(n.startswith("python/" + top) for n in core), top
    assert "python/a2g/ranking/engine.py" in core and "python/uvicorn/__init__.py" in core
    assert not any(n.startswith(("python/huggingface_hub/", "python/numpy/_core/tests/")) for n in ranking + core)
    uses_ranking = {lid for lid, p in build["sizes"]["packages"].items() if "RankingLayer" in p["layers"]}
    # agents are saved without an embedding: only ranking and the job that writes them carry the model
    assert uses_ranking == {"RankingFunction", "AgentEmbeddingsFunction"}


def test_code_is_compiled_for_the_lambda_runtime(build: dict[str, Any]) -> None:
    if not build["sizes"]["compiled"]:
        pytest.skip("no Python of the runtime's version on this machine: packages carry no .pyc")
    version = build["sizes"]["python"].replace(".", "")
    zips = {path: "" for path in (build["out"] / "functions").glob("*.zip")}
    zips[build["out"] / "layers" / "CoreLayer.zip"] = "python/a2g/"
    for zip_path, prefix in zips.items():
        names = set(zipfile.ZipFile(zip_path).namelist())
        sources = [n for n in names if n.endswith(".py") and n.startswith(prefix)]
        assert sources, zip_path.name
        for source in sources:
            folder, _, file = source.rpartition("/")
            pyc = (folder + "/" if folder else "") + f"__pycache__/{file[:-3]}.cpython-{version}.pyc"
            assert pyc in names, (zip_path.name, pyc)
    with zipfile.ZipFile(build["out"] / "layers" / "CoreLayer.zip") as layer:
        header = layer.read(f"python/a2g/__pycache__/settings.cpython-{version}.pyc")[:16]
    # PEP 552 flags 0b01: hash-based and unchecked, so the mtimes a zip restores cannot invalidate it.
    assert int.from_bytes(header[4:8], "little") == 0b01


def test_each_function_imports_from_its_package_and_layers_alone(build: dict[str, Any]) -> None:
    checks = build["sizes"]["checks"]
    if not build["sizes"]["compiled"]:
        pytest.skip("no Python of the runtime's version on this machine")
    for lid in functions(load_raw()):
        assert checks[lid]["ok"], (lid, checks[lid])
    assert checks["(ranking model)"] == {"ok": True, "dimension": checks["(ranking model)"]["dimension"]}
    # run.sh started as the Web Adapter would, uvicorn from the layer, the app answering without a key.
    assert checks["LogProxyFunction (run.sh)"] == {"ok": True, "status": 401}


def test_log_proxy_start_script_stays_executable_in_its_zip(build: dict[str, Any]) -> None:
    with zipfile.ZipFile(build["out"] / "functions" / "LogProxyFunction.zip") as archive:
        mode = archive.getinfo("run.sh").external_attr >> 16
    assert mode & 0o111 == 0o111


def test_docs_function_ships_the_merged_openapi_document(build: dict[str, Any]) -> None:
    with zipfile.ZipFile(build["out"] / "functions" / "DocsFunction.zip") as archive:
        document = json.loads(archive.read("openapi.json"))
        names = set(archive.namelist())
    for path in ("/api/health", "/api/my-agents/{agent_id}", "/api/sessions/{session_id}/messages",
                 "/api/agents/ranked", "/api/admin/llms"):
        assert path in document["paths"], path
    # The API reference page's Swagger UI comes with the function (no CDN), and the AsyncAPI module.
    assert {"swagger-ui/swagger-ui-bundle.js", "swagger-ui/swagger-ui.css", "websocket_protocol.py"} <= names
    assert not any(name.startswith("node_modules/") for name in names)


def test_packages_are_reproducible(build: dict[str, Any], tmp_path: Path) -> None:
    """The same checkout gives the same function zips (fixed times and modes, hash-based pycs)."""
    done = subprocess.run([sys.executable, str(PACKAGE_PY), "--out", str(tmp_path), "--skip-deps",
                           "--no-import-check"], cwd=REPO, capture_output=True, text=True, timeout=1800, check=False)
    assert (tmp_path / "functions" / "HealthFunction.zip").is_file(), done.stderr[-2000:]
    for name in ("HealthFunction.zip", "WsInvokeFunction.zip"):
        assert (tmp_path / "functions" / name).read_bytes() == (build["out"] / "functions" / name).read_bytes()
