"""Schemathesis against the running platform's own OpenAPI document (`GET /api/openapi.json`): every operation,
valid and invalid inputs, as an administrator and as a user. No answer may be a server error, and every
answer must be one the document lists: status code, content type, headers and body schema.

The runtime is this module's own, not the session's: the administrator's calls register LLMs and approve
and edit users, and other tests read those lists. Each operation gets `A2G_CONTRACT_EXAMPLES` valid and as
many invalid cases (default 3: the generation itself is CPU-bound, about 3-4 minutes of CPU on this machine); set it higher for a longer hunt.
Every failure is collected (once per operation, check and status) and reported together with a curl line to
reproduce it. (Schemathesis' own pytest integration needs pytest's subtests API in a form this pytest lacks,
so the operations are driven with its Hypothesis strategies directly.)
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from helpers import admin, approved_user
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable, UnsatisfiedAssumption
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.control import SkipTest
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

if TYPE_CHECKING:
    from schemathesis.generation.case import Case

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = int(os.environ.get("A2G_CONTRACT_EXAMPLES", "3"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def contract_runtime(runtime_launcher: Any) -> Any:
    return runtime_launcher()


@pytest.fixture(scope="module")
def tokens(contract_runtime: Any) -> dict[str, str]:
    return {"admin": admin(contract_runtime).token, "user": approved_user(contract_runtime, "contract-user").token}


@pytest.fixture(scope="module")
def api_schema(contract_runtime: Any) -> Any:
    schema = schemathesis.openapi.from_url(f"{contract_runtime.base_url}/api/openapi.json")
    schema.config.update(base_url=contract_runtime.base_url)
    return schema


_RUNS = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                 phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
MAX_REJECTED = 30  # drafts schemathesis throws away before an operation counts as having no invalid case


class _NoInvalidCase(Exception):
    pass


def _bounded(strategy: st.SearchStrategy[Case]) -> st.SearchStrategy[Case]:
    """Invalid cases, giving up after MAX_REJECTED thrown-away drafts: Hypothesis would try a thousand times
    (minutes on two cores) before calling an operation with nothing to make invalid unsatisfiable."""
    rejected = [0]

    @st.composite
    def draw_case(draw: st.DrawFn) -> Case:
        try:
            return draw(strategy)
        except UnsatisfiedAssumption:
            rejected[0] += 1
            if rejected[0] >= MAX_REJECTED:
                raise _NoInvalidCase from None
            raise

    return draw_case()


def _exercise(operation: Any, mode: GenerationMode, headers: dict[str, str], found: dict[str, str]) -> None:
    # One mode at a time: then an operation schemathesis cannot make an invalid case for is skipped at
    # once instead of after a thousand rejected attempts.
    operation.schema.config.generation.update(modes=[mode])
    strategy = operation.as_strategy(generation_mode=mode)

    @_RUNS
    @given(case=strategy if mode is GenerationMode.POSITIVE else _bounded(strategy))
    def run(case: Case) -> None:
        try:
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=30, allow_redirects=False)
        except (Failure, FailureGroup) as exc:
            for failure in exc.exceptions if isinstance(exc, FailureGroup) else [exc]:
                label = f"{operation.label} [{mode.value}]: {failure.title}"
                found.setdefault(label, f"{failure}\n  reproduce: {case.as_curl_command(headers)}")

    try:
        run()
    except (SkipTest, Unsatisfiable, _NoInvalidCase):
        if mode is GenerationMode.POSITIVE:
            raise
        # Nothing in the operation can be made invalid (e.g. an unconstrained string id in the path, a body
        # of optional fields that allows extra keys), or schemathesis rarely manages to: said, not hidden.
        print(f"note: {operation.label}: few or no invalid cases could be generated")


def _failures_of(schema: Any, token: str) -> dict[str, str]:
    """Every operation, valid then invalid cases; {operation [mode]: check: the first report of it}."""
    found: dict[str, str] = {}
    headers = {"Authorization": f"Bearer {token}"}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _exercise(operation, mode, headers, found)
    return found


@pytest.mark.parametrize("role", ["admin", "user"])
def test_every_operation_answers_as_documented(api_schema: Any, tokens: dict[str, str], role: str) -> None:
    failures = _failures_of(api_schema, tokens[role])
    report = "\n\n".join(f"{label}\n{text[:1500]}" for label, text in sorted(failures.items()))
    assert not failures, f"{len(failures)} contract failures as {role}:\n\n{report}"
