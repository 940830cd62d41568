"""Trace rules (every operation on another user's trace is 404) and LLM registry rules, on fakes."""

from __future__ import annotations

import pytest
from a2g.errors import NotFound, ValidationFailed
from a2g.llms.crypto import FernetKeyCipher, KeyDecryptionFailed, mask_key
from a2g.llms.repository import LlmRecord
from a2g.llms.service import LlmCreate, LlmRegistry, LlmUpdate
from a2g.tracing.broadcaster import TraceBroadcaster
from a2g.tracing.service import TraceService

from tests.unit.tracing.tracing_fakes import FakeConnections, FakeLogs, FakePusher, FakeTraces


def _service() -> tuple[TraceService, FakeTraces, FakeLogs, FakeConnections, FakePusher]:
    traces, logs, connections, pusher = FakeTraces(), FakeLogs(), FakeConnections(), FakePusher()
    return (TraceService(traces, logs, connections, TraceBroadcaster(connections, pusher)), traces, logs,
            connections, pusher)


def test_every_operation_on_another_users_trace_is_not_found() -> None:
    service, traces, logs, connections, _ = _service()
    alices = traces.create_trace("alice", "agent")
    logs.put([alices], {"entry_id": "log_1", "status": "ok"}, ttl=1)
    for attempt in (
        lambda: service.history("bob", alices),
        lambda: service.entry("bob", alices, "log_1"),
        lambda: service.clear("bob", alices),
        lambda: service.subscribe("conn-bob", "bob", alices),
        lambda: service.history("bob", "trc_missing"),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert connections.listeners(alices) == [] and len(logs.by_trace[alices]) == 1
    with pytest.raises(ValidationFailed):
        service.history("alice", None)


def test_history_order_paging_and_clear_announced() -> None:
    service, traces, logs, _connections, pusher = _service()
    trace = traces.create_trace("alice", "session", session_id="s1")
    for i in range(3):
        logs.put([trace], {"entry_id": f"log_{i}", "status": "ok"}, ttl=1)
    page = service.history("alice", trace, limit=2)
    assert [e["entry_id"] for e in page["items"]] == ["log_0", "log_1"] and page["next_cursor"]
    assert next(e["entry_id"] for e in service.history("alice", trace, order="desc")["items"]) == "log_2"
    service.subscribe("conn-a", "alice", trace)
    assert service.clear("alice", trace) == 3
    assert pusher.messages == [("conn-a", {"type": "trace.cleared", "trace_id": trace})]


def test_clear_up_to_a_time_keeps_the_calls_made_after_it() -> None:
    service, traces, logs, _connections, pusher = _service()
    trace = traces.create_trace("alice", "agent")
    for i, at in enumerate(["2026-05-01T10:00:00.000Z", "2026-05-01T10:00:05.000Z", "2026-05-01T10:00:09.000Z"]):
        logs.put([trace], {"entry_id": f"log_{i}", "status": "ok", "at": at}, ttl=1)
    service.subscribe("conn-a", "alice", trace)
    # Up to the second call (the newest the developer saw when pressing Clear, in another offset's notation).
    assert service.clear("alice", trace, "2026-05-01T19:00:05+09:00") == 2
    assert [e["entry_id"] for e in service.history("alice", trace)["items"]] == ["log_2"]
    assert pusher.messages[-1] == ("conn-a", {"type": "trace.cleared", "trace_id": trace,
                                              "up_to": "2026-05-01T10:00:05.000Z"})
    with pytest.raises(ValidationFailed):
        service.clear("alice", trace, "yesterday")
    assert len(logs.by_trace[trace]) == 1


class FakeLlmStore:
    def __init__(self) -> None:
        self.items: dict[str, LlmRecord] = {}

    def create(self, record: LlmRecord) -> None:
        self.items[record.llm_id] = record

    def replace(self, record: LlmRecord, previous_models: list[str]) -> None:
        self.items[record.llm_id] = record

    def delete(self, record: LlmRecord) -> None:
        self.items.pop(record.llm_id)

    def get(self, llm_id: str) -> LlmRecord | None:
        return self.items.get(llm_id)

    def list(self) -> list[LlmRecord]:
        return list(self.items.values())

    def llm_id_for_model(self, model: str) -> str | None:
        return next((r.llm_id for r in self.items.values() if model in r.models), None)

    def record_health(self, *args: object) -> None:
        return None


def test_registry_masks_keys_validates_and_resolves() -> None:
    store = FakeLlmStore()
    registry = LlmRegistry(store, FernetKeyCipher("x" * 40))
    view = registry.create(LlmCreate(name="a", base_url="http://10.0.0.5:8000/v1", api_key="sk-abcdefgh1234",
                                     models=["m1", "m1", "m2"]))
    assert view["models"] == ["m1", "m2"] and view["api_key_masked"] == "sk-…1234"
    stored = store.items[view["llm_id"]]
    assert stored.key_ciphertext and "sk-abcdefgh1234" not in stored.key_ciphertext
    assert registry.resolve_model("m2").api_key == "sk-abcdefgh1234"  # type: ignore[union-attr]
    registry.update(view["llm_id"], LlmUpdate(api_key=""))
    assert registry.get(view["llm_id"])["has_api_key"] is False
    with pytest.raises(ValidationFailed):
        registry.create(LlmCreate(name="b", base_url="ftp://x/v1", models=["m3"]))
    with pytest.raises(ValueError):
        LlmCreate(name="c", base_url="http://x/v1", models=["has space"])
    with pytest.raises(NotFound):
        registry.record_health("llm_missing", True, 1.0, None)
    catalogue = registry.user_catalogue()
    assert {m["model"] for m in catalogue["models"]} == {"m1", "m2"} and "10.0.0.5" not in str(catalogue)


def test_cipher_refuses_another_secret_and_masks_short_keys() -> None:
    token = FernetKeyCipher("first-secret-" * 3).encrypt("sk-1")
    with pytest.raises(KeyDecryptionFailed):
        FernetKeyCipher("second-secret-" * 3).decrypt(token)
    assert mask_key("sk-1") == "…-1" and mask_key("") == ""
