"""The proxy's translation seam: a call from a client of one format to an LLM of another provider.

The pipeline's `translate?` step, on the wire level only (no provider field names here; those live in
`a2g.tracing.formats.bridges`): the request body is rewritten for the upstream and sent to the upstream
format's own route; the answer — whole, streamed, or an error — is rewritten for the client before it is sent,
so the client's format module records it like any call of its own format.

The bridges are imported with the first translated call (`formats.translate_for`), not with the function:
a proxy whose LLMs all speak their clients' formats never loads them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from a2g.tracing import formats
from a2g.tracing.formats.base import ParsedRequest, loads
from a2g.tracing.formats.errors import ProxyError, bad_request, status_type

if TYPE_CHECKING:
    from a2g.tracing.formats.bridges import Bridge, StreamTranslator

# Routes a translated call may take: generation only (count_tokens, countTokens, embedContent have no
# counterpart in another provider's API).
TRANSLATED_ACTIONS = (None, "generateContent", "streamGenerateContent")
_ROUTES = {"chat": formats.CHAT, "responses": formats.RESPONSES, "messages": formats.MESSAGES,
           "gemini": formats.GEMINI}


def upstream_request(bridge: Bridge, body: dict[str, Any], parsed: ParsedRequest) -> tuple[bytes, str]:
    """(payload, path under the LLM's base URL) of the translated call; a body that cannot be translated is
    the client's 400."""
    from a2g.tracing.formats.bridges import BridgeError

    try:
        upstream = bridge.request(body, model=parsed.model, stream=parsed.stream)
    except BridgeError as exc:
        raise bad_request("untranslatable_request", f"{exc}") from None
    route = _ROUTES[bridge.upstream_format]
    action = "streamGenerateContent" if parsed.stream else "generateContent"
    path = route.upstream_path.format(model=parsed.model, action=action, version="v1beta")
    if bridge.upstream_format == "gemini" and parsed.stream:
        path += "?alt=sse"
    return json.dumps(upstream, separators=(",", ":"), ensure_ascii=False).encode(), path


class ClientAnswer:
    """Rewrites one call's upstream answer for its client."""

    def __init__(self, bridge: Bridge, client: str, request: dict[str, Any] | None, model: str | None) -> None:
        self._bridge, self._client, self._request, self._model = bridge, client, request, model
        self.stream: StreamTranslator = bridge.stream(request=request, model=model)

    def whole(self, status: int, body: bytes) -> bytes:
        """A whole answer (or an upstream error, in the client's error format)."""
        from a2g.tracing.formats.bridges import BridgeError

        value = loads(body) if body else None
        if status >= 400:
            return self.error_body(ProxyError(status, status_type(status), f"upstream_{status}",
                                              _upstream_message(value) or f"the LLM answered {status}"))
        try:
            translated = self._bridge.response(value, request=self._request, model=self._model)
        except BridgeError as exc:
            return self.error_body(ProxyError(502, "upstream_error", "untranslatable_response",
                                              f"the LLM's answer could not be translated: {exc}"))
        return json.dumps(translated, separators=(",", ":"), ensure_ascii=False).encode()

    def feed(self, raw: bytes) -> bytes:
        from a2g.tracing.formats.bridges import BridgeError

        try:
            return self.stream.feed(raw)
        except BridgeError as exc:
            return self.stream.error(f"the LLM's stream could not be translated: {exc}", "api_error")

    def close(self) -> bytes:
        from a2g.tracing.formats.bridges import BridgeError

        try:
            return self.stream.close()
        except BridgeError as exc:
            return self.stream.error(f"the LLM's stream could not be translated: {exc}", "api_error")

    def error_body(self, error: ProxyError) -> bytes:
        return formats.error_body(self._client, error)


def _upstream_message(value: Any) -> str | None:
    """The message of an error body in any provider's format (all of them put it under `error.message`)."""
    error = value.get("error") if isinstance(value, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return str(message) if message else None
