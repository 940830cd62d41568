"""The compiled route table chooses routes as API Gateway HTTP APIs do."""

from __future__ import annotations

from a2g_local.routing import RouteTable


def _table(*routes: str) -> RouteTable[str]:
    table: RouteTable[str] = RouteTable()
    for route in routes:
        method, path = route.split(" ", 1)
        table.add(method, path, route)
    return table


def test_static_beats_parameter_beats_greedy() -> None:
    table = _table("GET /api/items/special", "GET /api/items/{id}", "ANY /api/{proxy+}")
    assert table.match("GET", "/api/items/special").route == "GET /api/items/special"  # type: ignore[union-attr]
    item = table.match("GET", "/api/items/7")
    assert item is not None and item.route == "GET /api/items/{id}" and item.path_parameters == {"id": "7"}
    deep = table.match("GET", "/api/items/7/more")
    assert deep is not None and deep.route == "ANY /api/{proxy+}" and deep.path_parameters == {"proxy": "items/7/more"}


def test_method_is_part_of_the_match() -> None:
    table = _table("POST /x", "ANY /{proxy+}")
    assert table.match("POST", "/x").route == "POST /x"  # type: ignore[union-attr]
    fallback = table.match("GET", "/x")
    assert fallback is not None and fallback.route == "ANY /{proxy+}"
    only_post = _table("POST /x")
    assert only_post.match("GET", "/x") is None
    assert only_post.methods_for("/x") == {"POST"}


def test_backtracks_from_a_static_dead_end() -> None:
    table = _table("GET /a/b/c", "GET /a/{x}/d")
    hit = table.match("GET", "/a/b/d")
    assert hit is not None and hit.route == "GET /a/{x}/d" and hit.path_parameters == {"x": "b"}


def test_parameters_are_decoded_and_names_follow_the_route() -> None:
    table = _table("GET /u/{user_id}/keys/{key_id}", "DELETE /u/{id}")
    hit = table.match("GET", "/u/a%20b/keys/k%2F1")
    assert hit is not None and hit.path_parameters == {"user_id": "a b", "key_id": "k/1"}
    other = table.match("DELETE", "/u/z")
    assert other is not None and other.path_parameters == {"id": "z"}


def test_no_match_and_trailing_slash() -> None:
    table = _table("GET /api/health")
    assert table.match("GET", "/api/health/") is None
    assert table.match("GET", "/api") is None
    assert table.match("GET", "/api/health").route == "GET /api/health"  # type: ignore[union-attr]


def test_greedy_needs_at_least_one_segment() -> None:
    table = _table("GET /files/{proxy+}")
    assert table.match("GET", "/files") is None
    assert table.match("GET", "/files/a").path_parameters == {"proxy": "a"}  # type: ignore[union-attr]
