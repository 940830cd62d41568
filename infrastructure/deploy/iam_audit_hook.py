"""Loaded at interpreter start by iam_audit.py's overlay environment (a `.pth` line), only when
IAM_AUDIT_DIR is set: records every AWS call a function of the local runtime makes, with the function's
logical id, as JSON lines in that folder. Not part of the platform; a measuring instrument.

The function is known from a context variable set around each invocation (`FunctionRegistry.invoke_sync`,
and the ASGI app of streaming functions); threads a function starts inherit it.
"""

from __future__ import annotations

import contextvars
import json
import os
import sys
import threading
from typing import Any

DIRECTORY = os.environ.get("IAM_AUDIT_DIR")
current_function: contextvars.ContextVar[str | None] = contextvars.ContextVar("a2g_audit_function", default=None)
_write_lock = threading.Lock()
_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def _a2g_frames() -> list[str]:
    names: list[str] = []
    frame = sys._getframe(3)
    while frame is not None and len(names) < 4:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("a2g.") and name not in names:
            names.append(name)
        frame = frame.f_back
    return names


def _record(service: str, calls: list[tuple[str, str, str]]) -> None:
    """`calls`: (action, resource name, key or index) triples of one API call."""
    function = current_function.get()
    lines = []
    for action, resource, detail in calls:
        row: dict[str, Any] = {"function": function, "service": service, "action": action,
                               "resource": resource, "detail": detail}
        if function is None:
            row["where"] = _a2g_frames()
        lines.append(json.dumps(row))
    with _write_lock, open(os.path.join(str(DIRECTORY), f"calls-{os.getpid()}.jsonl"), "a") as out:
        out.write("".join(line + "\n" for line in lines))


def _dynamodb_calls(operation: str, params: dict[str, Any]) -> list[tuple[str, str, str]]:
    if operation in ("TransactWriteItems", "TransactGetItems"):
        calls = []
        for item in params.get("TransactItems", []):
            for kind, body in item.items():
                calls.append((_TRANSACT_ACTIONS.get(kind, kind), str(body.get("TableName")), ""))
        return calls
    if operation in ("BatchWriteItem", "BatchGetItem"):
        return [(operation, table, "") for table in params.get("RequestItems", {})]
    return [(operation, str(params.get("TableName", "")), str(params.get("IndexName", "")))]


def _s3_calls(operation: str, params: dict[str, Any]) -> list[tuple[str, str, str]]:
    if operation == "DeleteObjects":
        keys = [o.get("Key", "") for o in params.get("Delete", {}).get("Objects", [])]
        return [("DeleteObject", str(params.get("Bucket")), keys[0] if keys else "")]
    return [(operation, str(params.get("Bucket", "")), str(params.get("Key", "")))]


def install() -> None:
    import concurrent.futures.thread as futures_thread

    import botocore.client
    import botocore.signers

    os.makedirs(str(DIRECTORY), exist_ok=True)

    original_init = threading.Thread.__init__

    def thread_init(self: threading.Thread, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        context, run = contextvars.copy_context(), self.run
        self.run = lambda: context.run(run)  # type: ignore[method-assign]

    threading.Thread.__init__ = thread_init  # type: ignore[method-assign]
    original_submit = futures_thread.ThreadPoolExecutor.submit

    def submit(self: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return original_submit(self, contextvars.copy_context().run, fn, *args, **kwargs)

    futures_thread.ThreadPoolExecutor.submit = submit  # type: ignore[method-assign]

    original_call = botocore.client.BaseClient._make_api_call

    def make_api_call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        try:
            if service == "dynamodb":
                _record(service, _dynamodb_calls(operation, params))
            elif service == "s3":
                _record(service, _s3_calls(operation, params))
            else:
                _record(service, [(operation, "", "")])
        except Exception as exc:  # noqa: BLE001 - the instrument must never break the call it watches
            print(f"iam_audit_hook: could not record {service}.{operation}: {exc}", file=sys.stderr)
        return original_call(self, operation, params)

    botocore.client.BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
    original_url = botocore.signers.generate_presigned_url
    original_post = botocore.signers.generate_presigned_post

    def presigned_url(self: Any, ClientMethod: str, Params: Any = None, *args: Any, **kwargs: Any) -> Any:
        action = {"get_object": "GetObject", "put_object": "PutObject"}.get(ClientMethod, ClientMethod)
        _record(self.meta.service_model.service_name,
                [(action, str((Params or {}).get("Bucket", "")), str((Params or {}).get("Key", "")))])
        return original_url(self, ClientMethod, Params, *args, **kwargs)

    def presigned_post(self: Any, Bucket: str, Key: str, *args: Any, **kwargs: Any) -> Any:
        _record("s3", [("PutObject", Bucket, Key)])  # a presigned POST uploads with the signer's rights
        return original_post(self, Bucket, Key, *args, **kwargs)

    botocore.signers.generate_presigned_url = presigned_url
    botocore.signers.generate_presigned_post = presigned_post

    try:
        import a2g_local.functions as runtime_functions
    except ImportError:  # the test process itself: its own calls stay unattributed
        return
    registry = runtime_functions.FunctionRegistry
    original_invoke = registry.invoke_sync

    def invoke_sync(self: Any, logical_id: str, event: Any) -> Any:
        token = current_function.set(logical_id)
        try:
            return original_invoke(self, logical_id, event)
        finally:
            current_function.reset(token)

    registry.invoke_sync = invoke_sync  # type: ignore[method-assign]
    original_load = registry._load

    def load(self: Any, fn: Any) -> Any:
        loaded = original_load(self, fn)
        if loaded.asgi_app is not None:
            app, name = loaded.asgi_app, fn.logical_id

            async def attributed(scope: Any, receive: Any, send: Any) -> Any:
                token = current_function.set(name)
                try:
                    return await app(scope, receive, send)
                finally:
                    current_function.reset(token)

            loaded.asgi_app = attributed
        return loaded

    registry._load = load  # type: ignore[method-assign]


if DIRECTORY:
    install()
