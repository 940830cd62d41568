"""An LLM's provider: kept on the record (openai by default), its key sent in the provider's own header, and the
admin's "test" (and the scheduled health check, which calls it) speaking the provider's API."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from a2g.llms.crypto import FernetKeyCipher
from a2g.llms.repository import LlmRecord
from a2g.llms.service import LlmCreate, LlmRegistry, LlmUpdate
from a2g.tracing.formats.providers import platform_key, upstream_headers
from pydantic import ValidationError

from tests.unit.llms.llm_fakes import FakeLlmStore


class _Store(FakeLlmStore):
    def record_health(self, llm_id: str, *args: object) -> LlmRecord | None:
        return self.items.get(llm_id)


class _Http:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def request(self, method: str, url: str, **kw: Any) -> Any:
        self.calls.append({"method": method, "url": url, **kw})
        return type("R", (), {"status_code": 200, "text": "{}"})()


def _registry() -> tuple[LlmRegistry, _Http]:
    http = _Http()
    return LlmRegistry(_Store(), FernetKeyCipher("x" * 40), http=lambda: http), http


@pytest.mark.parametrize(("provider", "base", "url", "header", "value"), [
    ("openai", "https://api.openai.com/v1", "https://api.openai.com/v1/chat/completions", "authorization",
     "Bearer sk-upstream-123456"),
    ("anthropic", "https://api.anthropic.com", "https://api.anthropic.com/v1/messages", "x-api-key",
     "sk-upstream-123456"),
    ("gemini", "https://generativelanguage.googleapis.com",
     "https://generativelanguage.googleapis.com/v1beta/models/m1:generateContent", "x-goog-api-key",
     "sk-upstream-123456"),
])
def test_the_test_call_speaks_the_providers_api(provider: str, base: str, url: str, header: str, value: str) -> None:
    registry, http = _registry()
    view = registry.create(LlmCreate(name="a", provider=provider, base_url=base, api_key="sk-upstream-123456",
                                     models=["m1"]))
    assert view["provider"] == provider
    result = asyncio.run(registry.probe(view["llm_id"]))
    assert result["ok"] is True
    [call] = http.calls
    assert call["url"] == url and call["headers"][header] == value
    others = {"authorization", "x-api-key", "x-goog-api-key"} - {header}
    assert not others & set(call["headers"])  # the key goes in that one header only
    assert registry.resolve_model("m1").provider == provider  # what the log-proxy forwards with


def test_openai_is_the_default_and_a_provider_can_be_changed_but_not_invented() -> None:
    registry, _ = _registry()
    view = registry.create(LlmCreate(name="a", base_url="https://api.openai.com/v1", models=["m1"]))
    assert view["provider"] == "openai"
    assert registry.update(view["llm_id"], LlmUpdate(provider="anthropic"))["provider"] == "anthropic"
    with pytest.raises(ValidationError):
        LlmCreate(name="a", provider="cohere", base_url="https://x.example", models=["m1"])


def test_the_platform_key_is_read_wherever_each_sdk_puts_it() -> None:
    assert platform_key({"authorization": "Bearer k1"}, {}) == "k1"
    assert platform_key({"x-api-key": "k2"}, {}) == "k2"
    assert platform_key({"x-goog-api-key": "k3"}, {}) == "k3"
    assert platform_key({}, {"key": "k4"}) == "k4"
    assert platform_key({"authorization": "Basic zzz"}, {}) is None


def test_anthropic_version_and_betas_from_the_client_are_forwarded() -> None:
    headers = upstream_headers("anthropic", "sk", {"anthropic-version": "2024-01-01", "anthropic-beta": "b1",
                                                   "x-api-key": "platform-key"}, "application/json")
    assert headers["anthropic-version"] == "2024-01-01" and headers["anthropic-beta"] == "b1"
    assert headers["x-api-key"] == "sk"  # the LLM's own key, never the client's platform key
