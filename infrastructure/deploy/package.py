"""Build deployable Lambda packages without Docker.

For every function in template.yaml: a zip of `functions/<name>/` with compiled `.pyc`; for the shared
layer: the `a2g` package plus the runtime dependencies from uv.lock, installed for the Lambda runtime's
platform and Python version (manylinux x86_64, the template's Python) as binary wheels only, so nothing
compiles for this machine by mistake. Prints each package's size and refuses packages over Lambda's limits.

Output: `.build/functions/<Logical>.zip`, `.build/layers/core.zip`, and `.build/template.packaged.yaml`
whose CodeUri / ContentUri point at those zips (what `sam deploy` uploads).
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "infrastructure" / "local"))

import yaml  # noqa: E402

from a2g_local.cfn import load_yaml  # noqa: E402
from a2g_local.template import load_template  # noqa: E402

ZIP_LIMIT = 50 * 1024 * 1024  # direct-upload zip limit
UNZIPPED_LIMIT = 250 * 1024 * 1024  # function + layers, unzipped
# Heavy files that a Lambda never needs.
PRUNE_DIRS = {"__pycache__", "tests", "test", "benchmarks", "docs", "examples"}


def lambda_python_version(raw: dict) -> str:
    runtime = raw.get("Globals", {}).get("Function", {}).get("Runtime", "python3.12")
    return runtime.removeprefix("python")


def runtime_requirements() -> str:
    out = subprocess.run(
        ["uv", "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "--format", "requirements-txt"],
        cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout
    return out


def install_layer_dependencies(target: Path, py_version: str, requirements: str) -> None:
    req_file = target.parent / "requirements.txt"
    req_file.write_text(requirements)
    subprocess.run(
        [
            "uv", "pip", "install", "--quiet", "--target", str(target), "-r", str(req_file),
            "--python-platform", "x86_64-manylinux2014", "--python-version", py_version,
            "--only-binary", ":all:",
        ],
        cwd=REPO, check=True,
    )
    # boto3/botocore are in the Lambda runtime already; shipping our pinned copy keeps behaviour identical
    # to the tests, so they stay.


def prune(tree: Path) -> None:
    for path in sorted(tree.rglob("*"), reverse=True):
        if path.is_dir() and path.name in PRUNE_DIRS and "site-packages" not in path.parts:
            shutil.rmtree(path, ignore_errors=True)


def compile_tree(tree: Path) -> None:
    # Compiled once here, not at every cold start; the source stays for readable tracebacks.
    compileall.compile_dir(str(tree), quiet=1, legacy=False, optimize=0, workers=0)


def tree_size(tree: Path) -> int:
    return sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())


def zip_tree(tree: Path, dest: Path) -> int:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for path in sorted(tree.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo.from_file(path, path.relative_to(tree).as_posix())
                info.date_time = (2020, 1, 1, 0, 0, 0)  # reproducible zips: same input, same bytes
                info.compress_type = zipfile.ZIP_DEFLATED
                with path.open("rb") as fh:
                    zf.writestr(info, fh.read())
    return dest.stat().st_size


def mb(n: int) -> str:
    return f"{n / 1024 / 1024:6.1f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / ".build"))
    parser.add_argument("--skip-deps", action="store_true", help="layer without third-party packages (fast checks)")
    args = parser.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    template = load_template(REPO / "template.yaml", environ={"TokenSecret": "x" * 32})
    raw = load_yaml((REPO / "template.yaml").read_text())
    py_version = lambda_python_version(raw)
    problems: list[str] = []

    # ---- the shared layer ----
    layer_tree = out / "layer-src" / "python"
    layer_tree.mkdir(parents=True)
    shutil.copytree(REPO / "layers" / "core" / "python" / "a2g", layer_tree / "a2g",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if not args.skip_deps:
        install_layer_dependencies(layer_tree, py_version, runtime_requirements())
    prune(layer_tree)
    compile_tree(layer_tree)
    layer_unzipped = tree_size(layer_tree.parent)
    layer_zip = zip_tree(layer_tree.parent, out / "layers" / "core.zip")
    print(f"{'layer CoreLayer':40} zip {mb(layer_zip)}   unzipped {mb(layer_unzipped)}")

    # ---- each function ----
    for fn in template.functions.values():
        src = fn.code_dir
        tree = out / "function-src" / fn.logical_id
        shutil.copytree(src, tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests"))
        compile_tree(tree)
        unzipped = tree_size(tree)
        size = zip_tree(tree, out / "functions" / f"{fn.logical_id}.zip")
        total = unzipped + layer_unzipped
        flag = ""
        if size > ZIP_LIMIT or total > UNZIPPED_LIMIT:
            flag = "  OVER LAMBDA LIMITS"
            problems.append(f"{fn.logical_id}: zip {mb(size)}, with layer unzipped {mb(total)}")
        print(f"{'function ' + fn.logical_id:40} zip {mb(size)}   with layer unzipped {mb(total)}{flag}")

    # ---- the packaged template ----
    resources = raw["Resources"]
    for fn in template.functions.values():
        resources[fn.logical_id]["Properties"]["CodeUri"] = f"{out}/functions/{fn.logical_id}.zip"
    resources["CoreLayer"]["Properties"]["ContentUri"] = f"{out}/layers/core.zip"
    (out / "template.packaged.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    print(f"packaged template: {out / 'template.packaged.yaml'}")
    if problems:
        print("packages over Lambda's limits:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("UV_PYTHON", sys.executable)
    raise SystemExit(main())
