"""The checks a package passes before it ships: Lambda's size limits, and every function imported from its
own package and layers alone in a clean interpreter, as Lambda would (the Web Adapter functions answer their
readiness probe)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from build_config import (
    FUNCTION_ZIP_LIMIT,
    MAX_LAYERS,
    MB,
    UNZIPPED_LIMIT,
    mb,
)


def dummy_settings_env() -> dict[str, str]:
    """Just enough configuration for a2g.settings to load (names only; nothing is called)."""
    env = {f"A2G_{name}_TABLE": f"a2g-package-check-{name.lower()}"
           for name in ("USERS", "AGENTS", "CHATS", "TRACES", "CONNECTIONS", "PLATFORM", "USAGE")}
    env.update({
        "A2G_FILES_BUCKET": "a2g-package-check-files", "A2G_TOKEN_SECRET": "p" * 40, "A2G_ENV": "aws",
        "A2G_WS_MANAGEMENT_URL": "https://example.execute-api.us-east-1.amazonaws.com/dev",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "package-check",
        "AWS_SECRET_ACCESS_KEY": "package-check", "A2G_PUBLIC_URL": "https://example.cloudfront.net",
    })
    return env


def limit_problems(zip_bytes: int, unzipped_with_layers: int, layer_count: int) -> list[str]:
    """What in a function package breaks Lambda's quotas (empty when it deploys)."""
    problems = []
    if zip_bytes > FUNCTION_ZIP_LIMIT:
        problems.append(f"zip {mb(zip_bytes).strip()} > {FUNCTION_ZIP_LIMIT // MB} MB")
    if unzipped_with_layers > UNZIPPED_LIMIT:
        problems.append(f"unzipped with its layers {mb(unzipped_with_layers).strip()} > {UNZIPPED_LIMIT // MB} MB")
    if layer_count > MAX_LAYERS:
        problems.append(f"{layer_count} layers > {MAX_LAYERS}")
    return problems






# ---- the import check -----------------------------------------------------------------------------------

_IMPORT_CHECK = r"""
import importlib.util, json, sys, time
functions, check_embedder = json.loads(sys.argv[1]), sys.argv[2] == "1"
results = {}
for logical_id, code_dir, module_file, attr in functions:
    started, cpu_started = time.perf_counter(), time.process_time()
    sys.path.insert(0, code_dir)
    try:
        spec = importlib.util.spec_from_file_location("fn_" + logical_id, code_dir + "/" + module_file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not callable(getattr(module, attr, None)):
            raise AttributeError(f"{module_file} has no callable {attr!r}")
        results[logical_id] = {"ok": True, "seconds": round(time.perf_counter() - started, 2),
                               "cpu_seconds": round(time.process_time() - cpu_started, 2)}
    except BaseException as exc:
        results[logical_id] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        sys.path.remove(code_dir)
if check_embedder:
    try:
        import a2g.ranking as ranking
        vector = ranking.default_embedder().embed(["an agent that books meeting rooms"])[0]
        results["(ranking model)"] = {"ok": len(vector) > 0, "dimension": len(vector)}
    except BaseException as exc:
        results["(ranking model)"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
print("\n" + json.dumps(results))
"""


def merged_opt(stage: Path, layers: list[str], layer_trees: dict[str, Path]) -> Path:
    """What Lambda makes of a function's layers: each extracted into /opt in order, later ones overwriting
    (hard links, so this costs no copy). The ranking layer's `a2g/ranking/model` lands beside the core
    layer's `a2g/ranking` code only this way."""
    opt = stage / "opt" / "+".join(layers)
    if not opt.is_dir():
        for layer in layers:
            shutil.copytree(layer_trees[layer], opt, dirs_exist_ok=True, copy_function=os.link)
    return opt


def import_check(python: str, groups: dict[Path, list[tuple[str, str, str, str]]], ranking_opts: set[Path],
                 per_function: bool = False) -> dict[str, dict[str, Any]]:
    """Import each function's handler module from its package and its merged layers only (`-I -S`: no
    site-packages, no PYTHONPATH), as Lambda would; one child process per set of layers, or per function
    (`per_function`: then the seconds are each function's own cold import)."""
    results: dict[str, dict[str, Any]] = {}
    runs: list[tuple[Path, list[tuple[str, str, str, str]], bool]] = []
    for opt, functions in groups.items():
        if per_function:  # each in a fresh interpreter: its own cold-start import time
            runs += [(opt, [fn], False) for fn in functions]
        runs.append((opt, [] if per_function else functions, opt in ranking_opts))
    for opt, functions, check_embedder in runs:
        if not functions and not check_embedder:
            continue
        prelude = f"import sys; sys.path[:0] = [{str(opt / 'python')!r}]\n"
        env = {**dummy_settings_env(), "PATH": os.environ.get("PATH", ""), "HOME": tempfile.gettempdir()}
        done = subprocess.run([python, "-I", "-S", "-c", prelude + _IMPORT_CHECK, json.dumps(functions),
                               "1" if check_embedder else "0"],
                              env=env, capture_output=True, text=True, timeout=900, check=False)
        try:
            results.update(json.loads(done.stdout.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            for fn in functions:
                results[fn[0]] = {"ok": False, "error": (done.stderr or done.stdout)[-2000:]}
    return results


def probe_path(template: Any, logical_id: str) -> str:
    """A path of the function (its first GET route, else its first route), parameters filled in: every
    streaming app checks the credential first, so a GET without one is refused with 401."""
    routes = sorted((r for r in template.http_routes if r.function == logical_id), key=lambda r: r.method != "GET")
    return re.sub(r"\{[^}]+\}", "package-check", routes[0].path) if routes else "/"


def web_adapter_check(python: str, function_tree: Path, opt: Path, script: str,
                      probe_path: str = "/api/log-proxy/package-check/v1/models") -> dict[str, Any]:
    """Start the function's Web Adapter script (run.sh) as Lambda would and GET one of its routes without a
    credential (`probe_path`): a 401 from the app proves the script, uvicorn in the layer and the app agree."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    shim = Path(tempfile.mkdtemp(prefix="lwa-"))
    (shim / "python").symlink_to(python)  # run.sh calls `python`, as the Lambda runtime provides it
    env = {**dummy_settings_env(), "PORT": str(port), "LAMBDA_TASK_ROOT": str(function_tree),
           "PATH": f"{shim}:{os.environ.get('PATH', '')}", "PYTHONNOUSERSITE": "1",
           "PYTHONPATH": str(opt / "python")}
    process = subprocess.Popen(["/bin/bash", str(function_tree / script)], cwd=function_tree, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"GET " + probe_path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                                 b"Connection: close\r\n\r\n")
                    answer = b""
                    while chunk := conn.recv(65536):
                        answer += chunk
                status = int(answer.split(b" ", 2)[1])
                return {"ok": status == 401, "status": status}  # no API key: the app itself refuses
            except OSError:
                time.sleep(0.3)
        output = process.stdout.read().decode(errors="replace") if process.poll() is not None and process.stdout else ""
        return {"ok": False, "error": f"{script} did not serve on port {port}: {output[-1500:]}"}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)
            process.wait(timeout=20)
        shutil.rmtree(shim, ignore_errors=True)


# ---- main -----------------------------------------------------------------------------------------------

