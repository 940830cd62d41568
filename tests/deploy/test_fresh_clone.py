"""`make up`'s and `make test`'s installs leave a fresh clone exactly as checked out.

A clone of the committed HEAD into a temporary folder runs the install and build targets of both commands
(not the suite, not the server): `make install-run install-node-run install-models build-frontend` (what
`make up` runs before it serves), then `make install build` (what `make test` runs before the suites).
Afterwards `git status --porcelain` must print nothing: no lock rewritten, no generated file left untracked
and unignored. The package caches (uv's, npm's) are the machine's, so this costs installs, not downloads.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.checks import REPO

MODEL = Path("layers/core/python/a2g/ranking/model")


def _run(command: list[str], cwd: Path, timeout: int = 1800) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{Path.home() / '.local' / 'bin'}:{env.get('PATH', '')}"
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.timeout(3600)
def test_make_up_and_make_test_installs_leave_a_fresh_clone_clean(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    done = _run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], tmp_path)
    assert done.returncode == 0, done.stderr
    # The ranking models are built from PyPI wheels by `make install-models` into an ignored folder; copying
    # the checkout's saves minutes here and cannot hide a tracked change (the folder is ignored).
    if (REPO / MODEL / "MANIFEST.json").is_file():
        shutil.copytree(REPO / MODEL, clone / MODEL)
    for targets in (
        ["install-run", "install-node-run", "install-models", "build-frontend"],
        ["install", "build"],
    ):
        done = _run(["make", *targets], clone)
        assert done.returncode == 0, (targets, done.stdout[-3000:], done.stderr[-3000:])
        status = _run(["git", "status", "--porcelain", "--untracked-files=all"], clone)
        assert status.stdout == "", (targets, status.stdout)
