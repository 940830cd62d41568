"""LLM registry storage in the Platform table (docs/data-model.md).

`LLM#<llm_id>/META` holds one LLM (listed through gsi1 `LLMS`); `MODEL#<model>/LLM` maps a model name to the
LLM serving it, so the log-proxy resolves a model with one GetItem; `LLMHEALTH#<llm_id>/<checked_at>` keeps the
health-check history with a TTL. The LLM row and its model rows change together in one transaction, so a
model is never served by two LLMs and never left pointing at a deleted one. A replace also requires the key
reference the row had when it was read: the registry deletes a replaced key's SSM parameter once the new row
is saved, and a concurrent edit must not write back a reference to a parameter that is gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from a2g.clock import Clock, SystemClock, epoch, iso
from a2g.db import Gsi1, PlatformModel, table_meta, transaction_connection
from a2g.errors import Conflict

HEALTH_HISTORY_DAYS = 14


class LlmItem(PlatformModel):
    Meta = table_meta("platform")
    pk = UnicodeAttribute(hash_key=True)  # LLM#<llm_id>
    sk = UnicodeAttribute(range_key=True)  # META
    gsi1pk = UnicodeAttribute(null=True)  # LLMS
    gsi1sk = UnicodeAttribute(null=True)  # <name>
    gsi1 = Gsi1()
    llm_id = UnicodeAttribute()
    name = UnicodeAttribute()
    base_url = UnicodeAttribute()
    provider = UnicodeAttribute(null=True)  # openai (absent on LLMs registered before providers) | anthropic | gemini
    key_ciphertext = UnicodeAttribute(null=True)
    key_hint = UnicodeAttribute(null=True)
    models = ListAttribute(of=UnicodeAttribute, default=list)
    enabled = BooleanAttribute(default=True)
    timeout_seconds = NumberAttribute(default=120)
    health_status = UnicodeAttribute(default="unknown")
    health_checked_at = UnicodeAttribute(null=True)
    health_latency_ms = NumberAttribute(null=True)
    health_error = UnicodeAttribute(null=True)
    consecutive_failures = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class ModelRouteItem(PlatformModel):
    Meta = table_meta("platform")
    pk = UnicodeAttribute(hash_key=True)  # MODEL#<model>
    sk = UnicodeAttribute(range_key=True)  # LLM
    model = UnicodeAttribute()
    llm_id = UnicodeAttribute()


class LlmHealthItem(PlatformModel):
    Meta = table_meta("platform")
    pk = UnicodeAttribute(hash_key=True)  # LLMHEALTH#<llm_id>
    sk = UnicodeAttribute(range_key=True)  # <checked_at>
    ok = BooleanAttribute()
    latency_ms = NumberAttribute(null=True)
    error = UnicodeAttribute(null=True)
    ttl = NumberAttribute()


@dataclass
class LlmRecord:
    """One registered LLM as the service sees it (the key still encrypted)."""

    llm_id: str
    name: str
    base_url: str
    key_ciphertext: str | None
    key_hint: str | None
    models: list[str]
    enabled: bool
    timeout_seconds: float
    created_at: str
    updated_at: str
    health_status: str = "unknown"
    health_checked_at: str | None = None
    health_latency_ms: float | None = None
    health_error: str | None = None
    consecutive_failures: int = 0
    provider: str = "openai"
    extra: dict[str, Any] = field(default_factory=dict)
    # The key reference the table held when this record was read (`LlmRepository.replace` checks it is
    # still there). Set by the repository on read; the service never changes it.
    key_ciphertext_as_read: str | None = field(default=None, repr=False)


class LlmStore(Protocol):
    def create(self, record: LlmRecord) -> None: ...
    def replace(self, record: LlmRecord, previous_models: list[str]) -> None: ...
    def delete(self, record: LlmRecord) -> None: ...
    def get(self, llm_id: str) -> LlmRecord | None: ...
    def list(self) -> list[LlmRecord]: ...
    def llm_id_for_model(self, model: str) -> str | None: ...
    def record_health(
        self, llm_id: str, ok: bool, latency_ms: float | None, error: str | None, at: str, history_ttl: int
    ) -> LlmRecord | None: ...


def _record(item: LlmItem) -> LlmRecord:
    return LlmRecord(
        llm_id=item.llm_id, name=item.name, base_url=item.base_url, key_ciphertext=item.key_ciphertext,
        key_hint=item.key_hint, models=[str(m) for m in item.models or []], enabled=bool(item.enabled),
        timeout_seconds=float(item.timeout_seconds or 120), created_at=item.created_at,
        updated_at=item.updated_at, health_status=item.health_status or "unknown",
        health_checked_at=item.health_checked_at,
        health_latency_ms=float(item.health_latency_ms) if item.health_latency_ms is not None else None,
        health_error=item.health_error, consecutive_failures=int(item.consecutive_failures or 0),
        key_ciphertext_as_read=item.key_ciphertext, provider=item.provider or "openai",
    )


def _item(record: LlmRecord) -> LlmItem:
    return LlmItem(
        pk=f"LLM#{record.llm_id}", sk="META", gsi1pk="LLMS", gsi1sk=record.name, llm_id=record.llm_id,
        name=record.name, base_url=record.base_url, provider=record.provider, key_ciphertext=record.key_ciphertext,
        key_hint=record.key_hint, models=list(record.models), enabled=record.enabled,
        timeout_seconds=record.timeout_seconds, health_status=record.health_status,
        health_checked_at=record.health_checked_at, health_latency_ms=record.health_latency_ms,
        health_error=record.health_error, consecutive_failures=record.consecutive_failures,
        created_at=record.created_at, updated_at=record.updated_at,
    )


def _route(model: str, llm_id: str) -> ModelRouteItem:
    return ModelRouteItem(pk=f"MODEL#{model}", sk="LLM", model=model, llm_id=llm_id)


def _connection() -> Connection:
    # The same endpoint and client the models use (their Meta is built from settings; tests may re-point it).
    return transaction_connection(LlmItem)


def _conflict_from(exc: TransactWriteError, llm_row_checked: bool = False) -> Exception:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    failed = [reason is not None and getattr(reason, "code", "") == "ConditionalCheckFailed" for reason in reasons]
    if llm_row_checked and failed and failed[0]:  # the LLM row comes first in the transaction
        return Conflict("the LLM was changed or deleted meanwhile; reload it and try again", code="llm_changed")
    if any(failed):
        return Conflict("a model is already served by another LLM, or the LLM changed meanwhile",
                        code="model_taken")
    return exc


class LlmRepository:
    """PynamoDB implementation of `LlmStore`."""

    def create(self, record: LlmRecord) -> None:
        try:
            with TransactWrite(connection=_connection()) as tx:
                tx.save(_item(record), condition=LlmItem.pk.does_not_exist())
                for model in record.models:
                    tx.save(_route(model, record.llm_id), condition=ModelRouteItem.pk.does_not_exist())
        except TransactWriteError as exc:
            raise _conflict_from(exc) from exc

    def replace(self, record: LlmRecord, previous_models: list[str]) -> None:
        removed = [m for m in previous_models if m not in record.models]
        added = [m for m in record.models if m not in previous_models]
        unchanged_key = (LlmItem.key_ciphertext == record.key_ciphertext_as_read
                         if record.key_ciphertext_as_read else LlmItem.key_ciphertext.does_not_exist())
        try:
            with TransactWrite(connection=_connection()) as tx:
                tx.save(_item(record), condition=LlmItem.pk.exists() & unchanged_key)
                for model in removed:
                    tx.delete(_route(model, record.llm_id), condition=ModelRouteItem.llm_id == record.llm_id)
                for model in added:
                    tx.save(_route(model, record.llm_id), condition=ModelRouteItem.pk.does_not_exist())
        except TransactWriteError as exc:
            raise _conflict_from(exc, llm_row_checked=True) from exc
        record.key_ciphertext_as_read = record.key_ciphertext

    def delete(self, record: LlmRecord) -> None:
        with TransactWrite(connection=_connection()) as tx:
            tx.delete(_item(record))
            for model in record.models:
                tx.delete(_route(model, record.llm_id), condition=ModelRouteItem.llm_id == record.llm_id)

    def get(self, llm_id: str) -> LlmRecord | None:
        try:
            return _record(LlmItem.get(f"LLM#{llm_id}", "META"))
        except LlmItem.DoesNotExist:
            return None

    def list(self) -> list[LlmRecord]:
        return [_record(item) for item in LlmItem.gsi1.query("LLMS")]

    def llm_id_for_model(self, model: str) -> str | None:
        try:
            return str(ModelRouteItem.get(f"MODEL#{model}", "LLM").llm_id)
        except ModelRouteItem.DoesNotExist:
            return None

    def record_health(
        self, llm_id: str, ok: bool, latency_ms: float | None, error: str | None, at: str, history_ttl: int
    ) -> LlmRecord | None:
        item = LlmItem(pk=f"LLM#{llm_id}", sk="META")
        actions: list[Any] = [
            LlmItem.health_status.set("healthy" if ok else "unhealthy"),
            LlmItem.health_checked_at.set(at),
            LlmItem.consecutive_failures.set(0) if ok else LlmItem.consecutive_failures.add(1),
        ]
        actions.append(LlmItem.health_latency_ms.set(latency_ms) if latency_ms is not None
                       else LlmItem.health_latency_ms.remove())
        actions.append(LlmItem.health_error.set(error[:500]) if error else LlmItem.health_error.remove())
        try:
            item.update(actions=actions, condition=LlmItem.pk.exists())
        except Exception as exc:  # the LLM was deleted between the probe and this write
            if "ConditionalCheckFailed" in str(exc):
                return None
            raise
        LlmHealthItem(
            pk=f"LLMHEALTH#{llm_id}", sk=at, ok=ok, latency_ms=latency_ms, error=(error or None) and error[:500],
            ttl=history_ttl,
        ).save()
        return _record(item)


def health_history_ttl(clock: Clock | None = None) -> int:
    return epoch((clock or SystemClock()).now() + timedelta(days=HEALTH_HISTORY_DAYS))


__all__ = ["LlmItem", "LlmRecord", "LlmRepository", "LlmStore", "ModelRouteItem", "health_history_ttl", "iso"]
