"""The launcher that binds DynamoDB Local to 127.0.0.1: built once with javac, absent without a JDK."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from a2g_local.dynamodb_launcher import BIND_HOST, MAIN_CLASS, launch_command, loopback_launcher


def test_without_javac_there_is_no_launcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_java = tmp_path / "jre" / "bin" / "java"
    fake_java.parent.mkdir(parents=True)
    fake_java.write_text("#!/bin/sh\n")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(fake_java.parent))
    assert loopback_launcher(str(fake_java), build_dir=tmp_path / "build") is None


@pytest.mark.skipif(shutil.which("javac") is None, reason="needs a JDK")
def test_the_launcher_is_compiled_once_and_reused(tmp_path: Path) -> None:
    java = shutil.which("java")
    assert java is not None
    built = loopback_launcher(java, build_dir=tmp_path)
    assert built is not None and (built / f"{MAIN_CLASS}.class").is_file()
    assert loopback_launcher(java, build_dir=tmp_path) == built
    command = launch_command(java, Path("/x/DynamoDBLocal.jar"), built)
    assert command[-2:] == [MAIN_CLASS, BIND_HOST] and "-jar" not in command
