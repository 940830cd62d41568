"""Gemini generateContent ↔ chat: requests and whole responses (streams are in `gemini_stream`).

Gemini → chat: `systemInstruction` becomes the first message, `contents` (roles user/model) the turns; parts
`text`, `inlineData` / `fileData` (→ `image_url` or `file`), `functionCall` (→ the assistant's `tool_calls`,
ids made up when Gemini sent none) and `functionResponse` (→ `tool` messages, matched to their call by id or
else by name in order); `tools.functionDeclarations` (OpenAPI-style `parameters` turned into JSON Schema, or
`parametersJsonSchema` as is); `toolConfig`; `generationConfig` (maxOutputTokens, stopSequences,
temperature, topP, responseMimeType + responseSchema / responseJsonSchema). The model and whether it streams
come from the URL, so the pipeline passes them. Chat → Gemini is the reverse; the model goes in the URL, not
the body. Field names are read camelCase or snake_case (the REST API takes both).
"""

from __future__ import annotations

from typing import Any

from a2g.tracing.formats.bridges import _hub
from a2g.tracing.formats.bridges._errors import BridgeError

# Gemini 3 refuses a history whose function calls carry no thought signature; calls made by another model
# never had one, and this is the value Google documents for exactly that case.
SKIP_SIGNATURE = "skip_thought_signature_validator"

FINISH_TO_CHAT = {"STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter",
                  "RECITATION": "content_filter", "BLOCKLIST": "content_filter",
                  "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter",
                  "IMAGE_SAFETY": "content_filter"}
FINISH_FROM_CHAT = {"stop": "STOP", "tool_calls": "STOP", "function_call": "STOP", "length": "MAX_TOKENS",
                    "content_filter": "SAFETY"}


def get(obj: Any, camel: str, snake: str | None = None) -> Any:
    if not isinstance(obj, dict):
        return None
    value = obj.get(camel)
    if value is None and snake:
        value = obj.get(snake)
    return value


# --- Gemini request → chat request -------------------------------------------------------------------------


def request_to_chat(body: dict[str, Any], *, model: str | None = None, stream: bool | None = None
                    ) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    system = get(body, "systemInstruction", "system_instruction")
    if system:
        text = system if isinstance(system, str) else "".join(
            p.get("text", "") for p in _hub.as_list(get(system, "parts"), "systemInstruction.parts")
            if isinstance(p, dict))
        messages.append({"role": "system", "content": text})
    calls = _CallIds()
    for content in _hub.as_list(body.get("contents"), "contents"):
        if isinstance(content, dict):
            messages.extend(_content_to_chat(content, calls))
    out: dict[str, Any] = {"model": model or body.get("model"), "messages": messages}
    config = get(body, "generationConfig", "generation_config") or {}
    for camel, snake, key in (("maxOutputTokens", "max_output_tokens", "max_tokens"),
                              ("temperature", None, "temperature"), ("topP", "top_p", "top_p"),
                              ("seed", None, "seed"), ("presencePenalty", "presence_penalty", "presence_penalty"),
                              ("frequencyPenalty", "frequency_penalty", "frequency_penalty")):
        value = get(config, camel, snake)
        if value is not None:
            out[key] = value
    stops = get(config, "stopSequences", "stop_sequences")
    if stops:
        out["stop"] = list(stops)
    if get(config, "responseMimeType", "response_mime_type") == "application/json":
        schema = get(config, "responseJsonSchema", "response_json_schema")
        if schema is None:
            schema = get(config, "responseSchema", "response_schema")
            schema = schema_to_json(schema) if isinstance(schema, dict) else None
        out["response_format"] = _hub.json_response_format(schema)
    tools = []
    for tool in _hub.as_list(body.get("tools"), "tools"):
        for declaration in _hub.as_list(get(tool, "functionDeclarations", "function_declarations"), "tools"):
            if isinstance(declaration, dict) and declaration.get("name"):
                tools.append(_declaration_to_chat(declaration))
    if tools:
        out["tools"] = tools
        choice = _tool_choice_to_chat(get(get(body, "toolConfig", "tool_config"),
                                          "functionCallingConfig", "function_calling_config"))
        if choice is not None:
            out["tool_choice"] = choice
    if stream:
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    return out


class _CallIds:
    """Ids for the function calls of a Gemini history, so each functionResponse finds its call."""

    def __init__(self) -> None:
        self.count = 0
        self.pending: dict[str, list[str]] = {}  # name → ids of calls not answered yet

    def call(self, name: str, given: Any) -> str:
        self.count += 1
        call_id = given if isinstance(given, str) and given else f"call_{self.count}"
        self.pending.setdefault(name, []).append(call_id)
        return call_id

    def response(self, name: str, given: Any) -> str:
        waiting = self.pending.get(name) or []
        if isinstance(given, str) and given:
            if given in waiting:
                waiting.remove(given)
            return given
        if waiting:
            return waiting.pop(0)
        self.count += 1
        return f"call_{self.count}"


def _content_to_chat(content: dict[str, Any], calls: _CallIds) -> list[dict[str, Any]]:
    role = "assistant" if content.get("role") == "model" else "user"
    parts: list[dict[str, Any]] = []
    tool_calls: list[dict[str, Any]] = []
    tool_messages: list[dict[str, Any]] = []
    for part in _hub.as_list(content.get("parts"), "a content's parts"):
        if not isinstance(part, dict) or part.get("thought"):
            continue
        if isinstance(part.get("text"), str):
            parts.append({"type": "text", "text": part["text"]})
        elif (inline := get(part, "inlineData", "inline_data")) is not None:
            mime = str(get(inline, "mimeType", "mime_type") or "application/octet-stream")
            parts.append(_media_part(mime, _hub.data_url(mime, str(inline.get("data") or ""))))
        elif (file := get(part, "fileData", "file_data")) is not None:
            uri = str(get(file, "fileUri", "file_uri") or "")
            parts.append(_media_part(str(get(file, "mimeType", "mime_type") or _hub.guess_media_type(uri)), uri))
        elif (call := get(part, "functionCall", "function_call")) is not None:
            name = str(call.get("name") or "")
            tool_calls.append({"id": calls.call(name, call.get("id")), "type": "function",
                               "function": {"name": name, "arguments": _hub.dump_arguments(call.get("args"))}})
        elif (result := get(part, "functionResponse", "function_response")) is not None:
            name = str(result.get("name") or "")
            response = result.get("response")
            tool_messages.append({"role": "tool", "tool_call_id": calls.response(name, result.get("id")),
                                  "content": _hub.dump_arguments(response)})
    out: list[dict[str, Any]] = list(tool_messages)
    if role == "assistant" and (parts or tool_calls):
        message: dict[str, Any] = {"role": "assistant",
                                   "content": "".join(p.get("text", "") for p in parts) or None}
        if tool_calls:
            message["tool_calls"] = tool_calls
        out.append(message)
    elif role == "user" and parts:
        only_text = all(p["type"] == "text" for p in parts)
        out.append({"role": "user", "content": "".join(p["text"] for p in parts) if only_text else parts})
    return out


def _media_part(mime: str, url: str) -> dict[str, Any]:
    if mime.startswith("image/"):
        return {"type": "image_url", "image_url": {"url": url}}
    return {"type": "file", "file": {"file_data": url}}


def _declaration_to_chat(declaration: dict[str, Any]) -> dict[str, Any]:
    schema = get(declaration, "parametersJsonSchema", "parameters_json_schema")
    if schema is None:
        params = declaration.get("parameters")
        schema = schema_to_json(params) if isinstance(params, dict) else {"type": "object", "properties": {}}
    function: dict[str, Any] = {"name": declaration["name"], "parameters": schema}
    if declaration.get("description"):
        function["description"] = declaration["description"]
    return {"type": "function", "function": function}


def schema_to_json(schema: dict[str, Any]) -> dict[str, Any]:
    """Gemini's OpenAPI-style schema (`"type": "OBJECT"`, `nullable`) as JSON Schema."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, str):
            out["type"] = value.lower()
        elif key in ("properties", "$defs", "defs") and isinstance(value, dict):
            out["$defs" if key == "defs" else key] = {
                k: schema_to_json(v) if isinstance(v, dict) else v for k, v in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = schema_to_json(value)
        elif key in ("anyOf", "any_of", "oneOf", "allOf") and isinstance(value, list):
            out["anyOf" if key == "any_of" else key] = [schema_to_json(v) if isinstance(v, dict) else v
                                                        for v in value]
        elif key in ("propertyOrdering", "property_ordering", "nullable"):
            continue
        else:
            out[key] = value
    if schema.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def _tool_choice_to_chat(config: Any) -> Any:
    mode = str(get(config, "mode") or "").upper()
    if mode == "NONE":
        return "none"
    if mode in ("ANY", "VALIDATED"):
        names = get(config, "allowedFunctionNames", "allowed_function_names") or []
        if len(names) == 1:
            return {"type": "function", "function": {"name": names[0]}}
        return "required"
    if mode == "AUTO":
        return "auto"
    return None


# --- chat request → Gemini request -------------------------------------------------------------------------


def request_from_chat(body: dict[str, Any], *, model: str | None = None, stream: bool | None = None
                      ) -> dict[str, Any]:
    """The body of `models/{model}:generateContent` (or `:streamGenerateContent?alt=sse`); no model in it."""
    system: list[str] = []
    contents: list[dict[str, Any]] = []
    names: dict[str, str] = {}  # tool-call id → function name (functionResponse needs the name)
    for message in _hub.as_list(body.get("messages"), "messages"):
        message = _hub.as_dict(message, "a message")
        role = message.get("role")
        if role in ("system", "developer"):
            system.append(_hub.text_of(message.get("content")))
            continue
        if role == "tool":
            call_id = str(message.get("tool_call_id") or "")
            parts = [{"functionResponse": {"name": names.get(call_id, call_id),
                                           "response": _tool_response(message.get("content"))}}]
            gemini_role = "user"
        elif role in ("user", "assistant"):
            parts = _parts_from_chat(message.get("content"))
            first_call = True
            for call in message.get("tool_calls") or ():
                function = call.get("function") or {}
                name = str(function.get("name") or "")
                names[str(call.get("id") or "")] = name
                part: dict[str, Any] = {"functionCall": {"name": name,
                                                         "args": _hub.parse_arguments(function.get("arguments"))}}
                if first_call:
                    part["thoughtSignature"] = SKIP_SIGNATURE
                    first_call = False
                parts.append(part)
            gemini_role = "model" if role == "assistant" else "user"
        else:
            raise BridgeError(f"a message's role {role!r} is not one of system, developer, user, assistant, tool")
        if not parts:
            continue
        if contents and contents[-1]["role"] == gemini_role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": gemini_role, "parts": parts})
    out: dict[str, Any] = {"contents": contents}
    if system:
        out["systemInstruction"] = {"parts": [{"text": "\n".join(system)}]}
    config: dict[str, Any] = {}
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    if max_tokens:
        config["maxOutputTokens"] = max_tokens
    for key, camel in (("temperature", "temperature"), ("top_p", "topP"), ("seed", "seed"),
                       ("presence_penalty", "presencePenalty"), ("frequency_penalty", "frequencyPenalty"),
                       ("n", "candidateCount")):
        if body.get(key) is not None:
            config[camel] = body[key]
    stop = body.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    json_format = _hub.response_format_schema(body.get("response_format"))
    if json_format:
        config["responseMimeType"] = "application/json"
        if json_format[1] is not None:
            config["responseJsonSchema"] = json_format[1]
    if config:
        out["generationConfig"] = config
    declarations = []
    for tool in _hub.as_list(body.get("tools"), "tools"):
        if isinstance(tool, dict) and tool.get("type", "function") == "function":
            function = _hub.as_dict(tool.get("function"), "a tool's function")
            declaration: dict[str, Any] = {"name": function.get("name")}
            if function.get("description"):
                declaration["description"] = function["description"]
            if function.get("parameters"):
                declaration["parametersJsonSchema"] = function["parameters"]
            declarations.append(declaration)
    if declarations:
        out["tools"] = [{"functionDeclarations": declarations}]
        choice = _tool_choice_from_chat(body.get("tool_choice"))
        if choice:
            out["toolConfig"] = {"functionCallingConfig": choice}
    return out


def _parts_from_chat(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[dict[str, Any]] = []
    for part in _hub.as_list(content, "a message's content"):
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "text" and part.get("text"):
            parts.append({"text": part["text"]})
        elif kind in ("image_url", "file"):
            url = _hub.image_url_of(part) if kind == "image_url" else str((part.get("file") or {}).get("file_data"))
            inline = _hub.split_data_url(url)
            if inline:
                parts.append({"inlineData": {"mimeType": inline[0], "data": inline[1]}})
            else:
                parts.append({"fileData": {"mimeType": _hub.guess_media_type(url), "fileUri": url}})
    return parts


def _tool_response(content: Any) -> dict[str, Any]:
    text = _hub.text_of(content)
    value = _hub.parse_arguments(text)
    return value if value else {"result": text}


def _tool_choice_from_chat(choice: Any) -> dict[str, Any] | None:
    if choice == "required":
        return {"mode": "ANY"}
    if choice in ("auto", "none"):
        return {"mode": choice.upper()}
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if name:
            return {"mode": "ANY", "allowedFunctionNames": [name]}
    return None


# --- responses ---------------------------------------------------------------------------------------------


def usage_to_chat(usage: Any) -> dict[str, Any]:
    prompt = _hub.integer(get(usage, "promptTokenCount", "prompt_token_count"))
    prompt += _hub.integer(get(usage, "toolUsePromptTokenCount", "tool_use_prompt_token_count"))
    thoughts = _hub.integer(get(usage, "thoughtsTokenCount", "thoughts_token_count"))
    completion = _hub.integer(get(usage, "candidatesTokenCount", "candidates_token_count")) + thoughts
    cached = _hub.integer(get(usage, "cachedContentTokenCount", "cached_content_token_count"))
    total = _hub.integer(get(usage, "totalTokenCount", "total_token_count"))
    return _hub.chat_usage(prompt, completion, cached, thoughts, total)


def usage_from_chat(usage: Any) -> dict[str, Any]:
    prompt, completion, cached, reasoning, total = _hub.usage_numbers(usage)
    out: dict[str, Any] = {"promptTokenCount": prompt, "candidatesTokenCount": max(completion - reasoning, 0),
                           "totalTokenCount": total}
    if cached:
        out["cachedContentTokenCount"] = cached
    if reasoning:
        out["thoughtsTokenCount"] = reasoning
    return out


def candidate_to_chat(candidate: dict[str, Any], ids: list[str] | None = None
                      ) -> tuple[str, str, list[dict[str, Any]], str | None]:
    """(text, reasoning, tool calls, finish reason or None) of one candidate."""
    text: list[str] = []
    reasoning: list[str] = []
    calls: list[dict[str, Any]] = []
    for part in _hub.as_list(get(candidate.get("content"), "parts"), "a candidate's parts"):
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("text"), str):
            (reasoning if part.get("thought") else text).append(part["text"])
        elif (call := get(part, "functionCall", "function_call")) is not None:
            call_id = call.get("id") or _hub.new_id("call_")
            if ids is not None:
                ids.append(call_id)
            calls.append({"id": call_id, "type": "function", "function": {
                "name": call.get("name"), "arguments": _hub.dump_arguments(call.get("args"))}})
    reason = get(candidate, "finishReason", "finish_reason")
    finish = None
    if reason:
        finish = "tool_calls" if calls and reason == "STOP" else FINISH_TO_CHAT.get(str(reason), "stop")
    return "".join(text), "".join(reasoning), calls, finish


def response_to_chat(body: dict[str, Any], *, model: str | None = None) -> dict[str, Any]:
    candidates = _hub.as_list(body.get("candidates"), "candidates")
    candidate = candidates[0] if candidates and isinstance(candidates[0], dict) else {}
    text, reasoning, calls, finish = candidate_to_chat(candidate)
    if not candidates and get(body, "promptFeedback", "prompt_feedback"):
        finish = "content_filter"
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if reasoning:
        message["reasoning_content"] = reasoning
    if calls:
        message["tool_calls"] = calls
        finish = "tool_calls" if finish in (None, "stop") else finish
    return {
        "id": get(body, "responseId", "response_id") or _hub.new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": _hub.now(),
        "model": get(body, "modelVersion", "model_version") or model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish or "stop"}],
        "usage": usage_to_chat(get(body, "usageMetadata", "usage_metadata")),
    }


def parts_from_message(message: dict[str, Any]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    text = _hub.text_of(message.get("content"))
    if text:
        parts.append({"text": text})
    for call in message.get("tool_calls") or ():
        parts.append(function_call_part(call))
    return parts


def function_call_part(call: dict[str, Any]) -> dict[str, Any]:
    function = call.get("function") or {}
    part: dict[str, Any] = {"name": function.get("name"), "args": _hub.parse_arguments(function.get("arguments"))}
    if call.get("id"):
        part["id"] = call["id"]
    return {"functionCall": part}


def response_from_chat(body: dict[str, Any], *, model: str | None = None) -> dict[str, Any]:
    choice = _hub.first_choice(body)
    parts = parts_from_message(choice.get("message") or {})
    return {
        "candidates": [{"content": {"role": "model", "parts": parts or [{"text": ""}]},
                        "finishReason": FINISH_FROM_CHAT.get(str(choice.get("finish_reason")), "STOP"),
                        "index": 0}],
        "usageMetadata": usage_from_chat(body.get("usage")),
        "modelVersion": body.get("model") or model,
        "responseId": body.get("id") or _hub.new_id("resp-"),
    }
