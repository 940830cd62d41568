"""OpenAI Responses streaming events ↔ chat chunks.

Encoder (chat upstream → Responses client): `response.created`, `response.in_progress`; a message item for the
text (`response.output_item.added`, `response.content_part.added`, `response.output_text.delta`…, then the
`…done` events); one function_call item per tool call (`response.output_item.added`,
`response.function_call_arguments.delta`… as the arguments stream, `…arguments.done`, `…output_item.done`),
parallel calls as separate items; and `response.completed` (or `response.incomplete` at the length limit)
carrying the whole response with its usage. Every event has its `sequence_number`.

Decoder (Responses upstream → chat client): text deltas → content, function_call items → `tool_calls` (one
index per item, arguments as they stream), reasoning summary deltas → `reasoning_content`, the terminal event
→ finish reason and usage.
"""

from __future__ import annotations

from typing import Any

from a2g.tracing.formats.bridges import _hub, _sse
from a2g.tracing.formats.bridges.responses import (
    envelope,
    finish_of,
    function_call_item,
    message_item,
    status_from_finish,
    usage_from_chat,
    usage_to_chat,
)


class ResponsesEncoder:
    """Chat chunks → Responses SSE events."""

    def __init__(self, model: str | None = None, request: dict[str, Any] | None = None) -> None:
        self._request = request
        self._model = model
        self._id = _hub.new_id("resp_")
        self._created = _hub.now()
        self._seq = 0
        self._started = False
        self._items: list[dict[str, Any]] = []  # output items, by output_index
        self._text: int | None = None  # output index of the open message item
        self._text_buf = ""
        self._tools: dict[int, int] = {}  # chat tool-call index → output index
        self._open_tools: list[int] = []
        self._finish: str | None = None
        self._usage: Any = None
        self._ended = False

    def chunk(self, chunk: dict[str, Any]) -> list[bytes]:
        self._model = chunk.get("model") or self._model
        out: list[bytes] = []
        if not self._started:
            self._started = True
            out.append(self._event("response.created", response=self._response("in_progress")))
            out.append(self._event("response.in_progress", response=self._response("in_progress")))
        if chunk.get("usage"):
            self._usage = chunk["usage"]
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            text = delta.get("content")
            if isinstance(text, str) and text:
                out.extend(self._text_delta(text))
            for call in delta.get("tool_calls") or ():
                if isinstance(call, dict):
                    out.extend(self._tool_delta(call))
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
                out.extend(self._close_text())
                out.extend(self._close_tools())
        return out

    def end(self) -> list[bytes]:
        if self._ended:
            return []
        self._ended = True
        out = self.chunk({}) if not self._started else []
        out.extend(self._close_text())
        out.extend(self._close_tools())
        status, incomplete = status_from_finish(self._finish)
        response = self._response(status)
        response["incomplete_details"] = incomplete
        response["usage"] = usage_from_chat(self._usage)
        out.append(self._event("response.completed" if status == "completed" else "response.incomplete",
                               response=response))
        return out

    def error(self, message: str, kind: str) -> bytes:
        return self._event("error", code=kind, message=message, param=None)

    def _response(self, status: str) -> dict[str, Any]:
        response = envelope(self._request, self._id, self._model, self._created, status)
        response["output"] = [dict(item) for item in self._items]
        return response

    def _text_delta(self, text: str) -> list[bytes]:
        out: list[bytes] = []
        if self._text is None:
            self._text = len(self._items)
            item = message_item(_hub.new_id("msg_"), "", "in_progress")
            part = item["content"][0]
            self._items.append({**item, "content": []})
            self._text_buf = ""
            out.append(self._event("response.output_item.added", output_index=self._text, item=self._items[-1]))
            out.append(self._event("response.content_part.added", item_id=item["id"], output_index=self._text,
                                   content_index=0, part=part))
        item = self._items[self._text]
        self._text_buf += text
        out.append(self._event("response.output_text.delta", item_id=item["id"], output_index=self._text,
                               content_index=0, delta=text, logprobs=[]))
        return out

    def _close_text(self) -> list[bytes]:
        if self._text is None:
            return []
        index, self._text = self._text, None
        text, self._text_buf = self._text_buf, ""
        done = message_item(self._items[index]["id"], text)
        self._items[index] = done
        return [
            self._event("response.output_text.done", item_id=done["id"], output_index=index, content_index=0,
                        text=text, logprobs=[]),
            self._event("response.content_part.done", item_id=done["id"], output_index=index, content_index=0,
                        part=done["content"][0]),
            self._event("response.output_item.done", output_index=index, item=done),
        ]

    def _tool_delta(self, call: dict[str, Any]) -> list[bytes]:
        out: list[bytes] = []
        chat_index = call.get("index", len(self._tools))
        function = call.get("function") or {}
        index = self._tools.get(chat_index)
        if index is None:
            out.extend(self._close_text())
            index = self._tools[chat_index] = len(self._items)
            item = function_call_item(_hub.new_id("fc_"), call.get("id") or _hub.new_id("call_"),
                                      function.get("name") or "", "", "in_progress")
            self._items.append(item)
            self._open_tools.append(index)
            out.append(self._event("response.output_item.added", output_index=index, item=dict(item)))
        arguments = function.get("arguments")
        if isinstance(arguments, str) and arguments:
            item = self._items[index]
            item["arguments"] += arguments
            out.append(self._event("response.function_call_arguments.delta", item_id=item["id"],
                                   output_index=index, delta=arguments))
        return out

    def _close_tools(self) -> list[bytes]:
        out: list[bytes] = []
        for index in self._open_tools:
            item = self._items[index]
            item["status"] = "completed"
            item["arguments"] = item["arguments"] or "{}"
            out.append(self._event("response.function_call_arguments.done", item_id=item["id"], output_index=index,
                                   name=item["name"], arguments=item["arguments"]))
            out.append(self._event("response.output_item.done", output_index=index, item=dict(item)))
        self._open_tools = []
        return out

    def _event(self, kind: str, **fields: Any) -> bytes:
        data = {"type": kind, "sequence_number": self._seq, **fields}
        self._seq += 1
        return _sse.event(kind, data)


class ResponsesDecoder:
    """Responses SSE events → chat chunks."""

    def __init__(self, model: str | None = None) -> None:
        self._id = _hub.new_id("chatcmpl-")
        self._model = model or ""
        self._created = _hub.now()
        self._tools: dict[Any, int] = {}  # output index → chat tool-call index
        self._streamed: set[int] = set()  # tool calls whose arguments came as deltas

    def event(self, name: str | None, data: dict[str, Any]) -> list[dict[str, Any]]:
        kind = data.get("type") or name
        if kind == "response.created":
            response = data.get("response") or {}
            self._id = response.get("id") or self._id
            self._model = response.get("model") or self._model
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "response.output_text.delta":
            return [self._chunk({"content": data.get("delta") or ""})]
        if kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            return [self._chunk({"reasoning_content": data.get("delta") or ""})]
        if kind == "response.output_item.added":
            item = data.get("item") or {}
            if item.get("type") != "function_call":
                return []
            index = self._tools[data.get("output_index")] = len(self._tools)
            return [self._chunk({"tool_calls": [{"index": index, "id": item.get("call_id"), "type": "function",
                                                 "function": {"name": item.get("name"),
                                                              "arguments": item.get("arguments") or ""}}]})]
        if kind == "response.function_call_arguments.delta":
            known = self._tools.get(data.get("output_index"))
            if known is None or not data.get("delta"):
                return []
            self._streamed.add(known)
            return [self._chunk({"tool_calls": [{"index": known, "function": {"arguments": data["delta"]}}]})]
        if kind == "response.function_call_arguments.done":
            known = self._tools.get(data.get("output_index"))
            if known is None or known in self._streamed or not data.get("arguments"):
                return []
            return [self._chunk({"tool_calls": [{"index": known, "function": {"arguments": data["arguments"]}}]})]
        if kind in ("response.completed", "response.incomplete", "response.failed"):
            response = data.get("response") or {}
            if kind == "response.failed":
                error = response.get("error") or {}
                return [_hub.error_chunk(str(error.get("message") or "the upstream failed"),
                                         str(error.get("code") or "api_error"))]
            finish = finish_of(response, list(self._tools))
            return [self._chunk({}, finish),
                    _hub.usage_chunk(self._id, self._model, self._created, usage_to_chat(response.get("usage")))]
        if kind == "error":
            return [_hub.error_chunk(str(data.get("message") or "the upstream failed"),
                                     str(data.get("code") or "api_error"))]
        return []

    def end(self) -> list[dict[str, Any]]:
        return []

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return _hub.chunk(self._id, self._model, self._created, delta, finish)
