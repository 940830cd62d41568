"""Start-up faults: a port in use and a template error are one clear line and exit code 1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
REPO_ROOT = Path(__file__).resolve().parents[3]


def _run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("A2G_", "AWS_"))}
    base.update({"PYTHONPATH": str(REPO_ROOT / "infrastructure" / "local"), "A2G_AUTO_INSTALL": "0"})
    base.update(env)
    return subprocess.run([sys.executable, "-m", "a2g_local", *args], capture_output=True, text=True,
                          env=base, cwd=REPO_ROOT, timeout=timeout, check=False)


def test_port_in_use_is_a_clear_message(tmp_path: Path, fixture_template: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        done = _run(["--template", str(fixture_template)], {"A2G_PORT": str(port), "A2G_DATA_DIR": str(tmp_path)})
    assert done.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0


def test_template_error_names_the_resource(tmp_path: Path, fixture_template: Path) -> None:
    broken = tmp_path / "template.yaml"
    text = fixture_template.read_text().replace("CodeUri: functions/tick/", "CodeUri: functions/no_such_folder/")
    broken.write_text(text)
    (tmp_path / "functions").symlink_to(fixture_template.parent / "functions")
    done = _run(["--template", str(broken)], {"A2G_PORT": "0", "A2G_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 1
    assert "TickFunction" in done.stderr and "no_such_folder" in done.stderr
    assert "Traceback" not in done.stderr


def test_check_command(fixture_template: Path, tmp_path: Path) -> None:
    ok = _run(["check", "--template", str(fixture_template)], {})
    assert ok.returncode == 0 and "OK" in ok.stdout
    broken = tmp_path / "template.yaml"
    broken.write_text(fixture_template.read_text().replace("cron(0 3 * * ? *)", "cron(0 3 * * * *)"))
    (tmp_path / "functions").symlink_to(fixture_template.parent / "functions")
    bad = _run(["check", "--template", str(broken)], {})
    assert bad.returncode == 1 and "TickFunction.Events.Nightly" in bad.stderr and "'?'" in bad.stderr


def test_data_dir_in_use_by_another_runtime(runtime_factory: object, fixture_template: Path) -> None:
    rt = runtime_factory(fixture_template, in_memory=False)  # type: ignore[operator]
    done = _run(["--template", str(fixture_template)], {"A2G_PORT": "0", "A2G_DATA_DIR": str(rt.data_dir)})
    assert done.returncode == 1 and "another local runtime is using the data dir" in done.stderr
