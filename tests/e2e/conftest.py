"""End-to-end fixtures: the local runtime (infrastructure/local) as a real subprocess, driven by a template.

Fixtures
--------
``runtime`` (session)
    ONE runtime on the repo's ``template.yaml`` for the whole test session (one per xdist worker): a free
    port, a temporary data dir, DynamoDB Local in memory, ``A2G_SCHEDULES=off`` (fire schedules with
    ``runtime.fire(...)``), ``INITIAL_ADMIN_IDS=admin``, ``A2G_OUTBOUND_ALLOW=127.0.0.1,localhost`` (so the
    tests' own mock servers are reachable), a fixed random ``A2G_TOKEN_SECRET`` (``runtime.env``) and the
    repo's ``.env`` ignored. Functions whose folder is missing answer 501 instead of stopping the runtime;
    ``runtime.require_functions("FilesFunction")`` skips a test until that function exists.
``runtime_factory`` (function)
    Starts extra runtimes with other settings, stopped at the end of the test::

        rt = runtime_factory(env={"A2G_OIDC_ISSUER": issuer.url})       # another configuration
        rt = runtime_factory(in_memory=False)                           # data on disk ...
        rt2 = rt.restart()                                              # ... read back after a restart
        rt.kill()                                                       # SIGKILL (no clean shutdown)

``runtime_launcher`` (session)
    ``start_runtime`` for session- or module-scoped fixtures of other folders (everything it started is
    stopped when the session ends)::

        @pytest.fixture(scope="module")
        def oidc_runtime(runtime_launcher):
            return runtime_launcher(env={"A2G_OIDC_ISSUER": "http://127.0.0.1:9999"})

    (Do not import this conftest as a module: pytest has already loaded it, and a second copy would not
    see the runtimes the first one started. For type hints, import ``RuntimeProcess`` under TYPE_CHECKING.)

The object (``RuntimeProcess``) has ``base_url``, ``ws_url``, ``data_dir``, ``env`` (the handlers'
environment: table names, endpoints, the token secret and the S3 secret key the runtime generated, with
which its S3 verifies SigV4 signatures; other secrets show as ``***``), ``fire(schedule)``,
``set_clock_offset(seconds)``, ``invoke(function, event)``, ``control(method, path, json=...)`` (any
``/_local/*`` endpoint, with the run's control token), ``boto3_client(service)`` (signing as the functions
do), ``ws_connect_url(token=..., **query)``, ``stop()``, ``kill()``, ``restart()`` and ``log_text()``. When a
test fails, the runtime's log lines written during that test are attached to the report.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNTIME_PACKAGE_DIR = REPO_ROOT / "infrastructure" / "local"
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"
START_TIMEOUT = float(os.environ.get("A2G_TEST_RUNTIME_START_TIMEOUT", "180"))

# Inherited variables that would change what the runtime does (a developer's shell, a LocalStack...).
_STRIPPED_PREFIXES = ("A2G_", "AWS_", "POWERTOOLS_")
_STRIPPED_NAMES = ("INITIAL_ADMIN_IDS", "INTERNAL_MAIL_API_ENDPOINT", "PYTHONPATH")

_active: list[RuntimeProcess] = []


class RuntimeStartError(RuntimeError):
    pass


@dataclass
class RuntimeProcess:
    """A running local runtime (see the module docstring)."""

    process: subprocess.Popen[bytes]
    template: Path
    data_dir: Path
    log_path: Path
    launch_env: dict[str, str]
    base_url: str = ""
    ws_url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    control_token: str = ""  # this run's, from runtime.json: every /_local/* endpoint but /ready needs it
    _owns_data_dir: bool = False

    # -- URLs and clients ------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base_url + path

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client on the runtime's base URL (close it, or use it in a `with`)."""
        return httpx.Client(base_url=self.base_url, timeout=kwargs.pop("timeout", 30.0), **kwargs)

    def ws_connect_url(self, token: str | None = None, **query: str) -> str:
        params = ({"token": token} if token is not None else {}) | query
        return self.ws_url + ("?" + urlencode(params) if params else "")

    def boto3_client(self, service: str) -> Any:
        """A boto3 client on the runtime's own stores (DynamoDB, S3) or its @connections API."""
        import boto3

        endpoint = {
            "dynamodb": self.env.get("AWS_ENDPOINT_URL_DYNAMODB"),
            "s3": self.env.get("AWS_ENDPOINT_URL_S3"),
            "apigatewaymanagementapi": self.env.get("A2G_WS_MANAGEMENT_URL"),
        }.get(service)
        # The runtime's own credentials: its S3 verifies their signatures (DynamoDB Local ignores them).
        return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id=self.env.get("AWS_ACCESS_KEY_ID", "local"),
                            aws_secret_access_key=self.env.get("AWS_SECRET_ACCESS_KEY", "local-secret"))

    # -- control endpoints -----------------------------------------------------------------------------
    def control(self, method: str, path: str, *, json: Any = None, timeout: float = 900) -> httpx.Response:
        """A request to `/_local/<path>` the way the runtime's own tools send it: with the run's control token,
        as JSON, from no web page."""
        body = ({} if json is None else json) if method == "POST" else None  # httpx sends it as application/json
        return httpx.request(method, self.url(f"/_local/{path}"), json=body,
                             headers={"x-a2g-control-token": self.control_token}, timeout=timeout)

    def fire(self, schedule: str) -> dict[str, Any]:
        """Fire a schedule now (name, function logical id or folder name); returns the handler's result."""
        response = self.control("POST", f"schedules/{quote(schedule, safe='')}/fire")
        if response.status_code != 200:
            raise AssertionError(f"firing {schedule!r} failed: {response.status_code} {response.text}")
        return dict(response.json())

    def set_clock_offset(self, seconds: float) -> dict[str, Any]:
        """Shift what `a2g.clock.OffsetClock` (the functions' clock) sees as now; 0 resets it."""
        response = self.control("POST", "clock", json={"offset_seconds": seconds}, timeout=10)
        response.raise_for_status()
        return dict(response.json())

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        """Call a function's handler directly with an event (logical id, e.g. "HeartbeatFunction")."""
        response = self.control("POST", f"functions/{function}/invoke", json=event)
        if response.status_code != 200:
            raise AssertionError(f"invoking {function} failed: {response.status_code} {response.text}")
        return response.json()["result"]

    def require_functions(self, *functions: str) -> None:
        """Skip the calling test while one of these functions is missing or failed to import."""
        status = self.info.get("functions", {})
        missing = {f: status.get(f, "not in the template") for f in functions if status.get(f) != "ok"}
        if missing:
            pytest.skip("function(s) not available yet: " + "; ".join(f"{k}: {v}" for k, v in missing.items()))

    # -- lifecycle ------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 20.0) -> int | None:
        """A clean shutdown (SIGTERM, like Ctrl-C); the whole process group is killed if it hangs."""
        if self.alive():
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait(timeout=10)
        _signal_group(self.process, signal.SIGKILL)  # anything left in the group (DynamoDB Local)
        if self in _active:
            _active.remove(self)
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL the runtime (no clean shutdown), then everything else in its process group."""
        if self.alive():
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        _signal_group(self.process, signal.SIGKILL)
        _wait_group_gone(self.process.pid)
        if self in _active:
            _active.remove(self)

    def restart(self, **overrides: Any) -> RuntimeProcess:
        """Stop (if running) and start again on the same data dir and port, with the same settings."""
        if self.alive():
            self.stop()
        env = dict(self.launch_env)
        env["A2G_PORT"] = str(self.port)
        env.update(overrides.pop("env", {}) or {})
        return _launch(self.template, env, self.data_dir, owns_data_dir=self._owns_data_dir, **overrides)

    def cleanup(self) -> None:
        self.stop()
        if self._owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_group_gone(pgid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def _base_env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(_STRIPPED_PREFIXES) and k not in _STRIPPED_NAMES}
    env.update({
        "PYTHONPATH": str(RUNTIME_PACKAGE_DIR),
        "PYTHONUNBUFFERED": "1",
        "A2G_PORT": "0",
        "A2G_SCHEDULES": "off",
        "A2G_DYNAMODB_IN_MEMORY": "1",
        "A2G_ALLOW_MISSING_FUNCTIONS": "1",
        "A2G_AUTO_INSTALL": "0",
        "INITIAL_ADMIN_IDS": "admin",
        "A2G_OUTBOUND_ALLOW": "127.0.0.1,localhost",
        "A2G_TOKEN_SECRET": secrets.token_urlsafe(48),
        "A2G_LOG_LEVEL": "INFO",
    })
    env.update(extra or {})
    return env


def start_runtime(
    template: str | os.PathLike[str] | None = None,
    *,
    env: dict[str, str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    in_memory: bool = True,
    schedules: bool = False,
    strict: bool = False,
    timeout: float = START_TIMEOUT,
) -> RuntimeProcess:
    """Start a runtime and wait until it is ready.

    `env` adds or overrides variables (e.g. OIDC settings); `in_memory=False` keeps DynamoDB on disk in
    `data_dir` (a new temporary folder when not given, removed by `cleanup()`); `strict=True` makes a
    missing function a start-up error, as `make up` does.
    """
    owns = data_dir is None
    folder = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="a2g-e2e-"))
    launch = _base_env(env)
    launch["A2G_DYNAMODB_IN_MEMORY"] = "1" if in_memory else "0"
    launch["A2G_SCHEDULES"] = "on" if schedules else "off"
    if strict:
        launch["A2G_ALLOW_MISSING_FUNCTIONS"] = "0"
    return _launch(Path(template) if template else DEFAULT_TEMPLATE, launch, folder, owns_data_dir=owns,
                   timeout=timeout)


def _launch(template: Path, launch: dict[str, str], data_dir: Path, *, owns_data_dir: bool,
            timeout: float = START_TIMEOUT) -> RuntimeProcess:
    data_dir.mkdir(parents=True, exist_ok=True)
    launch = dict(launch)
    launch["A2G_DATA_DIR"] = str(data_dir)
    launch.setdefault("A2G_ENV_FILE", str(data_dir / "no.env"))  # the developer's .env must not leak in
    log_path = data_dir / f"runtime-{int(time.time() * 1000)}.log"
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "a2g_local", "--template", str(template)],
            cwd=REPO_ROOT, env=launch, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    rt = RuntimeProcess(process=process, template=template, data_dir=data_dir, log_path=log_path,
                        launch_env=launch, _owns_data_dir=owns_data_dir)
    _active.append(rt)
    try:
        _wait_ready(rt, timeout)
    except BaseException:
        rt.stop()
        raise
    return rt


def _wait_ready(rt: RuntimeProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    runtime_file = rt.data_dir / "runtime.json"
    while True:
        if not rt.alive():
            raise RuntimeStartError(f"the runtime exited with code {rt.process.returncode}:\n{rt.log_text()[-6000:]}")
        if time.monotonic() > deadline:
            raise RuntimeStartError(f"the runtime was not ready within {timeout:.0f} s:\n{rt.log_text()[-6000:]}")
        if runtime_file.is_file():
            try:
                data = json.loads(runtime_file.read_text())
            except ValueError:
                data = {}
            if data.get("pid") == rt.process.pid:
                try:
                    ready = httpx.get(data["url"] + "/_local/ready", timeout=5)
                except httpx.HTTPError:
                    ready = None
                if ready is not None and ready.status_code == 200:
                    rt.base_url = data["url"]
                    rt.ws_url = data["ws_url"]
                    rt.control_token = data["control_token"]
                    rt.info = rt.control("GET", "info", timeout=10).json()
                    env = dict(rt.info.get("environment", {}))
                    env["A2G_TOKEN_SECRET"] = rt.launch_env["A2G_TOKEN_SECRET"]
                    aws_secret = rt.data_dir / "aws-secret-access-key"  # own stores: the runtime's S3 secret
                    if aws_secret.is_file():
                        env["AWS_SECRET_ACCESS_KEY"] = aws_secret.read_text().strip()
                    rt.env = env
                    return
        time.sleep(0.1)


# --- fixtures -------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def runtime() -> Iterator[RuntimeProcess]:
    """The session's runtime on the repo's template.yaml (see the module docstring)."""
    rt = start_runtime()
    try:
        yield rt
    finally:
        rt.cleanup()


@pytest.fixture(scope="session")
def runtime_launcher() -> Iterator[Callable[..., RuntimeProcess]]:
    """`start_runtime` for longer-lived fixtures; every runtime it started is stopped at session end."""
    started: list[RuntimeProcess] = []

    def start(template: str | os.PathLike[str] | None = None, **kwargs: Any) -> RuntimeProcess:
        rt = start_runtime(template, **kwargs)
        started.append(rt)
        return rt

    yield start
    for rt in started:
        rt.cleanup()


@pytest.fixture
def runtime_factory() -> Iterator[Callable[..., RuntimeProcess]]:
    """Start extra runtimes (`start_runtime` arguments); every one is stopped at the end of the test."""
    started: list[RuntimeProcess] = []

    def start(template: str | os.PathLike[str] | None = None, **kwargs: Any) -> RuntimeProcess:
        rt = start_runtime(template, **kwargs)
        started.append(rt)
        return rt

    already_running = set(map(id, _active))
    yield start
    # What the test started, and what it restarted (`rt.restart()` is a new process on the same data dir):
    # each was left running after its suite before, with its DynamoDB Local.
    for rt in [*started, *(rt for rt in _active if id(rt) not in already_running)]:
        rt.stop()
    for rt in started:
        if rt._owns_data_dir:
            shutil.rmtree(rt.data_dir, ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """No runtime outlives the test session, whichever fixture started it."""
    while _active:
        _active[-1].stop()  # stop() takes it off the list


# --- the runtime's log in failure reports ----------------------------------------------------------------

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    if call.when == "setup":
        item.stash[_log_offsets] = {id(rt): len(rt.log_text()) for rt in _active}
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.when in ("setup", "call"):
        offsets = item.stash.get(_log_offsets, {})
        for rt in _active:
            text = rt.log_text()[offsets.get(id(rt), 0):]
            if text.strip():
                report.sections.append((f"runtime log ({rt.base_url or rt.log_path})", text[-8000:]))


_log_offsets = pytest.StashKey[dict[int, int]]()
