"""LLM registry rules: validation, key handling (kept as a reference at rest, masked on the way out), model
routing, health records and the admin's "test" call.

A key's reference is written before the record and dropped (`KeyCipher.forget`) only after the record no
longer points at it, so a failure at any step leaves every saved record with a readable key; at worst an
unused SSM parameter stays behind. A new key's reference is dropped again only when the store refused the
write outright (a `PlatformError`, e.g. a conflict): after a timeout the write may have happened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, StrictBool, field_validator

from a2g.clock import Clock, SystemClock, iso
from a2g.errors import NotFound, PlatformError, UpstreamFailed, UpstreamTimeout, ValidationFailed
from a2g.ids import new_id
from a2g.llms.crypto import KeyCipher, KeyDecryptionFailed, mask_key
from a2g.llms.repository import LlmRecord, LlmStore, health_history_ttl
from a2g.log import logger
from a2g.tracing.formats.providers import DEFAULT_PROVIDER, probe_request
from a2g.tracing.proxy import ResolvedModel
from a2g.validation import PlainText, StrictNumber, is_model_name

if TYPE_CHECKING:
    from a2g.adapters.outbound import DestinationPolicy

MAX_MODELS = 100
Provider = Literal["openai", "anthropic", "gemini"]
PROBE_TIMEOUT_SECONDS = 15.0


def _check_models(models: list[str]) -> list[str]:
    cleaned: list[str] = []
    for model in models:
        name = model.strip()
        if not is_model_name(name):
            raise ValueError(f"invalid model name {model!r}")
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_MODELS:
        raise ValueError(f"at most {MAX_MODELS} models per LLM")
    return cleaned


def _check_base_url(url: str, destinations: DestinationPolicy | None) -> str:
    """The URL, refused when the platform would refuse to call it (A2G_OUTBOUND_ALLOW decides).

    Literal addresses (127.x, [::1], 169.254.169.254, 10/8) and names that resolve to such addresses are
    refused at write time, not only when every later call fails. A name that does not resolve now is kept:
    the guarded client checks the address again at each call, where DNS answers matter.
    """
    from a2g.adapters.outbound import DestinationPolicy

    url = url.strip().rstrip("/")
    if destinations is None:
        DestinationPolicy().check_url_syntax(url)
        return url
    try:
        destinations.check_url(url)
    except (UpstreamFailed, UpstreamTimeout):
        pass  # not resolvable right now: checked at call time
    return url


class LlmCreate(BaseModel):
    name: PlainText = Field(min_length=1, max_length=100)
    provider: Provider = Field(DEFAULT_PROVIDER, description=(
        "The API the LLM speaks: openai (any OpenAI-compatible server), anthropic or gemini"))
    base_url: str = Field(min_length=1, max_length=2000, description=(
        "openai: the base URL with /v1 (https://api.openai.com/v1); anthropic: https://api.anthropic.com; "
        "gemini: https://generativelanguage.googleapis.com"))
    api_key: str | None = Field(None, max_length=4000, description="The LLM's own key; never returned")
    models: list[str] = Field(min_length=1, description="Model names this LLM serves (unique platform-wide)")
    enabled: StrictBool = True
    timeout_seconds: StrictNumber = Field(120, ge=1, le=900)

    @field_validator("models")
    @classmethod
    def _models(cls, value: list[str]) -> list[str]:
        return _check_models(value)


class LlmUpdate(BaseModel):
    name: PlainText | None = Field(None, min_length=1, max_length=100)
    provider: Provider | None = None
    base_url: str | None = Field(None, min_length=1, max_length=2000)
    api_key: str | None = Field(None, max_length=4000, description="A new key; an empty string removes it")
    models: list[str] | None = None
    enabled: StrictBool | None = None
    timeout_seconds: StrictNumber | None = Field(None, ge=1, le=900)

    @field_validator("models")
    @classmethod
    def _models(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("an LLM serves at least one model")
        return _check_models(value)


def public_view(record: LlmRecord) -> dict[str, Any]:
    """What admins see: everything but the key, which is masked."""
    return {
        "llm_id": record.llm_id,
        "name": record.name,
        "provider": record.provider,
        "base_url": record.base_url,
        "api_key_masked": record.key_hint,
        "has_api_key": bool(record.key_ciphertext),
        "models": record.models,
        "enabled": record.enabled,
        "timeout_seconds": record.timeout_seconds,
        "health": {
            "status": record.health_status,
            "checked_at": record.health_checked_at,
            "latency_ms": record.health_latency_ms,
            "error": record.health_error,
            "consecutive_failures": record.consecutive_failures,
        },
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


class LlmRegistry:
    def __init__(
        self,
        store: LlmStore,
        cipher: KeyCipher,
        http: Callable[[], Any] | None = None,
        clock: Clock | None = None,
        public_url: str = "http://127.0.0.1:3000",
        destinations: DestinationPolicy | Callable[[], DestinationPolicy] | None = None,
    ):
        """`destinations`: the outbound policy base URLs are checked against when written, or a factory of it
        (the composition root passes the process's one, built on the first write so that a cold start never
        imports the outbound client; without it only the URL's syntax is checked)."""
        self._store, self._cipher, self._http = store, cipher, http
        self._destinations = destinations
        self._clock = clock or SystemClock()
        self._public_url = public_url.rstrip("/")

    # --- admin CRUD ------------------------------------------------------------------------------------

    def create(self, payload: LlmCreate) -> dict[str, Any]:
        now = iso(self._clock.now())
        base_url = self._base_url(payload.base_url)  # validated before a key is stored anywhere
        key = (payload.api_key or "").strip() or None
        key_ref = self._cipher.encrypt(key) if key else None
        record = LlmRecord(
            llm_id=new_id("llm"), name=payload.name.strip(), base_url=base_url,
            key_ciphertext=key_ref, key_hint=mask_key(key) if key else None,
            models=payload.models, enabled=payload.enabled, timeout_seconds=payload.timeout_seconds,
            created_at=now, updated_at=now, provider=payload.provider,
        )
        try:
            self._store.create(record)
        except PlatformError:
            if key_ref:  # refused: no record points at it
                self._cipher.forget(key_ref)
            raise
        logger.info("llm registered", extra={"llm_id": record.llm_id, "models": record.models})
        return public_view(record)

    def update(self, llm_id: str, payload: LlmUpdate) -> dict[str, Any]:
        record = self._require(llm_id)
        previous_models = list(record.models)
        previous_key_ref = record.key_ciphertext
        if payload.name is not None:
            record.name = payload.name.strip()
        if payload.base_url is not None:
            record.base_url = self._base_url(payload.base_url)
        if payload.provider is not None:
            record.provider = payload.provider
        if payload.models is not None:
            record.models = payload.models
        if payload.enabled is not None:
            record.enabled = payload.enabled
        if payload.timeout_seconds is not None:
            record.timeout_seconds = payload.timeout_seconds
        new_key_ref: str | None = None
        if payload.api_key is not None:  # last: nothing is stored for an update that fails validation
            key = payload.api_key.strip()
            new_key_ref = self._cipher.encrypt(key) if key else None
            record.key_ciphertext = new_key_ref
            record.key_hint = mask_key(key) if key else None
        record.updated_at = iso(self._clock.now())
        try:
            self._store.replace(record, previous_models)
        except PlatformError:
            if new_key_ref:  # refused: the saved record still points at the previous key, which stays
                self._cipher.forget(new_key_ref)
            raise
        if payload.api_key is not None and previous_key_ref and previous_key_ref != new_key_ref:
            self._cipher.forget(previous_key_ref)
        return public_view(record)

    def delete(self, llm_id: str) -> None:
        record = self._require(llm_id)
        self._store.delete(record)
        if record.key_ciphertext:
            self._cipher.forget(record.key_ciphertext)

    def get(self, llm_id: str) -> dict[str, Any]:
        return public_view(self._require(llm_id))

    def list_llms(self, include_disabled: bool = True) -> list[LlmRecord]:
        return [r for r in self._store.list() if include_disabled or r.enabled]

    def list_public(self) -> list[dict[str, Any]]:
        return [public_view(r) for r in self.list_llms()]

    # --- what users and the log-proxy see -------------------------------------------------------------

    def resolve_model(self, model: str) -> ResolvedModel | None:
        llm_id = self._store.llm_id_for_model(model)
        record = self._store.get(llm_id) if llm_id else None
        if record is None or not record.enabled or model not in record.models:
            return None
        return self._resolved(record, model)

    def enabled_models(self) -> list[ResolvedModel]:
        return [
            ResolvedModel(model=m, llm_id=r.llm_id, llm_name=r.name, base_url=r.base_url, api_key=None,
                          timeout_seconds=r.timeout_seconds, provider=r.provider)
            for r in self.list_llms(include_disabled=False) for m in r.models
        ]

    def user_catalogue(self) -> dict[str, Any]:
        """`GET /api/llms`: enabled models (no secrets, no URLs) and how to point an agent at the platform."""
        models = [
            {"model": m, "llm_name": r.name, "health_status": r.health_status}
            for r in self.list_llms(include_disabled=False) for m in r.models
        ]
        base = f"{self._public_url}/api/log-proxy/{{trace_id}}/v1"
        return {
            "models": models,
            "guide": {
                "base_url_template": base,
                # One base per trace for every SDK: OpenAI clients add /v1, Anthropic and google-genai do not.
                "base_url_templates": {"openai": base, "anthropic": base.removesuffix("/v1"),
                                       "google_genai": base.removesuffix("/v1")},
                "api_key": "your platform API key (create one under API keys; it is shown once)",
                "agent_id_header": "X-Agent-Id",
                "notes": [
                    "Use your agent's trace id (shown on the agent's page) in place of {trace_id}.",
                    ("Set X-Agent-Id on a sub-agent's client to name it explicitly; otherwise the platform "
                    "infers it from the conversation (LangGraph, ADK and Agno hand-offs)."),
                ],
                "python_example": (
                    "from openai import OpenAI\n"
                    f"client = OpenAI(base_url=\"{base}\", api_key=\"<platform API key>\")\n"
                    f"client.chat.completions.create(model=\"{models[0]['model'] if models else '<model>'}\", "
                    "messages=[{\"role\": \"user\", \"content\": \"hello\"}])"
                ),
            },
        }

    # --- health -----------------------------------------------------------------------------------------

    def record_health(self, llm_id: str, ok: bool, latency_ms: float | None, error: str | None) -> dict[str, Any]:
        """Record one health probe (the operations engineer's scheduled check calls this)."""
        updated = self._store.record_health(
            llm_id, ok, latency_ms, error, iso(self._clock.now()), health_history_ttl(self._clock)
        )
        if updated is None:
            raise NotFound("no such LLM", code="llm_not_found")
        return public_view(updated)

    async def probe(self, llm_id: str, model: str | None = None) -> dict[str, Any]:
        """The smallest generation the LLM's provider accepts ("test"); recorded as a health probe."""
        record = self._require(llm_id)
        target = model or (record.models[0] if record.models else None)
        if not target:
            raise ValidationFailed("the LLM serves no model to test")
        if self._http is None:
            raise ValidationFailed("no outbound client configured")
        resolved = self._resolved(record, target)
        url, headers, body = probe_request(record.provider, record.base_url, resolved.api_key, target)
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            response = await self._http().request(
                "POST", url, json=body, headers=headers,
                total_timeout=min(PROBE_TIMEOUT_SECONDS, record.timeout_seconds), follow_redirects=False,
            )
            status = response.status_code
            if status >= 400:
                error = f"the LLM answered {status}: {response.text[:300]}"
        except PlatformError as exc:
            error = exc.message
        latency_ms = round((time.perf_counter() - started) * 1000.0, 1)
        ok = error is None
        self.record_health(llm_id, ok, latency_ms, error)
        return {"llm_id": llm_id, "model": target, "ok": ok, "status": status, "latency_ms": latency_ms,
                "error": error}

    # --- helpers ----------------------------------------------------------------------------------------

    def _require(self, llm_id: str) -> LlmRecord:
        record = self._store.get(llm_id)
        if record is None:
            raise NotFound("no such LLM", code="llm_not_found")
        return record

    def _resolved(self, record: LlmRecord, model: str) -> ResolvedModel:
        key = None
        if record.key_ciphertext:
            try:
                key = self._cipher.decrypt(record.key_ciphertext)
            except KeyDecryptionFailed as exc:  # its message names the cause, never the key
                logger.error("an LLM key cannot be read; an admin must enter it again",
                             extra={"llm_id": record.llm_id, "reason": str(exc)})
                raise
        return ResolvedModel(model=model, llm_id=record.llm_id, llm_name=record.name, base_url=record.base_url,
                             api_key=key, timeout_seconds=record.timeout_seconds, provider=record.provider)

    def _base_url(self, url: str) -> str:
        try:
            if callable(self._destinations):
                self._destinations = self._destinations()
            return _check_base_url(url, self._destinations)
        except PlatformError as exc:
            raise ValidationFailed(f"base_url: {exc.message}", code="invalid_base_url") from None


def build_llm_registry() -> LlmRegistry:
    """The real registry: DynamoDB store, the key store `A2G_LLM_KEY_STORE` names (Fernet in the table or SSM
    Parameter Store), the guarded async outbound client (imported on the first probe: most routes never
    call out)."""
    from a2g.llms.key_store import key_cipher_from_settings
    from a2g.llms.repository import LlmRepository
    from a2g.settings import get_settings

    settings = get_settings()
    return LlmRegistry(LlmRepository(), key_cipher_from_settings(settings), _shared_async_outbound,
                       public_url=settings.public_url, destinations=_outbound_policy)


def _shared_async_outbound() -> Any:
    from a2g.adapters.outbound import AsyncOutboundClient

    return AsyncOutboundClient.shared()


def _outbound_policy() -> DestinationPolicy:
    from a2g.adapters.outbound import DestinationPolicy

    return DestinationPolicy.from_settings()
