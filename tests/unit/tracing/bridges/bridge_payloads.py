"""What each provider's API really answers (shapes as documented and as the APIs send them), for the bridges."""

from __future__ import annotations

import json
from typing import Any


def sse(events: list[tuple[str | None, Any]], *, done: bool = False, crlf: bool = False) -> bytes:
    sep = "\r\n" if crlf else "\n"
    out = []
    for name, data in events:
        head = f"event: {name}{sep}" if name else ""
        out.append(f"{head}data: {json.dumps(data)}{sep}{sep}")
    if done:
        out.append(f"data: [DONE]{sep}{sep}")
    return "".join(out).encode()


# --- OpenAI Chat Completions -------------------------------------------------------------------------------

CHAT_USAGE = {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150,
              "prompt_tokens_details": {"cached_tokens": 100, "audio_tokens": 0},
              "completion_tokens_details": {"reasoning_tokens": 8, "audio_tokens": 0}}

CHAT_TEXT = {
    "id": "chatcmpl-abc", "object": "chat.completion", "created": 1764650000, "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there!", "refusal": None,
                                         "annotations": []}, "logprobs": None, "finish_reason": "stop"}],
    "usage": CHAT_USAGE, "service_tier": "default", "system_fingerprint": "fp_1",
}

CHAT_TOOLS = {
    "id": "chatcmpl-def", "object": "chat.completion", "created": 1764650000, "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
        {"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{\"tz\":\"CET\"}"}},
    ]}, "logprobs": None, "finish_reason": "tool_calls"}],
    "usage": CHAT_USAGE,
}

CHAT_LENGTH = {**CHAT_TEXT, "choices": [{**CHAT_TEXT["choices"][0], "finish_reason": "length"}]}


def _chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1764650000, "model": "gpt-4o-mini",
            "system_fingerprint": "fp_1", "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                       "finish_reason": finish}], "usage": None}


_USAGE_CHUNK = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 1764650000,
                "model": "gpt-4o-mini", "choices": [], "usage": CHAT_USAGE}

CHAT_TEXT_STREAM = sse([(None, c) for c in [
    _chunk({"role": "assistant", "content": "", "refusal": None}),
    _chunk({"content": "Hel"}), _chunk({"content": "lo "}), _chunk({"content": "there!"}),
    _chunk({}, "stop"), _USAGE_CHUNK]], done=True)

# Two parallel calls, the arguments streamed in fragments, the way OpenAI streams them.
CHAT_TOOLS_STREAM = sse([(None, c) for c in [
    _chunk({"role": "assistant", "content": None}),
    _chunk({"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                            "function": {"name": "get_weather", "arguments": ""}}]}),
    _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{\"ci"}}]}),
    _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "ty\": \"Paris\"}"}}]}),
    _chunk({"tool_calls": [{"index": 1, "id": "call_b", "type": "function",
                            "function": {"name": "get_time", "arguments": ""}}]}),
    _chunk({"tool_calls": [{"index": 1, "function": {"arguments": "{\"tz\": "}}]}),
    _chunk({"tool_calls": [{"index": 1, "function": {"arguments": "\"CET\"}"}}]}),
    _chunk({}, "tool_calls"), _USAGE_CHUNK]], done=True)

CHAT_TEXT_THEN_TOOL_STREAM = sse([(None, c) for c in [
    _chunk({"role": "assistant", "content": ""}), _chunk({"content": "Let me check."}),
    _chunk({"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                            "function": {"name": "get_weather", "arguments": "{\"city\":"}}]}),
    _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]}),
    _chunk({}, "tool_calls"), _USAGE_CHUNK]], done=True)

# --- Anthropic Messages ------------------------------------------------------------------------------------

ANTHROPIC_USAGE = {"input_tokens": 20, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 100,
                   "output_tokens": 30, "service_tier": "standard"}

ANTHROPIC_MESSAGE = {
    "id": "msg_01X", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
    "content": [{"type": "text", "text": "Let me check."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}},
                {"type": "tool_use", "id": "toolu_2", "name": "get_time", "input": {"tz": "CET"}}],
    "stop_reason": "tool_use", "stop_sequence": None, "usage": ANTHROPIC_USAGE,
}

ANTHROPIC_STREAM = sse([
    ("message_start", {"type": "message_start", "message": {
        "id": "msg_01S", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": [],
        "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 20, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 100,
                  "output_tokens": 1}}}),
    ("content_block_start", {"type": "content_block_start", "index": 0,
                             "content_block": {"type": "text", "text": ""}}),
    ("ping", {"type": "ping"}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0,
                             "delta": {"type": "text_delta", "text": "Let me "}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0,
                             "delta": {"type": "text_delta", "text": "check."}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    ("content_block_start", {"type": "content_block_start", "index": 1, "content_block": {
        "type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 1,
                             "delta": {"type": "input_json_delta", "partial_json": ""}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 1,
                             "delta": {"type": "input_json_delta", "partial_json": "{\"city\": \"Pa"}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 1,
                             "delta": {"type": "input_json_delta", "partial_json": "ris\"}"}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 1}),
    ("content_block_start", {"type": "content_block_start", "index": 2, "content_block": {
        "type": "tool_use", "id": "toolu_2", "name": "get_time", "input": {}}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 2,
                             "delta": {"type": "input_json_delta", "partial_json": "{\"tz\": \"CET\"}"}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 2}),
    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                       "usage": {"output_tokens": 30}}),
    ("message_stop", {"type": "message_stop"}),
])

# --- Gemini ------------------------------------------------------------------------------------------------

GEMINI_USAGE = {"promptTokenCount": 120, "candidatesTokenCount": 22, "totalTokenCount": 150,
                "cachedContentTokenCount": 100, "thoughtsTokenCount": 8,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 120}]}

GEMINI_RESPONSE = {
    "candidates": [{"content": {"role": "model", "parts": [
        {"text": "Let me check."},
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}, "thoughtSignature": "c2ln"},
        {"functionCall": {"name": "get_time", "args": {"tz": "CET"}}}]},
        "finishReason": "STOP", "index": 0}],
    "usageMetadata": GEMINI_USAGE, "modelVersion": "gemini-2.5-flash", "responseId": "gem-resp-1",
}

GEMINI_STREAM = sse([
    (None, {"candidates": [{"content": {"role": "model", "parts": [{"text": "Let me "}]}, "index": 0}],
            "usageMetadata": {"promptTokenCount": 120, "totalTokenCount": 120}, "modelVersion": "gemini-2.5-flash",
            "responseId": "gem-s-1"}),
    (None, {"candidates": [{"content": {"role": "model", "parts": [{"text": "check."}]}, "index": 0}],
            "modelVersion": "gemini-2.5-flash", "responseId": "gem-s-1"}),
    (None, {"candidates": [{"content": {"role": "model", "parts": [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}},
        {"functionCall": {"name": "get_time", "args": {"tz": "CET"}}}]},
        "finishReason": "STOP", "index": 0}], "usageMetadata": GEMINI_USAGE,
        "modelVersion": "gemini-2.5-flash", "responseId": "gem-s-1"}),
], crlf=True)

# --- OpenAI Responses --------------------------------------------------------------------------------------

RESPONSES_USAGE = {"input_tokens": 120, "input_tokens_details": {"cached_tokens": 100}, "output_tokens": 30,
                   "output_tokens_details": {"reasoning_tokens": 8}, "total_tokens": 150}

RESPONSES_RESPONSE = {
    "id": "resp_1", "object": "response", "created_at": 1764650000, "status": "completed", "model": "gpt-5",
    "output": [
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
         "content": [{"type": "output_text", "text": "Let me check.", "annotations": []}]},
        {"type": "function_call", "id": "fc_1", "call_id": "call_a", "name": "get_weather",
         "arguments": "{\"city\":\"Paris\"}", "status": "completed"},
        {"type": "function_call", "id": "fc_2", "call_id": "call_b", "name": "get_time",
         "arguments": "{\"tz\":\"CET\"}", "status": "completed"}],
    "usage": RESPONSES_USAGE, "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
}


def _rev(kind: str, seq: int, **fields: Any) -> tuple[str, dict[str, Any]]:
    return kind, {"type": kind, "sequence_number": seq, **fields}


RESPONSES_STREAM = sse([
    _rev("response.created", 0, response={**RESPONSES_RESPONSE, "status": "in_progress", "output": [],
                                          "usage": None}),
    _rev("response.output_item.added", 1, output_index=0, item={
        "type": "message", "id": "msg_1", "status": "in_progress", "role": "assistant", "content": []}),
    _rev("response.content_part.added", 2, item_id="msg_1", output_index=0, content_index=0,
         part={"type": "output_text", "text": "", "annotations": []}),
    _rev("response.output_text.delta", 3, item_id="msg_1", output_index=0, content_index=0, delta="Let me "),
    _rev("response.output_text.delta", 4, item_id="msg_1", output_index=0, content_index=0, delta="check."),
    _rev("response.output_item.added", 5, output_index=1, item={
        "type": "function_call", "id": "fc_1", "call_id": "call_a", "name": "get_weather", "arguments": "",
        "status": "in_progress"}),
    _rev("response.function_call_arguments.delta", 6, item_id="fc_1", output_index=1, delta="{\"city\":"),
    _rev("response.function_call_arguments.delta", 7, item_id="fc_1", output_index=1, delta="\"Paris\"}"),
    _rev("response.function_call_arguments.done", 8, item_id="fc_1", output_index=1,
         arguments="{\"city\":\"Paris\"}"),
    _rev("response.output_item.added", 9, output_index=2, item={
        "type": "function_call", "id": "fc_2", "call_id": "call_b", "name": "get_time", "arguments": "",
        "status": "in_progress"}),
    _rev("response.function_call_arguments.done", 10, item_id="fc_2", output_index=2, arguments="{\"tz\":\"CET\"}"),
    _rev("response.completed", 11, response=RESPONSES_RESPONSE),
])

# Text and two parallel calls, in each upstream format (the same answer four ways).
CHAT_MIXED = {**CHAT_TOOLS, "choices": [{"index": 0, "message": {
    **CHAT_TOOLS["choices"][0]["message"], "content": "Let me check."}, "logprobs": None,
    "finish_reason": "tool_calls"}]}

CHAT_MIXED_STREAM = sse([(None, c) for c in [
    _chunk({"role": "assistant", "content": ""}), _chunk({"content": "Let me "}), _chunk({"content": "check."}),
    _chunk({"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                            "function": {"name": "get_weather", "arguments": ""}}]}),
    _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\": "}}]}),
    _chunk({"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]}),
    _chunk({"tool_calls": [{"index": 1, "id": "call_b", "type": "function",
                            "function": {"name": "get_time", "arguments": "{\"tz\""}}]}),
    _chunk({"tool_calls": [{"index": 1, "function": {"arguments": ": \"CET\"}"}}]}),
    _chunk({}, "tool_calls"), _USAGE_CHUNK]], done=True)

UPSTREAM = {  # format → (whole answer, stream, reasoning tokens it reports)
    "chat": (CHAT_MIXED, CHAT_MIXED_STREAM, 8),
    "messages": (ANTHROPIC_MESSAGE, ANTHROPIC_STREAM, 0),
    "gemini": (GEMINI_RESPONSE, GEMINI_STREAM, 8),
    "responses": (RESPONSES_RESPONSE, RESPONSES_STREAM, 8),
}
EXPECTED_TEXT = "Let me check."
EXPECTED_CALLS = [("get_weather", {"city": "Paris"}), ("get_time", {"tz": "CET"})]
