"""DynamoDB Local that dies is reaped at once (no zombie) and started again, on the same port, with the
template's tables ensured; a start that fails is tried again later instead of giving up; one that is alive
but stops answering (hung) is killed and started again."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

from a2g_local.dynamodb import StoreSupervisor


class FakeStore:
    """Stands in for `DynamoDbLocal`: `start` spawns a real child (a sleeping process) like the jar would."""

    kind = "dynamodb-local"

    def __init__(self, tmp: Path, fail_starts: int = 0) -> None:
        self.process: subprocess.Popen[bytes] | None = subprocess.Popen(["true"])  # exits at once: dies
        self.port, self.in_memory, self.data_dir = 4567, False, tmp
        self.starts, self.fail_starts = 0, fail_starts
        self.answering = True  # what the HTTP probe sees from the current process
        self.probes = 0

    def answers(self, timeout: float = 5.0) -> bool:
        self.probes += 1
        return self.answering

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.starts += 1
        if self.starts <= self.fail_starts:
            self.process = subprocess.Popen(["false"])
            return
        self.process = subprocess.Popen(["sleep", "60"])

    def wait_ready(self) -> None:
        assert self.process is not None
        if self.starts <= self.fail_starts:  # this start fails, as a jar that cannot open its port would
            self.process.wait(timeout=5)
            raise RuntimeError("DynamoDB Local exited with code 1")


def _run_until(supervisor: StoreSupervisor, restarts: int) -> None:
    async def scenario() -> None:
        task = asyncio.create_task(supervisor.run())
        for _ in range(400):
            if supervisor.restarts >= restarts:
                break
            await asyncio.sleep(0.02)
        task.cancel()

    asyncio.run(scenario())


def _ensure_recorder(calls: list[Any]) -> Any:
    def ensure(endpoint: str | None, tables: list[Any]) -> dict[str, str]:
        calls.append((endpoint, tables))
        return {"a2g-TracesTable": "created"}

    return ensure


def test_a_dead_dynamodb_local_is_reaped_and_started_again_on_the_same_port(tmp_path: Path) -> None:
    store, ensured = FakeStore(tmp_path), []
    dead = store.process
    assert dead is not None
    supervisor = StoreSupervisor(store, ["tables"], interval=0.01, ensure=_ensure_recorder(ensured))  # type: ignore[arg-type, list-item]
    try:
        _run_until(supervisor, 1)
        assert supervisor.restarts == 1 and supervisor.state == "up"
        assert dead.returncode == 0, "the dead child was not reaped (it would stay a zombie)"
        assert not Path(f"/proc/{dead.pid}").exists() or "Z" not in Path(f"/proc/{dead.pid}/stat").read_text().split()[2]
        assert store.process is not dead and store.process.poll() is None  # type: ignore[union-attr]
        assert ensured == [("http://127.0.0.1:4567", ["tables"])]  # same port; tables re-created if missing
    finally:
        if store.process is not None:
            store.process.kill()
            store.process.wait()


def test_a_restart_that_fails_is_tried_again(tmp_path: Path) -> None:
    store = FakeStore(tmp_path, fail_starts=1)
    supervisor = StoreSupervisor(store, [], interval=0.01, ensure=_ensure_recorder([]))  # type: ignore[arg-type]
    try:
        _run_until(supervisor, 1)
        assert store.starts >= 2 and supervisor.restarts == 1
    finally:
        if store.process is not None:
            store.process.kill()
            store.process.wait()


def test_a_hung_dynamodb_local_is_killed_and_started_again(tmp_path: Path) -> None:
    store = FakeStore(tmp_path)
    store.process = subprocess.Popen(["sleep", "60"])  # alive: poll() is None
    hung = store.process
    store.answering = False
    supervisor = StoreSupervisor(store, ["tables"], interval=0.01, probe_every=0.01, hung_after=0.2,  # type: ignore[arg-type, list-item]
                                 ensure=_ensure_recorder([]))
    try:
        _run_until(supervisor, 1)
        assert supervisor.hangs == 1 and supervisor.restarts == 1
        assert hung.poll() is not None, "the hung process was not killed"
        assert store.process is not hung and store.process.poll() is None  # type: ignore[union-attr]
    finally:
        for process in (hung, store.process):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


def test_a_store_that_answers_is_left_alone(tmp_path: Path) -> None:
    store = FakeStore(tmp_path)
    store.process = subprocess.Popen(["sleep", "60"])
    alive = store.process
    supervisor = StoreSupervisor(store, ["tables"], interval=0.01, probe_every=0.01, hung_after=0.2,  # type: ignore[arg-type, list-item]
                                 ensure=_ensure_recorder([]))

    async def scenario() -> None:
        task = asyncio.create_task(supervisor.run())
        await asyncio.sleep(0.6)
        task.cancel()

    try:
        asyncio.run(scenario())
        assert store.probes >= 5, "the supervisor never probed"
        assert supervisor.hangs == 0 and supervisor.restarts == 0 and alive.poll() is None
    finally:
        alive.kill()
        alive.wait()
