"""The runtime's control endpoints under `/_local/` (fire a schedule, invoke a function, time travel, info).

They are for the developer's own tools — `make fire`, `make clock`, `python -m a2g_local …`, the tests —
never for a browser. The runtime runs next to the developer's browser, and a loopback client is not a
trusted one: any web page can send requests to 127.0.0.1. So, before any endpoint runs:

1. A request a browser marks as coming from a page (`Origin`, or `Sec-Fetch-Site` other than `none`) is
   refused (403 `cross_site_refused`): no page, same-origin or not, drives these endpoints.
2. The `Host` must name the runtime itself (a loopback address, `localhost`, or the address it listens on),
   so a DNS-rebinding page cannot make its own origin the runtime's (403 `host_not_allowed`).
3. Every endpoint but `GET /_local/ready` needs the run's control token in the `X-A2G-Control-Token` header
   (401 `control_token_required`). The token is generated at each start and written only to the data dir's
   `runtime.json` (mode 0600), where the runtime's own tools read it.
4. A `POST` must be `Content-Type: application/json` (415 `unsupported_media_type`): a form or `text/plain`
   POST — what a page can send without a preflight — is never read.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import os
import re
import secrets
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from a2g_local.template import ScheduleDef, Template

if TYPE_CHECKING:
    from a2g_local.server import Runtime

log = logging.getLogger("a2g_local")
TOKEN_HEADER = "x-a2g-control-token"
PUBLIC_ENDPOINTS = {("GET", "ready")}  # what a supervisor may poll without the token
JSON = [("content-type", "application/json"), ("cache-control", "no-store")]
Respond = Callable[[int, list[tuple[str, str]], bytes], Awaitable[None]]


def new_control_token() -> str:
    return secrets.token_urlsafe(32)


def _json(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _error(code: str, message: str, **extra: Any) -> bytes:
    return _json({"error": {"code": code, "message": message, **extra}})


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    return host.startswith(("127.", "::ffff:127.")) or host in ("::1", "localhost")


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in scope.get("headers") or []:
        out[k.decode("latin-1").lower()] = v.decode("latin-1")
    return out


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0].lower()
    return host_header.rsplit(":", 1)[0].lower() if host_header.count(":") == 1 else host_header.lower()


def from_web_page(scope: dict[str, Any]) -> bool:
    """True when a browser marks the request as sent by a page: an `Origin`, or `Sec-Fetch-Site` other than
    `none` (a typed URL). The runtime's own tools and boto3 send neither."""
    headers = _headers(scope)
    return "origin" in headers or headers.get("sec-fetch-site", "none").lower() != "none"


def refusal(scope: dict[str, Any], *, token: str, own_hosts: frozenset[str]) -> tuple[int, str, str] | None:
    """(status, code, message) when the request may not reach a control endpoint, else None."""
    headers = _headers(scope)
    if not is_loopback((scope.get("client") or ("",))[0]):
        return 403, "forbidden", "control endpoints answer loopback clients only"
    fetch_site = headers.get("sec-fetch-site", "none").lower()
    if from_web_page(scope):
        return 403, "cross_site_refused", ("control endpoints refuse requests from web pages "
                                           f"(Origin: {headers.get('origin', '-')}, Sec-Fetch-Site: {fetch_site})")
    host = _host_name(headers.get("host", ""))
    if host and not (is_loopback(host) or host in own_hosts):
        return 403, "host_not_allowed", f"control endpoints answer only for this machine's loopback names, not {host!r}"
    parts = scope.get("path", "").strip("/").split("/")[1:]
    if (scope["method"], "/".join(parts)) not in PUBLIC_ENDPOINTS:
        sent = headers.get(TOKEN_HEADER, "")
        if not sent or not hmac.compare_digest(sent.encode(), token.encode()):
            return 401, "control_token_required", (
                "send the run's control token in X-A2G-Control-Token (it is in <data dir>/runtime.json; "
                "`make fire` and `make clock` send it)")
    if scope["method"] == "POST":
        ctype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if ctype != "application/json":
            return 415, "unsupported_media_type", "control endpoints accept only Content-Type: application/json"
    return None


# --- schedule names ---------------------------------------------------------------------------------------

def _key(name: str) -> str:
    """Case, dashes and underscores do not matter: `health-checks` = `health_checks` = `HealthChecks`."""
    return re.sub(r"[^a-z0-9.]", "", name.lower())


def schedule_aliases(template: Template, schedule: ScheduleDef) -> list[str]:
    """Every name a schedule answers to: its own, its function's (logical id, folder) and its event's."""
    fn = schedule.function
    short = fn[: -len("Function")] if fn.endswith("Function") and len(fn) > len("Function") else fn
    folder = template.functions[fn].code_dir.name
    return list(dict.fromkeys([schedule.name, folder, folder.replace("_", "-"), fn, short,
                               f"{fn}.{schedule.event_name}", schedule.event_name]))


def find_schedules(template: Template, name: str) -> list[ScheduleDef]:
    exact = [s for s in template.schedules if s.name == name]
    if exact:
        return exact
    wanted = _key(name)
    return [s for s in template.schedules if wanted in {_key(a) for a in schedule_aliases(template, s)}]


def describe_schedule_names(template: Template) -> str:
    lines = []
    for s in template.schedules:
        folder = template.functions[s.function].code_dir.name.replace("_", "-")
        lines.append(f"{folder} (schedule {s.name}, function {s.function})")
    return "; ".join(lines) or "none"


def offset_now() -> datetime:
    """Now as the functions see it: shifted by A2G_CLOCK_OFFSET_SECONDS like a2g.clock.OffsetClock."""
    offset = float(os.environ.get("A2G_CLOCK_OFFSET_SECONDS", "0") or 0)
    return datetime.now(UTC) + timedelta(seconds=offset)


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


class ControlApi:
    """The `/_local/*` endpoints of one run, behind the checks of the module docstring."""

    def __init__(self, runtime: Runtime, *, token: str, own_hosts: frozenset[str] = frozenset()):
        self.runtime = runtime
        self.token = token
        self.own_hosts = own_hosts

    async def __call__(self, scope: dict[str, Any], body: bytes, respond: Respond, path: str) -> None:
        refused = refusal(scope, token=self.token, own_hosts=self.own_hosts)
        if refused is not None:
            status, code, message = refused
            log.warning("control request refused: %s %s (%s)", scope["method"], path, code)
            await respond(status, JSON, _error(code, message))
            return
        rt = self.runtime
        method = scope["method"]
        parts = path.strip("/").split("/")[1:]
        if parts == ["ready"] and method == "GET":
            await respond(200 if rt.ready else 503, JSON, _json({"ready": rt.ready}))
        elif parts == ["info"] and method == "GET":
            await respond(200, JSON, _json(rt.info))
        elif parts == ["routes"] and method == "GET":
            await respond(200, JSON, _json(self.describe_routes()))
        elif parts == ["schedules"] and method == "GET":
            upcoming = rt.scheduler.upcoming() if rt.scheduler else {}
            await respond(200, JSON, _json([
                {"name": s.name, "function": s.function, "expression": s.expression, "enabled": s.enabled,
                 "aliases": schedule_aliases(rt.template, s), "next_fire": upcoming.get(s.name)}
                for s in rt.template.schedules]))
        elif len(parts) == 3 and parts[0] == "schedules" and parts[2] == "fire" and method == "POST":
            await self._fire(unquote(parts[1]), respond)
        elif len(parts) == 3 and parts[0] == "functions" and parts[2] == "invoke" and method == "POST":
            await self._invoke(unquote(parts[1]), body, respond)
        elif parts == ["clock"]:
            await self._clock(method, body, respond)
        else:
            await respond(404, JSON, _error("not_found", f"no control endpoint {method} {path}"))

    async def _fire(self, name: str, respond: Respond) -> None:
        template = self.runtime.template
        found = find_schedules(template, name)
        if not found:
            await respond(404, JSON, _error("not_found", f"no schedule {name!r}; valid names: "
                                                         f"{describe_schedule_names(template)}"))
            return
        if len(found) > 1:
            await respond(409, JSON, _error("ambiguous", f"{name!r} names several schedules: "
                                                          f"{', '.join(s.name for s in found)}"))
            return
        schedule = found[0]
        started = time.perf_counter()
        try:
            result = await self.runtime.fire(schedule)
        except Exception as exc:  # noqa: BLE001
            error_id = uuid.uuid4().hex[:12]
            log.error("schedule %s failed (error id %s)\n%s", schedule.name, error_id, traceback.format_exc())
            await respond(500, JSON, _error("internal_error", f"{schedule.function} failed: "
                                            f"{type(exc).__name__} (error id {error_id})", error_id=error_id))
            return
        await respond(200, JSON, _json({
            "schedule": schedule.name, "function": schedule.function,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1), "result": _jsonable(result)}))

    async def _invoke(self, name: str, body: bytes, respond: Respond) -> None:
        if name not in self.runtime.template.functions:
            await respond(404, JSON, _error("not_found", f"no function {name!r}"))
            return
        try:
            event = json.loads(body or b"{}")
        except ValueError:
            await respond(400, JSON, _error("validation_error", "the body must be the event as JSON"))
            return
        try:
            result = await self.runtime.functions.invoke(name, event)
        except Exception as exc:  # noqa: BLE001
            error_id = uuid.uuid4().hex[:12]
            log.error("invoke %s failed (error id %s)\n%s", name, error_id, traceback.format_exc())
            await respond(500, JSON, _error("internal_error", f"{type(exc).__name__} (error id {error_id})",
                                            error_id=error_id))
            return
        await respond(200, JSON, _json({"function": name, "result": _jsonable(result)}))

    async def _clock(self, method: str, body: bytes, respond: Respond) -> None:
        if method == "POST":
            try:
                payload = json.loads(body or b"{}")
                offset = float(payload["offset_seconds"])
                if not math.isfinite(offset) or abs(offset) > 100 * 366 * 86400:  # beyond a century
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                await respond(400, JSON, _error("validation_error",
                                                'send {"offset_seconds": <number>} (at most a century)'))
                return
            os.environ["A2G_CLOCK_OFFSET_SECONDS"] = repr(offset)
            log.info("clock offset set to %+.0f s", offset)
        elif method != "GET":
            await respond(405, JSON, _error("method_not_allowed", "GET or POST"))
            return
        offset = float(os.environ.get("A2G_CLOCK_OFFSET_SECONDS", "0") or 0)
        await respond(200, JSON, _json({"offset_seconds": offset, "now": offset_now().isoformat()}))

    def describe_routes(self) -> dict[str, Any]:
        template = self.runtime.template
        ws = template.websocket
        return {
            "http": [{"method": r.method, "path": r.path, "function": r.function,
                      "authorizer": r.authorizer.name if r.authorizer else None, "streaming": r.streaming}
                     for r in template.http_routes],
            "websocket": {
                "path": "/ws", "route_selection_expression": ws.route_selection_expression, "stage": ws.stage,
                "routes": [{"route_key": r.route_key, "function": r.function,
                            "authorizer": r.authorizer.function if r.authorizer else None}
                           for r in ws.routes.values()],
            } if ws else None,
            "schedules": [{"name": s.name, "function": s.function, "expression": s.expression, "enabled": s.enabled}
                          for s in template.schedules],
        }
