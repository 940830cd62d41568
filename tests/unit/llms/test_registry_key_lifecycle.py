"""The registry with keys in SSM: a parameter is deleted only once no saved record points at it, a failed step
loses no key, and neither the key nor its parameter shows in what the API returns."""

from __future__ import annotations

import json
from typing import Any

import pytest
from a2g.errors import Conflict, ServiceUnavailable, ValidationFailed
from a2g.llms.crypto import FernetKeyCipher
from a2g.llms.key_store import SsmKeyStore
from a2g.llms.service import LlmCreate, LlmRegistry, LlmUpdate

from tests.unit.llms.llm_fakes import PREFIX, FailingSsm, FakeLlmStore, parameter_names

OLD_KEY, NEW_KEY = "sk-old-abcdefgh1111", "sk-new-ijklmnop2222"


def _registry(ssm: Any, store: FakeLlmStore | None = None) -> tuple[LlmRegistry, FakeLlmStore]:
    store = store or FakeLlmStore()
    return LlmRegistry(store, SsmKeyStore(ssm, PREFIX, FernetKeyCipher("x" * 40))), store


def _create(registry: LlmRegistry, key: str | None = OLD_KEY) -> str:
    view = registry.create(LlmCreate(name="a", base_url="http://10.0.0.5:8000/v1", api_key=key, models=["m1"]))
    return str(view["llm_id"])


def _parameter(store: FakeLlmStore, llm_id: str) -> str:
    ref = store.items[llm_id].key_ciphertext
    assert ref and ref.startswith("ssm:")
    return ref.removeprefix("ssm:")


def test_the_key_lives_in_ssm_and_the_api_shows_it_masked_only(ssm: Any) -> None:
    registry, store = _registry(ssm)
    created = registry.create(LlmCreate(name="a", base_url="http://10.0.0.5:8000/v1", api_key=OLD_KEY,
                                        models=["m1"]))
    name = _parameter(store, created["llm_id"])
    assert parameter_names(ssm) == {name}
    assert registry.resolve_model("m1").api_key == OLD_KEY  # type: ignore[union-attr]
    updated = registry.update(created["llm_id"], LlmUpdate(name="renamed"))
    answers = json.dumps([created, updated, registry.get(created["llm_id"]), registry.list_public(),
                          registry.user_catalogue()])
    assert created["api_key_masked"] == "sk-…1111" and created["has_api_key"] is True
    assert OLD_KEY not in answers and name not in answers and "ssm:" not in answers


def test_a_new_key_replaces_the_old_parameter_after_the_record_is_saved(ssm: Any) -> None:
    registry, store = _registry(ssm)
    llm_id = _create(registry)
    old_name = _parameter(store, llm_id)
    present_at_save: list[set[str]] = []
    store.on_write = lambda operation, record: present_at_save.append(parameter_names(ssm))
    registry.update(llm_id, LlmUpdate(api_key=NEW_KEY))
    new_name = _parameter(store, llm_id)
    assert new_name != old_name
    assert present_at_save == [{old_name, new_name}]  # both existed while the record was written
    assert parameter_names(ssm) == {new_name}
    assert registry.resolve_model("m1").api_key == NEW_KEY  # type: ignore[union-attr]


def test_a_failed_save_keeps_the_old_key_and_leaves_no_new_parameter(ssm: Any) -> None:
    registry, store = _registry(ssm)
    llm_id = _create(registry)
    old_name = _parameter(store, llm_id)
    store.fail_next = "replace"
    with pytest.raises(Conflict):
        registry.update(llm_id, LlmUpdate(api_key=NEW_KEY))
    assert _parameter(store, llm_id) == old_name and parameter_names(ssm) == {old_name}
    assert registry.resolve_model("m1").api_key == OLD_KEY  # type: ignore[union-attr]


def test_a_save_that_may_have_happened_keeps_both_keys(ssm: Any) -> None:
    """A timeout says nothing about the write: the new parameter stays (at worst unused), as does the old."""
    registry, store = _registry(ssm)
    llm_id = _create(registry)
    old_name = _parameter(store, llm_id)
    store.fail_next, store.failure = "replace", TimeoutError("no answer from the table")
    with pytest.raises(TimeoutError):
        registry.update(llm_id, LlmUpdate(api_key=NEW_KEY))
    assert len(parameter_names(ssm)) == 2 and old_name in parameter_names(ssm)
    store.fail_next = "create"
    with pytest.raises(TimeoutError):
        _create(registry, key="sk-third-key-3333")
    assert len(parameter_names(ssm)) == 3


def test_a_failed_put_changes_nothing(ssm: Any) -> None:
    store = FakeLlmStore()
    llm_id = _create(_registry(ssm, store)[0])
    old_name = _parameter(store, llm_id)
    busy = LlmRegistry(store, SsmKeyStore(FailingSsm(ssm, {"put_parameter": ("ThrottlingException", "slow down")}),
                                          PREFIX, FernetKeyCipher("x" * 40)))
    writes: list[str] = []
    store.on_write = lambda operation, record: writes.append(operation)
    with pytest.raises(ServiceUnavailable):
        busy.update(llm_id, LlmUpdate(api_key=NEW_KEY, name="renamed"))
    assert writes == [] and store.items[llm_id].name == "a"
    assert parameter_names(ssm) == {old_name}
    assert busy.resolve_model("m1").api_key == OLD_KEY  # type: ignore[union-attr]


def test_an_update_that_fails_validation_stores_no_key(ssm: Any) -> None:
    registry, store = _registry(ssm)
    llm_id = _create(registry)
    with pytest.raises(ValidationFailed):
        registry.update(llm_id, LlmUpdate(api_key=NEW_KEY, base_url="ftp://elsewhere/v1"))
    with pytest.raises(ValidationFailed):
        registry.create(LlmCreate(name="b", base_url="ftp://elsewhere/v1", api_key=NEW_KEY, models=["m2"]))
    assert parameter_names(ssm) == {_parameter(store, llm_id)}


def test_a_failed_create_leaves_no_parameter(ssm: Any) -> None:
    registry, store = _registry(ssm)
    store.fail_next = "create"
    with pytest.raises(Conflict):
        _create(registry)
    assert store.items == {} and parameter_names(ssm) == set()


def test_clearing_the_key_deletes_its_parameter_and_keeping_it_touches_nothing(ssm: Any) -> None:
    registry, store = _registry(ssm)
    llm_id = _create(registry)
    name = _parameter(store, llm_id)
    registry.update(llm_id, LlmUpdate(enabled=False, timeout_seconds=30))
    assert _parameter(store, llm_id) == name and parameter_names(ssm) == {name}
    view = registry.update(llm_id, LlmUpdate(api_key=""))
    assert view["has_api_key"] is False and store.items[llm_id].key_ciphertext is None
    assert parameter_names(ssm) == set()


def test_deleting_an_llm_deletes_its_parameter_only_once_the_record_is_gone(ssm: Any) -> None:
    registry, store = _registry(ssm)
    llm_id, other = _create(registry), _create(registry, key="sk-other-key-3333")
    name, other_name = _parameter(store, llm_id), _parameter(store, other)
    store.fail_next = "delete"
    with pytest.raises(Conflict):
        registry.delete(llm_id)
    assert parameter_names(ssm) == {name, other_name}
    registry.delete(llm_id)
    assert llm_id not in store.items and parameter_names(ssm) == {other_name}


def test_keys_written_by_the_fernet_store_keep_working_and_are_replaced_into_ssm(ssm: Any) -> None:
    store = FakeLlmStore()
    fernet = FernetKeyCipher("x" * 40)
    llm_id = _create(LlmRegistry(store, fernet))
    assert not store.items[llm_id].key_ciphertext.startswith("ssm:")  # type: ignore[union-attr]
    registry = LlmRegistry(store, SsmKeyStore(ssm, PREFIX, fernet))
    assert registry.resolve_model("m1").api_key == OLD_KEY  # type: ignore[union-attr]
    registry.update(llm_id, LlmUpdate(api_key=NEW_KEY))
    assert parameter_names(ssm) == {_parameter(store, llm_id)}
    assert registry.resolve_model("m1").api_key == NEW_KEY  # type: ignore[union-attr]

