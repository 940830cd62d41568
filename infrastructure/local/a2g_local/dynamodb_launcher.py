"""DynamoDB Local on 127.0.0.1 only: the tiny Java launcher that sets the bind address it has no option for.

DynamoDB Local (`-port`, `-inMemory`, `-dbPath`, `-sharedDb`, `-cors`, …) has no host option and listens on
every interface, with no authentication: anyone who reaches the machine could read or rewrite every table.
`LoopbackDynamoDBLocal.java` (next to this file) builds DynamoDB Local's own server and binds its Jetty
connector to one address before it listens. It is compiled once per version of its source with the JDK's
`javac` into `infrastructure/local/.build/` (git-ignored; ~1 s, then reused by every start).

No `javac` (a JRE without the JDK) means DynamoDB Local cannot be bound safely: `loopback_launcher` returns
None and the runtime falls back to moto (or refuses to start with `A2G_STORAGE=dynamodb-local`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger("a2g_local")
SOURCE = Path(__file__).resolve().parent / "LoopbackDynamoDBLocal.java"
MAIN_CLASS = "LoopbackDynamoDBLocal"
BUILD_DIR = Path(__file__).resolve().parent.parent / ".build"
BIND_HOST = "127.0.0.1"


def find_javac(java: str) -> str | None:
    """The `javac` of the same JDK as `java` (JAVA_HOME first), else any on PATH."""
    candidates = []
    home = os.environ.get("JAVA_HOME")
    if home:
        candidates.append(Path(home) / "bin" / "javac")
    candidates.append(Path(os.path.realpath(java)).parent / "javac")
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("javac")


def loopback_launcher(java: str, build_dir: Path = BUILD_DIR) -> Path | None:
    """The folder holding the compiled launcher class (built on first use), or None when it cannot be built."""
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    target = build_dir / f"dynamodb-loopback-{digest}"
    if (target / f"{MAIN_CLASS}.class").is_file():
        return target
    javac = find_javac(java)
    if javac is None:
        log.warning("no javac (a JDK) found: DynamoDB Local cannot be bound to %s", BIND_HOST)
        return None
    build_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".dynamodb-loopback-", dir=build_dir))
    try:
        subprocess.run([javac, "--release", "11", "-d", str(staging), str(SOURCE)], check=True, timeout=120,
                       capture_output=True)
        try:
            os.rename(staging, target)  # atomic: a concurrent start sees the whole folder or none
        except OSError:
            if not (target / f"{MAIN_CLASS}.class").is_file():
                raise
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        log.warning("could not compile %s (%s) %s", SOURCE.name, exc, detail.decode(errors="replace")[-500:])
        return None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def launch_command(java: str, jar: Path, launcher: Path) -> list[str]:
    """The java command line up to (not including) DynamoDB Local's own arguments."""
    return [java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
            "-Djava.net.preferIPv4Stack=true", "-cp", f"{launcher}{os.pathsep}{jar}", MAIN_CLASS, BIND_HOST]
