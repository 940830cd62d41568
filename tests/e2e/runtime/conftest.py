"""The runtime on the test-only template (tests/e2e/fixtures/runtime_template), shared by this folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

FIXTURE_TEMPLATE = Path(__file__).resolve().parents[1] / "fixtures" / "runtime_template" / "template.yaml"


@pytest.fixture(scope="session")
def fixture_template() -> Path:
    return FIXTURE_TEMPLATE


@pytest.fixture(scope="session")
def test_runtime(runtime_launcher: Any) -> Any:
    """One runtime on the fixture template for this folder's tests (strict: every function must load)."""
    return runtime_launcher(FIXTURE_TEMPLATE, strict=True, env={"GREETING": "process wins"})
