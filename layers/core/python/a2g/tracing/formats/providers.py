"""What each LLM provider of the registry expects on the wire: where its key goes, how its base URL reads,
which response headers matter, and the small call the health check and the admin's "test" make.

- `openai` (any OpenAI-compatible server; the default): base URL `…/v1`, `Authorization: Bearer <key>`;
- `anthropic`: base URL `https://api.anthropic.com`, `x-api-key` + `anthropic-version`;
- `gemini`: base URL `https://generativelanguage.googleapis.com`, `x-goog-api-key`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from a2g.tracing.formats.anthropic import DEFAULT_VERSION

PROVIDERS = ("openai", "anthropic", "gemini")
DEFAULT_PROVIDER: Literal["openai"] = "openai"

# Response headers a client's SDK reads (retry timing, rate-limit state, request ids), passed through.
_PASSED = {"content-type", "x-request-id", "request-id", "openai-processing-ms", "openai-version",
           "openai-organization", "retry-after", "retry-after-ms", "x-should-retry", "anthropic-organization-id"}
_PASSED_PREFIXES = ("x-ratelimit-", "anthropic-ratelimit-")
# Request headers forwarded to the LLM of the same provider (its API's version and beta switches).
_FORWARDED = {"openai": ("openai-beta",), "anthropic": ("anthropic-version", "anthropic-beta"), "gemini": ()}


def passed_response_headers(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode(), v.encode()) for k, v in headers.items()
            if k.lower() in _PASSED or k.lower().startswith(_PASSED_PREFIXES)]


def auth_headers(provider: str, api_key: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if provider == "anthropic":
        headers["anthropic-version"] = DEFAULT_VERSION
        if api_key:
            headers["x-api-key"] = api_key
    elif provider == "gemini":
        if api_key:
            headers["x-goog-api-key"] = api_key
    elif api_key:
        headers["authorization"] = f"Bearer {api_key}"
    return headers


def upstream_headers(provider: str, api_key: str | None, client: Mapping[str, str], accept: str) -> dict[str, str]:
    headers = {"content-type": "application/json", "accept-encoding": "identity", "accept": accept}
    for name in _FORWARDED.get(provider, ()):
        value = client.get(name)
        if value:
            headers[name] = value
    headers.update({k: v for k, v in auth_headers(provider, api_key).items()
                    if not (k == "anthropic-version" and "anthropic-version" in headers)})
    return headers


def platform_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The platform API key, wherever the client's SDK puts its key."""
    authorization = headers.get("authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    for name in ("x-api-key", "x-goog-api-key"):
        other = headers.get(name)
        if other and other.strip():
            return other.strip()
    key = query.get("key")
    return key.strip() if key and key.strip() else None


def probe_request(provider: str, base_url: str, api_key: str | None, model: str) -> tuple[str, dict[str, str],
                                                                                          dict[str, Any]]:
    """(url, headers, JSON body) of the smallest generation the provider accepts."""
    headers = {"content-type": "application/json", **auth_headers(provider, api_key)}
    base = base_url.rstrip("/")
    if provider == "anthropic":
        return (base + "/v1/messages", headers,
                {"model": model, "max_tokens": 1, "messages": [{"role": "user", "content": "ping"}]})
    if provider == "gemini":
        return (f"{base}/v1beta/models/{model}:generateContent", headers,
                {"contents": [{"role": "user", "parts": [{"text": "ping"}]}], "generationConfig": {"maxOutputTokens": 1}})
    return (base + "/chat/completions", headers,
            {"model": model, "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1})
