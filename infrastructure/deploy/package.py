"""Build deployable Lambda packages without Docker: `make package`.

For every function in template.yaml, a zip of `functions/<name>/`; for every layer, a zip of its `python/`
tree: the `a2g` package and the runtime dependencies pinned in uv.lock, installed for the Lambda runtime's
platform and Python version (manylinux x86_64 or aarch64 from `Architectures`, the template's `Runtime`) as
binary wheels only, so nothing is built for this machine by mistake. Everything is compiled to `.pyc` by an
interpreter of the runtime's version (unchecked-hash pycs: valid whatever mtimes the zip restores).

Two layers (template.yaml): `CoreLayer` carries everything every function needs; `RankingLayer` carries the
embedding stack (numpy, tokenizers, safetensors) and the ranking models in `a2g/ranking/model/`, and is
attached only to the functions that compute embeddings. Together they would leave a function little of
Lambda's 250 MB unzipped limit; apart, most functions carry a third of it.

Prints each package's size, refuses packages over Lambda's limits, and (where an interpreter of the runtime's
version exists here) imports every function from its own package and layers alone, as Lambda would.

Output (default `.build/`): `functions/<LogicalId>.zip`, `layers/<LogicalId>.zip`, `sizes.json`, and
`template.packaged.yaml`, whose CodeUri / ContentUri point at those zips (what `sam deploy` uploads).
Installed dependencies are cached in `.build/cache/` by the hash of what decides them.

This file is the entry point and the build itself (what goes into each tree, the zips, the report, the
packaged template). Beside it: `build_config.py` (paths, Lambda's limits, the layer split), `lambda_deps.py`
(the locked third-party wheels for Lambda's platform, and compiling to `.pyc`) and `lambda_checks.py` (the
size limits and the import check). `sam_build.py` builds one resource of `sam build` with the same code.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The split-out modules sit next to this file; `sam build` and the tests load this file by path.
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "infrastructure" / "local"))

import yaml
from a2g_local.cfn import load_yaml
from a2g_local.template import load_template
from build_config import (
    CORE_LAYER,
    DOCS_FUNCTION_FOLDER,
    LAYER_SOURCE,
    LAYER_SPLIT,
    REPO,
    TEMPLATE,
    mb,
)
from lambda_checks import (
    dummy_settings_env,
    import_check,
    limit_problems,
    merged_opt,
    probe_path,
    web_adapter_check,
)
from lambda_deps import (
    compile_tree,
    dependencies,
    find_python,
    locked_requirements,
)


@dataclass
class Package:
    kind: str  # "function" or "layer"
    logical_id: str
    zip_path: Path
    zip_bytes: int
    unzipped_bytes: int
    layers: list[str] = field(default_factory=list)  # functions: the layers of this template it uses
    with_layers_bytes: int = 0
    problems: list[str] = field(default_factory=list)


# ---- the template ---------------------------------------------------------------------------------------

def runtime_of(raw: dict[str, Any]) -> tuple[str, str]:
    """(python version, pip platform) of the Lambda runtime in Globals.Function."""
    function_globals = raw.get("Globals", {}).get("Function", {})
    runtime = str(function_globals.get("Runtime", "python3.12"))
    if not runtime.startswith("python3."):
        raise SystemExit(f"package.py builds Python functions; the template's runtime is {runtime}")
    arch = (function_globals.get("Architectures") or ["x86_64"])[0]
    if isinstance(arch, dict) and "Ref" in arch:  # the Architecture parameter: what the build was asked for
        default = raw.get("Parameters", {}).get(arch["Ref"], {}).get("Default", "x86_64")
        arch = os.environ.get("A2G_ARCHITECTURE") or default
    # python3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34): any manylinux wheel up to 2_34 loads there.
    machine = {"x86_64": "x86_64", "arm64": "aarch64"}[arch]
    return runtime.removeprefix("python"), f"{machine}-manylinux_2_34"


def function_layers(raw: dict[str, Any], logical_id: str) -> list[str]:
    """The template's own layers a function uses (SAM appends a function's Layers to Globals' Layers)."""
    global_layers = raw.get("Globals", {}).get("Function", {}).get("Layers") or []
    own = raw["Resources"][logical_id].get("Properties", {}).get("Layers") or []
    refs = [item["Ref"] for item in [*global_layers, *own] if isinstance(item, dict) and "Ref" in item]
    return [ref for ref in refs if raw["Resources"].get(ref, {}).get("Type") == "AWS::Serverless::LayerVersion"]


def template_layers(raw: dict[str, Any]) -> list[str]:
    return [lid for lid, res in raw["Resources"].items() if res.get("Type") == "AWS::Serverless::LayerVersion"]



def tree_size(tree: Path) -> int:
    return sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())


def zip_tree(tree: Path, dest: Path) -> int:
    """A reproducible zip: sorted entries, fixed times, modes normalised to 644 / 755 (scripts stay runnable)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for path in sorted(tree.rglob("*")):
            if not path.is_file():
                continue
            info = zipfile.ZipInfo(path.relative_to(tree).as_posix(), date_time=(2020, 1, 1, 0, 0, 0))
            mode = 0o755 if path.stat().st_mode & stat.S_IXUSR else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with path.open("rb") as fh:
                zf.writestr(info, fh.read(), compresslevel=6)
    return dest.stat().st_size


def openapi_document() -> str:
    """The merged OpenAPI document (a2g.http.openapi), built from the checkout in a child process: it imports
    every function's app, which needs settings but no AWS."""
    env = {**os.environ, **dummy_settings_env(), "PYTHONPATH": str(LAYER_SOURCE)}
    code = ("import json, pathlib, sys; from a2g.http.openapi import merged_document; "
            "sys.stdout.write(json.dumps(merged_document(pathlib.Path(sys.argv[1])), indent=1, sort_keys=True))")
    return subprocess.run([sys.executable, "-c", code, str(REPO / "functions")], env=env, check=True,
                          capture_output=True, text=True).stdout


DOCS_ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")


def copy_docs_assets(docs_dir: Path, dest: Path) -> None:
    """The API reference page's Swagger UI files, from the npm package `make install` put beside the docs
    function (no CDN at run time)."""
    source = docs_dir / "node_modules" / "swagger-ui-dist"
    missing = [name for name in DOCS_ASSETS if not (source / name).is_file()]
    if missing:
        raise SystemExit(f"{source} lacks {', '.join(missing)}: run `make install` first")
    dest.mkdir(parents=True, exist_ok=True)
    for name in DOCS_ASSETS:
        shutil.copy2(source / name, dest / name)


# ---- one package's tree (also what `sam build` runs per resource: infrastructure/deploy/sam_build.py) -----

def fill_layer(layer: str, tree: Path, deps: dict[str, Path], python: str | None, scratch: Path) -> None:
    """A layer's contents as Lambda extracts them into /opt: `tree/python/` holds its share of the locked
    dependencies (LAYER_SPLIT) and of our own code, compiled."""
    if layer != CORE_LAYER and layer not in LAYER_SPLIT:
        raise SystemExit(f"package.py does not know what goes into {layer} (see LAYER_SPLIT)")
    site = tree / "python"
    site.mkdir(parents=True, exist_ok=True)
    if layer in deps:
        shutil.copytree(deps[layer], site, dirs_exist_ok=True)
    moved_folders = {folder for spec in LAYER_SPLIT.values() for folder in spec["folders"]}
    shutil.rmtree(scratch, ignore_errors=True)
    if layer == CORE_LAYER:
        shutil.copytree(LAYER_SOURCE / "a2g", scratch / "a2g", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for folder in moved_folders:
            shutil.rmtree(scratch / folder, ignore_errors=True)
    else:
        for folder in LAYER_SPLIT[layer]["folders"]:
            shutil.copytree(LAYER_SOURCE / folder, scratch / folder)
    if scratch.is_dir():
        compile_tree(python, scratch, "/opt/python")
        shutil.copytree(scratch, site, dirs_exist_ok=True)
        shutil.rmtree(scratch, ignore_errors=True)


def fill_function(code_dir: Path, tree: Path, python: str | None, document: str | None) -> None:
    """A function's package (/var/task): its folder without tests or Node files, compiled; the docs function
    also gets the merged OpenAPI document (`document`, built when None) and the Swagger UI files."""
    shutil.copytree(code_dir, tree, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "node_modules", "package*.json"))
    if code_dir.name == DOCS_FUNCTION_FOLDER:
        (tree / "openapi.json").write_text(document or openapi_document())  # functions cannot import each other
        copy_docs_assets(code_dir, tree / "swagger-ui")
    compile_tree(python, tree, "/var/task")
def build(out: Path, cache: Path, *, skip_deps: bool, check_imports: bool, allow_missing: bool = False,
          measure_init: bool = False) -> int:
    template = load_template(TEMPLATE, environ={"TokenSecret": "x" * 32}, allow_missing_functions=allow_missing)
    raw = load_yaml(TEMPLATE.read_text())
    missing = {fn.logical_id: fn.missing for fn in template.functions.values() if fn.missing}
    for logical_id, why in missing.items():
        print(f"warning: {logical_id} is skipped: {why}", file=sys.stderr)
        del template.functions[logical_id]
    py_version, platform = runtime_of(raw)
    python = find_python(py_version)
    if python is None:
        print(f"warning: no Python {py_version} here: packages ship without .pyc (Lambda compiles at each cold "
              "start) and the import check is skipped", file=sys.stderr)
    shutil.rmtree(out / "functions", ignore_errors=True)
    shutil.rmtree(out / "layers", ignore_errors=True)
    stage = out / "stage"
    shutil.rmtree(stage, ignore_errors=True)
    packages: dict[str, Package] = {}

    # ---- layers ----
    layers = template_layers(raw)
    unknown = [layer for layer in layers if layer != CORE_LAYER and layer not in LAYER_SPLIT]
    if unknown:
        raise SystemExit(f"package.py does not know what goes into {', '.join(unknown)} (see LAYER_SPLIT)")
    deps: dict[str, Path] = {}
    if not skip_deps:
        cache.mkdir(parents=True, exist_ok=True)
        deps = dependencies(cache, locked_requirements(), py_version, platform, python)
    layer_trees: dict[str, Path] = {}
    for layer in layers:
        tree = stage / "layers" / layer
        fill_layer(layer, tree, deps, python, stage / "layer-code" / layer)
        layer_trees[layer] = tree
        zip_path = out / "layers" / f"{layer}.zip"
        packages[layer] = Package("layer", layer, zip_path, zip_tree(tree, zip_path), tree_size(tree))

    # ---- functions ----
    document = openapi_document()
    for fn in template.functions.values():
        tree = stage / "functions" / fn.logical_id
        fill_function(fn.code_dir, tree, python, document)
        zip_path = out / "functions" / f"{fn.logical_id}.zip"
        package = Package("function", fn.logical_id, zip_path, zip_tree(tree, zip_path), tree_size(tree),
                          layers=function_layers(raw, fn.logical_id))
        package.with_layers_bytes = package.unzipped_bytes + sum(packages[lay].unzipped_bytes
                                                                 for lay in package.layers)
        own_layers = raw["Resources"][fn.logical_id].get("Properties", {}).get("Layers") or []
        global_layers = raw.get("Globals", {}).get("Function", {}).get("Layers") or []
        package.problems += limit_problems(package.zip_bytes, package.with_layers_bytes,
                                           len(own_layers) + len(global_layers))
        packages[fn.logical_id] = package

    # ---- imports, as Lambda would see them ----
    checks: dict[str, dict[str, Any]] = {}
    if check_imports and python is not None and not skip_deps:
        groups: dict[Path, list[tuple[str, str, str, str]]] = {}
        opts: dict[str, Path] = {}
        for fn in template.functions.values():
            fn_layers = packages[fn.logical_id].layers
            opts[fn.logical_id] = merged_opt(stage, fn_layers, layer_trees)
            tree = stage / "functions" / fn.logical_id
            module_file, attr = fn.module_path.name, fn.handler_attr
            if fn.handler.endswith(".sh"):  # Web Adapter: the script serves app.py's ASGI `app`
                module_file, attr = "app.py", "app"
            groups.setdefault(opts[fn.logical_id], []).append((fn.logical_id, str(tree), module_file, attr))
        ranking_opts = {opts[fn] for fn in opts if set(packages[fn].layers) & set(LAYER_SPLIT)}
        checks = import_check(python, groups, ranking_opts, per_function=measure_init)
        for fn in template.functions.values():
            if fn.handler.endswith(".sh"):
                tree = stage / "functions" / fn.logical_id
                checks[f"{fn.logical_id} ({fn.handler})"] = web_adapter_check(
                    python, tree, opts[fn.logical_id], fn.handler, probe_path(template, fn.logical_id))
        for name, result in checks.items():
            target = packages.get(name.split(" ", 1)[0])
            if not result.get("ok") and target is not None:
                target.problems.append(f"{name}: {result.get('error') or result}")

    # ---- report ----
    print(f"{'package':32} {'zip':>10} {'unzipped':>10} {'with layers':>12}  layers")
    for package in packages.values():
        with_layers = mb(package.with_layers_bytes) if package.kind == "function" else ""
        flag = "  <-- " + "; ".join(package.problems) if package.problems else ""
        print(f"{package.kind[0]} {package.logical_id:30} {mb(package.zip_bytes):>10} {mb(package.unzipped_bytes):>10} "
              f"{with_layers:>12}  {','.join(package.layers)}{flag}")
    if checks:
        imported = [k for k, v in checks.items() if v.get("ok") and "cpu_seconds" in v]
        line = (f"import check (python{py_version}, each function from its package and layers alone): "
                f"{len(imported)} of {len(template.functions)} import")
        if measure_init:  # CPU seconds: on a busy machine wall time says more about the neighbours
            line += "; cold import, CPU seconds: " + ", ".join(f"{k} {checks[k]['cpu_seconds']:.2f}" for k in imported)
        print(line)
    (out / "sizes.json").write_text(json.dumps({
        "python": py_version, "platform": platform, "compiled": python is not None,
        "packages": {p.logical_id: {"kind": p.kind, "zip_bytes": p.zip_bytes, "unzipped_bytes": p.unzipped_bytes,
                                    "with_layers_bytes": p.with_layers_bytes, "layers": p.layers,
                                    "problems": p.problems} for p in packages.values()},
        "checks": checks,
    }, indent=1))

    # ---- the packaged template ----
    resources = raw["Resources"]
    for package in packages.values():
        key = "CodeUri" if package.kind == "function" else "ContentUri"
        resources[package.logical_id]["Properties"][key] = str(package.zip_path)
        resources[package.logical_id].pop("Metadata", None)  # already built: sam deploy uploads the zip
    (out / "template.packaged.yaml").write_text(yaml.safe_dump(raw, sort_keys=False, width=120))
    print(f"packaged template: {out / 'template.packaged.yaml'}")
    shutil.rmtree(stage, ignore_errors=True)
    problems = [f"{p.logical_id}: {problem}" for p in packages.values() for problem in p.problems]
    problems += [f"{logical_id}: not packaged ({why})" for logical_id, why in missing.items()]
    if problems:
        print("packaging problems:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", default=str(REPO / ".build"), help="output folder (default .build/)")
    parser.add_argument("--cache", default=None, help="dependency cache (default <repo>/.build/cache)")
    parser.add_argument("--skip-deps", action="store_true", help="layers without third-party packages (quick)")
    parser.add_argument("--no-import-check", action="store_true", help="skip importing each function")
    parser.add_argument("--measure-init", action="store_true",
                        help="import each function in its own interpreter and print its cold import time")
    parser.add_argument("--allow-missing", action="store_true",
                        help="package the functions that exist when some folder is missing (exit code stays 1)")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    cache = Path(args.cache).resolve() if args.cache else REPO / ".build" / "cache"
    return build(out, cache, skip_deps=args.skip_deps, check_imports=not args.no_import_check,
                 allow_missing=args.allow_missing, measure_init=args.measure_init)


if __name__ == "__main__":
    raise SystemExit(main())
