"""Fakes for the LLM registry's seams: storage that can be made to fail, and an SSM client that can."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from a2g.errors import Conflict
from a2g.llms.repository import LlmRecord
from botocore.exceptions import ClientError

PREFIX = "/a2g-test/llm-keys/"


def parameter_names(ssm: Any) -> set[str]:
    pages = ssm.get_paginator("describe_parameters").paginate()
    return {p["Name"] for page in pages for p in page["Parameters"]}


class FakeLlmStore:
    """In-memory `LlmStore` that keeps copies (as a table would: the caller's object is not the stored row).

    `fail_next` makes the next create/replace/delete raise `failure` without writing; `on_write` runs just
    before a write is applied, to observe the world at that moment."""

    def __init__(self) -> None:
        self.items: dict[str, LlmRecord] = {}
        self.fail_next: str | None = None
        self.failure: Exception = Conflict("the LLM was changed or deleted meanwhile", code="llm_changed")
        self.on_write: Callable[[str, LlmRecord], None] | None = None

    def _write(self, operation: str, record: LlmRecord) -> None:
        if self.on_write:
            self.on_write(operation, record)
        if self.fail_next == operation:
            self.fail_next = None
            raise self.failure

    def create(self, record: LlmRecord) -> None:
        self._write("create", record)
        self.items[record.llm_id] = copy.deepcopy(record)

    def replace(self, record: LlmRecord, previous_models: list[str]) -> None:
        self._write("replace", record)
        self.items[record.llm_id] = copy.deepcopy(record)

    def delete(self, record: LlmRecord) -> None:
        self._write("delete", record)
        self.items.pop(record.llm_id)

    def get(self, llm_id: str) -> LlmRecord | None:
        record = self.items.get(llm_id)
        return copy.deepcopy(record) if record else None

    def list(self) -> list[LlmRecord]:
        return [copy.deepcopy(r) for r in self.items.values()]

    def llm_id_for_model(self, model: str) -> str | None:
        return next((r.llm_id for r in self.items.values() if model in r.models), None)

    def record_health(self, *args: object) -> LlmRecord | None:
        return None


class FailingSsm:
    """A real (moto) SSM client whose named operations fail with the given error code and message."""

    def __init__(self, real: Any, failures: dict[str, tuple[str, str]]):
        self._real, self.failures = real, failures

    def __getattr__(self, name: str) -> Any:
        if name not in self.failures:
            return getattr(self._real, name)
        code, message = self.failures[name]

        def fail(**_: Any) -> Any:
            raise ClientError({"Error": {"Code": code, "Message": message}}, name)

        return fail
