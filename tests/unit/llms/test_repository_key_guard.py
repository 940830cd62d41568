"""The repository refuses to write back a key reference another edit has replaced (moto's DynamoDB): the
registry deletes a replaced key's parameter, so a stale write would leave the LLM pointing at nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from a2g.errors import Conflict
from a2g.llms.crypto import FernetKeyCipher
from a2g.llms.key_store import SsmKeyStore
from a2g.llms.repository import LlmItem, LlmRepository, ModelRouteItem
from a2g.llms.service import LlmCreate, LlmRegistry, LlmUpdate

from tests.unit.llms.llm_fakes import PREFIX, parameter_names


@pytest.fixture
def platform_table(ssm: Any) -> Iterator[None]:
    """The Platform table in moto (the `ssm` fixture's mock covers DynamoDB too).

    Integration tests in the same process may have bound the models to a DynamoDB Local endpoint: for this
    test they talk to the mock (no endpoint, fresh connections), and get their binding back afterwards."""
    models = (LlmItem, ModelRouteItem)
    earlier = [(model._connection, getattr(model.Meta, "host", None)) for model in models]
    for model in models:  # a connection made before the mock would reach past it
        model.Meta.host = None
        model._connection = None
    LlmItem.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    yield
    for model, (connection, host) in zip(models, earlier, strict=True):
        model.Meta.host = host
        model._connection = connection


def test_a_stale_edit_cannot_write_back_a_replaced_key(platform_table: None, ssm: Any) -> None:
    repository = LlmRepository()
    registry = LlmRegistry(repository, SsmKeyStore(ssm, PREFIX, FernetKeyCipher("x" * 40)))
    llm_id = registry.create(LlmCreate(name="a", base_url="http://10.0.0.5:8000/v1", api_key="sk-first-1111",
                                       models=["m1"]))["llm_id"]
    stale = repository.get(llm_id)  # an admin's edit that read the LLM before the key below changed
    assert stale is not None
    registry.update(llm_id, LlmUpdate(api_key="sk-second-2222"))
    stale.name = "renamed"
    with pytest.raises(Conflict) as conflict:
        repository.replace(stale, ["m1"])
    assert conflict.value.code == "llm_changed"
    fresh = repository.get(llm_id)
    assert fresh is not None and fresh.name == "a"
    assert parameter_names(ssm) == {fresh.key_ciphertext.removeprefix("ssm:")}  # type: ignore[union-attr]
    assert registry.resolve_model("m1").api_key == "sk-second-2222"  # type: ignore[union-attr]
    # Edits that read the current state still go through, with or without a key.
    registry.update(llm_id, LlmUpdate(name="renamed"))
    registry.update(llm_id, LlmUpdate(api_key=""))
    registry.update(llm_id, LlmUpdate(name="again"))
    assert repository.get(llm_id).name == "again" and parameter_names(ssm) == set()  # type: ignore[union-attr]
