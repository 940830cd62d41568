"""The shared input bounds (issue 20, items 5, 6, 7, 10): the JSON reader, the id / text / integer types, and
`create_app`'s body hook, on a small app built the way every function builds its own."""

from __future__ import annotations

from tests import environment_defaults

environment_defaults.apply()

import json
from typing import Any

import pytest
from a2g.errors import NotFound, PayloadTooLarge, ValidationFailed
from a2g.http import JsonBody, create_app
from a2g.json_input import InvalidJson, JsonTooDeep, read_json
from a2g.validation import PlainText, ResourceId, StrictInt, StrictNumber, Text, check_id
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, ValidationError

DEEP = b"[" * 100_000


# --- the reader -------------------------------------------------------------------------------------------


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(JsonTooDeep):
        read_json(DEEP)
    with pytest.raises(JsonTooDeep):
        read_json(b"[" * 33 + b"]" * 33)
    assert read_json(b"[" * 32 + b"]" * 32) is not None


def test_nesting_limit_counts_objects_and_arrays() -> None:
    value: Any = 1
    for _ in range(40):
        value = {"a": [value]}
    with pytest.raises(JsonTooDeep):
        read_json(json.dumps(value).encode())
    assert read_json(json.dumps(value).encode(), max_depth=100)["a"][0]["a"]


@pytest.mark.parametrize("raw", [b'{"model": "\\ud800"}', b'{"\\udfff": 1}', b'["ok", ["\\ud83d"]]'])
def test_lone_surrogates_are_refused_anywhere(raw: bytes) -> None:
    with pytest.raises(InvalidJson):
        read_json(raw)


def test_a_surrogate_pair_is_text() -> None:
    assert read_json(b'{"emoji": "\\ud83d\\ude00"}') == {"emoji": "\U0001f600"}


def test_nul_is_refused_unless_allowed() -> None:
    with pytest.raises(InvalidJson):
        read_json(b'{"title": "a\\u0000b"}')
    assert read_json(b'{"prompt": "a\\u0000b"}', allow_nul=True) == {"prompt": "a\x00b"}


def test_size_bad_json_and_empty() -> None:
    with pytest.raises(PayloadTooLarge):
        read_json(b"[" + b"1," * 600 + b"1]", max_bytes=1000)
    with pytest.raises(InvalidJson):
        read_json(b"{nope")
    with pytest.raises(InvalidJson):
        read_json(b'"\xff"')
    assert read_json(b"", empty={}) == {}
    assert read_json('{"a": 1}') == {"a": 1}  # WebSocket messages arrive as text


# --- the types --------------------------------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: StrictInt = 0
    timeout: StrictNumber = 1.0
    title: PlainText = ""
    content: Text = ""
    ids: list[ResourceId] = []


@pytest.mark.parametrize("field, value", [
    ("size", True), ("size", 1.0), ("size", "1"), ("timeout", True), ("timeout", "2"),
    ("title", "a\x00b"), ("title", "two\nlines"), ("title", "bell\x07"), ("content", "nul\x00"),
    ("content", "esc\x1b[31m"), ("ids", ["x" * 3000]), ("ids", ["has space"]), ("ids", [""]),
])
def test_types_refuse(field: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        _Body.model_validate({field: value})


def test_types_accept() -> None:
    body = _Body.model_validate({"size": 3, "timeout": 30, "title": "Ünïcode ✓", "content": "a\n\tb\r\n",
                                 "ids": ["ses_01jd", "alice@corp.example", "llm:1.a-b"]})
    assert body.size == 3 and body.timeout == 30.0 and body.content == "a\n\tb\r\n"


def test_check_id() -> None:
    assert check_id("trc_01abc", "trace_id") == "trc_01abc"
    for bad in ("x" * 129, "", None, 12, "a/b", "ä"):
        with pytest.raises(ValidationFailed):
            check_id(bad, "trace_id")


# --- create_app: every function's FastAPI app -------------------------------------------------------------


class Thing(BaseModel):
    name: PlainText
    count: StrictInt = 0
    extra: dict[str, Any] = {}


def _app() -> TestClient:
    app = create_app("bounds-test")

    @app.get("/things/{thing_id}")
    def get_thing(thing_id: ResourceId) -> dict[str, Any]:
        raise NotFound("no such thing")

    @app.post("/things")
    def post_thing(body: Thing) -> dict[str, Any]:
        return body.model_dump()

    @app.post("/raw")
    async def raw(body: JsonBody) -> dict[str, Any]:
        return {"type": type(body).__name__}

    return TestClient(app, raise_server_exceptions=False)


def test_long_or_malformed_path_id_is_400_and_well_formed_unknown_is_404() -> None:
    client = _app()
    for bad in ("x" * 3000, "a%20b", "%00"):
        response = client.get(f"/things/{bad}")
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "validation_error"
    assert client.get("/things/thg_01abc").status_code == 404


@pytest.mark.parametrize("path", ["/things", "/raw"])
@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
def test_bodies_go_through_the_shared_reader(path: str, content_type: str | None) -> None:
    client = _app()
    headers = {"content-type": content_type} if content_type else {}
    deep = client.post(path, content=DEEP, headers=headers)
    surrogate = client.post(path, content=b'{"name": "\\ud800"}', headers=headers)
    nul = client.post(path, content=b'{"name": "a\\u0000"}', headers=headers)
    big = client.post(path, content=b'{"name": "' + b"x" * 1_100_000 + b'"}', headers=headers)
    for response in (deep, surrogate, nul):
        if path == "/things" and content_type == "text/plain":
            assert response.status_code == 400  # not JSON to FastAPI either: a validation error
            continue
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] in ("invalid_json", "json_too_deep")
    assert deep.status_code == 400 and big.status_code == 413
    assert big.json()["error"]["code"] == "payload_too_large"


def test_strict_int_and_plain_text_in_a_body() -> None:
    client = _app()
    assert client.post("/things", json={"name": "ok", "count": True}).status_code == 400
    assert client.post("/things", json={"name": "a\x01b"}).status_code == 400
    assert client.post("/things", json={"name": "ok", "count": 2}).json()["count"] == 2
