"""Runs the template's functions in this process, as Lambda would run them in theirs.

Each `functions/<name>/<module>.py` is imported once under a unique module name (`a2g_fn_<LogicalId>`), with
the template's layers on `sys.path` (Lambda's /opt/python). Handlers run in a thread pool, each worker thread
with its own asyncio event loop (Mangum and other adapters expect one, as in a Lambda environment).

Sibling modules a handler imports by plain name (`import schemas`) are loaded from its own folder and then
removed from `sys.modules`, so two functions may each have a `schemas.py` without clashing. Such imports
must happen at module level (import time), not lazily inside the handler.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import logging
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from a2g_local.events import LambdaContext
from a2g_local.template import FunctionDef, Template

log = logging.getLogger("a2g_local")


class FunctionUnavailable(Exception):
    """The function's code is missing or failed to import; the message says why."""


class FunctionTimeout(Exception):
    pass


@dataclass
class LoadedFunction:
    definition: FunctionDef
    module: ModuleType | None
    handler: Any
    asgi_app: Any  # streaming functions: the ASGI `app` of the module
    error: str | None


def _init_worker_loop() -> None:
    asyncio.set_event_loop(asyncio.new_event_loop())


class FunctionRegistry:
    def __init__(self, template: Template, *, max_workers: int = 32):
        self.template = template
        self.functions: dict[str, LoadedFunction] = {}
        self._import_lock = threading.Lock()
        self._reported: set[str] = set()
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="lambda", initializer=_init_worker_loop,
        )
        for path in reversed(template.layer_paths):
            if str(path) not in sys.path:
                sys.path.insert(0, str(path))

    # -- loading ---------------------------------------------------------------------------------------
    def load_all(self, *, strict: bool) -> list[str]:
        """Import every function; returns the problems (raises the first one when strict)."""
        problems = []
        for logical_id, fn in self.template.functions.items():
            loaded = self._load(fn)
            self.functions[logical_id] = loaded
            if loaded.error:
                problems.append(f"{logical_id}: {loaded.error}")
                if strict and fn.missing is None:
                    raise FunctionUnavailable(f"{logical_id}: {loaded.error}")
        return problems

    def _load(self, fn: FunctionDef) -> LoadedFunction:
        if fn.missing:
            return LoadedFunction(fn, None, None, None, fn.missing)
        module_name = f"a2g_fn_{fn.logical_id}"
        code_dir = str(fn.code_dir)
        with self._import_lock:
            before = set(sys.modules)
            sys.path.insert(0, code_dir)
            try:
                spec = importlib.util.spec_from_file_location(module_name, fn.module_path)
                assert spec and spec.loader
                module = importlib.util.module_from_spec(spec)
                sys.modules[module_name] = module
                spec.loader.exec_module(module)
            except BaseException as exc:  # noqa: BLE001 - any import failure is reported, not fatal here
                sys.modules.pop(module_name, None)
                detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                if detail in self._reported:  # the same root cause: one traceback is enough
                    log.error("%s failed to import %s: %s (traceback above)", fn.logical_id, fn.module_path,
                              detail.splitlines()[-1])
                else:
                    self._reported.add(detail)
                    log.error("%s failed to import %s:\n%s", fn.logical_id, fn.module_path, traceback.format_exc())
                return LoadedFunction(fn, None, None, None, f"import of {fn.module_path} failed: {detail}")
            finally:
                try:
                    sys.path.remove(code_dir)
                except ValueError:
                    pass
                # Sibling modules of this function leave sys.modules so other functions load their own.
                for name in set(sys.modules) - before:
                    mod_file = getattr(sys.modules.get(name), "__file__", None) or ""
                    if name != module_name and mod_file.startswith(code_dir + "/"):
                        sys.modules.pop(name, None)
        handler = getattr(module, fn.handler_attr, None)
        asgi_app = getattr(module, "app", None) if fn.streaming else None
        error = None
        if fn.streaming and asgi_app is None:
            error = f"{fn.module_path.name} has no ASGI `app` (needed for InvokeMode RESPONSE_STREAM)"
        elif not fn.streaming and not callable(handler):
            error = f"{fn.module_path.name} has no callable {fn.handler_attr!r} (Handler {fn.handler})"
        return LoadedFunction(fn, module, handler, asgi_app, error)

    def get(self, logical_id: str) -> LoadedFunction:
        loaded = self.functions.get(logical_id)
        if loaded is None:
            raise FunctionUnavailable(f"{logical_id} is not a function of the template")
        if loaded.error:
            raise FunctionUnavailable(f"{logical_id}: {loaded.error}")
        return loaded

    # -- invoking --------------------------------------------------------------------------------------
    def invoke_sync(self, logical_id: str, event: Any) -> Any:
        loaded = self.get(logical_id)
        fn = loaded.definition
        context = LambdaContext(function_name=fn.logical_id, memory_limit_in_mb=fn.memory_mb,
                                timeout_seconds=fn.timeout)
        return loaded.handler(event, context)

    async def invoke(self, logical_id: str, event: Any, *, timeout: float | None = None) -> Any:
        """Run the handler in the pool; raises FunctionTimeout after the function's Timeout (or `timeout`).

        A thread cannot be stopped: a handler that overruns keeps running in the background, as it would
        not on Lambda; the log says so.
        """
        loaded = self.get(logical_id)
        limit = timeout if timeout is not None else loaded.definition.timeout
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.executor, self.invoke_sync, logical_id, event)
        try:
            return await asyncio.wait_for(asyncio.shield(future), limit)
        except TimeoutError:
            log.warning("%s ran longer than %.0f s; answered as timed out (the thread goes on)", logical_id, limit)
            raise FunctionTimeout(f"{logical_id} timed out after {limit:.0f} s") from None

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def module_name_for(logical_id: str) -> str:
    return f"a2g_fn_{logical_id}"


def code_path(fn: FunctionDef) -> Path:
    return fn.module_path


class AsgiLifespan:
    """Runs an ASGI app's lifespan (startup at runtime start, shutdown at stop), as the uvicorn that the
    Lambda Web Adapter starts would. Apps without lifespan support are fine."""

    def __init__(self, name: str, app: Any):
        self.name = name
        self.app = app
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._done: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[Any] | None = None
        self.supported = True

    async def startup(self, timeout: float = 30.0) -> None:
        async def receive() -> dict[str, Any]:
            return await self._queue.get()

        async def send(message: dict[str, Any]) -> None:
            await self._done.put(message)

        async def run() -> None:
            try:
                await self.app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
            except Exception as exc:  # noqa: BLE001 - an app without lifespan support raises here
                await self._done.put({"type": "lifespan.unsupported", "message": str(exc)})

        self._task = asyncio.create_task(run())
        await self._queue.put({"type": "lifespan.startup"})
        message = await asyncio.wait_for(self._done.get(), timeout)
        if message["type"] == "lifespan.startup.failed":
            raise FunctionUnavailable(f"{self.name}: ASGI startup failed: {message.get('message', '')}")
        if message["type"] != "lifespan.startup.complete":
            self.supported = False

    async def shutdown(self, timeout: float = 10.0) -> None:
        if not self.supported or self._task is None or self._task.done():
            return
        await self._queue.put({"type": "lifespan.shutdown"})
        try:
            await asyncio.wait_for(self._done.get(), timeout)
        except TimeoutError:
            log.warning("%s: ASGI shutdown did not finish within %.0f s", self.name, timeout)
