"""OpenAI Responses ↔ chat: requests and whole responses (streams are in `responses_stream`).

Responses → chat: `instructions` becomes the first message; `input` (a string, or items: messages with
`input_text` / `input_image` / `output_text` parts, `function_call`, `function_call_output`) the turns, a run of
function calls one assistant message; `tools` of type function; `tool_choice`; `text.format` (json_schema /
json_object) → `response_format`; `max_output_tokens`. `reasoning`, `store`, `include`, `truncation` have no
meaning elsewhere and are dropped; `previous_response_id` and `conversation` need the OpenAI server that holds
the earlier turns, so they are refused. Chat → Responses is the reverse.
"""

from __future__ import annotations

from typing import Any

from a2g.tracing.formats.bridges import _hub
from a2g.tracing.formats.bridges._errors import BridgeError

# --- Responses request → chat request ----------------------------------------------------------------------


def request_to_chat(body: dict[str, Any], *, model: str | None = None, stream: bool | None = None
                    ) -> dict[str, Any]:
    for stateful in ("previous_response_id", "conversation"):
        if body.get(stateful):
            raise BridgeError(f"{stateful} needs an LLM of the openai provider; send the whole input instead")
    messages: list[dict[str, Any]] = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": _hub.text_of(body["instructions"])})
    items = body.get("input")
    if isinstance(items, str):
        messages.append({"role": "user", "content": items})
    else:
        for item in _hub.as_list(items, "input"):
            if isinstance(item, dict):
                _item_to_chat(item, messages)
    out: dict[str, Any] = {"model": model or body.get("model"), "messages": messages}
    if body.get("max_output_tokens") is not None:
        out["max_tokens"] = body["max_output_tokens"]
    for key in ("temperature", "top_p", "parallel_tool_calls", "user"):
        if body.get(key) is not None:
            out[key] = body[key]
    tools = [_tool_to_chat(t) for t in _hub.as_list(body.get("tools"), "tools")
             if isinstance(t, dict) and t.get("type") == "function" and t.get("name")]
    if tools:
        out["tools"] = tools
        choice = body.get("tool_choice")
        if choice in ("auto", "none", "required"):
            out["tool_choice"] = choice
        elif isinstance(choice, dict) and choice.get("type") == "function" and choice.get("name"):
            out["tool_choice"] = {"type": "function", "function": {"name": choice["name"]}}
    text_format = (body.get("text") or {}).get("format") if isinstance(body.get("text"), dict) else None
    if isinstance(text_format, dict):
        if text_format.get("type") == "json_schema":
            spec: dict[str, Any] = {"name": text_format.get("name") or "response",
                                    "schema": text_format.get("schema") or {}}
            if text_format.get("strict") is not None:
                spec["strict"] = text_format["strict"]
            out["response_format"] = {"type": "json_schema", "json_schema": spec}
        elif text_format.get("type") == "json_object":
            out["response_format"] = {"type": "json_object"}
    if stream if stream is not None else body.get("stream"):
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    return out


def _item_to_chat(item: dict[str, Any], messages: list[dict[str, Any]]) -> None:
    kind = item.get("type") or "message"
    if kind == "message":
        role = item.get("role")
        if role not in ("user", "assistant", "system", "developer"):
            raise BridgeError(f"an input message's role must be user, assistant, system or developer, not {role!r}")
        content = _content_to_chat(item.get("content"))
        if role == "assistant":
            messages.append({"role": "assistant", "content": _hub.text_of(content) or None})
        else:
            messages.append({"role": role, "content": content})
    elif kind == "function_call":
        call = {"id": item.get("call_id") or item.get("id"), "type": "function",
                "function": {"name": item.get("name"), "arguments": item.get("arguments") or "{}"}}
        last = messages[-1] if messages else None
        if last and last["role"] == "assistant":
            last.setdefault("tool_calls", []).append(call)
        else:
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
    elif kind == "function_call_output":
        output = item.get("output")
        messages.append({"role": "tool", "tool_call_id": item.get("call_id"),
                         "content": output if isinstance(output, str) else _content_to_chat(output)})
    # reasoning, item_reference, web_search_call, ...: nothing another provider can use


def _content_to_chat(content: Any) -> Any:
    if content is None or isinstance(content, str):
        return content or ""
    parts: list[dict[str, Any]] = []
    for part in _hub.as_list(content, "a message's content"):
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "text": part.get("text", "")})
        elif kind == "input_image" and isinstance(part.get("image_url"), str):
            image: dict[str, Any] = {"url": part["image_url"]}
            if part.get("detail") in ("low", "high"):
                image["detail"] = part["detail"]
            parts.append({"type": "image_url", "image_url": image})
        elif kind == "input_file" and isinstance(part.get("file_data"), str):
            parts.append({"type": "file", "file": {"file_data": part["file_data"]}})
        elif kind == "refusal":
            parts.append({"type": "text", "text": part.get("refusal", "")})
    if all(p["type"] == "text" for p in parts):
        return "".join(p["text"] for p in parts)
    return parts


def _tool_to_chat(tool: dict[str, Any]) -> dict[str, Any]:
    function: dict[str, Any] = {"name": tool["name"],
                                "parameters": tool.get("parameters") or {"type": "object", "properties": {}}}
    if tool.get("description"):
        function["description"] = tool["description"]
    if tool.get("strict") is not None:
        function["strict"] = tool["strict"]
    return {"type": "function", "function": function}


# --- chat request → Responses request ----------------------------------------------------------------------


def request_from_chat(body: dict[str, Any], *, model: str | None = None, stream: bool | None = None
                      ) -> dict[str, Any]:
    instructions: list[str] = []
    items: list[dict[str, Any]] = []
    for message in _hub.as_list(body.get("messages"), "messages"):
        message = _hub.as_dict(message, "a message")
        role = message.get("role")
        if role in ("system", "developer"):
            instructions.append(_hub.text_of(message.get("content")))
        elif role == "user":
            items.append({"type": "message", "role": "user", "content": _parts_from_chat(message.get("content"))})
        elif role == "assistant":
            text = _hub.text_of(message.get("content"))
            if text:
                items.append({"type": "message", "role": "assistant",
                              "content": [{"type": "output_text", "text": text}]})
            for call in message.get("tool_calls") or ():
                function = call.get("function") or {}
                items.append({"type": "function_call", "call_id": call.get("id"), "name": function.get("name"),
                              "arguments": function.get("arguments") or "{}"})
        elif role == "tool":
            items.append({"type": "function_call_output", "call_id": message.get("tool_call_id"),
                          "output": _hub.text_of(message.get("content"))})
        else:
            raise BridgeError(f"a message's role {role!r} is not one of system, developer, user, assistant, tool")
    out: dict[str, Any] = {"model": model or body.get("model"), "input": items, "store": False}
    if instructions:
        out["instructions"] = "\n".join(instructions)
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    if max_tokens:
        out["max_output_tokens"] = max_tokens
    for key in ("temperature", "top_p", "parallel_tool_calls", "user"):
        if body.get(key) is not None:
            out[key] = body[key]
    tools = []
    for tool in _hub.as_list(body.get("tools"), "tools"):
        if isinstance(tool, dict) and tool.get("type", "function") == "function":
            function = _hub.as_dict(tool.get("function"), "a tool's function")
            tools.append({"type": "function", "name": function.get("name"),
                          "description": function.get("description"),
                          "parameters": function.get("parameters") or {"type": "object", "properties": {}},
                          "strict": function.get("strict", False)})
    if tools:
        out["tools"] = tools
        choice = body.get("tool_choice")
        if choice in ("auto", "none", "required"):
            out["tool_choice"] = choice
        elif isinstance(choice, dict) and (choice.get("function") or {}).get("name"):
            out["tool_choice"] = {"type": "function", "name": choice["function"]["name"]}
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        spec = response_format.get("json_schema") or {}
        out["text"] = {"format": {"type": "json_schema", "name": spec.get("name") or "response",
                                  "schema": spec.get("schema") or {}, "strict": spec.get("strict", False)}}
    elif isinstance(response_format, dict) and response_format.get("type") == "json_object":
        out["text"] = {"format": {"type": "json_object"}}
    if stream if stream is not None else body.get("stream"):
        out["stream"] = True
    return out


def _parts_from_chat(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str) or content is None:
        return [{"type": "input_text", "text": content or ""}]
    parts: list[dict[str, Any]] = []
    for part in _hub.as_list(content, "a message's content"):
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text":
            parts.append({"type": "input_text", "text": part.get("text", "")})
        elif part.get("type") == "image_url":
            parts.append({"type": "input_image", "image_url": _hub.image_url_of(part), "detail": "auto"})
        elif part.get("type") == "file":
            parts.append({"type": "input_file", "file_data": (part.get("file") or {}).get("file_data")})
    return parts


# --- responses ---------------------------------------------------------------------------------------------


def usage_from_chat(usage: Any) -> dict[str, Any]:
    prompt, completion, cached, reasoning, total = _hub.usage_numbers(usage)
    return {"input_tokens": prompt, "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": completion, "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": total}


def usage_to_chat(usage: Any) -> dict[str, Any]:
    if not isinstance(usage, dict):
        return _hub.chat_usage(0, 0)
    input_details = usage.get("input_tokens_details")
    output_details = usage.get("output_tokens_details")
    return _hub.chat_usage(
        _hub.integer(usage.get("input_tokens")), _hub.integer(usage.get("output_tokens")),
        _hub.integer(input_details.get("cached_tokens")) if isinstance(input_details, dict) else 0,
        _hub.integer(output_details.get("reasoning_tokens")) if isinstance(output_details, dict) else 0,
        _hub.integer(usage.get("total_tokens")))


def status_from_finish(finish: Any) -> tuple[str, dict[str, Any] | None]:
    if finish == "length":
        return "incomplete", {"reason": "max_output_tokens"}
    if finish == "content_filter":
        return "incomplete", {"reason": "content_filter"}
    return "completed", None


def envelope(request: dict[str, Any] | None, response_id: str, model: Any, created: int, status: str
             ) -> dict[str, Any]:
    """The Response object's fields that echo the request (the SDK's Response model has them all)."""
    request = request or {}
    return {
        "id": response_id, "object": "response", "created_at": created, "status": status,
        "background": False, "error": None, "incomplete_details": None,
        "instructions": request.get("instructions"), "max_output_tokens": request.get("max_output_tokens"),
        "model": model or request.get("model"), "output": [],
        "parallel_tool_calls": request.get("parallel_tool_calls", True),
        "previous_response_id": None, "reasoning": {"effort": None, "summary": None},
        "store": False, "temperature": request.get("temperature", 1.0),
        "text": request.get("text") or {"format": {"type": "text"}},
        "tool_choice": request.get("tool_choice", "auto"), "tools": request.get("tools") or [],
        "top_p": request.get("top_p", 1.0), "truncation": "disabled", "usage": None,
        "user": request.get("user"), "metadata": request.get("metadata") or {},
    }


def message_item(item_id: str, text: str, status: str = "completed") -> dict[str, Any]:
    return {"type": "message", "id": item_id, "status": status, "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]}


def function_call_item(item_id: str, call_id: str, name: str, arguments: str, status: str = "completed"
                       ) -> dict[str, Any]:
    return {"type": "function_call", "id": item_id, "call_id": call_id, "name": name, "arguments": arguments,
            "status": status}


def response_from_chat(body: dict[str, Any], *, model: str | None = None,
                       request: dict[str, Any] | None = None) -> dict[str, Any]:
    choice = _hub.first_choice(body)
    message = choice.get("message") or {}
    status, incomplete = status_from_finish(choice.get("finish_reason"))
    out = envelope(request, _hub.new_id("resp_"), body.get("model") or model,
                   _hub.integer(body.get("created")) or _hub.now(), status)
    out["incomplete_details"] = incomplete
    text = _hub.text_of(message.get("content"))
    if text:
        out["output"].append(message_item(_hub.new_id("msg_"), text))
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        out["output"].append(function_call_item(_hub.new_id("fc_"), call.get("id") or _hub.new_id("call_"),
                                                function.get("name") or "", function.get("arguments") or "{}"))
    out["usage"] = usage_from_chat(body.get("usage"))
    return out


def response_to_chat(body: dict[str, Any], *, model: str | None = None) -> dict[str, Any]:
    text: list[str] = []
    reasoning: list[str] = []
    calls: list[dict[str, Any]] = []
    for item in _hub.as_list(body.get("output"), "output"):
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            for part in _hub.as_list(item.get("content"), "a message's content"):
                if isinstance(part, dict) and part.get("type") in ("output_text", "refusal"):
                    text.append(part.get("text") or part.get("refusal") or "")
        elif kind == "function_call":
            calls.append({"id": item.get("call_id"), "type": "function",
                          "function": {"name": item.get("name"), "arguments": item.get("arguments") or "{}"}})
        elif kind == "reasoning":
            reasoning.extend(s.get("text", "") for s in item.get("summary") or () if isinstance(s, dict))
    message: dict[str, Any] = {"role": "assistant", "content": "".join(text) or None}
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
    if calls:
        message["tool_calls"] = calls
    return {
        "id": body.get("id") or _hub.new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": _hub.integer(body.get("created_at")) or _hub.now(),
        "model": body.get("model") or model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_of(body, calls)}],
        "usage": usage_to_chat(body.get("usage")),
    }


def finish_of(body: dict[str, Any], calls: list[Any]) -> str:
    if body.get("status") == "incomplete":
        reason = (body.get("incomplete_details") or {}).get("reason")
        return "content_filter" if reason == "content_filter" else "length"
    return "tool_calls" if calls else "stop"
