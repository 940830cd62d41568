"""`register(...)`: one call from an agent's own code to the platform's `POST /api/a2a/register`."""

from __future__ import annotations

import os
from typing import Any

import httpx

REGISTER_PATH = "/api/a2a/register"
API_KEY_ENV = "A2G_API_KEY"
PLATFORM_URL_ENV = "A2G_PLATFORM_URL"


class A2GError(Exception):
    """The platform refused the registration (or could not be reached)."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details = details or {}

    def __str__(self) -> str:
        prefix = f"{self.status} {self.code}: " if self.status else ""
        return prefix + self.message


def registration_body(
    card: dict[str, Any] | None = None,
    card_url: str | None = None,
    *,
    logo_url: str | None = None,
    color: str | None = None,
    framework: str | None = None,
    endpoint: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body of a registration: `{"card": ...}` or `{"card_url": ...}` plus the platform extras."""
    if (card is None) == (card_url is None):
        raise ValueError("pass exactly one of card or card_url")
    body: dict[str, Any] = {"card": dict(card)} if card is not None else {"card_url": card_url}
    extras = {"logo_url": logo_url, "color": color, "framework": framework, "endpoint": endpoint}
    body.update({k: v for k, v in extras.items() if v is not None})
    return body


def register(
    card: Any = None,
    card_url: str | None = None,
    *,
    api_key: str | None = None,
    platform_url: str | None = None,
    logo_url: str | None = None,
    color: str | None = None,
    framework: str | None = None,
    endpoint: dict[str, Any] | None = None,
    timeout: float = 30.0,
    client: httpx.Client | None = None,
) -> dict[str, Any]:
    """Register (or update) an agent from its A2A card; returns the platform's agent plus `created`.

    `card` may be a dict or an a2a-sdk AgentCard; `card_url` is a URL the platform fetches the card from
    (the agent's base URL or the card itself). `api_key` / `platform_url` default to the A2G_API_KEY and
    A2G_PLATFORM_URL environment variables.
    """
    key = api_key or os.environ.get(API_KEY_ENV)
    base = (platform_url or os.environ.get(PLATFORM_URL_ENV) or "").rstrip("/")
    if not key:
        raise A2GError(f"no API key: pass api_key= or set {API_KEY_ENV}")
    if not base:
        raise A2GError(f"no platform URL: pass platform_url= or set {PLATFORM_URL_ENV}")
    if card is not None and not isinstance(card, dict):
        from a2g_sdk.cards import card_from_a2a

        card = card_from_a2a(card)
    body = registration_body(card, card_url, logo_url=logo_url, color=color, framework=framework,
                             endpoint=endpoint)
    owned = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        response = http.post(base + REGISTER_PATH, json=body, headers={"Authorization": f"Bearer {key}"})
    except httpx.HTTPError as exc:
        raise A2GError(f"cannot reach the platform at {base}: {exc}") from exc
    finally:
        if owned:
            http.close()
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code not in (200, 201):
        error = (data or {}).get("error", {}) if isinstance(data, dict) else {}
        raise A2GError(
            error.get("message") or response.text[:300] or f"HTTP {response.status_code}",
            status=response.status_code, code=error.get("code"), details=error.get("details"),
        )
    if not isinstance(data, dict):
        raise A2GError("the platform answered with something other than a JSON object",
                       status=response.status_code)
    return {**data, "created": response.status_code == 201}
