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
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "infrastructure" / "local"))

import yaml
from a2g_local.cfn import load_yaml
from a2g_local.template import load_template

MB = 1024 * 1024
# Lambda quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
FUNCTION_ZIP_LIMIT = 50 * MB  # a zip uploaded directly; sam deploy goes through S3, this keeps functions small
UNZIPPED_LIMIT = 250 * MB  # a function and all its layers, unzipped
MAX_LAYERS = 5

CORE_LAYER = "CoreLayer"
# What moves from the core layer into a layer of its own: distributions from uv.lock and folders of
# layers/core/python. Anything not listed stays in the core layer, so a new dependency always works.
LAYER_SPLIT: dict[str, dict[str, list[str]]] = {
    "RankingLayer": {
        "distributions": ["numpy", "tokenizers", "safetensors"],
        "folders": ["a2g/ranking/model"],
    },
}
# Locked for the local tools but never imported on Lambda: tokenizers requires huggingface-hub only for
# `Tokenizer.from_pretrained` (downloads from the hub, which the platform never does), and these come with it.
NOT_SHIPPED = ["huggingface-hub", "hf-xet", "fsspec", "filelock", "tqdm", "pyyaml", "packaging"]
# Test suites inside third-party packages (numpy's are 15 MB) are never imported by the platform.
PRUNED_DIR_NAMES = {"tests", "__pycache__"}
TEMPLATE = REPO / "template.yaml"
# uv as the Makefile finds it (`make package` passes it): on the PATH, or where `pip install --user` puts it.
UV = os.environ.get("A2G_UV") or shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
LAYER_SOURCE = REPO / "layers" / "core" / "python"
DOCS_FUNCTION_FOLDER = "docs"


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


# ---- interpreters and tools -----------------------------------------------------------------------------

def find_python(version: str) -> str | None:
    """An interpreter of the Lambda runtime's version: .pyc files are specific to it."""
    candidates = [shutil.which(f"python{version}")]
    # pyenv's shims answer only for the selected versions; its installs themselves always run.
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += [str(p) for p in sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"), reverse=True)]
    try:
        found = subprocess.run([UV, "python", "find", "--no-project", version], capture_output=True, text=True,
                               check=False, timeout=60).stdout.strip()
        candidates.append(found or None)
    except (OSError, subprocess.TimeoutExpired):
        pass
    for candidate in candidates:
        if not candidate:
            continue
        probe = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True, check=False)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def locked_requirements() -> str:
    """uv.lock's runtime dependencies (no dev group), exact pins, without what Lambda never imports."""
    command = [UV, "export", "--frozen", "--no-default-groups", "--no-hashes", "--no-emit-project",
               "--format", "requirements-txt", "--no-header", "--no-annotate"]
    for name in NOT_SHIPPED:
        command += ["--no-emit-package", name]
    return subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True).stdout


def compile_tree(python: str | None, tree: Path, runtime_dir: str, *, strict: bool = True) -> bool:
    """Compile to .pyc once here instead of at every cold start (Lambda's file system is read-only, so it
    could not keep them). Unchecked-hash pycs skip the source mtime check, which zips do not preserve
    reliably; `-d` makes tracebacks name the path on Lambda (/opt/python, /var/task). A third-party file
    that does not compile (code for another Python version) only warns; our own code must compile."""
    if python is None:
        return False
    done = subprocess.run(
        [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
         "-d", runtime_dir, str(tree)],
        check=False, capture_output=True, text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},  # set constants are written in hash order: fix it
    )
    if done.returncode != 0:
        if strict:
            raise SystemExit(f"{tree} does not compile:\n{done.stdout[-3000:]}")
        print(f"warning: some files in {tree.name} do not compile (left as source):\n{done.stdout[-1500:]}",
              file=sys.stderr)
    return True


# ---- dependencies (cached) ------------------------------------------------------------------------------

def dist_top_level(site: Path) -> dict[str, set[str]]:
    """Distribution name (normalised) -> the top-level files and folders it installed (from RECORD)."""
    owners: dict[str, set[str]] = {}
    for record in site.glob("*.dist-info/RECORD"):
        meta = (record.parent / "METADATA").read_text(encoding="utf-8", errors="replace")
        match = re.search(r"^Name: (.+)$", meta, re.MULTILINE)
        name = normalise(match.group(1) if match else record.parent.name.split("-")[0])
        tops = owners.setdefault(name, set())
        for line in record.read_text(encoding="utf-8").splitlines():
            path = line.split(",", 1)[0]
            if path and not path.startswith(".."):
                tops.add(path.split("/", 1)[0])
    return owners


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def prune(tree: Path) -> None:
    for path in sorted(tree.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and path.name in PRUNED_DIR_NAMES:
            shutil.rmtree(path, ignore_errors=True)
    shutil.rmtree(tree / "bin", ignore_errors=True)  # console scripts with this machine's shebang


def dependencies(cache: Path, requirements: str, py_version: str, platform: str,
                 python: str | None) -> dict[str, Path]:
    """Install the locked dependencies for Lambda once per (requirements, platform, version, compiler) and
    split them per layer: {layer logical id: folder whose contents go under that layer's python/}."""
    key_text = json.dumps([requirements, py_version, platform, python and Path(python).name,
                           LAYER_SPLIT, sorted(PRUNED_DIR_NAMES)], sort_keys=True)
    key = hashlib.sha256(key_text.encode()).hexdigest()[:16]
    entry = cache / f"deps-{key}"
    if not (entry / "complete").is_file():
        started = time.monotonic()
        print(f"installing dependencies for python{py_version} on {platform} (cached as {entry.name}) ...",
              flush=True)
        for stale in cache.glob("staging-*"):  # left by an interrupted run
            if time.time() - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=cache))
        site = staging / CORE_LAYER
        requirements_file = staging / "requirements.txt"
        requirements_file.write_text(requirements)
        # --no-deps: the export is already the whole locked closure, nothing may be resolved anew.
        subprocess.run(
            [UV, "pip", "install", "--quiet", "--no-deps", "--target", str(site), "-r", str(requirements_file),
             "--python-platform", platform, "--python-version", py_version, "--only-binary", ":all:"],
            cwd=REPO, check=True,
        )
        requirements_file.unlink()
        owners = dist_top_level(site)
        for layer, spec in LAYER_SPLIT.items():
            target = staging / layer
            target.mkdir()
            for dist in spec["distributions"]:
                tops = owners.get(normalise(dist))
                if not tops:
                    raise SystemExit(f"{layer}: {dist} is not among the locked runtime dependencies")
                for top in tops:
                    if (site / top).exists():
                        shutil.move(str(site / top), str(target / top))
        for folder in staging.iterdir():
            prune(folder)
            compile_tree(python, folder, "/opt/python", strict=False)
        (staging / "complete").write_text(f"{time.monotonic() - started:.0f} s\n")
        if (entry / "complete").is_file():  # a concurrent run finished the same entry first
            shutil.rmtree(staging, ignore_errors=True)
        else:
            shutil.rmtree(entry, ignore_errors=True)
            staging.rename(entry)
        for old in cache.glob("deps-*"):  # keep the cache to the current set
            if old != entry:
                shutil.rmtree(old, ignore_errors=True)
    return {folder.name: folder for folder in entry.iterdir() if folder.is_dir()}


# ---- trees and zips -------------------------------------------------------------------------------------

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


def limit_problems(zip_bytes: int, unzipped_with_layers: int, layer_count: int) -> list[str]:
    """What in a function package breaks Lambda's quotas (empty when it deploys)."""
    problems = []
    if zip_bytes > FUNCTION_ZIP_LIMIT:
        problems.append(f"zip {mb(zip_bytes).strip()} > {FUNCTION_ZIP_LIMIT // MB} MB")
    if unzipped_with_layers > UNZIPPED_LIMIT:
        problems.append(f"unzipped with its layers {mb(unzipped_with_layers).strip()} > {UNZIPPED_LIMIT // MB} MB")
    if layer_count > MAX_LAYERS:
        problems.append(f"{layer_count} layers > {MAX_LAYERS}")
    return problems


def mb(n: int) -> str:
    return f"{n / MB:6.1f} MB" if n >= MB // 10 else f"{n / 1024:6.1f} KB"


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


def dummy_settings_env() -> dict[str, str]:
    """Just enough configuration for a2g.settings to load (names only; nothing is called)."""
    env = {f"A2G_{name}_TABLE": f"a2g-package-check-{name.lower()}"
           for name in ("USERS", "AGENTS", "CHATS", "TRACES", "CONNECTIONS", "PLATFORM", "USAGE")}
    env.update({
        "A2G_FILES_BUCKET": "a2g-package-check-files", "A2G_TOKEN_SECRET": "p" * 40, "A2G_ENV": "aws",
        "A2G_WS_MANAGEMENT_URL": "https://example.execute-api.us-east-1.amazonaws.com/dev",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "package-check",
        "AWS_SECRET_ACCESS_KEY": "package-check", "A2G_PUBLIC_URL": "https://example.cloudfront.net",
    })
    return env


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


# ---- the import check -----------------------------------------------------------------------------------

_IMPORT_CHECK = r"""
import importlib.util, json, sys, time
functions, check_embedder = json.loads(sys.argv[1]), sys.argv[2] == "1"
results = {}
for logical_id, code_dir, module_file, attr in functions:
    started, cpu_started = time.perf_counter(), time.process_time()
    sys.path.insert(0, code_dir)
    try:
        spec = importlib.util.spec_from_file_location("fn_" + logical_id, code_dir + "/" + module_file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not callable(getattr(module, attr, None)):
            raise AttributeError(f"{module_file} has no callable {attr!r}")
        results[logical_id] = {"ok": True, "seconds": round(time.perf_counter() - started, 2),
                               "cpu_seconds": round(time.process_time() - cpu_started, 2)}
    except BaseException as exc:
        results[logical_id] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        sys.path.remove(code_dir)
if check_embedder:
    try:
        import a2g.ranking as ranking
        vector = ranking.default_embedder().embed(["an agent that books meeting rooms"])[0]
        results["(ranking model)"] = {"ok": len(vector) > 0, "dimension": len(vector)}
    except BaseException as exc:
        results["(ranking model)"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
print("\n" + json.dumps(results))
"""


def merged_opt(stage: Path, layers: list[str], layer_trees: dict[str, Path]) -> Path:
    """What Lambda makes of a function's layers: each extracted into /opt in order, later ones overwriting
    (hard links, so this costs no copy). The ranking layer's `a2g/ranking/model` lands beside the core
    layer's `a2g/ranking` code only this way."""
    opt = stage / "opt" / "+".join(layers)
    if not opt.is_dir():
        for layer in layers:
            shutil.copytree(layer_trees[layer], opt, dirs_exist_ok=True, copy_function=os.link)
    return opt


def import_check(python: str, groups: dict[Path, list[tuple[str, str, str, str]]], ranking_opts: set[Path],
                 per_function: bool = False) -> dict[str, dict[str, Any]]:
    """Import each function's handler module from its package and its merged layers only (`-I -S`: no
    site-packages, no PYTHONPATH), as Lambda would; one child process per set of layers, or per function
    (`per_function`: then the seconds are each function's own cold import)."""
    results: dict[str, dict[str, Any]] = {}
    runs: list[tuple[Path, list[tuple[str, str, str, str]], bool]] = []
    for opt, functions in groups.items():
        if per_function:  # each in a fresh interpreter: its own cold-start import time
            runs += [(opt, [fn], False) for fn in functions]
        runs.append((opt, [] if per_function else functions, opt in ranking_opts))
    for opt, functions, check_embedder in runs:
        if not functions and not check_embedder:
            continue
        prelude = f"import sys; sys.path[:0] = [{str(opt / 'python')!r}]\n"
        env = {**dummy_settings_env(), "PATH": os.environ.get("PATH", ""), "HOME": tempfile.gettempdir()}
        done = subprocess.run([python, "-I", "-S", "-c", prelude + _IMPORT_CHECK, json.dumps(functions),
                               "1" if check_embedder else "0"],
                              env=env, capture_output=True, text=True, timeout=900, check=False)
        try:
            results.update(json.loads(done.stdout.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            for fn in functions:
                results[fn[0]] = {"ok": False, "error": (done.stderr or done.stdout)[-2000:]}
    return results


def _get_probe_path(template: Any, logical_id: str) -> str:
    """A path of the function (its first GET route, else its first route), parameters filled in: every
    streaming app checks the credential first, so a GET without one is refused with 401."""
    routes = sorted((r for r in template.http_routes if r.function == logical_id), key=lambda r: r.method != "GET")
    return re.sub(r"\{[^}]+\}", "package-check", routes[0].path) if routes else "/"


def web_adapter_check(python: str, function_tree: Path, opt: Path, script: str,
                      probe_path: str = "/api/log-proxy/package-check/v1/models") -> dict[str, Any]:
    """Start the function's Web Adapter script (run.sh) as Lambda would and GET one of its routes without a
    credential (`probe_path`): a 401 from the app proves the script, uvicorn in the layer and the app agree."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    shim = Path(tempfile.mkdtemp(prefix="lwa-"))
    (shim / "python").symlink_to(python)  # run.sh calls `python`, as the Lambda runtime provides it
    env = {**dummy_settings_env(), "PORT": str(port), "LAMBDA_TASK_ROOT": str(function_tree),
           "PATH": f"{shim}:{os.environ.get('PATH', '')}", "PYTHONNOUSERSITE": "1",
           "PYTHONPATH": str(opt / "python")}
    process = subprocess.Popen(["/bin/bash", str(function_tree / script)], cwd=function_tree, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"GET " + probe_path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                                 b"Connection: close\r\n\r\n")
                    answer = b""
                    while chunk := conn.recv(65536):
                        answer += chunk
                status = int(answer.split(b" ", 2)[1])
                return {"ok": status == 401, "status": status}  # no API key: the app itself refuses
            except OSError:
                time.sleep(0.3)
        output = process.stdout.read().decode(errors="replace") if process.poll() is not None and process.stdout else ""
        return {"ok": False, "error": f"{script} did not serve on port {port}: {output[-1500:]}"}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)
            process.wait(timeout=20)
        shutil.rmtree(shim, ignore_errors=True)


# ---- main -----------------------------------------------------------------------------------------------

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
                    python, tree, opts[fn.logical_id], fn.handler, _get_probe_path(template, fn.logical_id))
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
