"""Framework servers that run as their own command (ADK api_server, LangGraph dev), started for a test
module on a free loopback port and stopped with their whole process group."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

VENV_BIN = Path(__file__).resolve().parents[3] / ".venv" / "bin"


class ServerProcess:
    def __init__(self, command: list[str], *, cwd: Path, env: dict[str, str], ready_url: str, name: str,
                 timeout: float = 120.0):  # fmt: skip
        self.name = name
        self.log = Path(tempfile.mkstemp(prefix=f"a2g-{name}-", suffix=".log")[1])
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                command, cwd=cwd, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {self.process.returncode}:\n{self.log_text()[-4000:]}"
                )
            try:
                if httpx.get(ready_url, timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{name} was not ready in {timeout:.0f} s:\n{self.log_text()[-4000:]}")
            time.sleep(0.25)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
