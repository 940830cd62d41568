"""What the sync and the async client share: settings, the requests each method makes, reading answers,
and the chat-run protocol. No I/O here; `Client` and `AsyncClient` only send what this builds."""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlencode, urlsplit

from a2g_sdk.errors import (
    ConfigurationError,
    RunFailed,
    ServerError,
    UnexpectedResponse,
    error_for_code,
    error_for_status,
)
from a2g_sdk.models import ChatMessage, RunEvent

API_KEY_ENV = "A2G_API_KEY"
TOKEN_ENV = "A2G_TOKEN"
PLATFORM_URL_ENV = "A2G_PLATFORM_URL"
WS_URL_ENV = "A2G_WS_URL"
REGISTER_PATH = "/api/a2a/register"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RUN_TIMEOUT = 900.0  # the platform stops a run after 840 s
_URL = re.compile(r"^(https?)://[^/?#\s@]+", re.IGNORECASE)


@dataclass(frozen=True)
class Settings:
    """Where the platform is and how to authenticate: an API key (`a2g_sk_...`) or a signed-in user's
    access token. Every route the SDK calls accepts either (the platform's one authorizer takes both)."""

    base_url: str
    credential: str
    ws_url: str

    @classmethod
    def resolve(cls, platform_url: str | None, api_key: str | None, token: str | None,
                ws_url: str | None) -> Settings:
        if api_key and token:
            raise ConfigurationError("pass an API key or a token, not both", code="two_credentials")
        credential = api_key or token or os.environ.get(API_KEY_ENV) or os.environ.get(TOKEN_ENV)
        if not credential:
            raise ConfigurationError(
                f"no API key: pass api_key= (or token=) or set {API_KEY_ENV} "
                "(create a key in the platform under Settings → API keys)", code="no_credential")
        base = check_platform_url(platform_url or os.environ.get(PLATFORM_URL_ENV) or "")
        return cls(base_url=base, credential=credential.strip(),
                   ws_url=check_ws_url(ws_url or os.environ.get(WS_URL_ENV) or default_ws_url(base)))

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential}", "Accept": "application/json"}


def check_platform_url(value: str) -> str:
    text = value.strip().rstrip("/")
    if not text:
        raise ConfigurationError(f"no platform URL: pass platform_url= or set {PLATFORM_URL_ENV} "
                                 "(e.g. http://127.0.0.1:3000)", code="no_platform_url")
    if not _URL.match(text):
        raise ConfigurationError(f"the platform URL {value!r} is not an http:// or https:// URL "
                                 "(e.g. http://127.0.0.1:3000)", code="bad_platform_url")
    return text


def check_ws_url(value: str) -> str:
    text = value.strip()
    if not re.match(r"^wss?://[^/?#\s@]+", text, re.IGNORECASE):
        raise ConfigurationError(f"the WebSocket URL {value!r} is not a ws:// or wss:// URL", code="bad_ws_url")
    return text


def default_ws_url(base_url: str) -> str:
    """The platform serves its WebSocket at `/ws` of the same origin (locally and behind CloudFront)."""
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme.lower() == "https" else "ws"
    return f"{scheme}://{parts.netloc}/ws"


# --- requests ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    method: Literal["GET", "POST", "PATCH", "DELETE"]
    path: str
    params: Mapping[str, str | int] = field(default_factory=dict)
    json: Any = None
    what: str = "the call"  # for sentences: "registering the agent failed: ..."


def seg(value: str) -> str:
    """One path segment; an id with a slash in it cannot reach another route."""
    if not isinstance(value, str) or not value:
        raise ValueError("an id must be a non-empty string")
    return quote(value, safe="")


def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def registration_body(
    card: Mapping[str, Any] | None = None,
    card_url: str | None = None,
    *,
    logo_url: str | None = None,
    color: str | None = None,
    framework: str | None = None,
    endpoint: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body of a registration: `{"card": ...}` or `{"card_url": ...}` plus the platform extras."""
    if (card is None) == (card_url is None):
        raise ValueError("pass exactly one of card or card_url")
    body: dict[str, Any] = {"card": dict(card)} if card is not None else {"card_url": card_url}
    body.update(_drop_none({"logo_url": logo_url, "color": color, "framework": framework,
                            "endpoint": dict(endpoint) if endpoint is not None else None}))
    return body


def as_card(card: Any) -> dict[str, Any] | None:
    if card is None or isinstance(card, dict):
        return card
    from a2g_sdk.cards import card_from_a2a

    return card_from_a2a(card)


def page_params(limit: int | None, cursor: str | None, **more: str | None) -> dict[str, str | int]:
    params: dict[str, str | int] = {k: v for k, v in more.items() if v is not None}
    if limit is not None:
        params["limit"] = limit
    if cursor is not None:
        params["cursor"] = cursor
    return params


# --- answers -----------------------------------------------------------------------------------------------

def read_answer(status: int, text: str, base_url: str, what: str) -> Any:
    """The JSON of a 2xx answer (None for 204), or the typed error of any other."""
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
        if 200 <= status < 300:
            raise UnexpectedResponse(f"{what}: {base_url} answered with something other than JSON; "
                                     "is this the A2G platform's URL?", status=status) from None
    if 200 <= status < 300:
        return body
    raise error_for_status(status, body, text, base_url)


def expect_object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise UnexpectedResponse(f"{what}: the platform answered with something other than a JSON object")
    return body


# --- chat runs over the WebSocket ---------------------------------------------------------------------------

def ws_connect_url(settings: Settings) -> str:
    # Browsers cannot set headers on a WebSocket, so the platform reads the credential from `?token=`
    # (an API key is accepted there like an access token).
    separator = "&" if "?" in settings.ws_url else "?"
    return settings.ws_url + separator + urlencode({"token": settings.credential})


def invoke_frame(session_id: str, message: str, attachments: Sequence[str] | None,
                 request_id: str | None) -> tuple[str, str]:
    """(the JSON text to send, the request id every push of this run echoes)."""
    rid = request_id or "sdk-" + secrets.token_hex(8)
    frame = {"action": "invoke", "session_id": session_id, "message": message,
             "attachments": list(attachments or []), "request_id": rid}
    return json.dumps(frame), rid


def read_push(raw: str | bytes, request_id: str) -> RunEvent | None:
    """A push of this run as a RunEvent, or None for anything else on the connection (other runs, traces).

    A refusal before the run started (no such session, empty message, ...) carries no saved message: it
    raises the typed error instead of being returned.
    """
    try:
        push = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(push, dict) or push.get("request_id") != request_id:
        if isinstance(push, dict) and "connectionId" in push:  # API Gateway's own word about our message
            gateway = push.get("message")
            if gateway == "Forbidden":
                raise UnexpectedResponse("the WebSocket has no `invoke` route: is this the A2G platform's "
                                         "WebSocket URL?", code="no_invoke_route")
            if gateway == "Internal server error":
                raise ServerError("the platform failed while starting the run", code="internal_error")
            # e.g. "Endpoint request timed out" after 29 s: the run goes on and keeps pushing.
        return None
    if push.get("type") == "error" and push.get("message") is None:
        error: dict[str, Any] = push["error"] if isinstance(push.get("error"), dict) else {}
        raise error_for_code(str(error.get("code") or "error"), str(error.get("message") or "the run was refused"))
    return push  # type: ignore[return-value]


def is_last(event: RunEvent) -> bool:
    return event.get("type") in ("message", "error")


def final_message(event: RunEvent) -> ChatMessage:
    """The saved assistant message of the run's last event; RunFailed when the agent failed."""
    message = event.get("message")
    if event.get("type") == "error":
        error = event.get("error") or {"code": "agent_error", "message": "the run failed"}
        raise RunFailed(f"the agent's run failed: {error.get('message')}", code=error.get("code"),
                        run_message=dict(message) if message else None)
    if not message:
        raise UnexpectedResponse("the run ended without the agent's message")
    return message
