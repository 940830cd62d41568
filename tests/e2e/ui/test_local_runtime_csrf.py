"""A web page on another origin cannot drive the local runtime's control endpoints (issue 20, item 1).

The developer runs `make up` and browses the web. A page served from another origin (here: a tiny HTTP
server on another port of 127.0.0.1, as a malicious site or a compromised local dev server would be) tries
the forgery the attack run found: a "simple" cross-origin POST (no preflight — `fetch` in `no-cors` mode
with `text/plain`, and a `<form enctype="text/plain">`) to `/_local/functions/AdminUsersFunction/invoke`
with a forged ADMIN authorizer context that makes a PENDING user ADMIN, plus time travel and a schedule
firing. Chromium sends the requests; the runtime must refuse each one, and the user must stay PENDING.
"""

from __future__ import annotations

import html
import http.server
import json
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.helpers import pending_user, sign_in

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess

pytestmark = pytest.mark.e2e


def _forged_promotion(user_id: str) -> dict[str, Any]:
    """An HTTP API event for PATCH /api/admin/users/{id} as if the authorizer had vouched for an ADMIN."""
    path = f"/api/admin/users/{user_id}"
    return {
        "version": "2.0", "routeKey": "PATCH /api/admin/users/{user_id}", "rawPath": path, "rawQueryString": "",
        "headers": {"content-type": "application/json"}, "pathParameters": {"user_id": user_id},
        "requestContext": {
            "http": {"method": "PATCH", "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": "x"},
            "authorizer": {"lambda": {"user_id": "admin", "role": "ADMIN", "team": "platform",
                                      "auth_kind": "token"}},
            "routeKey": "PATCH /api/admin/users/{user_id}", "stage": "$default", "requestId": "forged",
        },
        "body": json.dumps({"role": "ADMIN"}), "isBase64Encoded": False,
    }


def _attack_page(runtime_url: str, victim: str) -> str:
    event = json.dumps(_forged_promotion(victim))
    invoke = f"{runtime_url}/_local/functions/AdminUsersFunction/invoke"
    # A text/plain form body is "name=value": split the JSON so that the "=" lands inside a string.
    cut = event.rindex("}")
    form_name, form_value = event[:cut] + ',"pad":"', '"}'
    return f"""<!doctype html><meta charset=utf-8><title>cat pictures</title>
<iframe name=sink style="display:none"></iframe>
<form id=f method=POST enctype="text/plain" action="{html.escape(invoke)}" target=sink>
  <input type=hidden name="{html.escape(form_name)}" value="{html.escape(form_value)}">
</form>
<script>
const simple = (url, body) => fetch(url, {{method: "POST", mode: "no-cors", credentials: "include",
  headers: {{"Content-Type": "text/plain"}}, body}}).then(() => "sent", e => "error " + e);
window.attack = async () => {{
  const results = [];
  results.push(await simple({json.dumps(invoke)}, {json.dumps(event)}));
  results.push(await simple({json.dumps(runtime_url + "/_local/clock")}, JSON.stringify({{offset_seconds: 2678400}})));
  results.push(await simple({json.dumps(runtime_url + "/_local/schedules/lifecycle/fire")}, "{{}}"));
  document.getElementById("f").submit();
  return results;
}};
</script>"""


@pytest.fixture
def attacker_site(runtime: RuntimeProcess) -> Iterator[tuple[str, str]]:
    victim = pending_user(runtime)
    assert victim.role == "PENDING"
    page = _attack_page(runtime.base_url, victim.user_id).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", victim.user_id
    finally:
        server.shutdown()
        server.server_close()


def test_a_cross_origin_page_cannot_promote_a_pending_user(browser: Any, runtime: RuntimeProcess,
                                                           attacker_site: tuple[str, str]) -> None:
    url, victim = attacker_site
    clock_before = runtime.control("GET", "clock").json()["offset_seconds"]
    context = browser.new_context()
    control_answers: list[tuple[str, int]] = []
    context.on("response", lambda r: "/_local/" in r.url and control_answers.append((r.url, r.status)))
    try:
        page = context.new_page()
        page.goto(url)
        sent = page.evaluate("attack()")
        assert sent == ["sent", "sent", "sent"]  # the browser did send them: nothing stopped them but the runtime
        page.wait_for_event("requestfinished", predicate=lambda r: "/invoke" in r.url and r.method == "POST"
                            and r.frame != page.main_frame, timeout=10_000)
    finally:
        context.close()

    # Chromium saw the runtime refuse every one of the four forgeries (three fetches, one form).
    assert len(control_answers) == 4, control_answers
    assert all(status == 403 for _, status in control_answers), control_answers
    assert runtime.log_text().count("(cross_site_refused)") >= 4
    # ... and nothing changed: the user is still PENDING, the functions' clock was not moved.
    assert sign_in(runtime, victim, "e2e").role == "PENDING"
    assert runtime.control("GET", "clock").json()["offset_seconds"] == clock_before
