"""The hub every bridge goes through: OpenAI Chat Completions shapes, and the pieces all bridges share.

A translation is client format → chat → upstream format (and back). The chat shapes here are the ones the
OpenAI API documents: a request `{"model", "messages", "tools", ...}`, a response `{"choices": [{"message",
"finish_reason"}], "usage"}` and stream chunks `{"choices": [{"delta", "finish_reason"}]}` with a last
usage-only chunk. `usage` is `{"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details":
{"cached_tokens"}, "completion_tokens_details": {"reasoning_tokens"}}` — prompt tokens include the cached
ones, completion tokens include the reasoning ones. Reasoning text travels as `reasoning_content` (as vLLM,
DeepSeek and LiteLLM send it).
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from typing import Any

from a2g.tracing.formats.bridges._errors import BridgeError

_counter = itertools.count(1)


def new_id(prefix: str) -> str:
    """An id unique in this process, in the shape the client's SDK expects (`msg_…`, `resp_…`, `call_…`)."""
    return f"{prefix}{time.time_ns():x}{next(_counter):04x}"


def now() -> int:
    return int(time.time())


# --- values ------------------------------------------------------------------------------------------------


def as_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BridgeError(f"{what} must be a JSON object")
    return value


def as_list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BridgeError(f"{what} must be a JSON array")
    return value


def integer(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def parse_arguments(arguments: Any) -> dict[str, Any]:
    """A tool call's arguments (a JSON text in chat) as an object; `{}` when empty or not an object."""
    if isinstance(arguments, dict):
        return arguments
    if not isinstance(arguments, str) or not arguments.strip():
        return {}
    try:
        value = json.loads(arguments)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def dump_arguments(value: Any) -> str:
    return json.dumps(value if value is not None else {}, separators=(",", ":"), ensure_ascii=False)


def text_of(content: Any) -> str:
    """A chat message's content as plain text (string content, or the text parts of a list)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    raise BridgeError("a message's content must be a string or a list of parts")


# --- images ------------------------------------------------------------------------------------------------


def data_url(media_type: str, data: str) -> str:
    return f"data:{media_type};base64,{data}"


def split_data_url(url: str) -> tuple[str, str] | None:
    """`data:image/png;base64,AAA` → ("image/png", "AAA"); None for any other URL."""
    if not url.startswith("data:"):
        return None
    head, sep, data = url[5:].partition(",")
    if not sep:
        raise BridgeError("an image data URL has no data")
    media_type, _, encoding = head.partition(";")
    if encoding != "base64":
        data = base64.b64encode(data.encode()).decode()
    return media_type or "application/octet-stream", data


_MEDIA_TYPES = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
    "pdf": "application/pdf", "heic": "image/heic", "heif": "image/heif",
}


def guess_media_type(url: str) -> str:
    ext = url.split("?", 1)[0].rsplit(".", 1)[-1].lower()
    return _MEDIA_TYPES.get(ext, "image/jpeg")


def image_url_of(part: dict[str, Any]) -> str:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str) or not url:
        raise BridgeError("an image_url part has no url")
    return url


# --- usage -------------------------------------------------------------------------------------------------


def chat_usage(prompt: int, completion: int, cached: int = 0, reasoning: int = 0, total: int | None = None
               ) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": total if total else prompt + completion,
    }
    if cached:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    if reasoning:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return usage


def usage_numbers(usage: Any) -> tuple[int, int, int, int, int]:
    """(prompt, completion, cached, reasoning, total) of a chat usage object (zeros when absent)."""
    if not isinstance(usage, dict):
        return 0, 0, 0, 0, 0
    prompt = integer(usage.get("prompt_tokens"))
    completion = integer(usage.get("completion_tokens"))
    prompt_details = usage.get("prompt_tokens_details")
    completion_details = usage.get("completion_tokens_details")
    cached = integer(prompt_details.get("cached_tokens")) if isinstance(prompt_details, dict) else 0
    reasoning = integer(completion_details.get("reasoning_tokens")) if isinstance(completion_details, dict) else 0
    total = integer(usage.get("total_tokens")) or prompt + completion
    return prompt, completion, cached, reasoning, total


# --- chat stream chunks ------------------------------------------------------------------------------------


def chunk(call_id: str, model: str, created: int, delta: dict[str, Any] | None = None,
          finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": call_id, "object": "chat.completion.chunk", "created": created, "model": model,
        "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish_reason, "logprobs": None}],
    }


def usage_chunk(call_id: str, model: str, created: int, usage: dict[str, Any]) -> dict[str, Any]:
    return {"id": call_id, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [], "usage": usage}


def error_chunk(message: str, kind: str = "upstream_error", code: Any = None) -> dict[str, Any]:
    """How an upstream's mid-stream error travels through the hub (the shape OpenAI itself streams)."""
    return {"error": {"message": message, "type": kind, "code": code}}


def first_choice(body: dict[str, Any]) -> dict[str, Any]:
    choices = body.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return choices[0]
    return {}


def response_format_schema(response_format: Any) -> tuple[str, dict[str, Any] | None] | None:
    """A chat `response_format` as ("json", schema or None); None for plain text."""
    if not isinstance(response_format, dict):
        return None
    kind = response_format.get("type")
    if kind == "json_object":
        return "json", None
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        return "json", schema if isinstance(schema, dict) else None
    return None


def json_response_format(schema: dict[str, Any] | None, name: str = "response") -> dict[str, Any]:
    if schema is None:
        return {"type": "json_object"}
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}
