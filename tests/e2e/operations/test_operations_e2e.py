"""Operations end to end on the local runtime: the real scheduled functions fired by hand, the runtime's
clock moved forward, a real HTTP mail API and a real agent server started here, the statistics API read
after real calls through the log-proxy with the openai SDK.

The tests share one runtime whose clock only moves forward, so they run in file order and each one looks
only at its own users and agents (earlier tests' agents keep being checked and aged).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.helpers import create_api_key
from tests.e2e.operations.ops_e2e_support import (
    HEALTH_SCHEDULE,
    LIFECYCLE_SCHEDULE,
    MAIL_AUTH,
    AgentServer,
    TimeMachine,
    developer,
    fresh,
    fresh_admin,
    mail_of,
)
from tests.integration.operations.ops_mail_sink import MailSink

if TYPE_CHECKING:
    from tests.e2e.conftest import RuntimeProcess
    from tests.e2e.helpers import SignedInUser

pytestmark = pytest.mark.e2e

FIVE_MINUTES = 300
DAY = 86400


def _require(runtime: RuntimeProcess) -> None:
    runtime.require_functions("MyAgentsFunction", "HealthChecksFunction", "LifecycleFunction",
                              "AdminStatsFunction")


def _create_agent(user: SignedInUser, server_url: str, *, publish: bool, name: str = "Ops agent") -> dict[str, Any]:
    created = user.post("/api/my-agents", json={
        "name": name, "description": "an agent the operations tests watch", "framework": "A2A",
        "endpoint": {"base_url": server_url},
    })
    assert created.status_code == 201, created.text
    agent = created.json()
    if publish:
        published = user.post(f"/api/my-agents/{agent['id']}/publish")
        assert published.status_code == 200, published.text
        agent = published.json()
    return dict(agent)


def _status(runtime: RuntimeProcess, user: SignedInUser, agent_id: str) -> str | None:
    """The agent's status as its owner sees it, or None when it is gone."""
    owner = fresh(runtime, user)
    answer = owner.get(f"/api/my-agents/{agent_id}")
    owner.close()
    if answer.status_code == 404:
        return None
    assert answer.status_code == 200, answer.text
    return str(answer.json()["status"])


def _fire(runtime: RuntimeProcess, schedule: str) -> dict[str, Any]:
    """Fire a schedule now; the job's report (the handler's return value)."""
    fired = runtime.fire(schedule)
    return dict(fired.get("result", fired))


def _audit(runtime: RuntimeProcess, agent_id: str, days: int = 120) -> list[str]:
    boss = fresh_admin(runtime)
    now = datetime.now(UTC) + timedelta(days=days)
    answer = boss.get("/api/admin/audit", params={"from": (now - timedelta(days=2 * days)).date().isoformat(),
                                                  "to": now.date().isoformat(), "limit": 200})
    boss.close()
    assert answer.status_code == 200, answer.text
    return [e["action"] for e in answer.json()["items"] if e["agent_id"] == agent_id]


# ---- statistics -------------------------------------------------------------------------------------------


def test_statistics_equal_the_calls_made_through_the_log_proxy(ops_runtime: RuntimeProcess) -> None:
    _require(ops_runtime)
    ops_runtime.require_functions("LogProxyFunction", "LlmsFunction")
    openai = pytest.importorskip("openai")
    from tests.e2e.tracing.mock_llm import MockLlm

    llm = MockLlm().start()
    try:
        boss = fresh_admin(ops_runtime)
        registered = boss.post("/api/admin/llms", json={
            "name": "ops-mock", "base_url": llm.base_url, "api_key": "sk-ops-upstream",
            "models": ["ops-model", "error-model"], "timeout_seconds": 30})
        assert registered.status_code == 201, registered.text
        dev = developer(ops_runtime, "stats")
        agent = _create_agent(dev, "http://127.0.0.1:9", publish=False, name="Stats agent")
        key = create_api_key(dev)["key"]
        client = openai.OpenAI(base_url=agent["log_proxy_base_url"], api_key=key, max_retries=0)

        expected = {"calls": 0, "errors": 0, "prompt": 0, "completion": 0}
        for i in range(5):
            reply = client.chat.completions.create(model="ops-model",
                                                   messages=[{"role": "user", "content": f"hello number {i}"}])
            expected["calls"] += 1
            expected["prompt"] += reply.usage.prompt_tokens
            expected["completion"] += reply.usage.completion_tokens
        stream = client.chat.completions.create(model="ops-model", stream=True,
                                                messages=[{"role": "user", "content": "stream it please"}])
        chunks = list(stream)
        assert chunks  # the client did not ask for usage; the proxy asked the upstream for it
        usage = MockLlm._usage({"messages": [{"role": "user", "content": "stream it please"}]},
                               {"content": "echo: stream it please"})
        expected["calls"] += 1
        expected["prompt"] += usage["prompt_tokens"]
        expected["completion"] += usage["completion_tokens"]
        with pytest.raises(openai.APIStatusError):
            client.chat.completions.create(model="error-model", messages=[{"role": "user", "content": "boom"}])
        expected["calls"] += 1
        expected["errors"] += 1

        today = datetime.now(UTC).date()
        params = {"from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
        mine: dict[str, Any] = {}
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # the counters are added as each trace entry is written
            by_user = boss.get("/api/admin/stats/usage", params={**params, "group_by": "user"})
            assert by_user.status_code == 200, by_user.text
            mine = next((g for g in by_user.json()["groups"] if g["key"] == dev.user_id), {})
            if mine.get("calls") == expected["calls"]:
                break
            time.sleep(0.3)
        assert mine["calls"] == expected["calls"]
        assert mine["errors"] == expected["errors"]
        assert mine["prompt_tokens"] == expected["prompt"]
        assert mine["completion_tokens"] == expected["completion"]
        assert mine["avg_latency_ms"] is not None and mine["avg_latency_ms"] >= 0
        # Beside the id, the name people know: the user's display name, the agent's title.
        profile = dev.get("/api/auth/me").json()
        assert mine["name"] == (profile.get("user") or profile)["display_name"]

        by_agent = boss.get("/api/admin/stats/usage", params={**params, "group_by": "agent"}).json()
        ours = next(g for g in by_agent["groups"] if g["key"] == agent["id"])
        assert ours["calls"] == expected["calls"] and ours["name"] == "Stats agent"
        by_model = {g["key"]: g["calls"] for g in
                    boss.get("/api/admin/stats/usage", params={**params, "group_by": "model"}).json()["groups"]}
        assert by_model["ops-model"] >= 6 and by_model["error-model"] >= 1
        by_day = boss.get("/api/admin/stats/usage", params={**params, "group_by": "day"}).json()
        assert len(by_day["groups"]) == 3
        assert by_day["totals"]["calls"] >= expected["calls"]
        users = boss.get("/api/admin/stats/users", params=params).json()
        assert any(d["active_users"] >= 1 for d in users["days"])
        agents = boss.get("/api/admin/stats/agents").json()
        assert agents["by_status"]["DEVELOPMENT"] >= 1 and agents["by_framework"]["A2A"] >= 1
        assert any(m["agent_id"] == agent["id"] and m["calls"] == expected["calls"]
                   for m in agents["most_used"])

        # The scheduled check made its minimal call to the LLM; admins see the result in the LLM list.
        calls_before = len(llm.requests)
        _fire(ops_runtime, HEALTH_SCHEDULE)
        assert len(llm.requests) == calls_before + 1 and llm.requests[-1]["body"]["max_tokens"] == 1
        listed = {i["name"]: i for i in boss.get("/api/admin/llms").json()["items"]}
        assert listed["ops-mock"]["health"]["status"] == "healthy"

        # Only administrators read statistics.
        assert dev.get("/api/admin/stats/usage").status_code == 403
        assert httpx.get(ops_runtime.url("/api/admin/stats/usage")).status_code == 401
        assert boss.get("/api/admin/stats/usage", params={"group_by": "week"}).status_code == 400
        boss.close()
        dev.close()
    finally:
        llm.stop()


# ---- health checks -----------------------------------------------------------------------------------------


def test_dead_agent_is_disabled_with_one_mail_and_its_recovery_is_mailed(
    ops_runtime: RuntimeProcess, time_machine: TimeMachine, mail_sink: MailSink, agent_server: AgentServer
) -> None:
    _require(ops_runtime)
    dev = developer(ops_runtime, "health")
    agent = _create_agent(dev, agent_server.url, publish=True)
    _fire(ops_runtime, HEALTH_SCHEDULE)
    assert agent_server.hits >= 1  # probed while alive
    assert _status(ops_runtime, dev, agent["id"]) == "PRODUCTION"

    agent_server.stop()
    for _ in range(2):
        time_machine.advance(FIVE_MINUTES)
        _fire(ops_runtime, HEALTH_SCHEDULE)
        _fire(ops_runtime, HEALTH_SCHEDULE)  # the schedule delivered twice: counted once
    assert _status(ops_runtime, dev, agent["id"]) == "PRODUCTION"
    time_machine.advance(FIVE_MINUTES)
    report = _fire(ops_runtime, HEALTH_SCHEDULE)  # third consecutive failure
    assert agent["id"] in report["disabled"]
    assert _status(ops_runtime, dev, agent["id"]) == "DISABLED"
    [alert] = mail_sink.delivered_to(mail_of(dev))
    assert "was disabled" in alert.subject and agent["id"] in alert.body
    assert alert.headers[MAIL_AUTH[0].lower()] == MAIL_AUTH[1]
    assert alert.idempotency_key and alert.idempotency_key.startswith("health-disabled:")

    for _ in range(3):  # still dead: checked, but no second mail for the same incident
        time_machine.advance(FIVE_MINUTES)
        _fire(ops_runtime, HEALTH_SCHEDULE)
    assert len(mail_sink.delivered_to(mail_of(dev))) == 1
    assert _status(ops_runtime, dev, agent["id"]) == "DISABLED"

    agent_server.start()
    time_machine.advance(FIVE_MINUTES)
    report = _fire(ops_runtime, HEALTH_SCHEDULE)
    assert agent["id"] in report["recovered"]
    assert _status(ops_runtime, dev, agent["id"]) == "PRODUCTION"
    mails = mail_sink.delivered_to(mail_of(dev))
    assert [m.idempotency_key.split(":")[0] for m in mails if m.idempotency_key] == [
        "health-disabled", "health-recovered"]
    assert _audit(ops_runtime, agent["id"]) == ["agent.recovered", "agent.disabled"]


def test_mail_api_down_then_up_delivers_the_alert_exactly_once(
    ops_runtime: RuntimeProcess, time_machine: TimeMachine, mail_sink: MailSink, agent_server: AgentServer
) -> None:
    _require(ops_runtime)
    dev = developer(ops_runtime, "maildown")
    agent = _create_agent(dev, agent_server.url, publish=True)
    agent_server.stop()
    mail_sink.stop()
    try:
        for _ in range(4):
            time_machine.advance(FIVE_MINUTES)
            report = _fire(ops_runtime, HEALTH_SCHEDULE)
        assert _status(ops_runtime, dev, agent["id"]) == "DISABLED"
        assert report["mail"]["failed"] >= 1 and report["mail"]["sent"] == 0
    finally:
        mail_sink.start()
    assert mail_sink.delivered_to(mail_of(dev)) == []
    time_machine.advance(FIVE_MINUTES)
    _fire(ops_runtime, HEALTH_SCHEDULE)
    time_machine.advance(FIVE_MINUTES)
    _fire(ops_runtime, HEALTH_SCHEDULE)
    _fire(ops_runtime, LIFECYCLE_SCHEDULE)  # another job delivering the outbox sends nothing again
    mine = mail_sink.delivered_to(mail_of(dev))
    assert len(mine) == 1 and "was disabled" in mine[0].subject
    attempts_for_mine = [a for a in mail_sink.attempts if mail_of(dev) in a["body"]]
    assert len(attempts_for_mine) == 1  # one POST reached the API: nothing was re-sent after delivery


# ---- lifecycle -------------------------------------------------------------------------------------------------


def _session_with_file(user: SignedInUser, agent_id: str) -> tuple[str, str]:
    """A chat session with a message and an uploaded file (through the presigned POST)."""
    started = user.post(f"/api/agents/{agent_id}/sessions", json={})
    assert started.status_code in (200, 201), started.text
    session_id = started.json().get("session_id") or started.json()["id"]
    posted = user.post(f"/api/sessions/{session_id}/messages", json={"role": "user", "content": "hello"})
    assert posted.status_code in (200, 201), posted.text
    upload = user.post("/api/files", json={"session_id": session_id, "file_name": "note.txt",
                                           "content_type": "text/plain", "size": 5})
    assert upload.status_code == 201, upload.text
    target = upload.json()["upload"]
    sent = httpx.post(target["url"], data=target["fields"], files={"file": ("note.txt", b"hello")})
    assert sent.status_code in (200, 201, 204), sent.text
    return session_id, str(upload.json()["file"]["file_id"])


def _stored_objects(runtime: RuntimeProcess, prefix: str) -> list[str]:
    s3 = runtime.boto3_client("s3")
    listed = s3.list_objects_v2(Bucket=runtime.env["A2G_FILES_BUCKET"], Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def test_lifecycle_warns_then_acts_at_the_boundaries_with_dry_run_and_double_firing(
    ops_runtime: RuntimeProcess, time_machine: TimeMachine, mail_sink: MailSink, agent_server: AgentServer
) -> None:
    _require(ops_runtime)
    ops_runtime.require_functions("SessionsFunction", "FilesFunction")
    dev = developer(ops_runtime, "lifecycle")
    stale_dev = _create_agent(dev, agent_server.url, publish=False, name="Old experiment")
    unused = _create_agent(dev, agent_server.url + "/svc", publish=True, name="Forgotten service")
    session_id, file_id = _session_with_file(dev, stale_dev["id"])
    files_prefix = f"files/{dev.user_id}/{session_id}/"
    assert _stored_objects(ops_runtime, files_prefix)  # the attachment is in S3
    me = mail_of(dev)

    def kinds() -> list[str]:
        return sorted(m.idempotency_key.split(":")[0] for m in mail_sink.delivered_to(me) if m.idempotency_key)

    time_machine.advance(22 * DAY)  # day 22: too early even to warn
    _fire(ops_runtime, LIFECYCLE_SCHEDULE)
    assert kinds() == []

    time_machine.advance(1 * DAY + 3600)  # day 23: both owners warned, once
    _fire(ops_runtime, LIFECYCLE_SCHEDULE)
    _fire(ops_runtime, LIFECYCLE_SCHEDULE)
    assert kinds() == ["lifecycle-unmodified-warning", "lifecycle-unused-warning"]

    time_machine.advance(6 * DAY)  # day 29 (and a bit): nothing happens yet
    _fire(ops_runtime, LIFECYCLE_SCHEDULE)
    assert _status(ops_runtime, dev, stale_dev["id"]) == "DEVELOPMENT"
    assert _status(ops_runtime, dev, unused["id"]) == "PRODUCTION"
    assert len(kinds()) == 2

    time_machine.advance(2 * DAY)  # day 31
    dry = ops_runtime.invoke("LifecycleFunction", {"dry_run": True})
    planned = {(a["agent_id"], a["action"]) for a in dry["actions"]}
    assert {(stale_dev["id"], "delete"), (unused["id"], "disable")} <= planned
    assert _status(ops_runtime, dev, stale_dev["id"]) == "DEVELOPMENT"  # the dry run changed nothing
    assert _status(ops_runtime, dev, unused["id"]) == "PRODUCTION"
    assert len(kinds()) == 2

    first = _fire(ops_runtime, LIFECYCLE_SCHEDULE)
    second = _fire(ops_runtime, LIFECYCLE_SCHEDULE)  # fired twice: the same end state
    assert {a["agent_id"] for a in first["actions"]} >= {stale_dev["id"], unused["id"]}
    assert not {a["agent_id"] for a in second["actions"]} & {stale_dev["id"], unused["id"]}
    assert _status(ops_runtime, dev, stale_dev["id"]) is None
    assert _status(ops_runtime, dev, unused["id"]) == "DISABLED"
    assert kinds() == ["lifecycle-unmodified-done", "lifecycle-unmodified-warning", "lifecycle-unused-done",
                       "lifecycle-unused-warning"]

    owner = fresh(ops_runtime, dev)
    assert owner.get(f"/api/sessions/{session_id}").status_code == 404  # the chat went with the agent
    assert owner.get(f"/api/sessions/{session_id}/messages").status_code == 404
    assert owner.get(f"/api/files/{file_id}").status_code == 404
    assert _stored_objects(ops_runtime, files_prefix) == []  # and the attachment's bytes
    owner.close()
    assert _audit(ops_runtime, stale_dev["id"]) == ["agent.deleted", "agent.warned"]
    assert _audit(ops_runtime, unused["id"]) == ["agent.disabled", "agent.warned"]
