"""`python -m a2g_local` (with infrastructure/local on PYTHONPATH).

    python -m a2g_local [serve] [--template T] [--port N] [--host H] [--data-dir D]
    python -m a2g_local fire NAME [--url URL]      fire a schedule of the running runtime now
    python -m a2g_local clock [--days N] [--hours N] [--seconds N] [--reset]   time travel (no option: show)
    python -m a2g_local routes [--template T]      print the routes the template defines
    python -m a2g_local check [--template T]       check the template (exit 1 on an error)
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote


def _setup_logging() -> None:
    level = os.environ.get("A2G_LOG_LEVEL", "INFO").upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    logger = logging.getLogger("a2g_local")
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False


def _running(explicit_url: str | None) -> tuple[str, str]:
    """(URL, control token) of the running runtime, from the data dir's runtime.json (0600, this user's)."""
    from a2g_local.app import RUNTIME_FILE, Options

    options = Options.from_env()
    runtime_file = options.data_dir / RUNTIME_FILE
    data: dict[str, str] = {}
    if runtime_file.is_file():
        try:
            data = json.loads(runtime_file.read_text())
        except ValueError:
            data = {}
    url = (explicit_url or data.get("url") or f"http://127.0.0.1:{options.port}").rstrip("/")
    token = os.environ.get("A2G_CONTROL_TOKEN") or data.get("control_token", "")
    return url, token


def _control(method: str, path: str, payload: dict[str, object] | None, url: str | None) -> int:
    """Call a control endpoint with the run's token; print the JSON answer. Exit code 0 on 2xx."""
    base, token = _running(url)
    request = urllib.request.Request(
        f"{base}/_local/{path}", method=method, data=json.dumps(payload).encode() if payload is not None else None,
        headers={"Content-Type": "application/json", "X-A2G-Control-Token": token})
    try:
        with urllib.request.urlopen(request, timeout=900) as response:
            print(json.dumps(json.loads(response.read()), indent=2))
            return 0
    except urllib.error.HTTPError as exc:
        text = exc.read().decode(errors="replace")
        try:
            text = json.loads(text)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            pass
        print(f"a2g-local: {exc.code} {text}", file=sys.stderr)
    except urllib.error.URLError as exc:
        print(f"a2g-local: no runtime answers at {base} ({exc.reason}); start it with `make up`", file=sys.stderr)
    return 1


def _fire(name: str, url: str | None) -> int:
    return _control("POST", f"schedules/{quote(name, safe='')}/fire", {}, url)


def _clock(args: argparse.Namespace) -> int:
    parts = (args.days, args.hours, args.seconds)
    if args.reset:
        return _control("POST", "clock", {"offset_seconds": 0}, args.url)
    if all(p is None for p in parts):
        return _control("GET", "clock", None, args.url)
    offset = (args.days or 0) * 86400 + (args.hours or 0) * 3600 + (args.seconds or 0)
    return _control("POST", "clock", {"offset_seconds": offset}, args.url)


def _load(template: str | None, strict: bool = True) -> object:
    from a2g_local.app import Options
    from a2g_local.template import load_template

    options = Options.from_env(template)
    return load_template(options.template, allow_missing_functions=not strict)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m a2g_local", description="The A2G local serverless runtime")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the runtime (the default)")
    for p in (parser, serve):
        p.add_argument("--template", help="SAM template (default: the repo's template.yaml)")
        p.add_argument("--port", type=int, help="port (default A2G_PORT or 3000; 0 picks a free one)")
        p.add_argument("--host", help="address to listen on (default A2G_HOST or 127.0.0.1)")
        p.add_argument("--data-dir", help="data folder (default A2G_DATA_DIR or <repo>/.a2g-data)")
    fire = sub.add_parser("fire", help="fire a schedule of the running runtime now")
    fire.add_argument("name", help="schedule name, function logical id or function folder (e.g. heartbeat)")
    fire.add_argument("--url", help="the runtime's URL (default: from the data dir's runtime.json)")
    clock = sub.add_parser("clock", help="time travel: how far ahead of real time the functions' clock runs")
    clock.add_argument("--days", type=float, help="days ahead of real time (with --hours/--seconds: their sum)")
    clock.add_argument("--hours", type=float)
    clock.add_argument("--seconds", type=float)
    clock.add_argument("--reset", action="store_true", help="back to real time")
    clock.add_argument("--url", help="the runtime's URL (default: from the data dir's runtime.json)")
    routes = sub.add_parser("routes", help="print the template's routes and schedules")
    routes.add_argument("--template")
    check = sub.add_parser("check", help="check the template: every function, route and schedule resolves")
    check.add_argument("--template")
    args = parser.parse_args(argv)
    _setup_logging()

    if args.command == "fire":
        return _fire(args.name, args.url)
    if args.command == "clock":
        return _clock(args)
    if args.command in ("routes", "check"):
        from a2g_local.template import TemplateError

        try:
            template = _load(args.template, strict=args.command == "check")
        except TemplateError as exc:
            print(f"a2g-local: template error: {exc}", file=sys.stderr)
            return 1
        if args.command == "check":
            print(f"{template.path}: OK ({len(template.functions)} functions, "  # type: ignore[attr-defined]
                  f"{len(template.http_routes)} routes)")  # type: ignore[attr-defined]
            return 0
        for r in template.http_routes:  # type: ignore[attr-defined]
            auth = r.authorizer.name if r.authorizer else "NONE"
            print(f"{r.method:7} {r.path:60} {r.function:28} auth={auth}{' streaming' if r.streaming else ''}")
        ws = template.websocket  # type: ignore[attr-defined]
        if ws:
            for route in ws.routes.values():
                print(f"{'WS':7} {route.route_key:60} {route.function}")
        for s in template.schedules:  # type: ignore[attr-defined]
            print(f"{'SCHED':7} {s.name:60} {s.function:28} {s.expression}")
        return 0

    from a2g_local.app import Options, StartupError, run

    try:
        options = Options.from_env(
            args.template, port=args.port, host=args.host,
            data_dir=Path(args.data_dir).resolve() if args.data_dir else None,
        )
    except StartupError as exc:
        print(f"a2g-local: {exc}", file=sys.stderr)
        return 1
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
