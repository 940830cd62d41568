"""Admin LLM input (issue 20, items 9 and 10): base URLs every later call would refuse are refused when
written, naming A2G_OUTBOUND_ALLOW (which still lets them through); `true` is not a timeout of 1 s; model
names are bounded and free of control characters."""

from __future__ import annotations

import pytest
from a2g.adapters.outbound import DestinationPolicy
from a2g.errors import ValidationFailed
from a2g.llms.crypto import FernetKeyCipher
from a2g.llms.service import LlmCreate, LlmRegistry, LlmUpdate
from pydantic import ValidationError

from tests.unit.llms.llm_fakes import FakeLlmStore

REFUSED = ["http://127.0.0.1:8000/v1", "http://127.5.6.7/v1", "http://[::1]:8000/v1",
           "http://169.254.169.254/latest", "http://10.1.2.3/v1", "http://[::ffff:10.0.0.1]/v1",
           "http://localhost:11434/v1"]


def _registry(allow: list[str] | None = None) -> tuple[LlmRegistry, FakeLlmStore]:
    store = FakeLlmStore()
    policy = DestinationPolicy.from_allow_list(allow or [])
    return LlmRegistry(store, FernetKeyCipher("x" * 40), destinations=policy), store


@pytest.mark.parametrize("url", REFUSED)
def test_internal_base_urls_are_refused_on_create_and_update(url: str) -> None:
    registry, store = _registry()
    with pytest.raises(ValidationFailed) as refused:
        registry.create(LlmCreate(name="local", base_url=url, models=["m1"]))
    assert "A2G_OUTBOUND_ALLOW" in refused.value.message
    assert store.list() == []
    created = registry.create(LlmCreate(name="public", base_url="https://93.184.215.14/v1", models=["m2"]))
    with pytest.raises(ValidationFailed) as refused:
        registry.update(created["llm_id"], LlmUpdate(base_url=url))
    assert "A2G_OUTBOUND_ALLOW" in refused.value.message
    assert registry.get(created["llm_id"])["base_url"] == "https://93.184.215.14/v1"


def test_the_allow_list_lets_a_local_llm_be_registered() -> None:
    registry, _ = _registry(["127.0.0.1", "10.0.0.0/8"])
    assert registry.create(LlmCreate(name="a", base_url="http://127.0.0.1:8000/v1", models=["a"]))["llm_id"]
    assert registry.create(LlmCreate(name="b", base_url="http://10.1.2.3/v1", models=["b"]))["llm_id"]


def test_a_name_that_does_not_resolve_now_is_kept_for_the_call_time_check() -> None:
    registry, _ = _registry()
    assert registry.create(LlmCreate(name="a", base_url="http://llm.invalid/v1", models=["a"]))["llm_id"]


@pytest.mark.parametrize("payload", [
    {"timeout_seconds": True}, {"timeout_seconds": "30"}, {"enabled": 1}, {"enabled": "yes"}, {"models": ["a\x00b"]}, {"models": ["m" * 2100]},
    {"models": ["\ud800"]}, {"name": "nul\x00"},
])
def test_strict_numbers_and_clean_names(payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        LlmUpdate.model_validate(payload)
    with pytest.raises(ValidationError):
        LlmCreate.model_validate({"name": "a", "base_url": "https://x.example/v1", "models": ["m"], **payload})
    assert LlmUpdate.model_validate({"timeout_seconds": 30}).timeout_seconds == 30.0
