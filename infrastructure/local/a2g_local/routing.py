"""The HTTP route table, compiled once at start: a segment tree matched like API Gateway HTTP APIs choose
routes — a static segment beats `{param}`, a greedy `{proxy+}` comes last, and the method is part of the
match (`ANY` when no exact method matches), so `GET /x` may fall through to `ANY /{proxy+}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import unquote

T = TypeVar("T")


@dataclass
class _Node(Generic[T]):
    static: dict[str, _Node[T]] = field(default_factory=dict)
    param: _Node[T] | None = None
    routes: dict[str, tuple[T, list[str]]] = field(default_factory=dict)  # method -> (route, param names)
    greedy: dict[str, tuple[T, list[str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Match(Generic[T]):
    route: T
    path_parameters: dict[str, str]


class RouteTable(Generic[T]):
    def __init__(self) -> None:
        self._root: _Node[T] = _Node()
        self._static: dict[tuple[str, str], T] = {}  # fast path for routes without parameters
        self._paths_with_methods: dict[str, set[str]] = {}

    def add(self, method: str, path: str, route: T) -> None:
        method = method.upper()
        segments = _segments(path)
        if not any(s.startswith("{") for s in segments):
            self._static[(method, "/" + "/".join(segments))] = route
        node = self._root
        names: list[str] = []
        for i, seg in enumerate(segments):
            if seg.startswith("{") and seg.endswith("+}"):
                if i != len(segments) - 1:
                    raise ValueError(f"greedy parameter must be last: {path}")
                names.append(seg[1:-2])
                node.greedy[method] = (route, names)
                return
            if seg.startswith("{") and seg.endswith("}"):
                names.append(seg[1:-1])
                if node.param is None:
                    node.param = _Node()
                node = node.param
            else:
                node = node.static.setdefault(seg, _Node())
        node.routes[method] = (route, names)

    def match(self, method: str, raw_path: str) -> Match[T] | None:
        """`raw_path` is the percent-encoded request path; parameters come back decoded."""
        method = method.upper()
        if "%" not in raw_path:
            hit = self._static.get((method, raw_path)) or self._static.get(("ANY", raw_path))
            if hit is not None:
                return Match(hit, {})
        segments = [unquote(s) for s in _segments(raw_path)]
        found = self._walk(self._root, segments, 0, method, [])
        if found is None:
            return None
        route, names, values = found
        return Match(route, dict(zip(names, values, strict=False)))

    def _walk(
        self, node: _Node[T], segments: list[str], i: int, method: str, values: list[str]
    ) -> tuple[T, list[str], list[str]] | None:
        if i == len(segments):
            entry = node.routes.get(method) or node.routes.get("ANY")
            return (entry[0], entry[1], values) if entry else None
        seg = segments[i]
        child = node.static.get(seg)
        if child is not None:
            found = self._walk(child, segments, i + 1, method, values)
            if found:
                return found
        if node.param is not None and seg != "":
            found = self._walk(node.param, segments, i + 1, method, [*values, seg])
            if found:
                return found
        entry = node.greedy.get(method) or node.greedy.get("ANY")
        if entry is not None:
            return entry[0], entry[1], [*values, "/".join(segments[i:])]
        return None

    def methods_for(self, raw_path: str) -> set[str]:
        """The methods some route accepts for this path (to tell "wrong method" from "no such path")."""
        return {m for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
                if self.match(m, raw_path) is not None}


def _segments(path: str) -> list[str]:
    if path in ("", "/"):
        return []
    return path[1:].split("/") if path.startswith("/") else path.split("/")
