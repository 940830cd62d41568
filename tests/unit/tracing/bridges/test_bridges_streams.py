"""The stream translators: incremental (any chunking gives the same events), stateful per call, exact event
sequences for each client, upstream errors and cut streams in the client's own stream format."""

from __future__ import annotations

import json
from typing import Any

import pytest
from a2g.tracing.formats.bridges import bridge_between

from tests.unit.tracing.bridges.bridge_payloads import (
    ANTHROPIC_STREAM,
    CHAT_MIXED_STREAM,
    CHAT_TEXT_STREAM,
    UPSTREAM,
    sse,
)

PAIRS = [(c, u) for c in ("messages", "gemini", "responses", "chat") for u in UPSTREAM if u != c]


def _events(raw: bytes) -> list[tuple[str | None, Any]]:
    out = []
    for block in raw.decode().split("\n\n"):
        if not block.strip():
            continue
        name, data = None, None
        for line in block.split("\n"):
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
        assert data is not None
        out.append((name, data if data == "[DONE]" else json.loads(data)))
    return out


def _translate(client: str, upstream: str, raw: bytes, step: int | None = None, request: Any = None) -> bytes:
    bridge = bridge_between(client, upstream)
    assert bridge is not None
    translator = bridge.stream(request=request or {"stream_options": {"include_usage": True}}, model="m")
    if step is None:
        return translator.feed(raw) + translator.close()
    out = b"".join(translator.feed(raw[i:i + step]) for i in range(0, len(raw), step))
    return out + translator.close()


def _stable(events: list[tuple[str | None, Any]]) -> str:
    """Events without the ids and times each translator makes up."""
    text = json.dumps(events)
    for key in ("id", "item_id", "created", "created_at", "responseId", "call_id"):
        text = __import__("re").sub(rf'"{key}": ("[^"]*"|\d+)', f'"{key}": "*"', text)
    return text


@pytest.mark.parametrize(("client", "upstream"), PAIRS, ids=[f"{c}<-{u}" for c, u in PAIRS])
def test_any_chunking_of_the_upstream_gives_the_same_client_events(client: str, upstream: str) -> None:
    raw = UPSTREAM[upstream][1]
    whole = _stable(_events(_translate(client, upstream, raw)))
    assert _stable(_events(_translate(client, upstream, raw, step=1))) == whole
    assert _stable(_events(_translate(client, upstream, raw, step=7))) == whole


def test_chat_to_anthropic_events_in_order_with_parallel_calls_as_separate_blocks() -> None:
    events = _events(_translate("messages", "chat", CHAT_MIXED_STREAM))
    kinds = [(name, data.get("index"), (data.get("delta") or {}).get("type") if name != "message_delta" else None)
             for name, data in events]
    assert kinds == [
        ("message_start", None, None),
        ("content_block_start", 0, None), ("content_block_delta", 0, "text_delta"),
        ("content_block_delta", 0, "text_delta"), ("content_block_stop", 0, None),
        ("content_block_start", 1, None), ("content_block_delta", 1, "input_json_delta"),
        ("content_block_delta", 1, "input_json_delta"), ("content_block_stop", 1, None),
        ("content_block_start", 2, None), ("content_block_delta", 2, "input_json_delta"),
        ("content_block_delta", 2, "input_json_delta"), ("content_block_stop", 2, None),
        ("message_delta", None, None), ("message_stop", None, None)]
    assert events[5][1]["content_block"] == {"type": "tool_use", "id": "call_a", "name": "get_weather", "input": {}}
    partial = "".join(d["delta"]["partial_json"] for n, d in events if n == "content_block_delta" and d["index"] == 1)
    assert json.loads(partial) == {"city": "Paris"}
    delta = events[-2][1]
    assert delta["delta"]["stop_reason"] == "tool_use"
    assert delta["usage"] == {"input_tokens": 20, "output_tokens": 30, "cache_read_input_tokens": 100,
                              "cache_creation_input_tokens": 0, "output_tokens_details": {"thinking_tokens": 8}}


def test_chat_to_responses_events_carry_increasing_sequence_numbers_and_whole_items() -> None:
    events = _events(_translate("responses", "chat", CHAT_MIXED_STREAM,
                                request={"model": "m", "instructions": "Be brief."}))
    assert [d["sequence_number"] for _, d in events] == list(range(len(events)))
    assert all(name == data["type"] for name, data in events)
    names = [n for n, _ in events]
    assert names[:2] == ["response.created", "response.in_progress"] and names[-1] == "response.completed"
    assert names.count("response.output_item.added") == names.count("response.output_item.done") == 3
    done = [d["arguments"] for n, d in events if n == "response.function_call_arguments.done"]
    assert [json.loads(a) for a in done] == [{"city": "Paris"}, {"tz": "CET"}]
    final = events[-1][1]["response"]
    assert final["instructions"] == "Be brief." and [o["type"] for o in final["output"]] == [
        "message", "function_call", "function_call"]
    assert final["usage"]["input_tokens_details"]["cached_tokens"] == 100


def test_interleaved_parallel_call_fragments_each_reach_their_own_call() -> None:
    def chunk(calls: list[dict[str, Any]] | None = None, finish: str | None = None) -> dict[str, Any]:
        return {"id": "c", "model": "m", "created": 1, "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {"tool_calls": calls} if calls else {}, "finish_reason": finish}]}
    raw = sse([(None, c) for c in [
        chunk([{"index": 0, "id": "a", "function": {"name": "f", "arguments": "{\"x\":"}},
               {"index": 1, "id": "b", "function": {"name": "g", "arguments": "{\"y\":"}}]),
        chunk([{"index": 0, "function": {"arguments": "1}"}}, {"index": 1, "function": {"arguments": "2}"}}]),
        chunk(finish="tool_calls")]], done=True)
    anthropic_events = _events(_translate("messages", "chat", raw))
    by_block: dict[int, str] = {}
    for name, data in anthropic_events:
        if name == "content_block_delta":
            by_block[data["index"]] = by_block.get(data["index"], "") + data["delta"]["partial_json"]
    assert {k: json.loads(v) for k, v in by_block.items()} == {0: {"x": 1}, 1: {"y": 2}}
    responses_events = _events(_translate("responses", "chat", raw))
    done = [json.loads(d["arguments"]) for n, d in responses_events if n == "response.function_call_arguments.done"]
    assert done == [{"x": 1}, {"y": 2}]
    gemini_events = _events(_translate("gemini", "chat", raw))
    parts = gemini_events[-1][1]["candidates"][0]["content"]["parts"]
    assert [p["functionCall"]["args"] for p in parts] == [{"x": 1}, {"y": 2}]


def test_a_chat_client_gets_the_usage_chunk_only_when_it_asked() -> None:
    asked = _events(_translate("chat", "messages", ANTHROPIC_STREAM))
    not_asked = _events(_translate("chat", "messages", ANTHROPIC_STREAM, request={"model": "m"}))
    assert any(isinstance(d, dict) and d.get("usage") for _, d in asked)
    assert not any(isinstance(d, dict) and "usage" in d for _, d in not_asked)
    assert asked[-1] == not_asked[-1] == (None, "[DONE]")


@pytest.mark.parametrize(("client", "expected"), [
    ("responses", ("error", {"type": "error", "sequence_number": 6, "code": "overloaded_error",
                             "message": "Overloaded", "param": None})),
    ("chat", (None, {"error": {"message": "Overloaded", "type": "overloaded_error", "param": None, "code": None}})),
    ("gemini", (None, {"error": {"code": 500, "message": "Overloaded", "status": "INTERNAL"}})),
])
def test_an_upstream_error_event_mid_stream_is_the_clients_error_event(client: str, expected: Any) -> None:
    raw = ANTHROPIC_STREAM.split(b"event: content_block_stop")[0] + sse([
        ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})])
    bridge = bridge_between(client, "messages")
    assert bridge is not None
    translator = bridge.stream(request={"stream_options": {"include_usage": True}})
    events = _events(translator.feed(raw) + translator.close())
    assert events[-1] == expected and translator.failed and not translator.complete


@pytest.mark.parametrize("client", ["messages", "responses", "gemini", "chat"])
def test_a_stream_that_ends_before_its_finish_ends_with_an_error_event(client: str) -> None:
    cut = b"\n\n".join(CHAT_TEXT_STREAM.split(b"\n\n")[:3]) + b"\n\n"
    if client == "chat":
        cut = ANTHROPIC_STREAM[: ANTHROPIC_STREAM.index(b"event: content_block_stop")]
    bridge = bridge_between(client, "messages" if client == "chat" else "chat")
    assert bridge is not None
    translator = bridge.stream()
    events = _events(translator.feed(cut) + translator.close())
    assert not translator.complete
    name, data = events[-1]
    assert "ended before the answer was complete" in json.dumps(data)
    assert name in ("error", None)


def test_the_last_event_without_its_blank_line_still_counts() -> None:
    raw = CHAT_TEXT_STREAM.removesuffix(b"data: [DONE]\n\n").rstrip(b"\n")
    events = _events(_translate("messages", "chat", raw))
    assert events[-1][0] == "message_stop" and events[-2][1]["delta"]["stop_reason"] == "end_turn"


def test_an_event_that_is_not_json_raises_the_bridge_error() -> None:
    from a2g.tracing.formats.bridges import BridgeError

    bridge = bridge_between("messages", "chat")
    assert bridge is not None
    with pytest.raises(BridgeError):
        bridge.stream().feed(b"data: {not json\n\n")
