"""The third-party half of a layer: the runtime dependencies pinned in uv.lock, installed for Lambda's
platform (manylinux wheels for the template's Python and architecture, binary only) and cached by the hash
of what decides them; and compiling trees to `.pyc` with an interpreter of the runtime's version."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from build_config import (
    CORE_LAYER,
    LAYER_SPLIT,
    NOT_SHIPPED,
    PRUNED_DIR_NAMES,
    REPO,
    UV,
)

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
