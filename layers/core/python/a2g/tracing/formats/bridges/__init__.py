"""Cross-provider translation: a client of any format reaches an LLM of any provider.

Formats (what a client speaks, or an upstream): ``chat`` (OpenAI Chat Completions), ``responses`` (OpenAI
Responses), ``messages`` (Anthropic Messages), ``gemini`` (Gemini generateContent). Providers (what the LLM
registry stores): ``openai`` speaks chat and responses (and completions, embeddings), ``anthropic`` messages,
``gemini`` gemini. Every translation goes through chat as the hub (as LiteLLM does): client → chat → upstream
for the request, upstream → chat → client for the answer; a chat side is not translated at all.

The pipeline's calls::

    bridge = bridge_for(client_format, provider)     # None: the provider speaks it, or no bridge exists
    upstream_body = bridge.request(body, model=upstream_model, stream=streamed)
    # ... send it (the upstream format's route: bridge.upstream_format) ...
    client_body = bridge.response(upstream_json, request=body)           # a whole answer
    translator = bridge.stream(request=body)                              # a streamed one, one per call
    for chunk in upstream_bytes:  yield translator.feed(chunk)            # bytes in any chunking
    yield translator.close()                                              # at the upstream's end
    translator.complete                                                   # False: cut before the finish
    translator.error("message", "api_error")                              # an error event, client format

``model`` is the model name to put in the upstream body (for a ``gemini`` upstream it belongs in the URL
and is left out of the body; for a ``gemini`` client the body has none, so pass the one from the URL).
``stream`` says whether the call streams (a ``gemini`` client says it in the URL; otherwise the body's
``stream``). Upstream chat streams are asked for usage (``stream_options.include_usage``); a chat client
gets the usage chunk only when it asked for it.

Everything translated: system prompts, multi-turn, images (base64 and URLs), tool definitions and choice,
tool calls and results (streamed arguments, parallel calls), JSON output (schemas), sampling and limits,
stop sequences, usage (input, output, total, cached, reasoning) and stop reasons. Fields a format does not
know are ignored; a body that cannot be translated raises `BridgeError` (a sentence for the developer).
Pure functions over dicts, stdlib only: importing this package costs no dependency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from a2g.tracing.formats.bridges import anthropic, gemini, responses
from a2g.tracing.formats.bridges._errors import BridgeError
from a2g.tracing.formats.bridges._stream import ChatDecoder, ChatEncoder, StreamTranslator, chat_include_usage
from a2g.tracing.formats.bridges.anthropic_stream import AnthropicDecoder, AnthropicEncoder
from a2g.tracing.formats.bridges.gemini_stream import GeminiDecoder, GeminiEncoder
from a2g.tracing.formats.bridges.responses_stream import ResponsesDecoder, ResponsesEncoder

__all__ = ["FORMATS", "PROVIDER_FORMATS", "Bridge", "BridgeError", "StreamTranslator",
           "bridge_between", "bridge_for"]

Body = dict[str, Any]
FORMATS = ("chat", "responses", "messages", "gemini")
# The formats each provider speaks natively; the first is the one a translated call is sent in.
PROVIDER_FORMATS: dict[str, tuple[str, ...]] = {
    "openai": ("chat", "responses", "completions", "embeddings"),
    "anthropic": ("messages",),
    "gemini": ("gemini",),
}

_Convert = Callable[..., Body]
# format → (request to chat, request from chat, response to chat, response from chat)
_CODECS: dict[str, tuple[_Convert, _Convert, _Convert, _Convert]] = {
    "messages": (anthropic.request_to_chat, anthropic.request_from_chat,
                 anthropic.response_to_chat, anthropic.response_from_chat),
    "gemini": (gemini.request_to_chat, gemini.request_from_chat, gemini.response_to_chat, gemini.response_from_chat),
    "responses": (responses.request_to_chat, responses.request_from_chat,
                  responses.response_to_chat, responses.response_from_chat),
}


@dataclass(frozen=True)
class Bridge:
    """Translates one client format to one upstream format and back; stateless (streams get a translator)."""

    client_format: str
    upstream_format: str

    def request(self, body: Body, *, model: str | None = None, stream: bool | None = None) -> Body:
        """The client's request body as the upstream's."""
        if not isinstance(body, dict):
            raise BridgeError("the request body must be a JSON object")
        chat = body
        if self.client_format != "chat":
            chat = _CODECS[self.client_format][0](body, model=model, stream=stream)
        elif model:
            chat = {**body, "model": model}
        if stream is None:
            stream = bool(chat.get("stream"))
        if self.upstream_format == "chat":
            if stream:
                chat = {**chat, "stream": True,
                        "stream_options": {**(chat.get("stream_options") or {}), "include_usage": True}}
            return chat
        return _CODECS[self.upstream_format][1](chat, model=model or chat.get("model"), stream=stream)

    def response(self, body: object, *, request: Body | None = None, model: str | None = None) -> Body:
        """The upstream's whole (non-streamed) answer as the client's (any parsed JSON: a body that is not an
        object, or did not parse, is a BridgeError)."""
        if not isinstance(body, dict):
            raise BridgeError("the upstream's answer is not a JSON object")
        chat = body if self.upstream_format == "chat" else _CODECS[self.upstream_format][2](body, model=model)
        if self.client_format == "chat":
            return chat
        if self.client_format == "responses":
            return responses.response_from_chat(chat, model=model, request=request)
        return _CODECS[self.client_format][3](chat, model=model)

    def stream(self, *, request: Body | None = None, model: str | None = None) -> StreamTranslator:
        """A translator for one streamed call: upstream SSE bytes in, the client's SSE bytes out."""
        decoder: Any
        encoder: Any
        if self.upstream_format == "messages":
            decoder = AnthropicDecoder(model)
        elif self.upstream_format == "gemini":
            decoder = GeminiDecoder(model)
        elif self.upstream_format == "responses":
            decoder = ResponsesDecoder(model)
        else:
            decoder = ChatDecoder()
        if self.client_format == "messages":
            encoder = AnthropicEncoder(model)
        elif self.client_format == "gemini":
            encoder = GeminiEncoder(model)
        elif self.client_format == "responses":
            encoder = ResponsesEncoder(model, request)
        else:
            encoder = ChatEncoder(chat_include_usage(request))
        return StreamTranslator(decoder, encoder)


def bridge_between(client_format: str, upstream_format: str) -> Bridge | None:
    """The bridge from one format to another; None when they are the same or either cannot be translated."""
    if client_format == upstream_format or client_format not in FORMATS or upstream_format not in FORMATS:
        return None
    return Bridge(client_format, upstream_format)


def bridge_for(client_format: str, provider: str) -> Bridge | None:
    """The bridge from a client's format (api) to an LLM of this provider.

    None when the provider speaks the format itself (pass it through) or when no translation exists
    (completions and embeddings reach openai-provider LLMs only; an unknown provider) — the pipeline tells the
    two apart by checking the provider's own formats first (`PROVIDER_FORMATS`).
    """
    native = PROVIDER_FORMATS.get(provider)
    if native is None or client_format in native:
        return None
    return bridge_between(client_format, native[0])


def request_to_chat(client_format: str, body: dict[str, Any]) -> dict[str, Any]:
    """A client's request body of any format read as a Chat Completions request (the sub-agent inference's
    view of the conversation); raises `BridgeError` for a body that has no such reading."""
    return body if client_format == "chat" else _CODECS[client_format][0](body, model=None, stream=None)
