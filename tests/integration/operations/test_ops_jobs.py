"""The health-check and lifecycle jobs on real storage: the agent registry's repository on DynamoDB Local,
the durable outbox delivering to a real HTTP mail API, real probes through the guarded outbound client
against a real agent server that the test takes down and brings back."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from a2g.adapters.mail import MailApiClient, MailOutbox, OutboxItem
from a2g.adapters.outbound import DestinationPolicy, OutboundClient
from a2g.agents.model import Agent, AgentStatus, Endpoint, Framework
from a2g.agents.repository import AgentItem, AgentRepository, agent_sk, owner_pk
from a2g.clock import FixedClock, iso
from a2g.ids import new_id
from a2g.operations.bridges import RegistryAgents, UserMailDirectory
from a2g.operations.health import HealthCheckService, HealthConfig
from a2g.operations.lifecycle import LifecycleConfig, LifecycleService
from a2g.operations.probes import AgentProber
from a2g.operations.repository import AuditRepository, HealthRepository, JobCursorRepository
from ops_mail_sink import MailSink

START = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


class AgentServer:
    """An A2A agent's card endpoint that can go down (503) and come back."""

    def __init__(self) -> None:
        self.healthy = True
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                ok = server.healthy and self.path == "/.well-known/agent-card.json"
                body = json.dumps({"name": "probe me", "url": "http://x"} if ok else {"error": "down"}).encode()
                self.send_response(200 if ok else 503)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def agent_server() -> Iterator[AgentServer]:
    server = AgentServer()
    yield server
    server.close()


@pytest.fixture
def sink() -> Iterator[MailSink]:
    sink = MailSink().start()
    yield sink
    sink.stop()


class Jobs:
    def __init__(self, sink: MailSink) -> None:
        self.clock = FixedClock(START)
        self.repo = AgentRepository(self.clock)
        self.agents = RegistryAgents(self.repo, self.clock)
        self.http = OutboundClient(DestinationPolicy.from_allow_list(["127.0.0.1"]))
        self.outbox = MailOutbox(self.clock)
        for item in OutboxItem.query("OUTBOX"):
            item.delete()
        JobCursorRepository().clear("health-checks")
        JobCursorRepository().clear("lifecycle")
        common = {
            "agents": self.agents, "outbox": self.outbox, "sender": MailApiClient(sink.url, self.http),
            "users": UserMailDirectory("corp.example", read_email=lambda _uid: None), "audit": AuditRepository(),
            "cursors": JobCursorRepository(), "clock": self.clock,
        }
        self.health = HealthCheckService(checker=AgentProber(self.http), health=HealthRepository(),
                                         config=HealthConfig(page_size=100, batch_size=1000), **common)
        self.lifecycle = LifecycleService(cleaner=_NoChat(), config=LifecycleConfig(page_size=100), **common)

    def agent(self, framework: Framework, status: AgentStatus, base_url: str, *, changed: datetime,
              owner: str = "dana", card_url: str | None = None) -> Agent:
        agent = Agent(
            id=new_id("agt"), owner_id=owner, name="Probe target", framework=framework,
            endpoint=Endpoint(base_url=base_url, custom_protocol="json" if framework == Framework.CUSTOM else None),
            status=status, created_at=changed, updated_at=changed, card_url=card_url,
        )
        # The item exactly as the registry stores it (AgentRepository.create, without its A2A source row).
        AgentItem(
            pk=owner_pk(owner), sk=agent_sk(agent.id), gsi1pk=agent_sk(agent.id), gsi1sk="AGENT",
            gsi2pk=f"STATUS#{status.value}", gsi2sk=f"{iso(changed)}#{agent.id}", agent_id=agent.id,
            owner_id=owner, name=agent.name, color=agent.color, framework=framework.value,
            endpoint=agent.endpoint.stored(), status=status.value, created_at=iso(changed),
            updated_at=iso(changed), card_url=card_url,
        ).save()
        stored = self.repo.get(agent.id)
        assert stored is not None
        return stored

    def status(self, agent: Agent) -> str | None:
        current = self.repo.get(agent.id)
        return current.status.value if current else None


class _NoChat:
    def delete_agent_data(self, agent: Any) -> None:
        pass


def test_dead_agent_is_disabled_with_one_mail_and_recovers_with_another(
    ddb: str, agent_server: AgentServer, sink: MailSink
) -> None:
    jobs = Jobs(sink)
    agent = jobs.agent(Framework.A2A, AgentStatus.PRODUCTION, agent_server.url, changed=START,
                       card_url=agent_server.url + "/.well-known/agent-card.json")
    agent_server.healthy = False
    for _ in range(3):
        jobs.clock.advance(minutes=5)
        jobs.health.run()
        jobs.health.run()  # fired twice each time
    assert jobs.status(agent) == "DISABLED"
    assert [m.subject for m in sink.delivered_to("dana@corp.example")] == [
        "[A2G] Your agent 'Probe target' was disabled: it stopped answering"]
    history = HealthRepository().history(agent.id)
    assert len(history) == 3 and not any(h.ok for h in history)
    assert history[0].status == 503

    jobs.clock.advance(minutes=5)
    jobs.health.run()
    assert len(sink.delivered) == 1  # one mail per incident

    agent_server.healthy = True
    jobs.clock.advance(minutes=5)
    jobs.health.run()
    assert jobs.status(agent) == "PRODUCTION"
    assert [m.subject.split("'")[2] for m in sink.delivered] == [" was disabled: it stopped answering",
                                                                " answers again and is published again"]
    actions = [e.action for e in AuditRepository().page(since=START, until=START + timedelta(days=1)).entries
               if e.agent_id == agent.id]
    assert actions == ["agent.recovered", "agent.disabled"]


def test_unreachable_agent_and_mail_api_down_then_up(ddb: str, sink: MailSink) -> None:
    jobs = Jobs(sink)
    agent = jobs.agent(Framework.CUSTOM, AgentStatus.PRODUCTION, "http://127.0.0.1:9/", changed=START)
    sink.stop()
    for _ in range(3):
        jobs.clock.advance(minutes=5)
        jobs.health.run()
    assert jobs.status(agent) == "DISABLED"
    assert len(jobs.outbox.pending()) == 1
    sink.start()
    jobs.clock.advance(minutes=5)
    jobs.health.run()
    jobs.clock.advance(minutes=5)
    jobs.health.run()
    assert len(sink.delivered) == 1 and jobs.outbox.pending() == []


@pytest.mark.parametrize(("days", "acted"), [(29, False), (31, True)])
def test_lifecycle_boundaries_on_real_storage(ddb: str, sink: MailSink, days: int, acted: bool) -> None:
    jobs = Jobs(sink)
    dev = jobs.agent(Framework.CUSTOM, AgentStatus.DEVELOPMENT, "http://127.0.0.1:9/",
                     changed=START - timedelta(days=days))
    prod = jobs.agent(Framework.CUSTOM, AgentStatus.PRODUCTION, "http://127.0.0.1:9/",
                      changed=START - timedelta(days=days))
    dry = jobs.lifecycle.run(dry_run=True)
    assert jobs.status(dev) == "DEVELOPMENT" and jobs.status(prod) == "PRODUCTION" and sink.delivered == []
    jobs.lifecycle.run()
    jobs.lifecycle.run()
    if acted:
        assert {(a["agent_id"], a["action"]) for a in dry.actions} >= {(dev.id, "delete"), (prod.id, "disable")}
        assert jobs.status(dev) is None and jobs.status(prod) == "DISABLED"
        kinds = sorted(m.idempotency_key.split(":")[0] for m in sink.delivered if dev.id in m.idempotency_key
                       or prod.id in m.idempotency_key)
        assert kinds == ["lifecycle-unmodified-done", "lifecycle-unused-done"]
    else:
        assert {(a["agent_id"], a["action"]) for a in dry.actions} >= {(dev.id, "warn"), (prod.id, "warn")}
        assert jobs.status(dev) == "DEVELOPMENT" and jobs.status(prod) == "PRODUCTION"
        kinds = sorted(m.idempotency_key.split(":")[0] for m in sink.delivered if dev.id in m.idempotency_key
                       or prod.id in m.idempotency_key)
        assert kinds == ["lifecycle-unmodified-warning", "lifecycle-unused-warning"]
