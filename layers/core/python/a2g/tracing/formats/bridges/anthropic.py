"""Anthropic Messages ↔ chat: requests and whole responses (streams are in `anthropic_stream`).

Messages → chat: `system` becomes the first message; `tool_use` blocks become the assistant's `tool_calls`;
`tool_result` blocks become `tool` messages (before the rest of that user turn); images (base64 or URL) become
`image_url` parts; `tool_choice` any/tool/none map to required/function/none; `output_config.format`
(structured outputs) becomes `response_format`. Chat → Messages is the reverse, merging consecutive turns of
one role (Anthropic wants them alternating) and giving `max_tokens` a default, since Anthropic requires it.
"""

from __future__ import annotations

from typing import Any

from a2g.tracing.formats.bridges import _hub
from a2g.tracing.formats.bridges._errors import BridgeError

DEFAULT_MAX_TOKENS = 4096

STOP_TO_CHAT = {
    "end_turn": "stop", "stop_sequence": "stop", "pause_turn": "stop", "max_tokens": "length",
    "model_context_window_exceeded": "length", "tool_use": "tool_calls", "refusal": "content_filter",
}
STOP_FROM_CHAT = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use",
                  "function_call": "tool_use", "content_filter": "refusal"}


# --- Messages request → chat request -----------------------------------------------------------------------


def request_to_chat(body: dict[str, Any], *, model: str | None = None, stream: bool | None = None
                    ) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    system = body.get("system")
    if system:
        messages.append({"role": "system", "content": _system_text(system)})
    for message in _hub.as_list(body.get("messages"), "messages"):
        messages.extend(_message_to_chat(_hub.as_dict(message, "a message")))
    out: dict[str, Any] = {"model": model or body.get("model"), "messages": messages}
    if body.get("max_tokens") is not None:
        out["max_tokens"] = body["max_tokens"]
    for key in ("temperature", "top_p"):
        if body.get(key) is not None:
            out[key] = body[key]
    stops = body.get("stop_sequences")
    if stops:
        out["stop"] = list(stops)
    tools = [_tool_to_chat(t) for t in _hub.as_list(body.get("tools"), "tools") if _is_custom_tool(t)]
    if tools:
        out["tools"] = tools
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        kind = choice.get("type")
        if kind == "any":
            out["tool_choice"] = "required"
        elif kind == "tool":
            out["tool_choice"] = {"type": "function", "function": {"name": choice.get("name")}}
        elif kind in ("auto", "none"):
            out["tool_choice"] = kind
        if choice.get("disable_parallel_tool_use") and tools:
            out["parallel_tool_calls"] = False
    output_format = (body.get("output_config") or {}).get("format") or body.get("output_format")
    if isinstance(output_format, dict) and output_format.get("type") == "json_schema":
        schema = output_format.get("schema")
        out["response_format"] = _hub.json_response_format(schema if isinstance(schema, dict) else None)
    metadata = body.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("user_id"), str):
        out["user"] = metadata["user_id"]
    if stream if stream is not None else body.get("stream"):
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    return out


def _system_text(system: Any) -> str:
    if isinstance(system, str):
        return system
    return "\n".join(b.get("text", "") for b in _hub.as_list(system, "system") if isinstance(b, dict))


def _is_custom_tool(tool: Any) -> bool:
    return isinstance(tool, dict) and tool.get("type") in (None, "custom") and bool(tool.get("name"))


def _tool_to_chat(tool: dict[str, Any]) -> dict[str, Any]:
    function: dict[str, Any] = {"name": tool["name"],
                                "parameters": tool.get("input_schema") or {"type": "object", "properties": {}}}
    if tool.get("description"):
        function["description"] = tool["description"]
    return {"type": "function", "function": function}


def _message_to_chat(message: dict[str, Any]) -> list[dict[str, Any]]:
    role = message.get("role")
    if role not in ("user", "assistant"):
        raise BridgeError(f"a message's role must be user or assistant, not {role!r}")
    content = message.get("content")
    if isinstance(content, str):
        return [{"role": role, "content": content}]
    parts: list[dict[str, Any]] = []
    tool_calls: list[dict[str, Any]] = []
    tool_messages: list[dict[str, Any]] = []
    for block in _hub.as_list(content, "a message's content"):
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            parts.append({"type": "text", "text": block.get("text", "")})
        elif kind in ("image", "document"):
            part = _media_to_chat(block)
            if part:
                parts.append(part)
        elif kind == "tool_use":
            tool_calls.append({"id": block.get("id"), "type": "function", "function": {
                "name": block.get("name"), "arguments": _hub.dump_arguments(block.get("input"))}})
        elif kind == "tool_result":
            tool_messages.append({"role": "tool", "tool_call_id": block.get("tool_use_id"),
                                  "content": _tool_result_content(block)})
        # thinking, redacted_thinking, server tool blocks: nothing another provider can use
    out: list[dict[str, Any]] = list(tool_messages)
    if role == "assistant":
        if parts or tool_calls:
            text = "".join(p["text"] for p in parts if p["type"] == "text")
            assistant: dict[str, Any] = {"role": "assistant", "content": text or None}
            if tool_calls:
                assistant["tool_calls"] = tool_calls
            out.append(assistant)
    elif parts:
        only_text = all(p["type"] == "text" for p in parts)
        out.append({"role": "user", "content": "".join(p["text"] for p in parts) if only_text else parts})
    return out


def _media_to_chat(block: dict[str, Any]) -> dict[str, Any] | None:
    source = block.get("source")
    if not isinstance(source, dict):
        return None
    kind = source.get("type")
    if kind == "base64":
        url = _hub.data_url(str(source.get("media_type") or "image/png"), str(source.get("data") or ""))
    elif kind == "url":
        url = str(source.get("url") or "")
    elif kind == "text" and block.get("type") == "document":
        return {"type": "text", "text": str(source.get("data") or "")}
    else:
        return None
    if block.get("type") == "document":
        return {"type": "file", "file": {"file_data": url}}
    return {"type": "image_url", "image_url": {"url": url}}


def _tool_result_content(block: dict[str, Any]) -> Any:
    content = block.get("content")
    if content is None or isinstance(content, str):
        text = content or ""
    else:
        parts = [p for p in (_block_to_part(b) for b in _hub.as_list(content, "a tool_result")) if p]
        if any(p["type"] != "text" for p in parts):
            return parts
        text = "".join(p["text"] for p in parts)
    return f"Error: {text}" if block.get("is_error") else text


def _block_to_part(block: Any) -> dict[str, Any] | None:
    if not isinstance(block, dict):
        return None
    if block.get("type") == "text":
        return {"type": "text", "text": block.get("text", "")}
    if block.get("type") == "image":
        return _media_to_chat(block)
    return None


# --- chat request → Messages request -----------------------------------------------------------------------


def request_from_chat(body: dict[str, Any], *, model: str | None = None, stream: bool | None = None
                      ) -> dict[str, Any]:
    system: list[str] = []
    turns: list[dict[str, Any]] = []
    for message in _hub.as_list(body.get("messages"), "messages"):
        message = _hub.as_dict(message, "a message")
        role = message.get("role")
        if role in ("system", "developer"):
            system.append(_hub.text_of(message.get("content")))
            continue
        if role == "tool":
            blocks = [{"type": "tool_result", "tool_use_id": message.get("tool_call_id"),
                       "content": _tool_content_from_chat(message.get("content"))}]
            role = "user"
        elif role in ("user", "assistant"):
            blocks = _content_from_chat(message.get("content"))
            for call in message.get("tool_calls") or ():
                function = call.get("function") or {}
                blocks.append({"type": "tool_use", "id": call.get("id") or _hub.new_id("toolu_"),
                               "name": function.get("name"), "input": _hub.parse_arguments(function.get("arguments"))})
        else:
            raise BridgeError(f"a message's role {role!r} is not one of system, developer, user, assistant, tool")
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    for turn in turns:  # tool results first in a user turn, as Anthropic requires
        turn["content"].sort(key=lambda b: b.get("type") != "tool_result")
    out: dict[str, Any] = {
        "model": model or body.get("model"),
        "messages": turns,
        "max_tokens": body.get("max_completion_tokens") or body.get("max_tokens") or DEFAULT_MAX_TOKENS,
    }
    if system:
        out["system"] = "\n".join(system)
    if body.get("temperature") is not None:
        out["temperature"] = min(float(body["temperature"]), 1.0)
    if body.get("top_p") is not None:
        out["top_p"] = body["top_p"]
    stop = body.get("stop")
    if stop:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    tools = [_tool_from_chat(t) for t in _hub.as_list(body.get("tools"), "tools")
             if isinstance(t, dict) and t.get("type", "function") == "function"]
    if tools:
        out["tools"] = tools
        choice = _tool_choice_from_chat(body.get("tool_choice"))
        if body.get("parallel_tool_calls") is False:
            choice = {**(choice or {"type": "auto"}), "disable_parallel_tool_use": True}
        if choice:
            out["tool_choice"] = choice
    json_format = _hub.response_format_schema(body.get("response_format"))
    if json_format and json_format[1] is not None:
        out["output_config"] = {"format": {"type": "json_schema", "schema": json_format[1]}}
    if isinstance(body.get("user"), str):
        out["metadata"] = {"user_id": body["user"]}
    if stream if stream is not None else body.get("stream"):
        out["stream"] = True
    return out


def _content_from_chat(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[dict[str, Any]] = []
    for part in _hub.as_list(content, "a message's content"):
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "text" and part.get("text"):
            blocks.append({"type": "text", "text": part["text"]})
        elif kind == "image_url":
            blocks.append(_image_from_url(_hub.image_url_of(part)))
        elif kind == "file":
            data = (part.get("file") or {}).get("file_data")
            inline = _hub.split_data_url(data) if isinstance(data, str) else None
            if inline:
                blocks.append({"type": "document", "source": {"type": "base64", "media_type": inline[0],
                                                              "data": inline[1]}})
    return blocks


def _image_from_url(url: str) -> dict[str, Any]:
    inline = _hub.split_data_url(url)
    if inline:
        return {"type": "image", "source": {"type": "base64", "media_type": inline[0], "data": inline[1]}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _tool_content_from_chat(content: Any) -> Any:
    if isinstance(content, list):
        return _content_from_chat(content)
    return _hub.text_of(content)


def _tool_from_chat(tool: dict[str, Any]) -> dict[str, Any]:
    function = _hub.as_dict(tool.get("function"), "a tool's function")
    out: dict[str, Any] = {"name": function.get("name"),
                           "input_schema": function.get("parameters") or {"type": "object", "properties": {}}}
    if function.get("description"):
        out["description"] = function["description"]
    return out


def _tool_choice_from_chat(choice: Any) -> dict[str, Any] | None:
    if choice == "required":
        return {"type": "any"}
    if choice in ("auto", "none"):
        return {"type": choice}
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if name:
            return {"type": "tool", "name": name}
    return None


# --- responses ---------------------------------------------------------------------------------------------


def response_to_chat(body: dict[str, Any], *, model: str | None = None) -> dict[str, Any]:
    """A Messages response as a chat completion."""
    text: list[str] = []
    reasoning: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    for block in _hub.as_list(body.get("content"), "content"):
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            text.append(block.get("text", ""))
        elif kind == "thinking":
            reasoning.append(block.get("thinking", ""))
        elif kind == "tool_use":
            tool_calls.append({"id": block.get("id"), "type": "function", "function": {
                "name": block.get("name"), "arguments": _hub.dump_arguments(block.get("input"))}})
    message: dict[str, Any] = {"role": "assistant", "content": "".join(text) or None}
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": body.get("id") or _hub.new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": _hub.now(),
        "model": body.get("model") or model,
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": STOP_TO_CHAT.get(str(body.get("stop_reason")), "stop")}],
        "usage": usage_to_chat(body.get("usage")),
    }


def usage_to_chat(usage: Any) -> dict[str, Any]:
    if not isinstance(usage, dict):
        return _hub.chat_usage(0, 0)
    cached = _hub.integer(usage.get("cache_read_input_tokens"))
    prompt = _hub.integer(usage.get("input_tokens")) + cached + _hub.integer(usage.get("cache_creation_input_tokens"))
    details = usage.get("output_tokens_details")
    reasoning = _hub.integer(details.get("thinking_tokens")) if isinstance(details, dict) else 0
    return _hub.chat_usage(prompt, _hub.integer(usage.get("output_tokens")), cached, reasoning)


def usage_from_chat(usage: Any) -> dict[str, Any]:
    prompt, completion, cached, reasoning, _ = _hub.usage_numbers(usage)
    out: dict[str, Any] = {"input_tokens": max(prompt - cached, 0), "output_tokens": completion,
                           "cache_read_input_tokens": cached, "cache_creation_input_tokens": 0}
    if reasoning:
        out["output_tokens_details"] = {"thinking_tokens": reasoning}
    return out


def response_from_chat(body: dict[str, Any], *, model: str | None = None) -> dict[str, Any]:
    """A chat completion as a Messages response."""
    choice = _hub.first_choice(body)
    message = choice.get("message") or {}
    content: list[dict[str, Any]] = []
    text = _hub.text_of(message.get("content"))
    if text:
        content.append({"type": "text", "text": text})
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        content.append({"type": "tool_use", "id": call.get("id") or _hub.new_id("toolu_"),
                        "name": function.get("name"), "input": _hub.parse_arguments(function.get("arguments"))})
    finish = choice.get("finish_reason")
    stop_reason = "tool_use" if finish == "stop" and message.get("tool_calls") else STOP_FROM_CHAT.get(
        str(finish), "end_turn")
    return {
        "id": message_id(body.get("id")),
        "type": "message",
        "role": "assistant",
        "model": body.get("model") or model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage_from_chat(body.get("usage")),
    }


def message_id(upstream_id: Any) -> str:
    if isinstance(upstream_id, str) and upstream_id.startswith("msg_"):
        return upstream_id
    return _hub.new_id("msg_")
