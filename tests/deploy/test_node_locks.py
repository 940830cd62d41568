"""Every committed package-lock.json is complete for every platform, so `npm ci` accepts it on any machine
and nothing rewrites it: a lock that lacks another platform's optional package (npm's lock gap for packages
such as @tailwindcss/oxide-*) makes `npm ci` refuse it, and the `npm install` fallback then leaves the checkout
dirty on a fresh clone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.deploy.checks import REPO

LOCKS = sorted(
    p for p in REPO.glob("**/package-lock.json") if "node_modules" not in p.parts and ".git" not in p.parts
)


def test_the_locks_are_found() -> None:
    assert REPO / "frontend" / "package-lock.json" in LOCKS


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_optional_dependency_is_locked(lock: Path) -> None:
    packages: dict[str, dict] = json.loads(lock.read_text())["packages"]
    missing = []
    for path, meta in packages.items():
        for name in meta.get("optionalDependencies", {}):
            # npm resolves a dependency next to its dependant first, then up the tree.
            candidates = [f"{path}/node_modules/{name}" if path else f"node_modules/{name}", f"node_modules/{name}"]
            if not any(c in packages for c in candidates):
                missing.append(f"{path or '<root>'} -> {name}")
    assert not missing, f"{lock.relative_to(REPO)} lacks optional packages: {missing[:10]}"
