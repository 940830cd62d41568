"""A stand-in for the platform API inside the browser (Playwright routes), with rich, fixed data.

Used only for the screenshot tour, so every page can be captured full of realistic content (a streamed
answer with markdown and code, live trace entries from two sub-agents, statistics over a month) whatever
parts of the backend exist yet. The journeys in test_journeys.py run against the real local runtime.
Shapes are the API's own (the OpenAPI document's schemas, frontend/src/api/openapi.json), which the web
app's generated client expects: lists as `{"items": [...]}`, agents with `id`, skills as objects, the
connection under `endpoint`.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, Route, WebSocketRoute

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _iso(minutes_ago: float) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")


ANSWER = """Here is a summary of the contract in three parts.

| Clause | What it says | Risk |
|---|---|---|
| 4.2 Payment | 30 days after invoice | Low |
| 9.1 Liability | Capped at fees paid | **Medium** |
| 12 Termination | 60 days' notice | Low |

Key points:
- Renewal is automatic unless cancelled in writing.
- The supplier may change sub-processors with notice.

> Note: clause 9.1 excludes indirect damages entirely.

To extract the clauses yourself:

```python
from pypdf import PdfReader

reader = PdfReader("contract.pdf")
text = "\\n".join(page.extract_text() for page in reader.pages)
print(text[:500])
```
"""


def _agent(i: int, name: str, framework: str, status: str, color: str, desc: str, skills: list[str]) -> dict[str, Any]:
    return {
        "id": f"agt_{i:02d}",
        "owner_id": "usr_admin",
        "name": name,
        "description": desc,
        "framework": framework.upper(),
        "status": status,
        "logo_url": None,
        "color": color,
        "skills": [{"name": skill} for skill in skills],
        "trace_id": f"trc_{i:02d}",
        "endpoint": {"base_url": "http://localhost:7777"},
        "a2a_card": None,
        "card_url": None,
        "last_used_at": None,
        "version": 1,
        "created_at": _iso(60 * 24 * i),
        "updated_at": _iso(60 * i),
    }


class FakeApi:
    """In-memory state plus the route handlers; `install(page)` wires it into a page."""

    def __init__(self, role: str = "ADMIN") -> None:
        self.user = {"user_id": "usr_admin", "username": "admin", "display_name": "Ada Kim", "team": "platform",
                     "role": role}
        self.agents = [
            _agent(1, "Contract Summariser", "agno", "PRODUCTION", "#F28B82",
                   "Reads long PDF contracts and summarises obligations, risks and dates in Korean or English.",
                   ["pdf", "summary", "legal"]),
            _agent(2, "Research Crew", "agno", "DEVELOPMENT", "#8AB4F8",
                   "A team: a researcher searches, a writer drafts, a critic reviews.", ["research", "team", "web"]),
            _agent(3, "SQL Helper", "adk", "DEVELOPMENT", "#81C995",
                   "Turns questions into SQL for the analytics warehouse and explains the result.", ["sql", "bi"]),
            _agent(4, "Travel Planner", "a2a", "PRODUCTION", "#C58AF9",
                   "Plans business trips within policy: flights, hotels, per-diem.", ["travel", "policy"]),
            _agent(5, "Release Notes Bot", "langgraph", "DISABLED", "#FBBC04",
                   "Writes release notes from merged pull requests.", ["git", "writing"]),
        ]
        self.sessions = {
            "agt_01": [
                {"session_id": "ses_1", "agent_id": "agt_01", "title": "Summarise the supplier contract",
                 "created_at": _iso(30), "updated_at": _iso(5)},
                {"session_id": "ses_2", "agent_id": "agt_01", "title": "Compare NDA versions",
                 "created_at": _iso(60 * 26), "updated_at": _iso(60 * 26)},
                {"session_id": "ses_3", "agent_id": "agt_01", "title": "Deadline extraction",
                 "created_at": _iso(60 * 72), "updated_at": _iso(60 * 72)},
            ]
        }
        self.messages = {
            "ses_1": [
                {"message_id": "m1", "role": "user", "content": "Summarise this contract and flag the risky clauses.",
                 "attachments": [{"file_id": "fil_1", "filename": "supplier-contract.pdf",
                                  "content_type": "application/pdf", "size": 482133}], "created_at": _iso(6)},
                {"message_id": "m2", "role": "assistant", "content": ANSWER, "attachments": [], "created_at": _iso(5)},
            ]
        }
        self.keys = [
            {"id": "key_1", "name": "laptop", "masked": "a2g_sk_...7Hq2", "created_at": _iso(60 * 24 * 10),
             "last_used_at": _iso(12), "revoked_at": None, "status": "active"},
            {"id": "key_2", "name": "ci", "masked": "a2g_sk_...Zz01", "created_at": _iso(60 * 24 * 40),
             "last_used_at": None, "revoked_at": _iso(60 * 24), "status": "revoked"},
        ]
        self.users = [
            dict(self.user, created_at=_iso(60 * 24 * 90)),
            {"user_id": "usr_min", "username": "minji.park", "display_name": "Minji Park", "team": "search",
             "role": "USER", "created_at": _iso(60 * 24 * 30)},
            {"user_id": "usr_new", "username": "newbie", "display_name": "Jae Lee", "team": "",
             "role": "PENDING", "created_at": _iso(20)},
            {"user_id": "usr_ops", "username": "ops.lead", "display_name": "Sora Choi", "team": "ops",
             "role": "ADMIN", "created_at": _iso(60 * 24 * 60)},
        ]
        self.llms = [
            {"llm_id": "llm_1", "name": "GPT gateway", "base_url": "https://llm.internal/v1",
             "models": ["gpt-4o", "gpt-4o-mini"], "enabled": True,
             "health": {"status": "healthy", "checked_at": _iso(3), "latency_ms": 182}},
            {"llm_id": "llm_2", "name": "Local Qwen", "base_url": "http://gpu-07:8000/v1",
             "models": ["qwen3-32b"], "enabled": True,
             "health": {"status": "unhealthy", "checked_at": _iso(4), "error": "connect timeout"}},
        ]
        self.trace_entries = {
            "trc_01": [self._entry(i, agent) for i, agent in enumerate(["leader", "researcher", "writer"])]
        }
        self.ws_routes: list[WebSocketRoute] = []

    @staticmethod
    def _entry(i: int, agent: str) -> dict[str, Any]:
        return {
            "entry_id": f"ent_{i}", "trace_id": "trc_01", "created_at": _iso(5 - i * 0.2), "agent_id": agent,
            "model": "gpt-4o-mini", "status": "ok", "latency_ms": 640 + 130 * i,
            "usage": {"prompt_tokens": 812 + i * 40, "completion_tokens": 120 + i * 33},
            "request": {"model": "gpt-4o-mini", "messages": [{"role": "system", "content": f"You are the {agent}."},
                                                             {"role": "user", "content": "Summarise the contract."}]},
            "response": {"choices": [{"message": {"role": "assistant", "content": "…"}}]},
        }

    # -- wiring ------------------------------------------------------------------------------------------
    def install(self, page: Page) -> None:
        page.route(re.compile(r".*/api/.*"), self._handle)
        page.route_web_socket(re.compile(r".*/ws(\?.*)?$"), self._on_ws)

    def _on_ws(self, ws: WebSocketRoute) -> None:
        self.ws_routes.append(ws)

        def on_message(message: str | bytes) -> None:
            body = json.loads(message)
            if body.get("action") == "ping":
                ws.send(json.dumps({"type": "pong"}))
            elif body.get("action") == "invoke":
                sid = body.get("session_id")
                for part in ["Sure — ", "here is ", "the answer."]:
                    ws.send(json.dumps({"type": "chunk", "session_id": sid, "delta": part}))
                ws.send(json.dumps({"type": "message", "session_id": sid, "message": {
                    "message_id": "m_new", "role": "assistant", "content": "Sure — here is the answer."}}))

        ws.on_message(on_message)

    def push_trace(self, entry: dict[str, Any]) -> None:
        for ws in self.ws_routes:
            ws.send(json.dumps({"type": "trace_entry", "trace_id": entry["trace_id"], "entry": entry}))

    def _handle(self, route: Route) -> None:
        req = route.request
        url = urlparse(req.url)
        status, body = self.respond(req.method, url.path, parse_qs(url.query), req.post_data)
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    # -- the API -----------------------------------------------------------------------------------------
    def respond(self, method: str, path: str, q: dict[str, list[str]], data: str | None) -> tuple[int, Any]:
        body = json.loads(data) if data else {}
        if path == "/api/auth/config":
            return 200, {"sso_enabled": True, "dev_login_enabled": True}
        if path in ("/api/auth/refresh", "/api/auth/dev-login"):
            return 200, {"access_token": "fake-token", "user": self.user}
        if path == "/api/auth/me":
            return 200, self.user
        if path == "/api/auth/logout":
            return 204, None
        if path == "/api/my-agents" and method == "GET":
            return 200, {"items": self.agents, "next_cursor": None}
        if path == "/api/my-agents" and method == "POST":
            agent = _agent(len(self.agents) + 1, body.get("name", ""), body.get("framework", "custom"), "DEVELOPMENT",
                           body.get("color", ""), body.get("description", ""),
                           [s["name"] if isinstance(s, dict) else s for s in body.get("skills", [])])
            self.agents.insert(0, agent)
            return 201, agent
        m = re.fullmatch(r"/api/(?:my-)?agents/(agt_\d+)", path)
        if m:
            return next(((200, a) for a in self.agents if a["id"] == m.group(1)),
                        (404, {"error": {"code": "not_found", "message": "agent not found"}}))
        if path == "/api/agents/ranked":
            query = (q.get("q") or [""])[0]
            published = [a for a in self.agents if a["status"] == "PRODUCTION"] + [self.agents[2]]
            reasons = [f"Its description matches “{query}”" if query else "You used it 14 times this month",
                       "Skills overlap: pdf, summary", "Popular in your team"]
            return 200, {"items": [{"agent": a, "score": 1 - i / 10, "reason": reasons[i % 3]}
                                   for i, a in enumerate(published)], "query": query or None}
        m = re.fullmatch(r"/api/agents/(agt_\d+)/sessions", path)
        if m:
            if method == "POST":
                s = {"session_id": f"ses_{len(self.messages) + 10}", "agent_id": m.group(1), "title": ""}
                self.sessions.setdefault(m.group(1), []).insert(0, s)
                return 201, s
            return 200, {"items": self.sessions.get(m.group(1), []), "next_cursor": None}
        m = re.fullmatch(r"/api/sessions/([\w]+)/messages", path)
        if m:
            return 200, {"items": self.messages.get(m.group(1), []), "next_cursor": None}
        if path == "/api/logs":
            return 200, {"items": self.trace_entries.get((q.get("trace_id") or [""])[0], []), "next_cursor": None}
        if path == "/api/llms":
            return 200, {"models": [{"model": m, "llm_name": "GPT gateway", "health_status": "healthy"}
                                    for m in ("gpt-4o", "gpt-4o-mini", "qwen3-32b")],
                         "guide": {"agent_id_header": "X-Agent-Id", "api_key": "your platform API key",
                                   "base_url_template": "/api/log-proxy/{trace_id}/v1", "notes": [],
                                   "python_example": ""}}
        if path == "/api/api-keys/active":
            return 200, {"key": self.keys[0]}
        if path == "/api/api-keys" and method == "GET":
            return 200, {"items": self.keys}
        if path == "/api/api-keys" and method == "POST":
            key = {"id": "key_new", "name": body.get("name"), "masked": "a2g_sk_...hJ5", "created_at": _iso(0),
                   "last_used_at": None, "revoked_at": None, "status": "active",
                   "key": "a2g_sk_N3w9xQ4bV7mK2pL8sT1dR6fG0hJ5"}
            self.keys.insert(0, {k: v for k, v in key.items() if k != "key"})
            return 201, key
        if path == "/api/admin/users":
            return 200, {"items": self.users, "next_cursor": None}
        m = re.fullmatch(r"/api/admin/users/(\w+)/approve", path)
        if m:
            for u in self.users:
                if u["user_id"] == m.group(1):
                    u["role"] = "USER"
                    return 200, u
        if path == "/api/admin/llms":
            return 200, {"items": self.llms}
        if path == "/api/admin/stats/usage":
            group_by = (q.get("group_by") or ["day"])[0]
            return 200, {"from": "2026-10-04", "to": "2026-11-02", "group_by": group_by, "totals": {},
                         "groups": self._usage(group_by)}
        if path == "/api/admin/stats/agents":
            return 200, {"total": 42, "by_status": {"PRODUCTION": 17, "DEVELOPMENT": 21, "DISABLED": 4},
                         "by_framework": {"agno": 19, "adk": 9, "a2a": 8, "langgraph": 4, "custom": 2}}
        if path == "/api/admin/stats/users":
            # The shape of StatsService.users: active users per day and the distinct count of the period.
            days = [{"date": f"2026-11-{d:02d}", "active_users": 20 + (d * 7) % 17, "calls": 300 + d * 11}
                    for d in range(10, 24)]
            return 200, {"from": "2026-11-10", "to": "2026-11-23", "days": days, "distinct_active_users": 57}
        return 404, {"error": {"code": "not_found", "message": f"no fake for {method} {path}"}}

    @staticmethod
    def _usage(group_by: str) -> list[dict[str, Any]]:
        if group_by == "day":
            start = date(2026, 10, 4)
            return [{"key": (start + timedelta(days=d)).isoformat(), "calls": 120 + (d * 37) % 90 + d * 4,
                     "errors": (d * 7) % 5, "prompt_tokens": 40_000 + d * 900, "completion_tokens": 9_000 + d * 300,
                     "avg_latency_ms": 700} for d in range(30)]
        names = {"team": ["ml", "search", "platform", "ops"], "user": ["minji.park", "admin", "ops.lead", "newbie"],
                 "model": ["gpt-4o-mini", "gpt-4o", "qwen3-32b"], "agent": ["Contract Summariser", "Research Crew",
                                                                           "SQL Helper"]}[group_by]
        return [{"key": n, "calls": 2400 // (i + 1), "errors": 12 // (i + 1), "prompt_tokens": 900_000 // (i + 1),
                 "completion_tokens": 210_000 // (i + 1), "avg_latency_ms": 600 + 90 * i} for i, n in enumerate(names)]
